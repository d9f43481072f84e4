import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../../src/journal/entry';
import { StampOrder } from '../../../src/journal/stamp-order';

const entry = (realtimeUsec: number, monotonicUsec: number): JournalEntry => ({ fields: [['MESSAGE', 'x']], realtimeUsec, monotonicUsec, bootId: Buffer.alloc(16, 1) });
const stamps = (e: JournalEntry) => [e.realtimeUsec, e.monotonicUsec];

describe("the writer's entries in time order", () => {
  it('an entry stamped before the one handed on ahead of it takes its stamps; later ones keep theirs', () => {
    const order = new StampOrder();
    expect(stamps(order.next(entry(1000, 10)))).toEqual([1000, 10]);
    expect(stamps(order.next(entry(1500, 15)))).toEqual([1500, 15]);
    // PID 1's line, stamped at 1200 but read after the writer's line of 1500.
    expect(stamps(order.next(entry(1200, 12)))).toEqual([1500, 15]);
    expect(stamps(order.next(entry(1500, 15)))).toEqual([1500, 15]);
    expect(stamps(order.next(entry(1600, 16)))).toEqual([1600, 16]);
  });

  it('each clock is kept from going back on its own', () => {
    const order = new StampOrder();
    order.next(entry(1000, 20));
    expect(stamps(order.next(entry(1100, 19)))).toEqual([1100, 20]);
    expect(stamps(order.next(entry(900, 30)))).toEqual([1100, 30]);
  });
});
