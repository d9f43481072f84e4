import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../src/journal/rate-limit';

describe("journald's rate limit per sender", () => {
  it('lets the burst through, drops the rest, and tells the count at the next interval', () => {
    const r = new RateLimiter(30_000, 3);
    const got = Array.from({ length: 5 }, () => r.test('a.service', 1000).pass);
    expect(got).toEqual([true, true, true, false, false]);
    expect(r.test('b.service', 1000).pass).toBe(true);
    expect(r.test('a.service', 31_000)).toEqual({ pass: true, suppressedBefore: 2 });
    expect(r.test('a.service', 31_001)).toEqual({ pass: true, suppressedBefore: 0 });
  });

  it('0 turns it off; the senders tracked are bounded', () => {
    const off = new RateLimiter(0, 0);
    for (let i = 0; i < 100; i++) expect(off.test('x', 0).pass).toBe(true);
    const r = new RateLimiter(30_000, 1);
    for (let i = 0; i < 5000; i++) r.test(`uid ${i}`, 0);
    expect((r as unknown as { windows: Map<string, unknown> }).windows.size).toBeLessThanOrEqual(1024);
  });
});
