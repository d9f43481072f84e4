// Where the journal goes and how much of it is kept, as journald decides it (Storage=auto,
// journal_default_metrics, journal_directory_vacuum), as pure functions of facts the store
// gathers (journal-store.ts).

import type { StorageMode } from './journald-conf';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const PAGE = 4096;
const pageAlign = (n: number) => Math.ceil(n / PAGE) * PAGE;

/** journald's bounds: a file at least 512 KiB; SystemMaxUse= from 10% of the file system, within 1 MiB..4 GiB. */
export const FILE_SIZE_MIN = 512 * KiB;
const MAX_USE_LOWER = 1 * MiB;
const MAX_USE_UPPER = 4 * GiB;
const MAX_SIZE_UPPER = 128 * MiB;
const KEEP_FREE_UPPER = 4 * GiB;
const KEEP_FREE_UNKNOWN_FS = 1 * MiB;
const N_MAX_FILES = 100;

export interface Limits {
  /** Everything of this journal directory together (SystemMaxUse=/RuntimeMaxUse=). */
  maxUse: number;
  /** Space left free on the file system (SystemKeepFree=/RuntimeKeepFree=). */
  keepFree: number;
  /** One file's size, rotated at (SystemMaxFileSize=/RuntimeMaxFileSize=). */
  maxFileSize: number;
  /** Files kept, the active one included (SystemMaxFiles=/RuntimeMaxFiles=). */
  maxFiles: number;
}

/**
 * The limits of one journal directory from what journald.conf set (undefined: not set) and
 * the size of the file system it is on (0: unknown). As journald: MaxUse 10% of the file
 * system within 1 MiB..4 GiB; MaxFileSize an eighth of MaxUse, at most 128 MiB, at least
 * 512 KiB, and MaxUse at least two files; KeepFree 15% of the file system, at most 4 GiB (the
 * documented default; journald 252's code takes 5%); 100 files.
 */
export function journalLimits(set: { maxUse?: number; keepFree?: number; maxFileSize?: number; maxFiles?: number }, fsSize: number): Limits {
  let maxUse =
    set.maxUse !== undefined
      ? pageAlign(set.maxUse) === 0
        ? 0
        : Math.max(pageAlign(set.maxUse), FILE_SIZE_MIN * 2)
      : fsSize > 0
        ? Math.min(Math.max(pageAlign(fsSize / 10), MAX_USE_LOWER), MAX_USE_UPPER)
        : MAX_USE_LOWER;
  let maxFileSize = set.maxFileSize !== undefined ? pageAlign(set.maxFileSize) : Math.min(pageAlign(maxUse / 8), MAX_SIZE_UPPER);
  if (maxFileSize !== 0) {
    maxFileSize = Math.max(maxFileSize, FILE_SIZE_MIN);
    if (maxUse !== 0 && maxFileSize * 2 > maxUse) maxUse = maxFileSize * 2;
  } else maxFileSize = MAX_SIZE_UPPER;
  const keepFree = set.keepFree !== undefined ? set.keepFree : fsSize > 0 ? Math.min(pageAlign((fsSize * 15) / 100), KEEP_FREE_UPPER) : KEEP_FREE_UNKNOWN_FS;
  return { maxUse, keepFree, maxFileSize, maxFiles: set.maxFiles ?? N_MAX_FILES };
}

/** What /var/log/journal is, for Storage=auto. */
export type PersistentDirFact = 'missing' | 'directory' | 'symlink' | 'not-a-directory' | 'not-root-owned' | 'writable-by-others';

export type StorageChoice = { where: 'persistent' | 'volatile' | 'none'; warning?: string };

/**
 * Storage=auto: persistent when /var/log/journal exists, else volatile (/run/log/journal).
 * persistent: as auto, but the directory is created when missing. A directory journald would
 * not trust (a symlink, someone else's, writable by others) is refused with a line, and the
 * journal stays volatile.
 */
