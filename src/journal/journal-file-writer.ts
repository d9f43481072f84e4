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
// (or one appendMany batch) is planned whole in memory first (new objects laid out in one
// buffer, changes to existing objects kept by position) and then written, in order: (1) one
// write of every new object (data, field, the entry, new entry arrays), complete and already
// pointing at each other; (2) the links from existing objects to new ones (hash chains, a
// field's data list, the next entry array) and the new entries' slots in existing entry arrays
// (the file's and each data object's), a write per run of adjacent values; (3) the counters
// (each data object's n_entries); (4) the header (n_entries, tails, seqnum), one write. Nothing
// is buffered across batches. A reader bounds everything
// by those counters, so it sees an entry only once it is whole, and a process that dies between
// two writes leaves a file that reads up to the last whole entry (batch). (A reader matching a
// field may see the entries of that last batch through the data counters before the header
// counts them: they are whole by then, as with journald.) The file is ONLINE while
// open and OFFLINE once closed; a file found ONLINE was not closed and is set aside (see
// journal-store.ts), never appended to.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import type { JournalEntry, SharedFields } from './entry';
import { isValidFieldName } from './field-name';
import { FilePages, PAGE_SIZE, type Writes } from './file-pages';
import {
  align8,
  DATA,
  ENTRY,
  ENTRY_ARRAY,
  FIELD,
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
  putU64,
  SIGNATURE,
  STATE_ARCHIVED,
  STATE_OFFLINE,
  STATE_ONLINE,
} from './format';
import { jenkinsInto, sipKey, siphash24Into } from './hash';

/** Positional I/O; the tests put a failing one in to stop a write half-way, as a crash would. */
export interface FileIo {
  /** Writes buf[offset, offset + length) at pos (a part of a buffer: no view made per write). */
  pwrite(fd: number, buf: Uint8Array, pos: number, offset: number, length: number): void;
  pread(fd: number, buf: Uint8Array, pos: number): number;
}

