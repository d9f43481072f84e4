// The journal on disk, as journald keeps it: one active system.journal in
// /var/log/journal/MACHINE_ID/ (persistent) or /run/log/journal/MACHINE_ID/ (volatile), rotated
// into archived files by size, time and hash-table fill, with the oldest archives deleted
// beyond the limits (journal-limits.ts, from journald.conf: journald-conf.ts).
//
// append() never throws and never waits on a reader: a full disk or an I/O error is the
// returned value, and while the disk stays full the store tries a new file at most once a
// second. Its own complaints go to `warn`, each kind at most once per WARN_INTERVAL_MS.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JournalEntry } from './entry';
import { JournalFileReader } from './journal-file-reader';
import { type AppendResult, type FileIo, JournalFileWriter } from './journal-file-writer';
import { archivedName, chooseStorage, disposedName, journalLimits, type Limits, type PersistentDirFact, vacuumPlan } from './journal-limits';
import type { JournaldSettings } from './journald-conf';

const WARN_INTERVAL_MS = 30_000;
const RETRY_AFTER_FAILURE_MS = 1_000;
/**
 * Entries planned and written as one write sequence at most: a flood's turn brings thousands.
 * Each sequence rewrites the hash table's changed buckets (new payloads land all over it), so
 * larger sequences share those writes; 2048 (some 1.5 MB of new objects for unit lines) keeps
 * the file writer's plan buffer within what it reuses (SCRATCH_KEEP) instead of allocating
 * it afresh each turn.
 */
const WRITE_BATCH_MAX = 2048;

export interface StoreOptions {
  machineId: Uint8Array;
  settings: JournaldSettings;
  /** Prefix of /run and /var (tests); '' on a real system. */
  root?: string;
  warn?: (line: string) => void;
  nowMs?: () => number;
  io?: FileIo;
}

/** What /var/log/journal is (lstat: a symlink is never followed). */
export function persistentDirFact(dir: string): PersistentDirFact {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch {
    return 'missing';
  }
  if (st.isSymbolicLink()) return 'symlink';
  if (!st.isDirectory()) return 'not-a-directory';
  if (st.uid !== 0) return 'not-root-owned';
  if ((st.mode & 0o002) !== 0) return 'writable-by-others';
  return 'directory';
}

