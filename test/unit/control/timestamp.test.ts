import { afterEach, describe, expect, it } from 'vitest';
import { formatTimestamp, monotonicUs } from '../../../src/control/timestamp';

const tz = process.env.TZ;
afterEach(() => {
  if (tz === undefined) delete process.env.TZ;
  else process.env.TZ = tz;
});

describe('systemctl show timestamps', () => {
  it('ActiveEnterTimestamp is formatted as systemd does, in local time; empty for never', () => {
    process.env.TZ = 'UTC';
    expect(formatTimestamp(Date.UTC(2026, 11, 1, 19, 40, 0))).toBe('Tue 2026-12-01 19:40:00 UTC');
    expect(formatTimestamp(undefined)).toBe('');
    expect(formatTimestamp(0)).toBe('');
  });
  it('*Monotonic is µs of CLOCK_MONOTONIC: the moment moved from the wall clock; 0 for never', () => {
    expect(monotonicUs(9_000, 10_000, 5_000_000n)).toBe('4000000');
    expect(monotonicUs(undefined, 10_000, 5_000_000n)).toBe('0');
  });
});