export const plainIo: FileIo = {
  pwrite(fd, buf, pos, offset, length) {
    let done = 0;
    while (done < length) done += fs.writeSync(fd, buf, offset + done, length - done, pos + done);
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

/** A data object found or made: where, and its two hashes (computed once per payload). */
interface KnownData {
  offset: number;
  /** The table hash (siphash or jenkins), as the entry item stores it: low and high halves. */
  hLo: number;
  hHi: number;
  /** The jenkins hash, for the entry's xor_hash. */
  jLo: number;
  jHi: number;
  /** Its list state, while the writer keeps it (see stateOf): no lookup by offset per entry. */
  state: EntryList | undefined;
  /** Made by the batch being planned: its first entry, written into it with no list state (most new payloads, a flood's messages, have one entry). */
  first: number;
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

/** An entry list's place on the file (what readList finds). */
interface ListShape {
  nEntries: number;
  head: number;
  tail: number;
  tailCap: number;
  tailCount: number;
}

/**
 * A list of entry offsets: a data object's (its first entry inline, `offset` the object's) or
 * the file's (all in arrays, `offset` 0); with what the batch being planned did to it, to
 * write or, when the plan is dropped, to undo.
 */
class EntryList {
  nEntries = 0;
  /** First entry array, its tail, the tail's capacity and filled items. */
  head = 0;
  tail = 0;
  tailCap = 0;
  tailCount = 0;
  /** A data object's first entry (its inline entry_offset). */
  first = 0;
  /** The batch that last changed it, and the state before that batch. */
  batch = 0;
  savedEntries = 0;
  savedHead = 0;
  savedTail = 0;
  savedCap = 0;
  savedCount = 0;
  savedFirst = 0;
  /** Made by that batch (a new data object): forgotten when the plan is dropped. */
  made = false;
  /** No longer the writer's state of its data object (left the cache): read again if needed. */
  gone = false;
  /** Slots that batch fills in an array that is already on the file: where, and their entries. */
  runAt = 0;
  run: number[] | undefined;
  constructor(readonly offset: number) {}
  static of(offset: number, l: ListShape): EntryList {
    const list = new EntryList(offset);
    list.nEntries = l.nEntries;
    list.head = l.head;
    list.tail = l.tail;
    list.tailCap = l.tailCap;
    list.tailCount = l.tailCount;
    return list;
  }
  save(batch: number): void {
    this.batch = batch;
    this.savedEntries = this.nEntries;
    this.savedHead = this.head;
    this.savedTail = this.tail;
    this.savedCap = this.tailCap;
    this.savedCount = this.tailCount;
    this.savedFirst = this.first;
    if (this.run) this.run.length = 0;
  }
  restore(): void {
    this.nEntries = this.savedEntries;
    this.head = this.savedHead;
    this.tail = this.savedTail;
    this.tailCap = this.savedCap;
    this.tailCount = this.savedCount;
    this.first = this.savedFirst;
    if (this.run) this.run.length = 0;
    this.batch = 0;
  }
}

interface FieldState {
  offset: number;
  headData: number;
  /** The batch that last changed headData, and its value before. */
  batch: number;
  savedHead: number;
}

/**
 * Two generations: a hot key survives the turnover that a flood of unique keys causes. The
 * turnover happens only in trim(), between batches: what a batch is using stays while it plans.
 */
class TwoGenerationCache<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  constructor(private readonly max: number) {}
  get(key: K): V | undefined {
    const v = this.young.get(key);
    if (v !== undefined) return v;
    const o = this.old.get(key);
    if (o !== undefined) this.young.set(key, o);
    return o;
  }
  set(key: K, value: V): void {
    this.young.set(key, value);
  }
  has(key: K): boolean {
    return this.young.has(key) || this.old.has(key);
  }
  delete(key: K): void {
    this.young.delete(key);
    this.old.delete(key);
  }
  /** Turns the generations over when the young one is full; `dropped` sees what leaves. */
  trim(dropped?: (value: V) => void): void {
    if (this.young.size >= this.max) {
      const gone = this.old;
      this.old = this.young;
      this.young = new Map();
      if (dropped) for (const [key, value] of gone) if (!this.old.has(key)) dropped(value);
    }
  }
}

/**
 * A field name's last few values and their data objects: most fields of a flood repeat one of a
 * few values (_PID, _COMM, PRIORITY, _SYSTEMD_UNIT...), found here by comparing the value, with
 * no key string made and hashed. Only values of at most RECENT_VALUE_MAX characters or bytes.
 */
interface RecentValues {
  values: Array<string | Uint8Array>;
  data: KnownData[];
  next: number;
}
const RECENT_PER_NAME = 8;
const RECENT_VALUE_MAX = 64;
const RECENT_NAMES_MAX = 1024;

/** Whether two values are the same value of the same kind (text and bytes are kept apart, as in dataKey). */
function sameValue(a: string | Uint8Array, b: string | Uint8Array): boolean {
  if (typeof a === 'string') return a === b;
  if (typeof b === 'string') return false;
  const n = a.length;
  if (b.length !== n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * What a writer found of a SharedFields in its file (kept in the SharedFields): their data
 * objects, in file order. Dropped with the plan that found them when it is not written; a
 * writer's number, not the writer, so that a template kept past a rotation holds no old file.
 */
interface SharedPlan {
  writer: number;
  items: KnownData[];
  hasBoot: boolean;
  hasMachine: boolean;
}
let writers = 0;

/**
 * Per data hash bucket, what the writer knows of its chain without reading it (bucketDepth,
 * bucketBits): its length, or UNKNOWN_DEPTH (a file opened with the bucket in use, until a
 * walk has read the chain whole), and a bit per hash of its objects (bucketBit). A new
 * payload whose bit is not set in a known bucket is in none of its objects: no read of the
 * chain (a flood's messages were a read per object of their bucket's chain).
 */
const UNKNOWN_DEPTH = 255;
const bucketBit = (hHi: number): number => 1 << (hHi >>> 27);

/** A batch's writes kept in memory, growing (zeroed beyond what is in use). */
const SCRATCH_MIN = 256 * 1024;
/** A scratch grown past this by a large batch is given back after it (a flood's batch of 2048 unit lines takes some 1.5 MB). */
const SCRATCH_KEEP = 4 << 20;
const TWO_32 = 0x1_0000_0000;
const COUNTER_PAGES = 32;

/** hi * 2^32 + lo, modulo n (n below 2^37), without leaving exact double arithmetic. */
function mod64(hi: number, lo: number, n: number): number {
  return ((((((hi >>> 0) % n) * 65536) % n) * 65536) % n + (lo >>> 0)) % n;
}

export class JournalFileWriter {
  private broken: string | undefined;
  /** This writer's number, for the SharedPlans it keeps. */
  private readonly id = ++writers;
  /** SharedFields whose plan the batch being planned made (forgotten when it is dropped). */
  private readonly plannedShared: SharedFields[] = [];
  /** Payload key (dataKey) -> its data object; list state by data object offset, separately,
   * so that two keys of one object (a string and a binary value of the same bytes) share it. */
  private readonly dataCache = new TwoGenerationCache<string, KnownData>(DATA_CACHE_MAX);
  private readonly states = new TwoGenerationCache<number, EntryList>(DATA_CACHE_MAX);
  private readonly fieldCache = new TwoGenerationCache<string, FieldState>(FIELD_CACHE_MAX);
  private readonly keyed: boolean;
  private readonly sipKey: Int32Array;
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
  private readonly bucketDepth: Uint8Array;
  private readonly bucketBits: Uint32Array;

  // The batch being planned (see plan()): its new objects are laid out in `scratch` from file
  // offset `base` (the end before the batch) to `at`; what it changes in objects already on
  // the file is kept apart, by the group it is written in.
  private batchNo = 0;
  private scratch = Buffer.alloc(0);
  private scratch32 = new Uint32Array(0);
  private base = 0;
  private at = 0;
  private readonly next: Buffer;
  private readonly touched: EntryList[] = [];
  private readonly touchedFields: FieldState[] = [];
  /** Bucket changes: table item position, then its head and tail before (for an undo). */
  private readonly bucketLog: number[] = [];
  private readonly links = new Map<number, number>();
  private readonly counts = new Map<number, number>();
  /** The pages of the counters that batches keep changing (file-pages.ts): about 256 KiB at most. */
  private readonly pages = new FilePages(COUNTER_PAGES);
  private lastObject = 0;
  private runBytes = Buffer.alloc(0);
  private run32 = new Uint32Array(0);
  private readonly plannedKeys = new Map<string, KnownData>();
  /** The batch's data objects found or made by their slow path, by their table hash's low half. */
  private readonly plannedByHash = new Map<number, KnownData[]>();
  /** Field names' last values (name, value, data object triples of the batch, kept with it). */
  private readonly recent = new Map<string, RecentValues>();
  private readonly plannedRecent: Array<string | Uint8Array | KnownData> = [];
  private readonly plannedFields = new Map<string, FieldState>();
  private readonly items: KnownData[] = [];
  private readonly hashOut = new Uint32Array(2);
  private readonly jenkinsOut = new Uint32Array(2);
  /** Field names found valid, and the last boot id found valid. */
  private readonly validNames = new Set<string>();
  private bootIdSeen: Buffer | undefined;
  /** The _BOOT_ID field added to entries of this boot id, and _MACHINE_ID's. */
  private bootIdOfField: Buffer | undefined;
  private bootIdField: readonly [string, string] = ['_BOOT_ID', ''];
  private readonly machineField: readonly [string, string];
  private counters = { objects: 0, data: 0, fields: 0, arrays: 0 };

  private constructor(
    readonly path: string,
    private fd: number,
    private readonly header: Buffer,
    private readonly io: FileIo,
    readonly maxFileSize: number,
    entries: EntryList,
    /** The hash tables were just written empty (create): not read back and scanned (3.7 MB for a 128 MiB file). */
    tablesEmpty = false,
  ) {
    this.keyed = (header.readUInt32LE(H.incompatibleFlags) & INCOMPATIBLE_KEYED_HASH) !== 0;
    this.sipKey = sipKey(header.subarray(H.fileId, H.fileId + 16));
    this.dataTable = getU64(header, H.dataHashTableOffset);
    this.dataItems = getU64(header, H.dataHashTableSize) / HASH_ITEM_SIZE;
    this.fieldTable = getU64(header, H.fieldHashTableOffset);
    this.fieldItems = getU64(header, H.fieldHashTableSize) / HASH_ITEM_SIZE;
    this.end = HEADER_SIZE + getU64(header, H.arenaSize);
    this.entries = entries;
    this.next = Buffer.alloc(HEADER_SIZE);
    this.machineField = ['_MACHINE_ID', header.subarray(H.machineId, H.machineId + 16).toString('hex')];
    this.dataMirror = Buffer.alloc(this.dataItems * HASH_ITEM_SIZE);
    this.fieldMirror = Buffer.alloc(this.fieldItems * HASH_ITEM_SIZE);
    this.bucketDepth = new Uint8Array(this.dataItems);
    this.bucketBits = new Uint32Array(this.dataItems);
    if (tablesEmpty) return;
    for (const [m, at] of [[this.dataMirror, this.dataTable], [this.fieldMirror, this.fieldTable]] as const) {
      if (io.pread(fd, m, at) < m.length) throw new Error(`short read of the hash table at ${at}`);
    }
    // A bucket in use: its head's two 32-bit halves, not both zero.
    const words = new Uint32Array(this.dataMirror.buffer, this.dataMirror.byteOffset, this.dataMirror.length >> 2);
    for (let i = 0; i < this.dataItems; i++) if ((words[i * 4] | words[i * 4 + 1]) !== 0) this.bucketDepth[i] = UNKNOWN_DEPTH;
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
      io.pwrite(fd, tables, HEADER_SIZE, 0, tables.length);
      io.pwrite(fd, h, 0, 0, h.length);
      const w = new JournalFileWriter(path, fd, h, io, opts.maxFileSize, new EntryList(0), true);
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
      const w = new JournalFileWriter(path, fd, h, io, opts.maxFileSize, EntryList.of(0, entries));
      w.setState(STATE_ONLINE);
      return { ok: true, writer: w };
    } catch (e) {
      return refuse('io', (e as Error).message);
    }
  }

  /** Walks an entry array chain to its tail; undefined when its capacities cannot hold nEntries. */
  private static readList(io: FileIo, fd: number, nEntries: number, head: number, inlineFirst: boolean): ListShape | undefined {
    const list: ListShape = { nEntries, head, tail: 0, tailCap: 0, tailCount: 0 };
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

  /** The table hash of data[start, end), into hashOut. */
  private hashInto(data: Uint8Array, start: number, end: number): void {
    if (this.keyed) siphash24Into(data, start, end, this.sipKey, this.hashOut);
    else jenkinsInto(data, start, end, this.hashOut);
  }

  private read(pos: number, length: number): Buffer {
    const b = Buffer.alloc(length);
    if (this.io.pread(this.fd, b, pos) < length) throw new Error(`short read at ${pos}`);
    return b;
  }

  private setState(state: number): void {
    this.header[H.state] = state;
    this.writeAt(this.header, H.state, H.state, 1);
  }

  /** A data object's entry-list state, read from the file. */
  private readDataState(offset: number): EntryList {
    const o = this.read(offset, DATA.payload);
    const list = JournalFileWriter.readList(this.io, this.fd, getU64(o, DATA.nEntries), getU64(o, DATA.entryArrayOffset), true);
    if (!list) throw new Error(`data object at ${offset}: entry array chain does not add up`);
    const state = EntryList.of(offset, list);
    state.first = getU64(o, DATA.entryOffset);
    return state;
  }

  /** The list state of the data object at `offset`: kept, else read from the file. */
  private stateOf(offset: number): EntryList {
    let s = this.states.get(offset);
    if (!s) {
      s = this.readDataState(offset);
      this.states.set(offset, s);
    }
    return s;
  }

  /** Forgets a list state: a KnownData that still points at it finds the state again by offset. */
  private dropState(s: EntryList): void {
    this.states.delete(s.offset);
    s.gone = true;
  }

  /** Whether the object at p (read from the file) has this hash and payload. */
  private holds(p: number, o: Buffer, hashAt: number, payloadAt: number, payload: Buffer, hLo: number, hHi: number): boolean {
    return o.readUInt32LE(hashAt) === hLo && o.readUInt32LE(hashAt + 4) === hHi && getU64(o, 8) - payloadAt === payload.length && this.read(p + payloadAt, payload.length).equals(payload);
  }

  /**
   * Finds a data object by payload through the data hash table; walks the whole chain up to
   * the objects this batch plans (at or past the end: not written yet, and new payloads).
   */
  private findData(buf: Buffer, from: number, end: number, hLo: number, hHi: number, index: number): { offset: number; depth: number } {
    const known = this.bucketDepth[index];
    if (known !== UNKNOWN_DEPTH && (this.bucketBits[index] & bucketBit(hHi)) === 0) return { offset: 0, depth: known };
    const payload = buf.subarray(from, end);
    let p = getU64(this.dataMirror, index * HASH_ITEM_SIZE);
    let depth = 0;
    let bits = 0;
    while (p !== 0 && p < this.base) {
      depth++;
      const o = this.read(p, DATA.payload);
      if (o[0] === OBJECT_DATA && this.holds(p, o, DATA.hash, DATA.payload, payload, hLo, hHi)) return { offset: p, depth };
      bits |= bucketBit(o.readUInt32LE(DATA.hash + 4));
      p = getU64(o, DATA.nextHashOffset);
    }
    // Read whole (none of it this batch's): known from now on.
    if (known === UNKNOWN_DEPTH && p === 0 && depth < UNKNOWN_DEPTH) {
      this.bucketDepth[index] = depth;
      this.bucketBits[index] = bits;
    }
    return { offset: 0, depth: known === UNKNOWN_DEPTH ? depth : known };
  }

  private findField(name: Buffer, hLo: number, hHi: number, bucketHead: number): { state?: FieldState; depth: number } {
    let p = bucketHead;
    let depth = 0;
    while (p !== 0 && p < this.base) {
      depth++;
      const o = this.read(p, FIELD.payload);
      if (o[0] === OBJECT_FIELD && this.holds(p, o, FIELD.hash, FIELD.payload, name, hLo, hHi)) {
        return { state: { offset: p, headData: getU64(o, FIELD.headDataOffset), batch: 0, savedHead: 0 }, depth };
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
    const batch: JournalEntry[] = [];
    let tail = getU64(this.header, H.tailEntryRealtime);
    let stop = entries.length;
    let stopError: AppendError | undefined;
    for (let i = 0; i < entries.length; i++) {
      const invalid = this.problemOf(entries[i]);
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
      batch.push(entries[i]);
    }
    if (batch.length === 0) return fillFrom(results, stop, stopError);
    // Plan the batch; when it does not fit the file, plan again the entries before the first
    // that did not fit (the same layout, so it fits).
    let count = batch.length;
    try {
      const fits = this.plan(batch, count);
      if (fits < count) {
        this.undo();
        if (fits === 0 && this.nEntries === 0) {
          // Not even an empty file holds it (journald refuses such an entry too).
          results[take[0]] = { ok: false, error: { kind: 'invalid', message: `entry larger than a journal file (${this.maxFileSize} bytes)` } };
          return fillFrom(results, take.length > 1 ? take[1] : stop, take.length > 1 ? { kind: 'file-full' } : stopError);
        }
        stop = take[fits];
        stopError = { kind: 'file-full' };
        count = fits;
        if (count > 0) this.plan(batch, count);
      }
    } catch (e) {
      this.undo();
      const err = this.fail(e);
      for (const i of take) results[i] = err;
      return fillFrom(results, stop, stopError);
    }
    if (count === 0) return fillFrom(results, stop, stopError);
    const firstSeqnum = getU64(this.header, H.tailEntrySeqnum) + 1;
    try {
      this.writePlan();
    } catch (e) {
      const err = this.fail(e);
      for (let k = 0; k < count; k++) results[take[k]] = err;
      return fillFrom(results, stop, stopError);
    }
    this.keepPlan();
    for (let k = 0; k < count; k++) results[take[k]] = { ok: true, seqnum: firstSeqnum + k };
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

  /** Why the entry cannot be stored, or undefined; what was found valid before is not checked again. */
  private problemOf(entry: JournalEntry): string | undefined {
    const fields = entry.fields;
    const shared = entry.shared;
    if (fields.length === 0 && (shared === undefined || shared.fields.length === 0)) return 'an entry needs at least one field';
    const bad = this.badName(fields);
    if (bad !== undefined) return bad;
    // Shared fields are checked once: a plan of them in this file says they were.
    if (shared !== undefined && (shared.stored as SharedPlan | undefined)?.writer !== this.id) {
      const badShared = this.badName(shared.fields);
      if (badShared !== undefined) return badShared;
    }
    if (!sameId(entry.bootId, this.bootIdSeen)) {
      const bad = bootIdProblem(entry.bootId);
      if (bad) return bad;
      this.bootIdSeen = Buffer.from(entry.bootId);
    }
    return stampsProblem(entry);
  }

  /** Why one of these field names is not storable, or undefined. */
  private badName(fields: ReadonlyArray<readonly [string, unknown]>): string | undefined {
    for (let i = 0; i < fields.length; i++) {
      const name = fields[i][0];
      if (this.validNames.has(name)) continue;
      if (!isValidFieldName(name, true)) return `invalid field name ${JSON.stringify(name)}`;
      if (this.validNames.size >= FIELD_CACHE_MAX) this.validNames.clear();
      this.validNames.add(name);
    }
    return undefined;
  }

  // ---- Planning a batch: every byte it writes, laid out in memory; nothing written yet. ----

  /**
   * Plans the first `count` entries of the batch (valid, in time order); returns how many of
   * them fit the file: all of them, or the plan is to be undone and made again for fewer.
   */
  private plan(batch: readonly JournalEntry[], count: number): number {
    this.batchNo++;
    this.base = this.end;
    this.at = this.end;
    this.header.copy(this.next);
    this.counters = { objects: 0, data: 0, fields: 0, arrays: 0 };
    const firstSeqnum = getU64(this.next, H.tailEntrySeqnum) + 1;
    for (let k = 0; k < count; k++) {
      this.planEntry(batch[k], firstSeqnum + k);
      if (this.at > this.maxFileSize) return k;
    }
    this.planCounts();
    this.planHeader(batch[0], batch[count - 1], firstSeqnum, firstSeqnum + count - 1);
    return count;
  }

  private planEntry(entry: JournalEntry, seqnum: number): void {
    const items = this.items;
    const fields = entry.fields;
    let n = 0;
    let hasBoot = false;
    let hasMachine = false;
    const shared = entry.shared;
    if (shared !== undefined) {
      // First, in file order already: the entry's own items (newer, mostly) sort in after them.
      const plan = this.sharedPlan(shared);
      const known = plan.items;
      for (let i = 0; i < known.length; i++) items[n++] = known[i];
      hasBoot = plan.hasBoot;
      hasMachine = plan.hasMachine;
    }
    for (let i = 0; i < fields.length; i++) {
      const name = fields[i][0];
      if (name.charCodeAt(0) === 0x5f) {
        if (name === '_BOOT_ID') hasBoot = true;
        else if (name === '_MACHINE_ID') hasMachine = true;
      }
      items[n++] = this.resolve(name, fields[i][1]);
    }
    // journalctl finds boots (-b, --list-boots) through the _BOOT_ID field, and journald gives
    // every entry _BOOT_ID and _MACHINE_ID: added here when the caller did not.
    if (!hasBoot) {
      if (!sameId(entry.bootId, this.bootIdOfField)) {
        this.bootIdOfField = Buffer.from(entry.bootId);
        this.bootIdField = ['_BOOT_ID', this.bootIdOfField.toString('hex')];
      }
      items[n++] = this.resolve(this.bootIdField[0], this.bootIdField[1]);
    }
    if (!hasMachine) items[n++] = this.resolve(this.machineField[0], this.machineField[1]);
    // Items in file order, as journald sorts them; the same payload twice is one item (as
    // journald 254+), whatever the field's spelling. An insertion sort: a dozen items.
    for (let i = 1; i < n; i++) {
      const it = items[i];
      let j = i - 1;
      while (j >= 0 && items[j].offset > it.offset) {
        items[j + 1] = items[j];
        j--;
      }
      items[j + 1] = it;
    }
    let m = 0;
    let xLo = 0;
    let xHi = 0;
    for (let i = 0; i < n; i++) {
      const it = items[i];
      if (m > 0 && items[m - 1].offset === it.offset) continue;
      items[m++] = it;
      xLo ^= it.jLo;
      xHi ^= it.jHi;
    }
    const e = this.place(OBJECT_ENTRY, ENTRY.items + m * ENTRY.itemSize);
    const o = e - this.base;
    this.put64(o + ENTRY.seqnum, seqnum);
    this.put64(o + ENTRY.realtime, entry.realtimeUsec);
    this.put64(o + ENTRY.monotonic, entry.monotonicUsec);
    this.scratch.set(entry.bootId, o + ENTRY.bootId);
    const w = this.scratch32;
    w[(o + ENTRY.xorHash) >> 2] = xLo;
    w[(o + ENTRY.xorHash + 4) >> 2] = xHi;
    for (let i = 0; i < m; i++) {
      const it = items[i];
      const q = (o + ENTRY.items + i * ENTRY.itemSize) >> 2;
      w[q] = it.offset;
      w[q + 1] = it.offset / TWO_32;
      w[q + 2] = it.hLo;
      w[q + 3] = it.hHi;
    }
    this.link(this.entries, e);
    for (let i = 0; i < m; i++) {
      const it = items[i];
      let s = it.state;
      if (s === undefined && it.offset >= this.base) {
        if (it.first === 0) {
          // A data object of this batch, at its first entry: written into it, nothing else made.
          it.first = e;
          const d = it.offset - this.base;
          this.put64(d + DATA.entryOffset, e);
          this.put64(d + DATA.nEntries, 1);
          continue;
        }
        it.state = s = this.madeState(it);
      } else if (s === undefined || s.gone) it.state = s = this.stateOf(it.offset);
      if (s.nEntries === 0) {
        // The first entry is the data object's inline entry_offset.
        this.touch(s);
        s.nEntries = 1;
        s.first = e;
      } else this.link(s, e);
    }
  }

  /** The data objects of shared fields in this file: found once, then kept with them. */
  private sharedPlan(shared: SharedFields): SharedPlan {
    const kept = shared.stored as SharedPlan | undefined;
    if (kept !== undefined && kept.writer === this.id) return kept;
    const fields = shared.fields;
    const items: KnownData[] = [];
    let hasBoot = false;
    let hasMachine = false;
    for (let i = 0; i < fields.length; i++) {
      const name = fields[i][0];
      if (name === '_BOOT_ID') hasBoot = true;
      else if (name === '_MACHINE_ID') hasMachine = true;
      items.push(this.resolve(name, fields[i][1]));
    }
    items.sort((a, b) => a.offset - b.offset);
    const plan: SharedPlan = { writer: this.id, items, hasBoot, hasMachine };
    shared.stored = plan;
    this.plannedShared.push(shared);
    return plan;
  }

  /** The data object of NAME=value: known, or found through the hash table, or made. */
  private resolve(name: string, value: string | Uint8Array): KnownData {
    const r = this.recent.get(name);
    if (r !== undefined) {
      const values = r.values;
      for (let i = 0; i < values.length; i++) if (sameValue(values[i], value)) return r.data[i];
    }
    const key = dataKey(name, value);
    const cacheable = key.length <= CACHE_PAYLOAD_MAX;
    const d = (cacheable ? (this.dataCache.get(key) ?? this.plannedKeys.get(key)) : undefined) ?? this.resolveSlow(name, value, key, cacheable);
    if (value.length <= RECENT_VALUE_MAX) this.plannedRecent.push(name, value, d);
    return d;
  }

  /**
   * The payload is written where a new data object would have it, then hashed and looked for
   * there (the batch's new objects, then the hash table); kept if new, cleared if found.
   */
  private resolveSlow(name: string, value: string | Uint8Array, key: string, cacheable: boolean): KnownData {
    const o = this.at - this.base;
    const length = name.length + 1 + (typeof value === 'string' ? Buffer.byteLength(value) : value.length);
    if (o + align8(DATA.payload + length) > this.scratch.length) this.grow(o + align8(DATA.payload + length));
    const buf = this.scratch;
    const from = o + DATA.payload;
    const end = from + length;
    buf.write(name, from, 'latin1');
    buf[from + name.length] = 0x3d;
    if (typeof value === 'string') buf.write(value, from + name.length + 1, 'utf8');
    else buf.set(value, from + name.length + 1);
    this.hashInto(buf, from, end);
    const hLo = this.hashOut[0];
    const hHi = this.hashOut[1];
    let d = this.plannedWith(hLo, hHi, from, end);
    if (!d) {
      let jLo = hLo;
      let jHi = hHi;
      if (this.keyed) {
        jenkinsInto(buf, from, end, this.jenkinsOut);
        jLo = this.jenkinsOut[0];
        jHi = this.jenkinsOut[1];
      }
      const index = mod64(hHi, hLo, this.dataItems);
      const found = this.findData(buf, from, end, hLo, hHi, index);
      if (found.offset !== 0) buf.fill(0, from, end);
      const offset = found.offset || this.makeData(name, length, hLo, hHi, index, found.depth);
      d = { offset, hLo, hHi, jLo, jHi, state: undefined, first: 0 };
      const same = this.plannedByHash.get(hLo);
      if (same) same.push(d);
      else this.plannedByHash.set(hLo, [d]);
    } else buf.fill(0, from, end);
    if (cacheable) this.plannedKeys.set(key, d);
    return d;
  }

  /** A data object of this batch's slow path with the payload at scratch [from, end) (under another key). */
  private plannedWith(hLo: number, hHi: number, from: number, end: number): KnownData | undefined {
    const same = this.plannedByHash.get(hLo);
    if (!same) return undefined;
    const length = end - from;
    for (const d of same) {
      if (d.hHi !== hHi) continue;
      if (d.offset >= this.base) {
        const o = d.offset - this.base;
        if (getU64(this.scratch, o + 8) - DATA.payload === length && this.scratch.compare(this.scratch, from, end, o + DATA.payload, o + DATA.payload + length) === 0) return d;
      } else if (getU64(this.read(d.offset, 16), 8) - DATA.payload === length && this.read(d.offset + DATA.payload, length).equals(this.scratch.subarray(from, end))) return d;
    }
    return undefined;
  }

  /** A new data object, linked into the table and onto its field's list. */
  private makeData(name: string, length: number, hLo: number, hHi: number, index: number, walked: number): number {
    // The payload is in place already (resolveSlow).
    const p = this.place(OBJECT_DATA, DATA.payload + length);
    const o = p - this.base;
    this.scratch32[(o + DATA.hash) >> 2] = hLo;
    this.scratch32[(o + DATA.hash + 4) >> 2] = hHi;
    this.counters.data++;
    this.chain(this.dataMirror, this.dataTable, index, p, DATA.nextHashOffset, H.dataHashChainDepth, walked);
    const depth = this.bucketDepth[index];
    if (depth !== UNKNOWN_DEPTH) {
      this.bucketBits[index] |= bucketBit(hHi);
      this.bucketDepth[index] = Math.min(depth + 1, UNKNOWN_DEPTH - 1);
    }
    const field = this.fieldFor(name);
    this.put64(o + DATA.nextFieldOffset, field.headData);
    field.headData = p;
    this.setAt(field.offset + FIELD.headDataOffset, p);
    return p;
  }

  /** The list state of a data object this batch made, at its second entry (its first is `first`). */
  private madeState(d: KnownData): EntryList {
    const state = new EntryList(d.offset);
    state.made = true;
    this.touch(state);
    state.nEntries = 1;
    state.first = d.first;
    this.states.set(d.offset, state);
    return state;
  }

  private fieldFor(name: string): FieldState {
    let f = this.fieldCache.get(name) ?? this.plannedFields.get(name);
    if (!f) {
      const bytes = Buffer.from(name, 'latin1');
      this.hashInto(bytes, 0, bytes.length);
      const hLo = this.hashOut[0];
      const hHi = this.hashOut[1];
      const index = mod64(hHi, hLo, this.fieldItems);
      const found = this.findField(bytes, hLo, hHi, getU64(this.fieldMirror, index * HASH_ITEM_SIZE));
      f = found.state;
      if (!f) {
        const p = this.place(OBJECT_FIELD, FIELD.payload + bytes.length);
        const o = p - this.base;
        this.scratch32[(o + FIELD.hash) >> 2] = hLo;
        this.scratch32[(o + FIELD.hash + 4) >> 2] = hHi;
        this.scratch.set(bytes, o + FIELD.payload);
        this.counters.fields++;
        this.chain(this.fieldMirror, this.fieldTable, index, p, FIELD.nextHashOffset, H.fieldHashChainDepth, found.depth);
        f = { offset: p, headData: 0, batch: 0, savedHead: 0 };
      }
      this.plannedFields.set(name, f);
    }
    if (f.batch !== this.batchNo) {
      f.batch = this.batchNo;
      f.savedHead = f.headData;
      this.touchedFields.push(f);
    }
    return f;
  }

  /** Links a new object at `p` to the end of its bucket's chain; nextAt is its next_hash_offset. */
  private chain(mirror: Buffer, table: number, index: number, p: number, nextAt: number, depthField: number, walked: number): void {
    const at = index * HASH_ITEM_SIZE;
    const head = getU64(mirror, at);
    const tail = getU64(mirror, at + 8);
    this.bucketLog.push(table + at, head, tail);
    if (tail === 0) putU64(mirror, at, p);
    else this.setAt(tail + nextAt, p);
    putU64(mirror, at + 8, p);
    this.links.set(table + at, tail === 0 ? p : head);
    this.links.set(table + at + 8, p);
    if (walked + 1 > getU64(this.next, depthField)) putU64(this.next, depthField, walked + 1);
  }

  /** Adds the entry at `e` to a list's entry arrays. */
  private link(list: EntryList, e: number): void {
    this.touch(list);
    if (list.tail !== 0 && list.tailCount < list.tailCap) {
      const pos = list.tail + ENTRY_ARRAY.items + list.tailCount * ENTRY_ARRAY.itemSize;
      if (pos >= this.base) this.put64(pos - this.base, e);
      else {
        if (list.run === undefined) list.run = [];
        if (list.run.length === 0) list.runAt = pos;
        list.run.push(e);
      }
      list.tailCount++;
    } else {
      const cap = Math.max(4, list.tailCap * 2);
      const a = this.place(OBJECT_ENTRY_ARRAY, ENTRY_ARRAY.items + cap * ENTRY_ARRAY.itemSize);
      this.counters.arrays++;
      this.put64(a - this.base + ENTRY_ARRAY.items, e);
      if (list.tail !== 0) this.setAt(list.tail + ENTRY_ARRAY.nextEntryArrayOffset, a);
      else list.head = a;
      list.tail = a;
      list.tailCap = cap;
      list.tailCount = 1;
    }
    list.nEntries++;
  }

  private touch(list: EntryList): void {
    if (list.batch === this.batchNo) return;
    list.save(this.batchNo);
    this.touched.push(list);
  }

  /**
   * What the batch changed of each data object's list: written into a new object, or as a write
   * of the counts group (entry_offset and n_entries become non-zero together: a reader checks
   * that they agree).
   */
  private planCounts(): void {
    for (const s of this.touched) {
      const at = s.offset;
      if (at === 0) continue; // the file's list: the header has it
      if (at >= this.base) {
        const o = at - this.base;
        this.put64(o + DATA.entryOffset, s.first);
        this.put64(o + DATA.entryArrayOffset, s.head);
        this.put64(o + DATA.nEntries, s.nEntries);
      } else if (s.savedEntries === 0) {
        this.counts.set(at + DATA.entryOffset, s.first);
        this.counts.set(at + DATA.entryArrayOffset, s.head);
        this.counts.set(at + DATA.nEntries, s.nEntries);
      } else {
        this.counts.set(at + DATA.nEntries, s.nEntries);
        if (s.savedHead === 0 && s.head !== 0) this.links.set(at + DATA.entryArrayOffset, s.head);
      }
    }
  }

  private planHeader(first: JournalEntry, last: JournalEntry, firstSeqnum: number, lastSeqnum: number): void {
    const h = this.next;
    const c = this.counters;
    if (getU64(h, H.headEntrySeqnum) === 0) putU64(h, H.headEntrySeqnum, firstSeqnum);
    if (getU64(h, H.headEntryRealtime) === 0) putU64(h, H.headEntryRealtime, first.realtimeUsec);
    putU64(h, H.tailEntrySeqnum, lastSeqnum);
    putU64(h, H.tailEntryRealtime, last.realtimeUsec);
    putU64(h, H.tailEntryMonotonic, last.monotonicUsec);
    h.set(last.bootId, H.tailEntryBootId);
    putU64(h, H.nObjects, getU64(h, H.nObjects) + c.objects);
    putU64(h, H.tailObjectOffset, this.lastObject);
    putU64(h, H.nData, getU64(h, H.nData) + c.data);
    putU64(h, H.nFields, getU64(h, H.nFields) + c.fields);
    putU64(h, H.nEntryArrays, getU64(h, H.nEntryArrays) + c.arrays);
    putU64(h, H.entryArrayOffset, this.entries.head);
    putU64(h, H.nEntries, this.entries.nEntries);
    // The header's 32-bit cache of the file's tail entry array (systemd 252+); files here stay
    // far below 4 GiB.
    h.writeUInt32LE(this.entries.tail, H.tailEntryArrayOffset);
    h.writeUInt32LE(this.entries.tailCount, H.tailEntryArrayNEntries);
    putU64(h, H.arenaSize, this.at - HEADER_SIZE);
  }

  /** Reserves a new object of `size` bytes (8-aligned) at the batch's end; its type and size are set. */
  private place(type: number, size: number): number {
    const p = this.at;
    const o = p - this.base;
    const len = align8(size);
    if (o + len > this.scratch.length) this.grow(o + len);
    this.scratch[o] = type;
    this.put64(o + 8, size);
    this.at = p + len;
    this.counters.objects++;
    this.lastObject = p;
    return p;
  }

  private grow(need: number): void {
    const bytes = new ArrayBuffer(Math.max(SCRATCH_MIN, this.scratch.length * 2, align8(need)));
    const bigger = Buffer.from(bytes);
    bigger.set(this.scratch.subarray(0, this.at - this.base));
    this.scratch = bigger;
    this.scratch32 = new Uint32Array(bytes);
  }

  /** 8 bytes (a number below 2^53) at scratch offset o, which is 8-aligned. */
  private put64(o: number, value: number): void {
    this.scratch32[o >> 2] = value;
    this.scratch32[(o >> 2) + 1] = value / TWO_32;
  }

  /** 8 bytes at file offset pos: into a new object, or a write of the links group. */
  private setAt(pos: number, value: number): void {
    if (pos >= this.base) this.put64(pos - this.base, value);
    else this.links.set(pos, value);
  }

  // ---- Writing a plan, keeping it, or dropping it. ----

  /** The writes, in the order the file's head says: new objects, links and slots, counts, header. */
  private writePlan(): void {
    this.writeAt(this.scratch, this.base, 0, this.at - this.base);
    this.writeLinks();
    for (const list of this.touched) {
      const run = list.run;
      if (run === undefined || run.length === 0) continue;
      const buf = this.runBuffer(run.length * 8);
      const w = this.run32;
      for (let i = 0; i < run.length; i++) {
        w[2 * i] = run[i];
        w[2 * i + 1] = run[i] / TWO_32;
      }
      this.writeAt(buf, list.runAt, 0, run.length * 8);
    }
    // The counters' pages: read where the batch changes two counters or more in one (once; kept
    // as the file has them), so that counters a page apart are one write.
    for (const page of this.pages.worthReading(this.counts)) {
      const bytes = Buffer.alloc(PAGE_SIZE);
      if (this.io.pread(this.fd, bytes, page * PAGE_SIZE) === PAGE_SIZE) this.pages.add(page, bytes);
    }
    const positions = sortedPositions(this.counts);
    for (let i = 0; i < positions.length; ) {
      const j = this.pages.runEnd(positions, i);
      const from = positions[i];
      const length = positions[j - 1] + 8 - from;
      const buf = this.runBuffer(length);
      if (this.pages.gaps) this.pages.copyTo(buf, from, from + length);
      for (let k = i; k < j; k++) putU64(buf, positions[k] - from, this.counts.get(positions[k])!);
      this.writeAt(buf, from, 0, length);
      i = j;
    }
    this.writeAt(this.next, H.tailEntryBootId, H.tailEntryBootId, HEADER_SIZE - H.tailEntryBootId);
  }

  /**
   * The links group: values in a hash table straight from its mirror (which holds them, and
   * what the file has between them: values up to TABLE_WRITE_GAP apart are one write), the
   * others a write per run of adjacent values.
   */
  private writeLinks(): void {
    const positions = sortedPositions(this.links);
    for (let i = 0; i < positions.length; ) {
      const from = positions[i];
      const m = this.mirrorAt(from);
      let j = i + 1;
      if (m) while (j < positions.length && positions[j] - positions[j - 1] <= TABLE_WRITE_GAP && positions[j] + 8 <= m.start + m.buf.length) j++;
      else while (j < positions.length && positions[j] === positions[j - 1] + 8) j++;
      const length = positions[j - 1] + 8 - from;
      if (m) this.writeAt(m.buf, from, from - m.start, length);
      else {
        const buf = this.runBuffer(length);
        for (let k = i; k < j; k++) putU64(buf, positions[k] - from, this.links.get(positions[k])!);
        this.writeAt(buf, from, 0, length);
      }
      i = j;
    }
  }

  /** A buffer of at least `length` bytes for one write, reused. */
  private runBuffer(length: number): Buffer {
    if (this.runBytes.length < length) {
      const bytes = new ArrayBuffer(align8(Math.max(length, 4096, this.runBytes.length * 2)));
      this.runBytes = Buffer.from(bytes);
      this.run32 = new Uint32Array(bytes);
    }
    return this.runBytes;
  }

  private writeAt(buf: Buffer, pos: number, offset: number, length: number): void {
    this.io.pwrite(this.fd, buf, pos, offset, length);
    this.pages.wrote(buf, offset, length, pos);
  }

  /** The plan was written: it is now what the file is. */
  private keepPlan(): void {
    this.next.copy(this.header);
    // A payload first seen in this batch and used once is kept neither by key nor by state:
    // most are unique (a message with a counter, a time, an address) and would only churn the
    // caches and the heap; one that comes again is found through the hash table once, then kept.
    for (const s of this.touched) {
      if (s.made && s.nEntries < 2) this.dropState(s);
      s.made = false;
    }
    for (const [key, d] of this.plannedKeys) if (d.offset < this.base || this.states.has(d.offset)) this.dataCache.set(key, d);
    this.end = this.at;
    this.keepRecent();
    for (const [name, f] of this.plannedFields) this.fieldCache.set(name, f);
    this.dataCache.trim();
    this.states.trim((s) => (s.gone = true));
    this.fieldCache.trim();
    this.clearPlan();
  }

  /** The batch's values go into their names' recent values (their data objects are on the file now). */
  private keepRecent(): void {
    const p = this.plannedRecent;
    if (this.recent.size >= RECENT_NAMES_MAX) this.recent.clear();
    for (let i = 0; i < p.length; i += 3) {
      const name = p[i] as string;
      const value = p[i + 1] as string | Uint8Array;
      let r = this.recent.get(name);
      if (!r) {
        r = { values: [], data: [], next: 0 };
        this.recent.set(name, r);
      }
      let known = false;
      for (let k = 0; k < r.values.length && !known; k++) known = sameValue(r.values[k], value);
      if (known) continue;
      // A copy: a decoded value is a view of the whole chunk it came in.
      r.values[r.next] = typeof value === 'string' ? value : Uint8Array.from(value);
      r.data[r.next] = p[i + 2] as KnownData;
      r.next = (r.next + 1) % RECENT_PER_NAME;
    }
  }

  /** Forgets a plan that is not written (it did not fit, or a read failed). */
  private undo(): void {
    for (const s of this.plannedShared) s.stored = undefined;
    for (const s of this.touched) {
      if (s.made) this.dropState(s);
      else s.restore();
    }
    for (const f of this.touchedFields) {
      f.headData = f.savedHead;
      f.batch = 0;
    }
    const log = this.bucketLog;
    for (let i = log.length - 3; i >= 0; i -= 3) {
      const m = this.mirrorAt(log[i])!;
      putU64(m.buf, log[i] - m.start, log[i + 1]);
      putU64(m.buf, log[i] - m.start + 8, log[i + 2]);
      // What the plan added to the bucket's knowledge is gone with it: read again when needed.
      if (m.buf === this.dataMirror) this.bucketDepth[(log[i] - m.start) / HASH_ITEM_SIZE] = UNKNOWN_DEPTH;
    }
    this.clearPlan();
  }

  private clearPlan(): void {
    this.touched.length = 0;
    this.touchedFields.length = 0;
    this.bucketLog.length = 0;
    this.links.clear();
    this.counts.clear();
    this.plannedKeys.clear();
    this.plannedByHash.clear();
    this.plannedRecent.length = 0;
    this.plannedFields.clear();
    this.plannedShared.length = 0;
    if (this.scratch.length > SCRATCH_KEEP) {
      this.scratch = Buffer.alloc(0);
      this.scratch32 = new Uint32Array(0);
    } else this.scratch.fill(0, 0, this.at - this.base);
    this.at = this.base = this.end;
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

/**
 * Within a hash table, values less than this many bytes apart are one write, the bytes between
 * them written again as the table's mirror has them (what the file holds): a system call costs
 * more than copying a few pages (a flood of unit lines in batches of 2048: 4 KiB apart, 0.12
 * table writes per line; 16 KiB apart, 0.002), and a flood of new payloads changes buckets all
 * over the table.
 */
const TABLE_WRITE_GAP = 16384;

/** A group's positions in file order (a typed array sorts numerically without a comparator call per step). */
function sortedPositions(group: Writes): Float64Array {
  const positions = new Float64Array(group.size);
  let i = 0;
  for (const pos of group.keys()) positions[i++] = pos;
  return positions.sort();
}

function fillFrom(results: AppendResult[], from: number, error: AppendError | undefined): AppendResult[] {
  if (error) for (let i = from; i < results.length; i++) if (!results[i]) results[i] = { ok: false, error };
  return results;
}

/** Whether two 128-bit ids are the same bytes (b may be unset). */
function sameId(a: Uint8Array, b: Uint8Array | undefined): boolean {
  if (b === undefined || a.length !== 16 || b.length !== 16) return false;
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}

function bootIdProblem(bootId: Uint8Array): string | undefined {
  if (bootId.length !== 16 || bootId.every((b) => b === 0)) return 'boot id must be 16 bytes, not all zero';
  return undefined;
}

function stampsProblem(entry: JournalEntry): string | undefined {
  if (!(entry.realtimeUsec > 0 && entry.realtimeUsec < 2 ** 53)) return 'realtime out of range';
  if (!(entry.monotonicUsec >= 0 && entry.monotonicUsec < 2 ** 53)) return 'monotonic out of range';
  return undefined;
}

/** Why an entry cannot be stored, or undefined. */
export function checkEntry(entry: JournalEntry): string | undefined {
  const fields = entry.shared ? [...entry.fields, ...entry.shared.fields] : entry.fields;
  if (fields.length === 0) return 'an entry needs at least one field';
  for (const [name] of fields) if (!isValidFieldName(name, true)) return `invalid field name ${JSON.stringify(name)}`;
  return bootIdProblem(entry.bootId) ?? stampsProblem(entry);
}
