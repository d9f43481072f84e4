// Writes one journal file in journald's own format, so that systemd's journalctl, libsystemd
// (python3-systemd, fail2ban, rsyslog's imjournal) and every other reader of the image read it
// unchanged.
//
// The variant: regular (not compact) objects, keyed hash, no compression, no sealing.
//   - HEADER_INCOMPATIBLE_KEYED_HASH (siphash24 keyed by the file's random file_id): data and
//     field hash tables are indexed by a hash a client cannot predict, so nobody who can log
//     can make every message of the file collide into one chain and turn each append into a
//     walk over the whole file. Readers since systemd 246 know the flag (journald writes it by
//     default since then); 252 and 257 both read it.
//   - Not HEADER_INCOMPATIBLE_COMPACT: compact mode (32-bit offsets, systemd 252) is read by 252
//     and 257, but not by the readers of images with an older libsystemd (Debian 11's 247,
//     Ubuntu 22.04's 249); regular mode is read by every reader that knows the keyed hash.
//   - The header is exactly systemd 252's: 264 bytes, no compatible flags. 257 reads it as the
//     files every upgraded 252 system has (it does without tail_entry_offset and the
//     TAIL_ENTRY_BOOT_ID flag), while 252's `journalctl --verify` refuses a longer header or an
//     unknown compatible flag ("unknown extensions").
//
// How it writes: plain pread/pwrite at offsets (no mmap: a full disk is an error value, never a
// SIGBUS), objects appended at the end, the file exactly as long as header + arena. One append
// is, in this order: (1) one write of every new object (data, field, the entry, new entry
// arrays), complete and already pointing at each other; (2) the links from existing objects to
// the new data/field objects (hash chains, a field's data list); (3) the new entry's slot in the
// entry arrays (the file's and each data object's); (4) the counters (each data object's
// n_entries); (5) the header (n_entries, tails, seqnum), one write. A reader bounds everything
// by those counters, so it sees an entry only once it is whole, and a process that dies between
// two writes leaves a file that reads up to the last whole entry. The file is ONLINE while
// open and OFFLINE once closed; a file found ONLINE was not closed and is set aside (see
// journal-store.ts), never appended to.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { fieldPayload, type JournalEntry } from './entry';
import { isValidFieldName } from './field-name';
import {
  align8,
  DATA,
  ENTRY,
  ENTRY_ARRAY,
  FIELD,
  getBig64,
  getU64,
  H,
  HASH_ITEM_SIZE,
  HEADER_SIZE,
  INCOMPATIBLE_KEYED_HASH,
  OBJECT_DATA,
  OBJECT_DATA_HASH_TABLE,
  OBJECT_ENTRY,
  OBJECT_ENTRY_ARRAY,
  OBJECT_FIELD,
  OBJECT_FIELD_HASH_TABLE,
  OBJECT_HEADER_SIZE,
  putBig64,
  putU64,
  SIGNATURE,
  STATE_ARCHIVED,
  STATE_OFFLINE,
  STATE_ONLINE,
} from './format';
import { jenkinsHash64, siphash24 } from './hash';

/** Positional I/O; the tests put a failing one in to stop a write half-way, as a crash would. */
export interface FileIo {
  pwrite(fd: number, buf: Uint8Array, pos: number): void;
  pread(fd: number, buf: Uint8Array, pos: number): number;
}

