// Where the journal files are and which of them are read, in what order: journalctl's
// SD_JOURNAL_LOCAL_ONLY view (the machine's own directory under /run/log/journal and
// /var/log/journal, as the store's Storage= rule puts it there), shared by the journalctl
// front and systemctl status's tail. Opening a file that is not a journal, or one this user
// may not read, leaves it out, as sd-journal does.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JournalFileReader } from './journal-file-reader';
import { appendedSince } from './journal-query';

/** Volatile first, then persistent: the store writes to one of them (journal-store.ts). */
export const DEFAULT_JOURNAL_DIRS = ['/run/log/journal', '/var/log/journal'];

export interface Source {
  reader: JournalFileReader;
  /** dev:ino, so that a file reached twice is read once. */
  key: string;
}

const isJournalName = (n: string) => n.endsWith('.journal') || n.endsWith('.journal~');

/** The journal files of a directory and of its machine-id subdirectories (journalctl -D). */
export function filesIn(dir: string, onlyMachine?: string): string[] {
  const out: string[] = [];
  for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, d.name);
    if (d.isFile() && isJournalName(d.name)) out.push(p);
    else if (d.isDirectory() && /^[0-9a-f]{32}$/.test(d.name) && (!onlyMachine || d.name === onlyMachine)) {
      try {
        for (const n of fs.readdirSync(p)) if (isJournalName(n)) out.push(path.join(p, n));
      } catch {
        // unreadable: as journalctl, the others are still read
      }
    }
  }
  return out;
}

export function readMachineId(): string | undefined {
  try {
    const id = fs.readFileSync('/etc/machine-id', 'utf8').trim();
    return /^[0-9a-f]{32}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/** This machine's journal files in the default directories (none found: an empty list). */
export function localJournalFiles(dirs: readonly string[] = DEFAULT_JOURNAL_DIRS): string[] {
  const machine = readMachineId();
  const out: string[] = [];
  for (const d of dirs) {
    try {
      out.push(...filesIn(d, machine));
    } catch {
      // not there: the other one
    }
  }
  return out;
}

/** Files in reading order: one sequence by seqnum, different sequences by their first entry's time. */
function ordered(sources: Source[]): Source[] {
  return sources.sort((a, b) => {
    const ra = a.reader;
    const rb = b.reader;
    if (ra.nEntries === 0 || rb.nEntries === 0) return (ra.nEntries === 0 ? 1 : 0) - (rb.nEntries === 0 ? 1 : 0);
    if (ra.seqnumId.equals(rb.seqnumId)) return ra.headSeqnum - rb.headSeqnum;
    return ra.headRealtime - rb.headRealtime;
  });
}

/** Opens the files not yet in `seen` (dev:ino keys, added to), in reading order. */
export function openSources(paths: readonly string[], seen = new Set<string>()): Source[] {
  const out: Source[] = [];
  for (const p of paths) {
    try {
      const st = fs.statSync(p);
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) continue;
      const reader = JournalFileReader.open(p);
      seen.add(key);
      out.push({ reader, key });
    } catch {
      // not a journal file this reader reads: left out, as journalctl leaves out what it cannot open
    }
  }
  return ordered(out);
}

/** The boot id of the running kernel, as the journal's _BOOT_ID writes it (32 hex digits). */
export function currentBootId(): string | undefined {
  try {
    const id = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().replace(/-/g, '');
    return /^[0-9a-f]{32}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/** How often a follower (journalctl -f, ctl logs -f) looks at the files again. */
export const FOLLOW_POLL_MS = 200;

/**
 * -f: every FOLLOW_POLL_MS, opens the files `list` names that are new (a rotation's next file),
 * and hands `onEntry` each entry the match groups select that was appended to a file after
 * `lastSeen`'s offset for it (0 for a file opened here); `afterEach` runs after each look.
 * Returns the stop.
 */
export function followAppended(
  list: () => string[],
  sources: Source[],
  seen: Set<string>,
  groups: Parameters<typeof appendedSince>[1],
  lastSeen: Map<string, number>,
  onEntry: (s: Source, offset: number) => void,
  afterEach?: () => void,
): () => void {
  const tick = (): void => {
    let paths: string[];
    try {
      paths = list();
    } catch {
      paths = []; // the directory is gone for now: the files already open are still followed
    }
    const added = openSources(paths, seen);
    sources.push(...added);
    for (const s of added) lastSeen.set(s.key, 0);
    for (const s of sources) {
      s.reader.refresh();
      const offsets = appendedSince(s.reader, groups, lastSeen.get(s.key) ?? 0);
      for (const x of offsets) onEntry(s, x);
      if (offsets.length) lastSeen.set(s.key, offsets[offsets.length - 1]!);
    }
    afterEach?.();
  };
  const timer = setInterval(tick, FOLLOW_POLL_MS);
  return () => clearInterval(timer);
}
