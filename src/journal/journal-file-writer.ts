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
// (or one appendMany batch, whose writes of each kind are merged where adjacent) is, in order: (1) one write of every new object (data, field, the entry, new entry
// arrays), complete and already pointing at each other; (2) the links from existing objects to
// the new data/field objects (hash chains, a field's data list); (3) the new entry's slot in the
// entry arrays (the file's and each data object's); (4) the counters (each data object's
// n_entries); (5) the header (n_entries, tails, seqnum), one write. A reader bounds everything
// by those counters, so it sees an entry only once it is whole, and a process that dies between
// two writes leaves a file that reads up to the last whole entry (batch). (A reader matching a
// field may see the entries of that last batch through the data counters before the header
// counts them: they are whole by then, as with journald.) The file is ONLINE while
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
/**
 * Data objects kept in memory (two generations of this many, payload keys of at most
 * CACHE_PAYLOAD_MAX characters: about a megabyte at worst); the hot ones of a journal (_PID=,
 * _SYSTEMD_UNIT=, _HOSTNAME=, ...) are far fewer. Longer payloads are not cached: a unique
 * long message would only evict.
 */
const DATA_CACHE_MAX = 2048;
const FIELD_CACHE_MAX = 1024;
const CACHE_PAYLOAD_MAX = 256;

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

/** A data object found or made: where, and its two hashes (computed once per payload). */
interface KnownData {
  offset: number;
  /** The table hash, as the entry item stores it (little-endian). */
  hash: Buffer;
  /** Jenkins hash halves, for the entry's xor_hash. */
  jHi: number;
  jLo: number;
}

/**
 * A payload's cache key without building its bytes: string values and byte values in separate
 * name spaces (the same text could be either), never equal for different bytes.
 */
function dataKey(name: string, value: string | Uint8Array): string {
  if (typeof value === 'string') return `s${name}=${value}`;
  // The decoder's values are Buffers already: no view made per field.
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.length);
  return `b${name}=${bytes.toString('latin1')}`;
}

interface FieldState {
  offset: number;
  headData: number;
}

interface Scattered {
  pos: number;
  buf: Buffer;
}

/** Two generations: a hot key survives the turnover that a flood of unique keys causes. */
class TwoGenerationCache<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  constructor(private readonly max: number) {}
  get(key: K): V | undefined {
    const v = this.young.get(key);
    if (v !== undefined) return v;
    const o = this.old.get(key);
    if (o !== undefined) this.set(key, o);
    return o;
  }
  set(key: K, value: V): void {
    if (this.young.size >= this.max) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }
}