export const plainIo: FileIo = {
  pwrite(fd, buf, pos) {
    let done = 0;
    while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done, pos + done);
  },
  pread(fd, buf, pos) {
    let done = 0;
    while (done < buf.length) {
      const n = fs.readSync(fd, buf, done, buf.length - done, pos + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  },
};

export type AppendError =
  /** The entry would take the file past its size limit: rotate, then append again. */
  | { kind: 'file-full' }
  /** Its realtime is before the file's last entry: journald rotates then; so does the store. */
  | { kind: 'clock-went-back' }
  /** No space left on the device (ENOSPC, EDQUOT): the entry is not stored. */
  | { kind: 'disk-full'; message: string }
  /** The entry itself is not storable (no fields, a bad name, a bad boot id). */
  | { kind: 'invalid'; message: string }
  /** Any other I/O error; the file is no longer appended to. */
  | { kind: 'io'; message: string };

export type AppendResult = { ok: true; seqnum: number } | { ok: false; error: AppendError };

export interface CreateOptions {
  machineId: Uint8Array;
  /** The size the file is rotated at; the data hash table is sized for it as journald does. */
  maxFileSize: number;
  /** Continue a sequence: the seqnum_id and last seqnum of the file this one follows. */
  seqnumId?: Uint8Array;
  tailSeqnum?: number;
  /** Jenkins-hashed tables instead of keyed ones (only the tests use it, to check both). */
  unkeyed?: boolean;
  io?: FileIo;
}

export type OpenResult =
  | { ok: true; writer: JournalFileWriter }
  | { ok: false; reason: 'online' | 'archived' | 'incompatible' | 'foreign' | 'corrupt' | 'io'; message: string };

// journald's sizes: a data hash table item per 768 bytes of the largest file at most 75% full,
// at least 2047 items; 333 field hash table items.
const DEFAULT_DATA_HASH_ITEMS = 2047;
const FIELD_HASH_ITEMS = 333;
/** journald rotates a file whose hash chains grew this deep (a flood of colliding payloads). */
const HASH_CHAIN_DEPTH_MAX = 100;
/** Data objects whose entry-list state is kept in memory (two generations of this many). */
const DATA_CACHE_MAX = 4096;
const FIELD_CACHE_MAX = 1024;
/** Payloads longer than this are not cached (a unique long message would only evict). */
const CACHE_PAYLOAD_MAX = 512;

export function dataHashItemsFor(maxFileSize: number): number {
  return Math.max(DEFAULT_DATA_HASH_ITEMS, Math.floor((maxFileSize * 4) / 768 / 3));
}

/** A list of entry offsets: a data object's (first one inline) or the file's (all in arrays). */
interface EntryList {
  nEntries: number;
  /** First entry array, its tail, the tail's capacity and filled items. */
  head: number;
  tail: number;
  tailCap: number;
  tailCount: number;
}

interface DataState extends EntryList {
  offset: number;
}

interface FieldState {
  offset: number;
  headData: number;
}

interface Scattered {
  pos: number;
  buf: Buffer;
}

const u64 = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  putU64(b, 0, n);
  return b;
};

/** Two generations: a hot key survives the turnover that a flood of unique keys causes. */
class TwoGenerationCache<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const v = this.young.get(key);
    if (v !== undefined) return v;
    const o = this.old.get(key);
    if (o !== undefined) this.set(key, o);
    return o;
  }
  set(key: string, value: V): void {
    if (this.young.size >= this.max) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }
}

export class JournalFileWriter {
  private broken: string | undefined;
  private readonly dataCache = new TwoGenerationCache<DataState>(DATA_CACHE_MAX);
  private readonly fieldCache = new TwoGenerationCache<FieldState>(FIELD_CACHE_MAX);
  private readonly keyed: boolean;
  private readonly fileId: Buffer;
  private readonly dataTable: number;
  private readonly dataItems: number;
  private readonly fieldTable: number;
  private readonly fieldItems: number;
  private end: number;
  private readonly entries: EntryList;

  private constructor(
    readonly path: string,
    private fd: number,
    private readonly header: Buffer,
    private readonly io: FileIo,
    readonly maxFileSize: number,
    entries: EntryList,
  ) {
    this.keyed = (header.readUInt32LE(H.incompatibleFlags) & INCOMPATIBLE_KEYED_HASH) !== 0;
    this.fileId = Buffer.from(header.subarray(H.fileId, H.fileId + 16));
    this.dataTable = getU64(header, H.dataHashTableOffset);
    this.dataItems = getU64(header, H.dataHashTableSize) / HASH_ITEM_SIZE;
    this.fieldTable = getU64(header, H.fieldHashTableOffset);
    this.fieldItems = getU64(header, H.fieldHashTableSize) / HASH_ITEM_SIZE;
    this.end = HEADER_SIZE + getU64(header, H.arenaSize);
    this.entries = entries;
  }

