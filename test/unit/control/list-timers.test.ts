import { describe, expect, it } from 'vitest';
import { renderTimers } from '../../../src/control/list-tables';
import { formatRelative } from '../../../src/control/relative-time';

const S = 1_000_000;
const NOW = Date.UTC(2026, 11, 7, 12) * 1000;

describe('relative times as systemd prints them', () => {
  it('left and ago, in its steps', () => {
    expect(formatRelative(NOW + 500, NOW)).toBe('500us left');
    expect(formatRelative(NOW - 43_000, NOW)).toBe('43ms ago');
    expect(formatRelative(NOW + 59 * S, NOW)).toBe('59s left');
    expect(formatRelative(NOW + 63 * S, NOW)).toBe('1min 3s left');
    expect(formatRelative(NOW - 7 * 60 * S, NOW)).toBe('7min ago');
    expect(formatRelative(NOW + 3 * 3600 * S + 5 * 60 * S, NOW)).toBe('3h 5min left');
    expect(formatRelative(NOW + 9 * 3600 * S, NOW)).toBe('9h left');
    expect(formatRelative(NOW - 26 * 3600 * S, NOW)).toBe('1 day 2h ago');
    expect(formatRelative(NOW + 3 * 86_400 * S, NOW)).toBe('3 days left');
    expect(formatRelative(NOW + 8 * 86_400 * S, NOW)).toBe('1 week 1 day left');
    expect(formatRelative(NOW - 40 * 86_400 * S, NOW)).toBe('1 month 9 days ago');
    expect(formatRelative(NOW + 400 * 86_400 * S, NOW)).toBe('1 year 1 month left');
    expect(formatRelative(NOW, NOW)).toBe('now');
    expect(formatRelative(undefined, NOW)).toBe('');
  });
});

describe('list-timers', () => {
  it("systemd's columns, soonest first, n/a where there is nothing, the count and the hint", () => {
    const out = renderTimers(
      [
        { unit: 'boot.timer', activates: 'tick.service', last: NOW - 2 * S },
        { unit: 'daily.timer', activates: 'daily.service', next: NOW + 12 * 3600 * S, last: NOW - 12 * 3600 * S },
        { unit: 'cal.timer', activates: 'tock.service', next: NOW + S },
      ],
      true,
      false,
      NOW,
    );
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^NEXT +LEFT +LAST +PASSED +UNIT +ACTIVATES$/);
    // Each column as wide as its widest cell, one blank apart.
    expect(lines[1]!.indexOf('1s left')).toBe(lines[0]!.indexOf('LEFT'));
    expect(lines[2]!.indexOf('daily.timer')).toBe(lines[0]!.indexOf('UNIT'));
    expect(lines[1]).toMatch(/^\w{3} 2026-12-0\d \d\d:00:01 \S+ +1s left +n\/a +n\/a +cal\.timer +tock\.service$/);
    expect(lines[2]).toMatch(/ 12h left +\w{3} .* 12h ago +daily\.timer +daily\.service$/);
    expect(lines[3]).toMatch(/^n\/a +n\/a +\w{3} .* 2s ago +boot\.timer +tick\.service$/);
    expect(lines.slice(4).join('\n')).toBe('\n3 timers listed.\nPass --all to see loaded but inactive timers, too.\n');
    expect(renderTimers([], false, true, NOW)).toBe('');
  });
});