/** mkdir -p below `base` (which must exist), refusing any component that is a symlink or not root's. */
function ensureTrustedDir(base: string, rel: string): string | undefined {
  let p = base;
  for (const part of rel.split('/').filter(Boolean)) {
    p = path.join(p, part);
    try {
      fs.mkdirSync(p, { mode: 0o755 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return `${p}: ${(e as Error).message}`;
    }
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink() || !st.isDirectory()) return `${p} is not a directory`;
    if (st.uid !== 0 || (st.mode & 0o002) !== 0) return `${p} is not root's alone`;
  }
  return undefined;
}

export class JournalStore {
  private writer: JournalFileWriter | undefined;
  private retryAtMs = 0;
  private readonly lastWarn = new Map<string, number>();
  readonly limits: Limits;
  private readonly now: () => number;

  private constructor(
    readonly dir: string,
    readonly persistent: boolean,
    private readonly opts: StoreOptions,
  ) {
    this.now = opts.nowMs ?? Date.now;
    const set = persistent
      ? { maxUse: opts.settings.systemMaxUse, keepFree: opts.settings.systemKeepFree, maxFileSize: opts.settings.systemMaxFileSize, maxFiles: opts.settings.systemMaxFiles }
      : { maxUse: opts.settings.runtimeMaxUse, keepFree: opts.settings.runtimeKeepFree, maxFileSize: opts.settings.runtimeMaxFileSize, maxFiles: opts.settings.runtimeMaxFiles };
    let fsSize = 0;
    try {
      const s = fs.statfsSync(dir);
      fsSize = s.blocks * s.bsize;
    } catch {
      // unknown: journald's fallbacks
    }
    this.limits = journalLimits(set, fsSize);
  }

  /** Chooses the directory (Storage=), sets up the active file; undefined for Storage=none or no usable directory. */
  static open(opts: StoreOptions): JournalStore | undefined {
    const root = opts.root ?? '';
    const warn = opts.warn ?? (() => {});
    const machine = Buffer.from(opts.machineId).toString('hex');
    const choice = chooseStorage(opts.settings.storage, persistentDirFact(path.join(root, '/var/log/journal')));
    if (choice.warning) warn(choice.warning);
    if (choice.where === 'none') return undefined;
    const candidates: Array<{ base: string; rel: string; persistent: boolean }> = [];
    if (choice.where === 'persistent') candidates.push({ base: path.join(root, '/var/log'), rel: `journal/${machine}`, persistent: true });
    candidates.push({ base: path.join(root, '/run'), rel: `log/journal/${machine}`, persistent: false });
    for (const c of candidates) {
      const problem = ensureTrustedDir(c.base, c.rel);
      if (problem) {
        warn(`journal: ${problem}${c.persistent ? ': keeping the journal in /run/log/journal (volatile)' : ''}`);
        continue;
      }
      const store = new JournalStore(path.join(c.base, c.rel), c.persistent, opts);
      store.start();
      return store;
    }
    return undefined;
  }

  get activePath(): string {
    return path.join(this.dir, 'system.journal');
  }

  private warnOnce(kind: string, line: string): void {
    const t = this.now();
    const last = this.lastWarn.get(kind);
    if (last !== undefined && t - last < WARN_INTERVAL_MS) return;
    this.lastWarn.set(kind, t);
    this.opts.warn?.(line);
  }

  /** Opens system.journal, or sets aside what is there (ONLINE: not closed cleanly) and starts a new one. */
  private start(): void {
    const active = this.activePath;
    let template: { seqnumId: Buffer; tailSeqnum: number } | undefined;
    if (fs.existsSync(active)) {
      const got = JournalFileWriter.open(active, { machineId: this.opts.machineId, maxFileSize: this.limits.maxFileSize, io: this.opts.io });
      if (got.ok) {
        this.writer = got.writer;
        this.vacuum();
        return;
      }
      if (got.reason === 'archived' || got.reason === 'incompatible') template = this.archiveForeign(active);
      else this.dispose(active, got.message);
    }
    this.create(template);
    this.vacuum();
  }

  /** A whole file this writer does not append to (journald's compact or compressed variant): archived under journald's name. */
  private archiveForeign(file: string): { seqnumId: Buffer; tailSeqnum: number } | undefined {
    const seq = JournalFileReader.sequenceOf(file);
    if (!seq) {
      this.dispose(file, 'not a journal file');
      return undefined;
    }
    const name = archivedName(seq.seqnumId, seq.headSeqnum, seq.headRealtime);
    this.opts.warn?.(`journal: ${file} is in a variant not appended to here; archived as ${name}, starting a new file`);
    try {
      fs.renameSync(file, path.join(this.dir, name));
    } catch (e) {
      this.dispose(file, (e as Error).message);
      return undefined;
    }
    return { seqnumId: seq.seqnumId, tailSeqnum: seq.tailSeqnum };
  }

  /** systemd's rule for a file found ONLINE or unreadable: renamed to system@...journal~ and left for readers. */
  private dispose(file: string, why: string): void {
    const name = disposedName(this.now() * 1000, crypto.randomBytes(8).readBigUInt64LE());
    this.opts.warn?.(`journal: ${file}: ${why}; renamed to ${name}, starting a new file`);
    try {
      fs.renameSync(file, path.join(this.dir, name));
    } catch {
      fs.rmSync(file, { force: true });
    }
  }

  private create(template?: { seqnumId: Buffer; tailSeqnum: number }): void {
    this.writer = JournalFileWriter.create(this.activePath, {
      machineId: this.opts.machineId,
      maxFileSize: this.limits.maxFileSize,
      seqnumId: template?.seqnumId,
      tailSeqnum: template?.tailSeqnum,
      io: this.opts.io,
    });
  }

  /** Archives the active file (ARCHIVED, renamed system@SEQNUM_ID-HEAD-REALTIME.journal) and starts the next one in its sequence. */
  rotate(): void {
    const w = this.writer;
    this.writer = undefined;
    let template: { seqnumId: Buffer; tailSeqnum: number } | undefined;
    if (w) {
      const broken = w.failure;
      template = { seqnumId: w.seqnumId, tailSeqnum: w.tailSeqnum };
      w.close(true);
      if (w.nEntries === 0 && !broken) fs.rmSync(w.path, { force: true });
      else fs.renameSync(w.path, path.join(this.dir, archivedName(w.seqnumId, w.headSeqnum, w.headRealtime)));
    }
    this.vacuum();
    this.create(template);
  }

  /** Deletes the oldest archives beyond the limits and MaxRetentionSec=. */
  vacuum(): void {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return;
    }
    const files = [];
    for (const name of names) {
      try {
        const st = fs.lstatSync(path.join(this.dir, name));
        if (st.isFile()) files.push({ name, size: st.blocks * 512 });
      } catch {
        // gone meanwhile
      }
    }
    let free = Number.POSITIVE_INFINITY;
    try {
      const s = fs.statfsSync(this.dir);
      free = s.bavail * s.bsize;
    } catch {
      // unknown: no keep-free deletions
    }
    for (const name of vacuumPlan(files, this.limits, free, this.now() * 1000, this.opts.settings.maxRetentionMs * 1000)) {
      fs.rmSync(path.join(this.dir, name), { force: true });
    }
  }

  /** Stores one entry; see the file's head for what it promises. */
  append(entry: JournalEntry): AppendResult {
    return this.appendMany([entry])[0];
  }

  /** Stores entries received together, in write sequences of WRITE_BATCH_MAX (JournalFileWriter.appendMany). */
  appendMany(entries: readonly JournalEntry[]): AppendResult[] {
    if (entries.length <= WRITE_BATCH_MAX) return this.appendBatch(entries);
    const results: AppendResult[] = [];
    for (let i = 0; i < entries.length; i += WRITE_BATCH_MAX) for (const r of this.appendBatch(entries.slice(i, i + WRITE_BATCH_MAX))) results.push(r);
    return results;
  }

  private appendBatch(entries: readonly JournalEntry[]): AppendResult[] {
    try {
      return this.appendOrRotate(entries);
    } catch (e) {
      this.writer = undefined;
      this.retryAtMs = this.now() + RETRY_AFTER_FAILURE_MS;
      const message = (e as Error).message;
      this.warnOnce('io', `journal: ${message}`);
      const code = (e as NodeJS.ErrnoException).code;
      const error: AppendResult = { ok: false, error: code === 'ENOSPC' || code === 'EDQUOT' ? { kind: 'disk-full', message } : { kind: 'io', message } };
      return entries.map(() => error);
    }
  }

  private appendOrRotate(entries: readonly JournalEntry[]): AppendResult[] {
    if (!this.writer || this.writer.failure) {
      if (this.now() < this.retryAtMs) {
        const error: AppendResult = { ok: false, error: { kind: 'io', message: 'journal file not writable; retrying shortly' } };
        return entries.map(() => error);
      }
      this.rotate();
    }
    const maxFileMs = this.opts.settings.maxFileMs;
    const w0 = this.writer!;
    // MaxFileSec= counts from the file's first entry, as journald's does.
    if (w0.rotateSuggested || (maxFileMs > 0 && w0.headRealtime > 0 && this.now() * 1000 - w0.headRealtime > maxFileMs * 1000)) this.rotate();
    const results = this.writer!.appendMany(entries);
    // A batch larger than what is left of the file (or one whose clock went back) goes on in
    // the next file; a batch larger than a whole file, in several.
    for (let turn = 0; turn < 64; turn++) {
      const k = results.findIndex((r) => !r.ok && (r.error.kind === 'file-full' || r.error.kind === 'clock-went-back'));
      if (k < 0) break;
      this.rotate();
      const rest = this.writer!.appendMany(entries.slice(k));
      results.splice(k, rest.length, ...rest);
    }
    const failed = results.find((r) => !r.ok && (r.error.kind === 'disk-full' || r.error.kind === 'io'));
    if (failed && !failed.ok && (failed.error.kind === 'disk-full' || failed.error.kind === 'io')) {
      this.retryAtMs = this.now() + RETRY_AFTER_FAILURE_MS;
      this.warnOnce(failed.error.kind, `journal: ${failed.error.message}; entries are dropped until it can be written again`);
    }
    return results;
  }

  /** Sets the active file OFFLINE and closes it (it is appended to again on the next start). */
  close(): void {
    this.writer?.close();
    this.writer = undefined;
  }
}