export class JournalFileWriter {
  private broken: string | undefined;
  /** Payload key (dataKey) -> its data object; list state by data object offset, separately,
   * so that two keys of one object (a string and a binary value of the same bytes) share it. */
  private readonly dataCache = new TwoGenerationCache<string, KnownData>(DATA_CACHE_MAX);
  private readonly stateCache = new TwoGenerationCache<number, DataState>(DATA_CACHE_MAX);
  private readonly fieldCache = new TwoGenerationCache<string, FieldState>(FIELD_CACHE_MAX);
  private readonly keyed: boolean;
  private readonly fileId: Buffer;
  private readonly dataTable: number;
  private readonly dataItems: number;
  private readonly fieldTable: number;
  private readonly fieldItems: number;
  private end: number;
  private readonly entries: EntryList;
  /**
   * The two hash tables as they are on the file (read once; every change to them is made here):
   * a new payload's bucket is looked up without a read, and a batch's bucket writes are merged
   * across small gaps (TABLE_WRITE_GAP). 16 bytes per item: 32 KiB for a small file, 3.7 MB for
   * journald's largest (128 MiB) file, about what journald's mapping of the table keeps resident.
   */
  private readonly dataMirror: Buffer;
  private readonly fieldMirror: Buffer;

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
    this.dataMirror = Buffer.alloc(this.dataItems * HASH_ITEM_SIZE);
    this.fieldMirror = Buffer.alloc(this.fieldItems * HASH_ITEM_SIZE);
    for (const [m, at] of [[this.dataMirror, this.dataTable], [this.fieldMirror, this.fieldTable]] as const) {
      if (io.pread(fd, m, at) < m.length) throw new Error(`short read of the hash table at ${at}`);
    }
  }

  /** The mirror holding file offset `pos` (a hash table's), and where in it. */
  private mirrorAt(pos: number): { buf: Buffer; start: number } | undefined {
    if (pos >= this.dataTable && pos < this.dataTable + this.dataMirror.length) return { buf: this.dataMirror, start: this.dataTable };
    if (pos >= this.fieldTable && pos < this.fieldTable + this.fieldMirror.length) return { buf: this.fieldMirror, start: this.fieldTable };
    return undefined;
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

  /** A data object's entry-list state, read from the file. */
  private readDataState(offset: number): DataState {
    const o = this.read(offset, DATA.payload);
    const list = JournalFileWriter.readList(this.io, this.fd, getU64(o, DATA.nEntries), getU64(o, DATA.entryArrayOffset), true);
    if (!list) throw new Error(`data object at ${offset}: entry array chain does not add up`);
    return { ...list, offset };
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
        if (this.read(p + DATA.payload, payload.length).equals(payload)) return { state: this.stateCache.get(p) ?? this.readDataState(p), depth };
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
    return this.appendMany([entry])[0];
  }

  /**
   * Appends entries in order, as one write sequence: what a caller received in one go (a burst
   * of datagrams, a stream's lines) costs a few writes instead of some thirty per entry, and a
   * process that dies half-way loses at most these entries. Invalid entries are skipped (their
   * result says why). The first entry that does not fit the file ('file-full') or goes back in
   * time ('clock-went-back') stops the batch: it and every later entry get that result, so the
   * caller rotates and appends them again.
   */
  appendMany(entries: readonly JournalEntry[]): AppendResult[] {
    const results: AppendResult[] = new Array(entries.length);
    if (this.broken) return results.fill({ ok: false, error: { kind: 'io', message: this.broken } });
    const take: number[] = [];
    let tail = getU64(this.header, H.tailEntryRealtime);
    let stop = entries.length;
    let stopError: AppendError | undefined;
    for (let i = 0; i < entries.length; i++) {
      const invalid = checkEntry(entries[i]);
      if (invalid) {
        results[i] = { ok: false, error: { kind: 'invalid', message: invalid } };
        continue;
      }
      if (entries[i].realtimeUsec < tail) {
        stop = i;
        stopError = { kind: 'clock-went-back' };
        break;
      }
      tail = entries[i].realtimeUsec;
      take.push(i);
    }
    // Plan the batch; when it does not fit the file, plan the first half, and so on.
    let count = take.length;
    let plan: Plan | undefined;
    try {
      while (count > 0) {
        plan = this.plan(take.slice(0, count).map((i) => entries[i]));
        if (plan.newEnd <= this.maxFileSize) break;
        plan = undefined;
        if (count === 1 && this.nEntries === 0) {
          // Not even an empty file holds it (journald refuses such an entry too).
          results[take[0]] = { ok: false, error: { kind: 'invalid', message: `entry larger than a journal file (${this.maxFileSize} bytes)` } };
          take.shift();
          count = 0;
          if (take.length > 0) {
            stop = take[0];
            stopError = { kind: 'file-full' };
          }
          return fillFrom(results, stop, stopError);
        }
        count = count === 1 ? 0 : Math.ceil(count / 2);
      }
    } catch (e) {
      const err = this.fail(e);
      for (const i of take) results[i] = err;
      return fillFrom(results, stop, stopError);
    }
    if (count < take.length) {
      stop = take[count];
      stopError = { kind: 'file-full' };
    }
    if (plan) {
      try {
        this.io.pwrite(this.fd, plan.appended, this.end);
        for (const group of [plan.links, plan.slots, plan.counts]) for (const run of coalesce(group, (pos) => this.mirrorAt(pos))) this.io.pwrite(this.fd, run.buf, run.pos);
        this.io.pwrite(this.fd, plan.header.subarray(H.tailEntryBootId), H.tailEntryBootId);
      } catch (e) {
        const err = this.fail(e);
        for (const i of take.slice(0, count)) results[i] = err;
        return fillFrom(results, stop, stopError);
      }
      plan.header.copy(this.header);
      for (const [pos, b] of plan.buckets) {
        const m = this.mirrorAt(pos)!;
        putU64(m.buf, pos - m.start, b.head);
        putU64(m.buf, pos - m.start + 8, b.tail);
      }
      this.end = plan.newEnd;
      Object.assign(this.entries, plan.entries);
      for (const [key, d] of plan.batchKeys) if (key.length <= CACHE_PAYLOAD_MAX) this.dataCache.set(key, d);
      for (const [offset, state] of plan.batchStates) this.stateCache.set(offset, state);
      for (const [key, state] of plan.fieldStates) this.fieldCache.set(key, state);
      take.slice(0, count).forEach((i, k) => (results[i] = { ok: true, seqnum: plan!.firstSeqnum + k }));
    }
    return fillFrom(results, stop, stopError);
  }

  private fail(e: unknown): AppendResult {
    const err = e as NodeJS.ErrnoException;
    const message = `${this.path}: ${err.message}`;
    // What was written of the batch is unreachable by count (the header was not updated), but
    // links may have been written half-way: the file takes no more appends.
    this.broken = message;
    if (err.code === 'ENOSPC' || err.code === 'EDQUOT') return { ok: false, error: { kind: 'disk-full', message } };
    return { ok: false, error: { kind: 'io', message } };
  }

  /** Works out every byte an append of `batch` writes, reading the file but changing nothing. */
  private plan(batch: readonly JournalEntry[]): Plan {
    const header = Buffer.from(this.header);
    const chunks: Buffer[] = [];
    let at = this.end;
    const objects: Array<{ start: number; buf: Buffer }> = []; // new objects, in file order
    const place = (buf: Buffer): number => {
      const pos = at;
      chunks.push(buf);
      objects.push({ start: pos, buf });
      at += buf.length;
      putU64(header, H.nObjects, getU64(header, H.nObjects) + 1);
      putU64(header, H.tailObjectOffset, pos);
      return pos;
    };
    const links: Writes = new Map();
    const slots: Writes = new Map();
    const counts: Writes = new Map();
    /** 8 bytes at `pos`: into a new object's buffer, else a write of the group (the last value wins). */
    const set64 = (group: Writes, pos: number, value: number) => {
      if (pos >= this.end) {
        // binary search: the new objects are in file order
        let lo = 0;
        let hi = objects.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (objects[mid].start <= pos) lo = mid;
          else hi = mid - 1;
        }
        putU64(objects[lo].buf, pos - objects[lo].start, value);
        return;
      }
      group.set(pos, value);
    };
    const buckets = new Map<number, { head: number; tail: number }>();
    const bucketAt = (table: number, index: number) => {
      const pos = table + index * HASH_ITEM_SIZE;
      let b = buckets.get(pos);
      if (!b) {
        const m = this.mirrorAt(pos)!;
        b = { head: getU64(m.buf, pos - m.start), tail: getU64(m.buf, pos - m.start + 8) };
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
      links.set(pos, b.head);
      links.set(pos + 8, b.tail);
    };

    const batchKeys = new Map<string, KnownData>(); // every payload key of the batch
    const planned = new Map<string, KnownData>(); // new data objects of the batch, by payload bytes
    const batchStates = new Map<number, DataState>(); // working copies, to the cache after the write
    const fieldStates = new Map<string, FieldState>();
    const entries = { ...this.entries };
    const firstSeqnum = getU64(header, H.tailEntrySeqnum) + 1;
    const machineHex = this.header.subarray(H.machineId, H.machineId + 16).toString('hex');
    /** The batch's working copy of a data object's list state (cache, else the file). */
    const stateOf = (offset: number, fresh?: DataState): DataState => {
      let st = batchStates.get(offset);
      if (!st) {
        const cached = fresh ?? this.stateCache.get(offset);
        st = cached ? { ...cached } : this.readDataState(offset);
        batchStates.set(offset, st);
      }
      return st;
    };
    /** The data object of NAME=value: known, found through the hash table, or planned new. */
    const resolve = (name: string, value: string | Uint8Array, key: string): KnownData => {
      const known = batchKeys.get(key) ?? (key.length <= CACHE_PAYLOAD_MAX ? this.dataCache.get(key) : undefined);
      if (known) return known;
      const payload = fieldPayload(name, value);
      const bytesKey = payload.toString('latin1');
      const mine = planned.get(bytesKey); // the same bytes under another key, new in this batch
      if (mine) return mine;
      const hash = this.hash(payload);
      const hashBytes = Buffer.alloc(8);
      putBig64(hashBytes, 0, hash);
      const j = this.keyed ? jenkinsHash64(payload) : hash;
      const jHi = Number(j >> 32n);
      const jLo = Number(j & 0xffffffffn);
      const index = Number(hash % BigInt(this.dataItems));
      const { b } = bucketAt(this.dataTable, index);
      const found = this.findData(payload, hash, b.head);
      if (found.state) {
        stateOf(found.state.offset, found.state);
        return { offset: found.state.offset, hash: hashBytes, jHi, jLo };
      }
      // A new data object, linked into the table and onto its field's list.
      const obj = Buffer.alloc(align8(DATA.payload + payload.length));
      obj[0] = OBJECT_DATA;
      putU64(obj, 8, DATA.payload + payload.length);
      hashBytes.copy(obj, DATA.hash);
      payload.copy(obj, DATA.payload);
      const p = place(obj);
      putU64(header, H.nData, getU64(header, H.nData) + 1);
      chain(this.dataTable, index, p, DATA.nextHashOffset, H.dataHashChainDepth, found.depth);
      const field = this.fieldFor(name, header, place, chain, bucketAt, fieldStates);
      set64(links, p + DATA.nextFieldOffset, field.headData);
      field.headData = p;
      set64(links, field.offset + FIELD.headDataOffset, p);
      stateOf(p, { offset: p, nEntries: 0, head: 0, tail: 0, tailCap: 0, tailCount: 0 });
      const made = { offset: p, hash: hashBytes, jHi, jLo };
      planned.set(bytesKey, made);
      return made;
    };

    /** Adds the entry at `entryAt` to a list (data objects keep their first entry inline). */
    const link = (list: EntryList, entryAt: number, inlineFirst: boolean, headAt: number | undefined): void => {
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

    batch.forEach((entry, k) => {
      // journalctl finds boots (-b, --list-boots) through the _BOOT_ID field, and journald gives
      // every entry _BOOT_ID and _MACHINE_ID: added here when the caller did not.
      const fields: Array<readonly [string, string | Uint8Array]> = [...entry.fields];
      if (!fields.some(([n]) => n === '_BOOT_ID')) fields.push(['_BOOT_ID', Buffer.from(entry.bootId).toString('hex')]);
      if (!fields.some(([n]) => n === '_MACHINE_ID')) fields.push(['_MACHINE_ID', machineHex]);
      const items: KnownData[] = [];
      let xHi = 0;
      let xLo = 0;
      for (const [name, value] of fields) {
        const key = dataKey(name, value);
        const d = resolve(name, value, key);
        batchKeys.set(key, d);
        items.push(d);
      }
      // The same payload twice is one item (as journald 254+), whatever the field's spelling.
      items.sort((a, b) => a.offset - b.offset);
      let n = 0;
      for (const it of items) {
        if (n > 0 && items[n - 1].offset === it.offset) continue;
        items[n++] = it;
        xHi ^= it.jHi;
        xLo ^= it.jLo;
      }
      items.length = n;

      // The entry object: items in file order, as journald sorts them.
      const seqnum = firstSeqnum + k;
      const e = Buffer.alloc(ENTRY.items + items.length * ENTRY.itemSize);
      e[0] = OBJECT_ENTRY;
      putU64(e, 8, e.length);
      putU64(e, ENTRY.seqnum, seqnum);
      putU64(e, ENTRY.realtime, entry.realtimeUsec);
      putU64(e, ENTRY.monotonic, entry.monotonicUsec);
      Buffer.from(entry.bootId).copy(e, ENTRY.bootId);
      e.writeUInt32LE(xLo >>> 0, ENTRY.xorHash);
      e.writeUInt32LE(xHi >>> 0, ENTRY.xorHash + 4);
      items.forEach((it, i) => {
        putU64(e, ENTRY.items + i * ENTRY.itemSize, it.offset);
        it.hash.copy(e, ENTRY.items + i * ENTRY.itemSize + 8);
      });
      const entryAt = place(e);

      link(entries, entryAt, false, undefined);
      for (const it of items) {
        const s = stateOf(it.offset);
        if (s.nEntries === 0) {
          // entry_offset and n_entries become non-zero together (a reader checks that they agree):
          // three adjacent values of one write.
          link(s, entryAt, true, undefined);
          set64(counts, s.offset + DATA.entryOffset, entryAt);
          set64(counts, s.offset + DATA.entryArrayOffset, s.head);
          set64(counts, s.offset + DATA.nEntries, 1);
        } else {
          link(s, entryAt, true, s.offset + DATA.entryArrayOffset);
          set64(counts, s.offset + DATA.nEntries, s.nEntries);
        }
      }
      if (getU64(header, H.headEntrySeqnum) === 0) putU64(header, H.headEntrySeqnum, seqnum);
      if (getU64(header, H.headEntryRealtime) === 0) putU64(header, H.headEntryRealtime, entry.realtimeUsec);
      putU64(header, H.tailEntrySeqnum, seqnum);
      putU64(header, H.tailEntryRealtime, entry.realtimeUsec);
      putU64(header, H.tailEntryMonotonic, entry.monotonicUsec);
      Buffer.from(entry.bootId).copy(header, H.tailEntryBootId);
    });

    putU64(header, H.entryArrayOffset, entries.head);
    putU64(header, H.nEntries, entries.nEntries);
    // The header's 32-bit cache of the file's tail entry array (systemd 252+); files here stay
    // far below 4 GiB.
    header.writeUInt32LE(entries.tail, H.tailEntryArrayOffset);
    header.writeUInt32LE(entries.tailCount, H.tailEntryArrayNEntries);
    putU64(header, H.arenaSize, at - HEADER_SIZE);
    return { appended: Buffer.concat(chunks), links, slots, counts, buckets, header, newEnd: at, entries, batchKeys, batchStates, fieldStates, firstSeqnum };
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

  /**
   * Sets the file OFFLINE (synced to disk) and closes it. `archive` marks it ARCHIVED instead and
   * does not wait for the disk: a rotation happens in the middle of appending, which must not
   * stall on a slow disk (readers do not need the state, and the kernel writes it back).
   */
  close(archive = false): void {
    if (this.fd < 0) return;
    try {
      if (archive) this.setState(STATE_ARCHIVED);
      else if (!this.broken) {
        fs.fsyncSync(this.fd);
        this.setState(STATE_OFFLINE);
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
  links: Writes;
  /** The hash table buckets the batch changes, by file offset: to the mirrors once written. */
  buckets: Map<number, { head: number; tail: number }>;
  slots: Writes;
  counts: Writes;
  header: Buffer;
  newEnd: number;
  entries: EntryList;
  batchKeys: Map<string, KnownData>;
  batchStates: Map<number, DataState>;
  fieldStates: Map<string, FieldState>;
  firstSeqnum: number;
}

/** 8-byte values to write into existing objects, by file offset. */
type Writes = Map<number, number>;

/**
 * Within a hash table, values less than this many bytes apart are one write, the bytes between
 * them written again as the table's mirror has them (what the file holds): a system call costs
 * more than copying a page, and a flood of new payloads changes buckets all over the table.
 */
const TABLE_WRITE_GAP = 4096;

/**
 * Adjacent values of a group as one write each (one pwrite per run, in file order); in a hash
 * table (`mirrorAt` gives its mirror), values up to TABLE_WRITE_GAP apart too.
 */
function coalesce(group: Writes, mirrorAt: (pos: number) => { buf: Buffer; start: number } | undefined): Scattered[] {
  // A typed array sorts numerically without a comparator call per step (a batch has thousands).
  const positions = Float64Array.from(group.keys()).sort();
  const runs: Scattered[] = [];
  let i = 0;
  while (i < positions.length) {
    const m = mirrorAt(positions[i]);
    let j = i + 1;
    if (m) while (j < positions.length && positions[j] - positions[j - 1] <= TABLE_WRITE_GAP && positions[j] + 8 <= m.start + m.buf.length) j++;
    else while (j < positions.length && positions[j] === positions[j - 1] + 8) j++;
    const from = positions[i];
    const buf = m ? Buffer.from(m.buf.subarray(from - m.start, positions[j - 1] + 8 - m.start)) : Buffer.alloc((j - i) * 8);
    for (let k = i; k < j; k++) putU64(buf, positions[k] - from, group.get(positions[k])!);
    runs.push({ pos: from, buf });
    i = j;
  }
  return runs;
}

function fillFrom(results: AppendResult[], from: number, error: AppendError | undefined): AppendResult[] {
  if (error) for (let i = from; i < results.length; i++) if (!results[i]) results[i] = { ok: false, error };
  return results;
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
