// Reads one journal file (regular mode, uncompressed; keyed or Jenkins hash): the entries in
// file order through the entry arrays, their fields, and the entries that match FIELD=value
// through the data hash table. What a reader sees is bounded by the header's n_entries, so a
// file being written (or cut short by a crash) reads up to its last whole entry.
import * as fs from 'node:fs';
import { fieldPayload } from './entry';
import {
  DATA,
  ENTRY,
  ENTRY_ARRAY,
  getBig64,
  getU64,
  H,
  HASH_ITEM_SIZE,
  HEADER_SIZE_MIN,
  INCOMPATIBLE_KEYED_HASH,
  OBJECT_DATA,
  OBJECT_ENTRY,
  OBJECT_ENTRY_ARRAY,
  OBJECT_FIELD,
  FIELD,
  SIGNATURE,
} from './format';
import { jenkinsHash64, siphash24 } from './hash';

export interface ReadEntry {
  offset: number;
  seqnum: number;
  realtimeUsec: number;
  monotonicUsec: number;
  bootId: Buffer;
  /** The entry's xor_hash (a cursor's x=). */
  xorHash: bigint;
  /** In the entry's item order (file order of the data objects). */
  fields: Array<[string, Buffer]>;
}

/** A data object's field kept when its payload is this small; FIELD_CACHE_MAX of them. */
const SMALL_PAYLOAD = 192;
const FIELD_CACHE_MAX = 4096;
/**
 * Entries and their data objects are read in blocks of this size, BLOCKS_MAX of them kept (1 MiB):
 * a unit's entries lie close together with their messages, so printing many costs a read per
 * block instead of two or three per entry (systemd's reader maps the file in 8 MiB windows).
 */
const BLOCK = 32 * 1024;
const BLOCKS_MAX = 32;

/** Header reads until two agree; a writer rewrites it once per batch, so more than two is rare. */
const REREAD_TRIES = 16;

/** Reads the header into h until two reads agree (see refresh); the bytes read. */
function readWholeHeader(fd: number, h: Buffer): number {
  const again = Buffer.allocUnsafe(h.length);
  let n = 0;
  for (let tries = 0; tries < REREAD_TRIES; tries++) {
    n = fs.readSync(fd, h, 0, h.length, 0);
    if (fs.readSync(fd, again, 0, again.length, 0) === n && again.equals(h)) break;
  }
  return n;
}

export class JournalFileReader {
  private readonly header: Buffer;
  private readonly fieldCache = new Map<number, [string, Buffer]>();
  /** FIELD=value (text) -> its data object: a query asks for the same one more than once (its count, then its list). */
  private readonly dataAt = new Map<string, number>();
  /** Block index -> the file's bytes there (fewer at its end); emptied by refresh(), as a writer may have written since. */
  private readonly blocks = new Map<number, Buffer>();
  private readonly keyed: boolean;

  private constructor(
    readonly path: string,
    private fd: number,
    header: Buffer,
  ) {
    this.header = header;
    this.keyed = (header.readUInt32LE(H.incompatibleFlags) & INCOMPATIBLE_KEYED_HASH) !== 0;
  }

