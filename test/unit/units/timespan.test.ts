// Time spans as systemd.time(7) describes them, in milliseconds.
import { describe, expect, it } from 'vitest';
import { formatTimespan, parseTimespan } from '../../../src/units/timespan';

describe('parseTimespan', () => {
  it.each([
    ['90s', 90_000],
    ['1min 30s', 90_000],
    ['1min30s', 90_000],
    ['500ms', 500],
    ['2h', 7_200_000],
    ['2h30m', 9_000_000],
    ['1.5s', 1_500],
    ['.5s', 500],
    ['90', 90_000],
    ['0', 0],
    ['  5 min  ', 300_000],
    ['1d 1h', 90_000_000],
    ['1w', 604_800_000],
    ['250us', 0.25],
    ['3 seconds 2 msec', 3_002],
    ['1 2', 3_000],
    ['1.5s.5', 2_000],
    ['1M', 2_629_800_000],
    ['1y', 31_557_600_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseTimespan(text)).toBe(ms);
  });

  it('"infinity" is Infinity', () => {
    expect(parseTimespan('infinity')).toBe(Infinity);
    expect(parseTimespan(' infinity ')).toBe(Infinity);
  });

  it('a bare number takes the default unit', () => {
    expect(parseTimespan('250', 'ms')).toBe(250);
    expect(parseTimespan('250', 'us')).toBe(0.25);
    expect(parseTimespan('1s 250', 'ms')).toBe(1_250);
  });

  it.each(['', '   ', '-5s', 'abc', '5 parsecs', '10x', '1s infinity', 'infinite', '1..5s', '1.5.5', 's'])('"%s" is not a time span', (text) => {
    expect(parseTimespan(text)).toBeUndefined();
  });
});

describe('formatTimespan', () => {
  it('writes spans the way systemd prints them', () => {
    expect(formatTimespan(90_000)).toBe('1min 30s');
    expect(formatTimespan(Infinity)).toBe('infinity');
    expect(formatTimespan(0)).toBe('0');
    expect(formatTimespan(90_061_001.5)).toBe('1d 1h 1min 1s 1ms 500us');
  });

  it('round-trips through parseTimespan', () => {
    for (const ms of [1, 999, 61_000, 3_600_000, 86_400_000 + 1]) expect(parseTimespan(formatTimespan(ms))).toBe(ms);
  });
});
