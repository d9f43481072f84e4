// Pages of a journal file kept in memory as the file has them, so that a batch's scattered
// 8-byte changes within a page of each other become one write (the bytes between written again
// as they are) instead of a system call each. The writer uses it for the data objects' counters:
// every batch changes the n_entries of the same hot data objects (_HOSTNAME=, _UID=0, a unit's
// _PID= and _SYSTEMD_UNIT=...), which the file's first entries made next to each other.
// The owner tells it every write it makes (wrote), so a kept page never differs from the file.
// Pure (no I/O): the owner reads a page and adds it.

export const PAGE_SIZE = 4096;

/** 8-byte values to write, by file offset. */
export type Writes = Map<number, number>;

export class FilePages {
  /** Two generations: a page the batches keep changing stays while others come and go. */
  private young = new Map<number, Buffer>();
  private old = new Map<number, Buffer>();
  /** Whether the run runEnd last found has gaps. */
  gaps = false;
  constructor(private readonly maxPages: number) {}

  get size(): number {
    return this.young.size + this.old.size;
  }

  has(page: number): boolean {
    const p = this.young.get(page);
    if (p !== undefined) return true;
    const o = this.old.get(page);
    if (o === undefined) return false;
    this.young.set(page, o);
    return true;
  }

  private page(page: number): Buffer | undefined {
    return this.young.get(page) ?? this.old.get(page);
  }

  /** A page as read from the file (PAGE_SIZE bytes at page * PAGE_SIZE). */
  add(page: number, bytes: Buffer): void {
    if (this.young.size >= this.maxPages) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(page, bytes);
  }

  /** Keeps the pages the same as the file after buf[offset, offset + length) was written at `pos`. */
  wrote(buf: Buffer, offset: number, length: number, pos: number): void {
    if (this.size === 0) return;
    const last = Math.floor((pos + length - 1) / PAGE_SIZE);
    for (let pg = Math.floor(pos / PAGE_SIZE); pg <= last; pg++) {
      const p = this.page(pg);
      if (!p) continue;
      const start = pg * PAGE_SIZE;
      const from = Math.max(pos, start);
      const to = Math.min(pos + length, start + PAGE_SIZE);
      buf.copy(p, from - start, offset + from - pos, offset + to - pos);
    }
  }

  /** Whether every byte of [from, to) is here. */
  covers(from: number, to: number): boolean {
    const last = Math.floor((to - 1) / PAGE_SIZE);
    for (let pg = Math.floor(from / PAGE_SIZE); pg <= last; pg++) if (!this.has(pg)) return false;
    return true;
  }

  /** Copies [from, to), which covers() said is here, into out[0, to - from). */
  copyTo(out: Buffer, from: number, to: number): void {
    let at = from;
    while (at < to) {
      const pg = Math.floor(at / PAGE_SIZE);
      const start = pg * PAGE_SIZE;
      const n = Math.min(to, start + PAGE_SIZE) - at;
      this.page(pg)!.copy(out, at - from, at - start, at - start + n);
      at += n;
    }
  }

  /** The pages not here that hold at least two of these values: worth a read now and later. */
  worthReading(group: Writes): number[] {
    const counts = new Map<number, number>();
    for (const pos of group.keys()) {
      const pg = Math.floor(pos / PAGE_SIZE);
      if (!this.has(pg)) counts.set(pg, (counts.get(pg) ?? 0) + 1);
    }
    return [...counts].filter(([, n]) => n >= 2).map(([pg]) => pg);
  }

  /**
   * Where the run of sorted `positions` that starts at i ends (the index after it): adjacent
   * values are one run, and values up to a page apart are one where every page between is here
   * (then `gaps`, and the run's bytes come from copyTo).
   */
  runEnd(positions: Float64Array, i: number): number {
    const from = positions[i];
    let j = i + 1;
    this.gaps = false;
    for (; j < positions.length; j++) {
      const prev = positions[j - 1];
      const pos = positions[j];
      if (pos === prev + 8 && !this.gaps) continue;
      if (pos - prev <= PAGE_SIZE && this.covers(from, pos + 8)) {
        this.gaps = true;
        continue;
      }
      break;
    }
    return j;
  }
}