export function chooseStorage(mode: StorageMode, varLogJournal: PersistentDirFact): StorageChoice {
  if (mode === 'none') return { where: 'none' };
  if (mode === 'volatile') return { where: 'volatile' };
  if (varLogJournal === 'missing') return { where: mode === 'persistent' ? 'persistent' : 'volatile' };
  if (varLogJournal === 'directory') return { where: 'persistent' };
  const why: Record<Exclude<PersistentDirFact, 'missing' | 'directory'>, string> = {
    symlink: 'is a symbolic link',
    'not-a-directory': 'is not a directory',
    'not-root-owned': 'is not owned by root',
    'writable-by-others': 'is writable by others than root',
  };
  return { where: 'volatile', warning: `/var/log/journal ${why[varLogJournal]}: keeping the journal in /run/log/journal (volatile)` };
}

const hex16 = (n: number) => n.toString(16).padStart(16, '0');

/** An archived file's name, journald's: system@SEQNUM_ID-HEAD_SEQNUM-HEAD_REALTIME.journal. */
export function archivedName(seqnumId: Uint8Array, headSeqnum: number, headRealtimeUsec: number): string {
  return `system@${Buffer.from(seqnumId).toString('hex')}-${hex16(headSeqnum)}-${hex16(headRealtimeUsec)}.journal`;
}

/** The name a file that was not closed cleanly (or is unreadable) is set aside under: system@REALTIME-RANDOM.journal~. */
export function disposedName(nowUsec: number, random: bigint): string {
  return `system@${hex16(nowUsec)}-${random.toString(16).padStart(16, '0')}.journal~`;
}

export interface StoredFile {
  name: string;
  size: number;
}

/** The journal files of a directory, oldest first; the active file last. Others are not ours. */
export function journalFilesOldestFirst(files: readonly StoredFile[]): Array<StoredFile & { realtime: number; active: boolean }> {
  const archived = /^system@([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{16})\.journal$/;
  const disposed = /^system@([0-9a-f]{16})-([0-9a-f]{16})\.journal~$/;
  const out: Array<StoredFile & { realtime: number; seqnumId: string; seqnum: number; active: boolean }> = [];
  for (const f of files) {
    const a = archived.exec(f.name);
    const d = disposed.exec(f.name);
    if (a) out.push({ ...f, seqnumId: a[1], seqnum: Number.parseInt(a[2], 16), realtime: Number.parseInt(a[3], 16), active: false });
    else if (d) out.push({ ...f, seqnumId: '', seqnum: 0, realtime: Number.parseInt(d[1], 16), active: false });
    else if (f.name === 'system.journal') out.push({ ...f, seqnumId: '', seqnum: 0, realtime: Number.POSITIVE_INFINITY, active: true });
  }
  // Within one sequence the seqnum orders; across sequences the head time does (journald's rule).
  out.sort((x, y) => (x.seqnumId !== '' && x.seqnumId === y.seqnumId ? x.seqnum - y.seqnum : x.realtime - y.realtime));
  return out.map(({ seqnumId: _, seqnum: __, ...rest }) => rest);
}

/**
 * The archived files to delete, oldest first: while the directory uses more than maxUse, the
 * file system has less than keepFree free, or there are more than maxFiles files; and every
 * file that started before now - maxRetention (0: no retention limit). The active file is
 * never deleted, and is counted at its full size (maxFileSize, whatever it holds yet, and
 * also when it is about to be created), so the directory stays within maxUse as it grows.
 */
export function vacuumPlan(files: readonly StoredFile[], limits: Limits, freeBytes: number, nowUsec: number, maxRetentionUsec: number): string[] {
  const ordered = journalFilesOldestFirst(files);
  const active = ordered.find((f) => f.active);
  let used = ordered.reduce((sum, f) => sum + (f.active ? 0 : f.size), 0) + Math.max(limits.maxFileSize, active?.size ?? 0);
  let free = freeBytes;
  let count = ordered.length + (active ? 0 : 1);
  const out: string[] = [];
  for (const f of ordered) {
    if (f.active) continue;
    const tooOld = maxRetentionUsec > 0 && f.realtime + maxRetentionUsec < nowUsec;
    const overLimit = (limits.maxUse > 0 && used > limits.maxUse) || free < limits.keepFree || count > limits.maxFiles;
    if (!tooOld && !overLimit) continue;
    out.push(f.name);
    used -= f.size;
    free += f.size;
    count--;
  }
  return out;
}
