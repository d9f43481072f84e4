import { describe, expect, it } from 'vitest';
import { parseJournalTime } from '../../../src/journal/journalctl-time';

// 2026-12-07 12:34:56.5 local time
const NOW = new Date(2026, 11, 7, 12, 34, 56, 500).getTime() * 1000;
const local = (...a: [number, number, number, number?, number?, number?]) => new Date(a[0], a[1] - 1, a[2], a[3] ?? 0, a[4] ?? 0, a[5] ?? 0).getTime() * 1000;

describe('systemd time syntax (--since, --until)', () => {
  it('words: now, today, yesterday, tomorrow', () => {
    expect(parseJournalTime('now', NOW)).toBe(NOW);
    expect(parseJournalTime('today', NOW)).toBe(local(2026, 12, 7));
    expect(parseJournalTime('yesterday', NOW)).toBe(local(2026, 12, 6));
    expect(parseJournalTime('tomorrow', NOW)).toBe(local(2026, 12, 8));
    expect(parseJournalTime('today UTC', NOW)).toBe(Date.UTC(2026, 11, 7) * 1000);
  });

  it('relative spans: -1h, +30min, "2 days ago", "5s left"', () => {
    expect(parseJournalTime('-1h', NOW)).toBe(NOW - 3600e6);
    expect(parseJournalTime('+30min', NOW)).toBe(NOW + 1800e6);
    expect(parseJournalTime('-1h 30min', NOW)).toBe(NOW - 5400e6);
    expect(parseJournalTime('2 days ago', NOW)).toBe(NOW - 2 * 86400e6);
    expect(parseJournalTime('5s left', NOW)).toBe(NOW + 5e6);
  });

  it('@epoch, with a fraction', () => {
    expect(parseJournalTime('@1767225600', NOW)).toBe(1767225600e6);
    expect(parseJournalTime('@1767225600.25', NOW)).toBe(1767225600250000);
  });

  it('dates and times, local or UTC, with an optional weekday', () => {
    expect(parseJournalTime('2026-12-01 10:00', NOW)).toBe(local(2026, 12, 1, 10));
    expect(parseJournalTime('2026-12-01 10:00:05', NOW)).toBe(local(2026, 12, 1, 10, 0, 5));
    expect(parseJournalTime('2026-12-01T10:00:05.123456', NOW)).toBe(local(2026, 12, 1, 10, 0, 5) + 123456);
    expect(parseJournalTime('2026-12-01', NOW)).toBe(local(2026, 12, 1));
    expect(parseJournalTime('26-12-01', NOW)).toBe(local(2026, 12, 1));
    expect(parseJournalTime('Tue 2026-12-01 10:00', NOW)).toBe(local(2026, 12, 1, 10));
    expect(parseJournalTime('2026-01-01 00:00:00 UTC', NOW)).toBe(Date.UTC(2026, 0, 1) * 1000);
    expect(parseJournalTime('10:00', NOW)).toBe(local(2026, 12, 7, 10));
    expect(parseJournalTime('10:00:30', NOW)).toBe(local(2026, 12, 7, 10, 0, 30));
  });

  it('refuses what is not the syntax', () => {
    for (const bad of ['', 'soon', '2026-13-01', '2026-02-30', '25:00', '-', '-1x', '2026-12-01 10', '@x', 'ago']) {
      expect(parseJournalTime(bad, NOW), bad).toBeUndefined();
    }
  });
});
