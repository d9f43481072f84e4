import { describe, expect, it } from 'vitest';
import { RateLimit } from '../../../src/log/rate-limit';

describe('RateLimit', () => {
  it('lets a burst through per interval, then counts what it holds back and says so once', () => {
    let t = 1000;
    const limit = new RateLimit(3, 10_000, () => t);
    const turns = Array.from({ length: 1000 }, () => limit.take());
    expect(turns.filter((x) => x.allowed)).toHaveLength(3);
    expect(turns.every((x) => x.suppressed === 0)).toBe(true);
    t += 9_999;
    expect(limit.take()).toEqual({ allowed: false, suppressed: 0 });
    t += 1;
    expect(limit.take()).toEqual({ allowed: true, suppressed: 998 });
    expect(limit.take()).toEqual({ allowed: true, suppressed: 0 });
  });

  it('a quiet interval reports nothing', () => {
    let t = 0;
    const limit = new RateLimit(2, 100, () => t);
    expect(limit.take()).toEqual({ allowed: true, suppressed: 0 });
    t = 500;
    expect(limit.take()).toEqual({ allowed: true, suppressed: 0 });
  });
});