  /** Creates a new file (it must not exist) and sets it ONLINE. */
  static create(path: string, opts: CreateOptions): JournalFileWriter {
    const io = opts.io ?? plainIo;
    const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o640);
    try {
      const h = Buffer.alloc(HEADER_SIZE);
      SIGNATURE.copy(h, H.signature);
      h.writeUInt32LE(opts.unkeyed ? 0 : INCOMPATIBLE_KEYED_HASH, H.incompatibleFlags);
      h[H.state] = STATE_OFFLINE;
      const fileId = crypto.randomBytes(16);
      fileId.copy(h, H.fileId);
      Buffer.from(opts.machineId).copy(h, H.machineId);
      (opts.seqnumId ? Buffer.from(opts.seqnumId) : fileId).copy(h, H.seqnumId);
      putU64(h, H.headerSize, HEADER_SIZE);
      putU64(h, H.tailEntrySeqnum, opts.tailSeqnum ?? 0);
      // The two hash tables are the first objects, as journald lays them out.
      const dataItems = dataHashItemsFor(opts.maxFileSize);
      const dataObj = OBJECT_HEADER_SIZE + dataItems * HASH_ITEM_SIZE;
      const fieldAt = HEADER_SIZE + align8(dataObj);
      const fieldObj = OBJECT_HEADER_SIZE + FIELD_HASH_ITEMS * HASH_ITEM_SIZE;
      const end = fieldAt + align8(fieldObj);
      putU64(h, H.arenaSize, end - HEADER_SIZE);
      putU64(h, H.dataHashTableOffset, HEADER_SIZE + OBJECT_HEADER_SIZE);
      putU64(h, H.dataHashTableSize, dataItems * HASH_ITEM_SIZE);
      putU64(h, H.fieldHashTableOffset, fieldAt + OBJECT_HEADER_SIZE);
      putU64(h, H.fieldHashTableSize, FIELD_HASH_ITEMS * HASH_ITEM_SIZE);
      putU64(h, H.tailObjectOffset, fieldAt);
      putU64(h, H.nObjects, 2);
      const tables = Buffer.alloc(end - HEADER_SIZE);
      tables[0] = OBJECT_DATA_HASH_TABLE;
      putU64(tables, 8, dataObj);
      tables[fieldAt - HEADER_SIZE] = OBJECT_FIELD_HASH_TABLE;
      putU64(tables, fieldAt - HEADER_SIZE + 8, fieldObj);
      io.pwrite(fd, tables, HEADER_SIZE);
      io.pwrite(fd, h, 0);
      const w = new JournalFileWriter(path, fd, h, io, opts.maxFileSize, { nEntries: 0, head: 0, tail: 0, tailCap: 0, tailCount: 0 });
      w.setState(STATE_ONLINE);
      return w;
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  /**
   * Opens an existing file to append to it, as journald reopens its system.journal: only an
   * OFFLINE file of this machine in the variant written here; anything else is refused with
   * the reason (the store archives or sets aside such a file and starts a new one).
   */
  static open(path: string, opts: { machineId: Uint8Array; maxFileSize: number; io?: FileIo }): OpenResult {
    const io = opts.io ?? plainIo;
    let fd: number;
    try {
      fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_NOFOLLOW);
    } catch (e) {
      return { ok: false, reason: 'io', message: (e as Error).message };
    }
    const refuse = (reason: Exclude<OpenResult, { ok: true }>['reason'], message: string): OpenResult => {
      fs.closeSync(fd);
      return { ok: false, reason, message };
    };
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) return refuse('corrupt', 'not a regular file');
      const h = Buffer.alloc(HEADER_SIZE);
      if (io.pread(fd, h, 0) < HEADER_SIZE || !h.subarray(0, 8).equals(SIGNATURE)) return refuse('corrupt', 'no journal header');
      const incompatible = h.readUInt32LE(H.incompatibleFlags);
      const compatible = h.readUInt32LE(H.compatibleFlags);
      if ((incompatible & ~INCOMPATIBLE_KEYED_HASH) !== 0 || compatible !== 0 || getU64(h, H.headerSize) !== HEADER_SIZE) {
        return refuse('incompatible', `flags ${compatible}/${incompatible} or header size not written here`);
      }
      if (h[H.state] === STATE_ONLINE) return refuse('online', 'left ONLINE: not closed cleanly');
      if (h[H.state] === STATE_ARCHIVED) return refuse('archived', 'already archived');
      if (h[H.state] !== STATE_OFFLINE) return refuse('corrupt', `unknown state ${h[H.state]}`);
      if (!h.subarray(H.machineId, H.machineId + 16).equals(Buffer.from(opts.machineId))) return refuse('foreign', 'written on another machine');
      const end = HEADER_SIZE + getU64(h, H.arenaSize);
      if (end > st.size || getU64(h, H.tailObjectOffset) >= end) return refuse('corrupt', 'arena beyond the end of the file');
      const entries = JournalFileWriter.readList(io, fd, getU64(h, H.nEntries), getU64(h, H.entryArrayOffset), false);
      if (!entries) return refuse('corrupt', 'entry array chain does not add up');
      const w = new JournalFileWriter(path, fd, h, io, opts.maxFileSize, entries);
      w.setState(STATE_ONLINE);
      return { ok: true, writer: w };
    } catch (e) {
      return refuse('io', (e as Error).message);
    }
  }

  /** Walks an entry array chain to its tail; undefined when its capacities cannot hold nEntries. */
  private static readList(io: FileIo, fd: number, nEntries: number, head: number, inlineFirst: boolean): EntryList | undefined {
    const list: EntryList = { nEntries, head, tail: 0, tailCap: 0, tailCount: 0 };
    let inArrays = inlineFirst ? Math.max(0, nEntries - 1) : nEntries;
    const hdr = Buffer.alloc(ENTRY_ARRAY.items);
    let p = head;
    let guard = 0;
    while (p !== 0) {
      if (++guard > 64) return undefined; // capacities double: 64 arrays hold more than a file
      if (io.pread(fd, hdr, p) < hdr.length || hdr[0] !== OBJECT_ENTRY_ARRAY) return undefined;
      const cap = (getU64(hdr, 8) - ENTRY_ARRAY.items) / ENTRY_ARRAY.itemSize;
      const next = getU64(hdr, ENTRY_ARRAY.nextEntryArrayOffset);
      list.tail = p;
      list.tailCap = cap;
      if (next === 0) {
        if (inArrays > cap) return undefined;
        list.tailCount = inArrays;
        return list;
      }
      inArrays -= cap;
      p = next;
    }
    return inArrays === 0 ? list : undefined;
  }

  get seqnumId(): Buffer {
    return Buffer.from(this.header.subarray(H.seqnumId, H.seqnumId + 16));
  }
  get tailSeqnum(): number {
    return getU64(this.header, H.tailEntrySeqnum);
  }
  get headSeqnum(): number {
    return getU64(this.header, H.headEntrySeqnum);
  }
  get headRealtime(): number {
    return getU64(this.header, H.headEntryRealtime);
  }
  get nEntries(): number {
    return getU64(this.header, H.nEntries);
  }
  get size(): number {
    return this.end;
  }
  /** Why this file takes no more entries, if it does not (an I/O error half-way). */
  get failure(): string | undefined {
    return this.broken;
  }

  /** journald's reasons to start a new file although this one has room: its hash tables filled. */
  get rotateSuggested(): boolean {
    const h = this.header;
    return (
      getU64(h, H.nData) * 4 > this.dataItems * 3 ||
      getU64(h, H.nFields) * 4 > this.fieldItems * 3 ||
      getU64(h, H.dataHashChainDepth) > HASH_CHAIN_DEPTH_MAX ||
      getU64(h, H.fieldHashChainDepth) > HASH_CHAIN_DEPTH_MAX
    );
  }

  private hash(payload: Uint8Array): bigint {
    return this.keyed ? siphash24(payload, this.fileId) : jenkinsHash64(payload);
  }

  private read(pos: number, length: number): Buffer {
    const b = Buffer.alloc(length);
    if (this.io.pread(this.fd, b, pos) < length) throw new Error(`short read at ${pos}`);
    return b;
  }

  private setState(state: number): void {
    this.header[H.state] = state;
    this.io.pwrite(this.fd, this.header.subarray(H.state, H.state + 1), H.state);
  }

  /**
   * Finds a data object by payload through the data hash table; walks the whole chain up to
   * the objects this append plans (at or past the end: not written yet, and new payloads).
   */
  private findData(payload: Buffer, hash: bigint, bucketHead: number): { state?: DataState; depth: number } {
    let p = bucketHead;
    let depth = 0;
    while (p !== 0 && p < this.end) {
      depth++;
      const o = this.read(p, DATA.payload);
      const size = getU64(o, 8);
      if (o[0] === OBJECT_DATA && getBig64(o, DATA.hash) === hash && size - DATA.payload === payload.length) {
        if (this.read(p + DATA.payload, payload.length).equals(payload)) {
          const nEntries = getU64(o, DATA.nEntries);
          const list = JournalFileWriter.readList(this.io, this.fd, nEntries, getU64(o, DATA.entryArrayOffset), true);
          if (!list) throw new Error(`data object at ${p}: entry array chain does not add up`);
          return { state: { ...list, offset: p }, depth };
        }
      }
      p = getU64(o, DATA.nextHashOffset);
    }
    return { depth };
  }

  private findField(name: Buffer, hash: bigint, bucketHead: number): { state?: FieldState; depth: number } {
    let p = bucketHead;
    let depth = 0;
    while (p !== 0 && p < this.end) {
      depth++;
      const o = this.read(p, FIELD.payload);
      const size = getU64(o, 8);
      if (o[0] === OBJECT_FIELD && getBig64(o, FIELD.hash) === hash && size - FIELD.payload === name.length) {
        if (this.read(p + FIELD.payload, name.length).equals(name)) return { state: { offset: p, headData: getU64(o, FIELD.headDataOffset) }, depth };
      }
      p = getU64(o, FIELD.nextHashOffset);
    }
    return { depth };
  }

  /**
   * Appends one entry. Never throws and never waits for a reader: a full disk, an I/O error or
   * an entry that does not fit come back as the error value; nothing of the entry is visible
   * to a reader then.
   */
  append(entry: JournalEntry): AppendResult {
    if (this.broken) return { ok: false, error: { kind: 'io', message: this.broken } };
    const invalid = checkEntry(entry);
    if (invalid) return { ok: false, error: { kind: 'invalid', message: invalid } };
    if (entry.realtimeUsec < getU64(this.header, H.tailEntryRealtime)) return { ok: false, error: { kind: 'clock-went-back' } };
    let plan: Plan;
    try {
      plan = this.plan(entry);
    } catch (e) {
      return this.fail(e);
    }
    if (plan.newEnd > this.maxFileSize && this.nEntries > 0) return { ok: false, error: { kind: 'file-full' } };
    try {
      this.io.pwrite(this.fd, plan.appended, this.end);
      for (const group of [plan.links, plan.slots, plan.counts]) for (const w of group) this.io.pwrite(this.fd, w.buf, w.pos);
      this.io.pwrite(this.fd, plan.header.subarray(H.tailEntryBootId), H.tailEntryBootId);
    } catch (e) {
      return this.fail(e);
    }
    plan.header.copy(this.header);
    this.end = plan.newEnd;
    Object.assign(this.entries, plan.entries);
    for (const [key, state] of plan.dataStates) this.dataCache.set(key, state);
    for (const [key, state] of plan.fieldStates) this.fieldCache.set(key, state);
    return { ok: true, seqnum: getU64(this.header, H.tailEntrySeqnum) };
  }

  private fail(e: unknown): AppendResult {
    const err = e as NodeJS.ErrnoException;
    const message = `${this.path}: ${err.message}`;
    if (err.code === 'ENOSPC' || err.code === 'EDQUOT') {
      // What was written of the entry is unreachable (the header was not updated) unless the
      // disk filled during the links: then the file is not trusted for more appends.
      this.broken = message;
      return { ok: false, error: { kind: 'disk-full', message } };
    }
    this.broken = message;
    return { ok: false, error: { kind: 'io', message } };
  }

  /** Works out every byte one append writes, reading the file but changing nothing. */
  private plan(entry: JournalEntry): Plan {
    const header = Buffer.from(this.header);
    const chunks: Buffer[] = [];
    let at = this.end;
    const objects = new Map<number, Buffer>(); // new objects by offset, to patch before writing
    const place = (buf: Buffer): number => {
      const pos = at;
      chunks.push(buf);
      objects.set(pos, buf);
      at += buf.length;
      putU64(header, H.nObjects, getU64(header, H.nObjects) + 1);
      putU64(header, H.tailObjectOffset, pos);
      return pos;
    };
    const links: Scattered[] = [];
    const slots: Scattered[] = [];
    const counts: Scattered[] = [];
    /** Writes 8 bytes at `pos`: into a new object's buffer, or as a scattered write. */
    const set64 = (group: Scattered[], pos: number, value: number) => {
      for (const [start, buf] of objects) {
        if (pos >= start && pos < start + buf.length) {
          putU64(buf, pos - start, value);
          return;
        }
      }
      group.push({ pos, buf: u64(value) });
    };
    const buckets = new Map<number, { head: number; tail: number; depth: number }>();
    const bucketAt = (table: number, index: number) => {
      const pos = table + index * HASH_ITEM_SIZE;
      let b = buckets.get(pos);
      if (!b) {
        const raw = this.read(pos, HASH_ITEM_SIZE);
        b = { head: getU64(raw, 0), tail: getU64(raw, 8), depth: -1 };
        buckets.set(pos, b);
      }
      return { pos, b };
    };
    /** Links a new object at `p` to the end of its bucket's chain; nextAt is its next_hash_offset. */
    const chain = (table: number, index: number, p: number, nextAt: number, depthField: number, walked: number) => {
      const { pos, b } = bucketAt(table, index);
      if (b.tail === 0) b.head = p;
      else set64(links, b.tail + nextAt, p);
      b.tail = p;
      if (walked + 1 > getU64(header, depthField)) putU64(header, depthField, walked + 1);
      links.push({ pos, buf: Buffer.concat([u64(b.head), u64(b.tail)]) });
    };

    const dataStates = new Map<string, DataState>();
    const fieldStates = new Map<string, FieldState>();
    const newData: number[] = [];
    const items: Array<{ state: DataState; hash: bigint; key: string | undefined }> = [];
    let xor = 0n;
    const seen = new Set<string>();
    // journalctl finds boots (-b, --list-boots) through the _BOOT_ID field, and journald gives
    // every entry _BOOT_ID and _MACHINE_ID: added here when the caller did not.
    const fields: Array<readonly [string, string | Uint8Array]> = [...entry.fields];
    if (!fields.some(([n]) => n === '_BOOT_ID')) fields.push(['_BOOT_ID', Buffer.from(entry.bootId).toString('hex')]);
    if (!fields.some(([n]) => n === '_MACHINE_ID')) fields.push(['_MACHINE_ID', this.header.subarray(H.machineId, H.machineId + 16).toString('hex')]);
    for (const [name, value] of fields) {
      const payload = fieldPayload(name, value);
      const key = payload.toString('latin1');
      if (seen.has(key)) continue; // the same field and value twice is one item (as journald 254+)
      seen.add(key);
      xor ^= jenkinsHash64(payload);
      const cacheKey = payload.length <= CACHE_PAYLOAD_MAX ? key : undefined;
      const cached = cacheKey !== undefined ? this.dataCache.get(cacheKey) : undefined;
      const hash = this.hash(payload);
      if (cached) {
        items.push({ state: { ...cached }, hash, key: cacheKey });
        continue;
      }
      const index = Number(hash % BigInt(this.dataItems));
      const { b } = bucketAt(this.dataTable, index);
      const found = this.findData(payload, hash, b.head);
      if (found.state) {
        items.push({ state: found.state, hash, key: cacheKey });
        continue;
      }
      // A new data object, linked into the table and onto its field's list.
      const obj = Buffer.alloc(align8(DATA.payload + payload.length));
      obj[0] = OBJECT_DATA;
      putU64(obj, 8, DATA.payload + payload.length);
      putBig64(obj, DATA.hash, hash);
      payload.copy(obj, DATA.payload);
      const p = place(obj);
      newData.push(p);
      putU64(header, H.nData, getU64(header, H.nData) + 1);
      chain(this.dataTable, index, p, DATA.nextHashOffset, H.dataHashChainDepth, found.depth);
      const field = this.fieldFor(name, header, place, chain, bucketAt, fieldStates);
      set64(links, p + DATA.nextFieldOffset, field.headData);
      field.headData = p;
      set64(links, field.offset + FIELD.headDataOffset, p);
      const state: DataState = { offset: p, nEntries: 0, head: 0, tail: 0, tailCap: 0, tailCount: 0 };
      items.push({ state, hash, key: cacheKey });
    }

    // The entry object: items in file order, as journald sorts them.
    items.sort((a, b) => a.state.offset - b.state.offset);
    const seqnum = getU64(header, H.tailEntrySeqnum) + 1;
    const e = Buffer.alloc(ENTRY.items + items.length * ENTRY.itemSize);
    e[0] = OBJECT_ENTRY;
    putU64(e, 8, e.length);
    putU64(e, ENTRY.seqnum, seqnum);
    putU64(e, ENTRY.realtime, entry.realtimeUsec);
    putU64(e, ENTRY.monotonic, entry.monotonicUsec);
    Buffer.from(entry.bootId).copy(e, ENTRY.bootId);
    putBig64(e, ENTRY.xorHash, xor);
    items.forEach((it, i) => {
      putU64(e, ENTRY.items + i * ENTRY.itemSize, it.state.offset);
      putBig64(e, ENTRY.items + i * ENTRY.itemSize + 8, it.hash);
    });
    const entryAt = place(e);

    /** Adds the entry to a list; returns where the list's array head must be written if it is new. */
    const link = (list: EntryList, inlineFirst: boolean, headAt: number | undefined): void => {
      if (inlineFirst && list.nEntries === 0) {
        list.nEntries = 1;
        return;
      }
      if (list.tail !== 0 && list.tailCount < list.tailCap) {
        set64(slots, list.tail + ENTRY_ARRAY.items + list.tailCount * ENTRY_ARRAY.itemSize, entryAt);
        list.tailCount++;
      } else {
        const cap = Math.max(4, list.tailCap * 2);
        const arr = Buffer.alloc(ENTRY_ARRAY.items + cap * ENTRY_ARRAY.itemSize);
        arr[0] = OBJECT_ENTRY_ARRAY;
        putU64(arr, 8, arr.length);
        putU64(arr, ENTRY_ARRAY.items, entryAt);
        const a = place(arr);
        putU64(header, H.nEntryArrays, getU64(header, H.nEntryArrays) + 1);
        if (list.tail !== 0) set64(slots, list.tail + ENTRY_ARRAY.nextEntryArrayOffset, a);
        else {
          list.head = a;
          if (headAt !== undefined) set64(slots, headAt, a);
        }
        list.tail = a;
        list.tailCap = cap;
        list.tailCount = 1;
      }
      list.nEntries++;
    };

    const entries = { ...this.entries };
    link(entries, false, undefined);
    putU64(header, H.entryArrayOffset, entries.head);
    for (const it of items) {
      const s = it.state;
      const wasEmpty = s.nEntries === 0;
      link(s, true, s.offset + DATA.entryArrayOffset);
      if (wasEmpty) {
        // entry_offset and n_entries become non-zero together (a reader checks that they agree).
        const both = Buffer.alloc(24);
        putU64(both, 0, entryAt);
        putU64(both, 8, s.head);
        putU64(both, 16, 1);
        const obj = objects.get(s.offset);
        if (obj) both.copy(obj, DATA.entryOffset);
        else counts.push({ pos: s.offset + DATA.entryOffset, buf: both });
      } else set64(counts, s.offset + DATA.nEntries, s.nEntries);
    }
    for (const it of items) if (it.key !== undefined) dataStates.set(it.key, it.state);

    putU64(header, H.nEntries, entries.nEntries);
    putU64(header, H.tailEntrySeqnum, seqnum);
    if (getU64(header, H.headEntrySeqnum) === 0) putU64(header, H.headEntrySeqnum, seqnum);
    if (getU64(header, H.headEntryRealtime) === 0) putU64(header, H.headEntryRealtime, entry.realtimeUsec);
    putU64(header, H.tailEntryRealtime, entry.realtimeUsec);
    putU64(header, H.tailEntryMonotonic, entry.monotonicUsec);
    Buffer.from(entry.bootId).copy(header, H.tailEntryBootId);
    // The header's 32-bit cache of the file's tail entry array (systemd 252+); files here stay
    // far below 4 GiB.
    header.writeUInt32LE(entries.tail, H.tailEntryArrayOffset);
    header.writeUInt32LE(entries.tailCount, H.tailEntryArrayNEntries);
    putU64(header, H.arenaSize, at - HEADER_SIZE);
    return { appended: Buffer.concat(chunks), links, slots, counts, header, newEnd: at, entries, dataStates, fieldStates };
  }

  private fieldFor(
    name: string,
    header: Buffer,
    place: (buf: Buffer) => number,
    chain: (table: number, index: number, p: number, nextAt: number, depthField: number, walked: number) => void,
    bucketAt: (table: number, index: number) => { pos: number; b: { head: number } },
    planned: Map<string, FieldState>,
  ): FieldState {
    const got = planned.get(name) ?? this.fieldCache.get(name);
    if (got) {
      const copy = { ...got };
      planned.set(name, copy);
      return copy;
    }
    const bytes = Buffer.from(name, 'latin1');
    const hash = this.hash(bytes);
    const index = Number(hash % BigInt(this.fieldItems));
    const found = this.findField(bytes, hash, bucketAt(this.fieldTable, index).b.head);
    if (found.state) {
      planned.set(name, found.state);
      return found.state;
    }
    const obj = Buffer.alloc(align8(FIELD.payload + bytes.length));
    obj[0] = OBJECT_FIELD;
    putU64(obj, 8, FIELD.payload + bytes.length);
    putBig64(obj, FIELD.hash, hash);
    bytes.copy(obj, FIELD.payload);
    const p = place(obj);
    putU64(header, H.nFields, getU64(header, H.nFields) + 1);
    chain(this.fieldTable, index, p, FIELD.nextHashOffset, H.fieldHashChainDepth, found.depth);
    const state = { offset: p, headData: 0 };
    planned.set(name, state);
    return state;
  }

  /** Sets the file OFFLINE (synced) and closes it; `archive` marks it ARCHIVED instead. */
  close(archive = false): void {
    if (this.fd < 0) return;
    try {
      if (!this.broken || archive) {
        fs.fsyncSync(this.fd);
        this.setState(archive ? STATE_ARCHIVED : STATE_OFFLINE);
        fs.fsyncSync(this.fd);
      }
    } catch {
      // A file that cannot be set offline stays ONLINE and is set aside on the next start.
    } finally {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}

interface Plan {
  appended: Buffer;
  links: Scattered[];
  slots: Scattered[];
  counts: Scattered[];
  header: Buffer;
  newEnd: number;
  entries: EntryList;
  dataStates: Map<string, DataState>;
  fieldStates: Map<string, FieldState>;
}

/** Why an entry cannot be stored, or undefined. */
export function checkEntry(entry: JournalEntry): string | undefined {
  if (entry.fields.length === 0) return 'an entry needs at least one field';
  for (const [name] of entry.fields) if (!isValidFieldName(name, true)) return `invalid field name ${JSON.stringify(name)}`;
  if (entry.bootId.length !== 16 || entry.bootId.every((b) => b === 0)) return 'boot id must be 16 bytes, not all zero';
  if (!(entry.realtimeUsec > 0 && entry.realtimeUsec < 2 ** 53)) return 'realtime out of range';
  if (!(entry.monotonicUsec >= 0 && entry.monotonicUsec < 2 ** 53)) return 'monotonic out of range';
  return undefined;
}
