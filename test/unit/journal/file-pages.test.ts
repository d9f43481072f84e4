// The writer's kept pages: what they merge into one write, and that they stay the file's bytes.
import { describe, expect, it } from 'vitest';
import { FilePages, PAGE_SIZE } from '../../../src/journal/file-pages';

const filePage = (file: Buffer, page: number) => Buffer.from(file.subarray(page * PAGE_SIZE, (page + 1) * PAGE_SIZE));

/** The writes the writer makes of these values: runEnd's runs, the kept bytes where a run has gaps. */
function runs(pages: FilePages, writes: Map<number, number>): Array<{ pos: number; buf: Buffer }> {
  const positions = Float64Array.from(writes.keys()).sort();
  const out: Array<{ pos: number; buf: Buffer }> = [];
  for (let i = 0; i < positions.length; ) {
    const j = pages.runEnd(positions, i);
    const from = positions[i];
    const buf = Buffer.alloc(positions[j - 1] + 8 - from);
    if (pages.gaps) pages.copyTo(buf, from, from + buf.length);
    for (let k = i; k < j; k++) buf.writeBigUInt64LE(BigInt(writes.get(positions[k])!), positions[k] - from);
    out.push({ pos: from, buf });
    i = j;
  }
  return out;
}

describe('FilePages', () => {
  it('merges values a page apart over kept pages, adjacent ones anywhere, and nothing across a missing page', () => {
    const file = Buffer.alloc(8 * PAGE_SIZE);
    for (let i = 0; i < file.length; i++) file[i] = i % 251;
    const pages = new FilePages(8);
    pages.add(1, filePage(file, 1));
    pages.add(2, filePage(file, 2));
    const writes = new Map([
      [PAGE_SIZE + 16, 7],
      [PAGE_SIZE + 800, 8],
      [2 * PAGE_SIZE + 8, 9], // one run over pages 1 and 2
      [5 * PAGE_SIZE, 1],
      [5 * PAGE_SIZE + 8, 2], // adjacent: one run, page 5 not kept
      [5 * PAGE_SIZE + 64, 3], // not kept, not adjacent: a run of its own
    ]);
    const got = runs(pages, writes);
    expect(got.map((r) => [r.pos, r.buf.length])).toEqual([
      [PAGE_SIZE + 16, PAGE_SIZE + 8 - 16 + 8],
      [5 * PAGE_SIZE, 16],
      [5 * PAGE_SIZE + 64, 8],
    ]);
    // The merged run is the file's bytes with the values in place.
    const expected = Buffer.from(file.subarray(PAGE_SIZE + 16, 2 * PAGE_SIZE + 16));
    for (const [pos, v] of [[PAGE_SIZE + 16, 7], [PAGE_SIZE + 800, 8], [2 * PAGE_SIZE + 8, 9]]) {
      expected.writeBigUInt64LE(BigInt(v), pos - PAGE_SIZE - 16);
    }
    expect(got[0].buf.equals(expected)).toBe(true);
  });

  it('a write the owner reports changes the kept page, so a later run writes the new bytes between', () => {
    const file = Buffer.alloc(4 * PAGE_SIZE, 1);
    const pages = new FilePages(8);
    pages.add(1, filePage(file, 1));
    const patch = Buffer.alloc(24, 0xee);
    pages.wrote(patch, 0, patch.length, PAGE_SIZE - 8); // straddles pages 0 (not kept) and 1
    const [run] = runs(pages, new Map([[PAGE_SIZE, 5], [PAGE_SIZE + 40, 6]]));
    expect(run.buf.length).toBe(48);
    expect([...run.buf.subarray(8, 16)]).toEqual(Array(8).fill(0xee));
    expect([...run.buf.subarray(16, 40)]).toEqual(Array(24).fill(1));
  });

  it('reads only pages that hold two values or more, and keeps a bounded number', () => {
    const pages = new FilePages(2);
    expect(pages.worthReading(new Map([[PAGE_SIZE * 3 + 8, 1], [PAGE_SIZE * 3 + 64, 1], [PAGE_SIZE * 4, 1]]))).toEqual([3]);
    for (let p = 0; p < 10; p++) pages.add(p, Buffer.alloc(PAGE_SIZE));
    expect(pages.size).toBeLessThanOrEqual(4);
  });
});