  /** Opens a file; throws when it is not a journal file this reader understands. */
  static open(path: string): JournalFileReader {
    const fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      const h = Buffer.alloc(HEADER_SIZE_MIN + 56);
      const n = readWholeHeader(fd, h);
      if (n < HEADER_SIZE_MIN || !h.subarray(0, 8).equals(SIGNATURE)) throw new Error(`${path}: not a journal file`);
      if ((h.readUInt32LE(H.incompatibleFlags) & ~INCOMPATIBLE_KEYED_HASH) !== 0) {
        throw new Error(`${path}: compressed or compact journal files are not read here`);
      }
      return new JournalFileReader(path, fd, h);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  /**
   * The sequence and head of any journal file, whatever its variant (journald's compact or
   * compressed files too): what an archive's name is made of. Undefined when it is no journal.
   */
  static sequenceOf(path: string): { seqnumId: Buffer; headSeqnum: number; tailSeqnum: number; headRealtime: number } | undefined {
    let fd: number | undefined;
    try {
      fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      const h = Buffer.alloc(HEADER_SIZE_MIN);
      if (fs.readSync(fd, h, 0, h.length, 0) < h.length || !h.subarray(0, 8).equals(SIGNATURE)) return undefined;
      return {
        seqnumId: Buffer.from(h.subarray(H.seqnumId, H.seqnumId + 16)),
        headSeqnum: getU64(h, H.headEntrySeqnum),
        tailSeqnum: getU64(h, H.tailEntrySeqnum),
        headRealtime: getU64(h, H.headEntryRealtime),
      };
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  /**
   * Re-reads the header (a writer may have appended since). A read of the bytes the writer is
   * rewriting can return part old and part new header (pread and pwrite are not atomic against
   * each other), e.g. a new entry count with the old tail array's: it is read again until two
   * reads agree, which a whole header does.
   */
  refresh(): void {
    readWholeHeader(this.fd, this.header);
    this.blocks.clear();
  }

  get state(): number {
    return this.header[H.state];
  }
  get nEntries(): number {
    return getU64(this.header, H.nEntries);
  }
  get seqnumId(): Buffer {
    return Buffer.from(this.header.subarray(H.seqnumId, H.seqnumId + 16));
  }
  get fileId(): Buffer {
    return Buffer.from(this.header.subarray(H.fileId, H.fileId + 16));
  }
  get headSeqnum(): number {
    return getU64(this.header, H.headEntrySeqnum);
  }
  get tailSeqnum(): number {
    return getU64(this.header, H.tailEntrySeqnum);
  }
  get headRealtime(): number {
    return getU64(this.header, H.headEntryRealtime);
  }
  get tailRealtime(): number {
    return getU64(this.header, H.tailEntryRealtime);
  }

  /** `length` bytes at `pos` through the blocks (a read that crosses a block's end is read by itself). */
  private blockRead(pos: number, length: number): Buffer {
    const index = Math.floor(pos / BLOCK);
    const at = pos - index * BLOCK;
    if (at + length > BLOCK) return this.read(pos, length);
    let block = this.blocks.get(index);
    if (block === undefined) {
      const b = Buffer.allocUnsafe(BLOCK);
      block = b.subarray(0, fs.readSync(this.fd, b, 0, BLOCK, index * BLOCK));
      if (this.blocks.size >= BLOCKS_MAX) this.blocks.delete(this.blocks.keys().next().value!);
      this.blocks.set(index, block);
    }
    return at + length <= block.length ? block.subarray(at, at + length) : this.read(pos, length);
  }

  private read(pos: number, length: number): Buffer {
    const b = Buffer.alloc(length);
    if (fs.readSync(this.fd, b, 0, length, pos) < length) throw new Error(`${this.path}: short read at ${pos}`);
    return b;
  }

  /**
   * The arrays of an entry array chain starting at `head`, holding `count` offsets in all: where
   * each array's items start and how many of them count. Only the arrays' heads are read.
   */
  private arraysOf(head: number, count: number): Array<{ at: number; take: number }> {
    const arrays: Array<{ at: number; take: number }> = [];
    let p = head;
    let left = count;
    while (p !== 0 && left > 0) {
      const h = this.read(p, ENTRY_ARRAY.items);
      if (h[0] !== OBJECT_ENTRY_ARRAY) throw new Error(`${this.path}: no entry array at ${p}`);
      const cap = Math.floor((getU64(h, 8) - ENTRY_ARRAY.items) / ENTRY_ARRAY.itemSize);
      if (!(cap > 0)) throw new Error(`${this.path}: empty entry array at ${p}`); // a loop of empty arrays would never end
      const take = Math.min(cap, left);
      arrays.push({ at: p + ENTRY_ARRAY.items, take });
      left -= take;
      p = getU64(h, ENTRY_ARRAY.nextEntryArrayOffset);
    }
    return arrays;
  }

  /** `count` offsets from an entry array chain starting at `head`. */
  private listFrom(head: number, count: number, out: number[]): void {
    for (const a of this.arraysOf(head, count)) this.readItems(a.at, a.take, out);
  }

  /** `n` le64 offsets at `pos`, appended to `out` (read as 32-bit halves of an aligned array: a million in milliseconds). */
  private readItems(pos: number, n: number, out: number[]): void {
    const words = new Uint32Array(n * 2);
    const bytes = Buffer.from(words.buffer);
    if (fs.readSync(this.fd, bytes, 0, bytes.length, pos) < bytes.length) throw new Error(`${this.path}: short read at ${pos}`);
    for (let i = 0; i < n; i++) out.push(words[2 * i]! + words[2 * i + 1]! * 0x1_0000_0000);
  }

  /**
   * The last `k` of `count` offsets of the chain at `head` (fewer when it holds fewer): only the
   * arrays' heads are read on the way, and the items of the arrays at the end.
   */
  private tailFrom(head: number, count: number, k: number): number[] {
    const arrays = this.arraysOf(head, count);
    const parts: number[][] = [];
    let need = k;
    for (let i = arrays.length - 1; i >= 0 && need > 0; i--) {
      const a = arrays[i]!;
      const n = Math.min(a.take, need);
      const part: number[] = [];
      this.readItems(a.at + (a.take - n) * ENTRY_ARRAY.itemSize, n, part);
      parts.unshift(part);
      need -= n;
    }
    return parts.flat();
  }

  /** The last `k` entries' offsets in file order, and whether that is all of them. */
  tailEntryOffsets(k: number): { offsets: number[]; complete: boolean } {
    const n = this.nEntries;
    return { offsets: this.tailFrom(getU64(this.header, H.entryArrayOffset), n, k), complete: k >= n };
  }

  /** The last `k` offsets of the entries holding FIELD=value (bounded by the header), and whether that is all of them. */
  tailOffsetsWith(name: string, value: string | Uint8Array, k: number): { offsets: number[]; complete: boolean } {
    const p = this.dataOf(name, value);
    if (p === 0) return { offsets: [], complete: true };
    const o = this.read(p, DATA.payload);
    const n = getU64(o, DATA.nEntries);
    if (n === 0) return { offsets: [], complete: true };
    const complete = k >= n;
    const fromChain = this.tailFrom(getU64(o, DATA.entryArrayOffset), n - 1, complete ? n - 1 : k);
    const list = complete ? [getU64(o, DATA.entryOffset), ...fromChain] : fromChain;
    const last = this.lastEntryOffset();
    return { offsets: list.filter((e) => e <= last), complete };
  }

  /** Every entry's offset, in file (seqnum) order. */
  entryOffsets(): number[] {
    const out: number[] = [];
    this.listFrom(getU64(this.header, H.entryArrayOffset), this.nEntries, out);
    return out;
  }

  /** The data object of FIELD=value, or 0; one found is kept (a data object never moves; one not found may come with -f). */
  private dataOf(name: string, value: string | Uint8Array): number {
    if (typeof value !== 'string') return this.findData(fieldPayload(name, value));
    const key = `${name}=${value}`;
    const known = this.dataAt.get(key);
    if (known !== undefined) return known;
    const p = this.findData(fieldPayload(name, value));
    if (p !== 0 && this.dataAt.size < FIELD_CACHE_MAX) this.dataAt.set(key, p);
    return p;
  }

  /** The offset of the data object holding `payload`, or 0. */
  private findData(payload: Buffer): number {
    const tableAt = getU64(this.header, H.dataHashTableOffset);
    const items = getU64(this.header, H.dataHashTableSize) / HASH_ITEM_SIZE;
    if (items === 0) return 0;
    const hash = this.keyed ? siphash24(payload, this.header.subarray(H.fileId, H.fileId + 16)) : jenkinsHash64(payload);
    let p = getU64(this.read(tableAt + Number(hash % BigInt(items)) * HASH_ITEM_SIZE, 8), 0);
    for (let guard = 0; p !== 0 && guard < 1_000_000; guard++) {
      const o = this.read(p, DATA.payload);
      if (o[0] === OBJECT_DATA && getBig64(o, DATA.hash) === hash && getU64(o, 8) - DATA.payload === payload.length) {
        if (this.read(p + DATA.payload, payload.length).equals(payload)) return p;
      }
      p = getU64(o, DATA.nextHashOffset);
    }
    return 0;
  }

  /** How many entries hold FIELD=value (the data object's count: cheap, may run one batch ahead of the header). */
  countWith(name: string, value: string | Uint8Array): number {
    const p = this.dataOf(name, value);
    return p === 0 ? 0 : getU64(this.read(p, DATA.payload), DATA.nEntries);
  }

  /** The offsets of the entries holding FIELD=value, in file order (bounded by the header). */
  offsetsWith(name: string, value: string | Uint8Array): number[] {
    const p = this.dataOf(name, value);
    if (p === 0) return [];
    const o = this.read(p, DATA.payload);
    const n = getU64(o, DATA.nEntries);
    if (n === 0) return [];
    const out = [getU64(o, DATA.entryOffset)];
    this.listFrom(getU64(o, DATA.entryArrayOffset), n - 1, out);
    const last = this.lastEntryOffset();
    return out.filter((e) => e <= last);
  }

  /**
   * The last entry the header counts. A data object's list may run ahead of the header while an
   * entry is being linked (or was, when the writer died): its entries are bounded by this one.
   */
  lastEntryOffset(): number {
    if (this.nEntries === 0) return 0;
    const tail = this.header.readUInt32LE(H.tailEntryArrayOffset);
    const inTail = this.header.readUInt32LE(H.tailEntryArrayNEntries);
    if (getU64(this.header, H.headerSize) > H.tailEntryArrayNEntries && tail !== 0 && inTail > 0) {
      return getU64(this.read(tail + ENTRY_ARRAY.items + (inTail - 1) * ENTRY_ARRAY.itemSize, 8), 0);
    }
    // a header without the tail array's cache (before systemd 252): the end of the entry array chain
    return this.tailEntryOffsets(1).offsets[0] ?? 0;
  }

  /**
   * Offsets of the entries matching `matches` ("FIELD=value"), journalctl's way: matches of
   * the same field are alternatives, different fields must all hold. No matches: every entry.
   */
  match(matches: readonly string[]): number[] {
    if (matches.length === 0) return this.entryOffsets();
    const byField = new Map<string, string[]>();
    for (const m of matches) {
      const eq = m.indexOf('=');
      if (eq <= 0) throw new Error(`invalid match ${JSON.stringify(m)}`);
      const name = m.slice(0, eq);
      byField.set(name, [...(byField.get(name) ?? []), m.slice(eq + 1)]);
    }
    let result: Set<number> | undefined;
    for (const [name, values] of byField) {
      const any = new Set<number>();
      for (const v of values) for (const o of this.offsetsWith(name, v)) any.add(o);
      result = result === undefined ? any : new Set([...result].filter((o) => any.has(o)));
    }
    return [...(result ?? [])].sort((a, b) => a - b);
  }

  /** The realtime of the entry at `offset` (its header only). */
  realtimeAt(offset: number): number {
    return getU64(this.read(offset + ENTRY.realtime, 8), 0);
  }

  /** The head of the data list of field `name` (the field object's head_data_offset), or 0. */
  private fieldHead(name: string): number {
    const tableAt = getU64(this.header, H.fieldHashTableOffset);
    const items = getU64(this.header, H.fieldHashTableSize) / HASH_ITEM_SIZE;
    if (items === 0) return 0;
    const bytes = Buffer.from(name, 'latin1');
    const hash = this.keyed ? siphash24(bytes, this.header.subarray(H.fileId, H.fileId + 16)) : jenkinsHash64(bytes);
    let p = getU64(this.read(tableAt + Number(hash % BigInt(items)) * HASH_ITEM_SIZE, 8), 0);
    for (let guard = 0; p !== 0 && guard < 1_000_000; guard++) {
      const o = this.read(p, FIELD.payload);
      if (o[0] === OBJECT_FIELD && getBig64(o, FIELD.hash) === hash && getU64(o, 8) - FIELD.payload === bytes.length) {
        if (this.read(p + FIELD.payload, bytes.length).equals(bytes)) return getU64(o, FIELD.headDataOffset);
      }
      p = getU64(o, FIELD.nextHashOffset);
    }
    return 0;
  }

  /**
   * The values field `name` takes in this file, in the field's list order (newest first);
   * `withRange`: each with its first and last entry (offsets, bounded by the header).
   */
  fieldValues(name: string, withRange = false): Array<{ value: Buffer; first?: number; last?: number }> {
    const out: Array<{ value: Buffer; first?: number; last?: number }> = [];
    const bound = this.lastEntryOffset();
    let p = this.fieldHead(name);
    for (let guard = 0; p !== 0 && guard < 10_000_000; guard++) {
      const o = this.read(p, DATA.payload);
      if (o[0] !== OBJECT_DATA) break;
      const payload = this.read(p + DATA.payload, getU64(o, 8) - DATA.payload);
      const n = getU64(o, DATA.nEntries);
      let first: number | undefined;
      let last: number | undefined;
      if (withRange && n > 0) {
        // the first entry is in the object; the last at the end of its chain (read from there)
        first = getU64(o, DATA.entryOffset);
        if (first > bound) first = undefined;
        else {
          const tail = n > 1 ? this.tailFrom(getU64(o, DATA.entryArrayOffset), n - 1, 64).filter((e) => e <= bound) : [];
          last = tail[tail.length - 1] ?? first;
        }
      }
      out.push({ value: payload.subarray(name.length + 1), first, last });
      p = getU64(o, DATA.nextFieldOffset);
    }
    return out;
  }

  /**
   * The field of the data object at `d`: one read for a small object, and small ones are kept
   * (bounded) since most of an entry's fields are shared with its neighbours (_UID=0, the
   * unit, the host), so reading many entries costs about one read per entry and message.
   */
  private fieldAt(d: number): [string, Buffer] | undefined {
    const cached = this.fieldCache.get(d);
    if (cached) return cached;
    const size = getU64(this.blockRead(d, 16), 8);
    if (!(size >= DATA.payload)) throw new Error(`${this.path}: no data object at ${d}`);
    const payload = this.blockRead(d + DATA.payload, size - DATA.payload);
    const eq = payload.indexOf(0x3d);
    if (eq <= 0) return undefined;
    const name = payload.subarray(0, eq).toString('latin1');
    if (payload.length > SMALL_PAYLOAD) return [name, payload.subarray(eq + 1)];
    // kept: a copy, so that the cache never holds a whole block
    const field: [string, Buffer] = [name, Buffer.from(payload.subarray(eq + 1))];
    if (this.fieldCache.size >= FIELD_CACHE_MAX) this.fieldCache.clear();
    this.fieldCache.set(d, field);
    return field;
  }

  /** The entry at `offset` with all its fields. */
  readEntry(offset: number): ReadEntry {
    const h = this.blockRead(offset, ENTRY.items);
    if (h[0] !== OBJECT_ENTRY) throw new Error(`${this.path}: no entry at ${offset}`);
    const n = (getU64(h, 8) - ENTRY.items) / ENTRY.itemSize;
    if (!(n >= 0 && Number.isInteger(n))) throw new Error(`${this.path}: no entry at ${offset}`);
    const items = this.blockRead(offset + ENTRY.items, n * ENTRY.itemSize);
    const fields: Array<[string, Buffer]> = [];
    for (let i = 0; i < n; i++) {
      const d = getU64(items, i * ENTRY.itemSize);
      const field = this.fieldAt(d);
      if (field) fields.push(field);
    }
    return {
      offset,
      seqnum: getU64(h, ENTRY.seqnum),
      realtimeUsec: getU64(h, ENTRY.realtime),
      monotonicUsec: getU64(h, ENTRY.monotonic),
      bootId: Buffer.from(h.subarray(ENTRY.bootId, ENTRY.bootId + 16)),
      xorHash: getBig64(h, ENTRY.xorHash),
      fields,
    };
  }

  /** Every entry matching `matches`, in file order. */
  *entries(matches: readonly string[] = []): Generator<ReadEntry> {
    for (const o of this.match(matches)) yield this.readEntry(o);
  }
}
