import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../../src/journal/entry';
import { StampOrder } from '../../../src/journal/stamp-order';

const entry = (realtimeUsec: number, monotonicUsec: number): JournalEntry => ({ fields: [['MESSAGE', 'x']], realtimeUsec, monotonicUsec, bootId: Buffer.alloc(16, 1) });
const stamps = (e: JournalEntry) => [e.realtimeUsec, e.monotonicUsec];

describe("the writer's entries in time order", () => {
  it("PID 1's entry stamped before the writer's line stored ahead of it takes that line's stamps; later ones keep theirs", () => {
    const order = new StampOrder();
    expect(stamps(order.raise(entry(1000, 10)))).toEqual([1000, 10]);
    expect(stamps(order.stamped(entry(1500, 15)))).toEqual([1500, 15]);
    // PID 1's line, stamped at 1200 but read after the writer's line of 1500.
    expect(stamps(order.raise(entry(1200, 12)))).toEqual([1500, 15]);
    expect(stamps(order.stamped(entry(1500, 15)))).toEqual([1500, 15]);
    expect(stamps(order.raise(entry(1600, 16)))).toEqual([1600, 16]);
  });

  it("each clock of PID 1's entries is kept from going back on its own", () => {
    const order = new StampOrder();
    order.raise(entry(1000, 20));
    expect(stamps(order.raise(entry(1100, 19)))).toEqual([1100, 20]);
    expect(stamps(order.raise(entry(900, 30)))).toEqual([1100, 30]);
  });

  it("the writer's own stamps are kept when the clock is set back, and PID 1's follow them from there", () => {
    const order = new StampOrder();
    order.stamped(entry(5_000_000, 50));
    // The realtime clock set back by seconds: the writer's stamp stays (the store rotates, as journald does).
    expect(stamps(order.stamped(entry(1_000_000, 60)))).toEqual([1_000_000, 60]);
    // Not held at the old time for as long as the clock takes to catch up.
    expect(stamps(order.raise(entry(1_000_100, 61)))).toEqual([1_000_100, 61]);
  });
});
