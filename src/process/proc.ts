// Reading the process tree from /proc. Pure reads; nothing here signals or reaps.
import * as fs from 'node:fs';

/** strict: an error that says nothing about the process (EMFILE, ENOMEM) is thrown rather than taken for no children. */
function readChildrenFiles(pid: number | 'self', strict = false): number[] | undefined {
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch (err) {
    if (strict && !isGoneError(err)) throw err;
    return [];
  }
  const out: number[] = [];
  for (const tid of tasks) {
    let text: string;
    try {
      text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        // The thread exited, or the kernel lacks CONFIG_PROC_CHILDREN.
        if (!fs.existsSync(`/proc/${pid}/task/${tid}`)) continue;
        return undefined;
      }
      if (strict && !isGoneError(err)) throw err;
      continue;
    }
    for (const word of text.split(' ')) if (word) out.push(Number(word));
  }
  return out;
}

/**
 * One buffer for every /proc/PID/stat read: open, one read and close cost PID 1's interpreter
 * less than half of readFileSync's (which also stats the file and allocates). A stat line (52
 * numbers and a short name) is some 300 bytes; a longer one than the buffer is read whole.
 */
const statBuffer = Buffer.allocUnsafe(1024);

function readStatText(pid: number): string {
  const file = `/proc/${pid}/stat`;
  const fd = fs.openSync(file, 'r');
  try {
    const n = fs.readSync(fd, statBuffer, 0, statBuffer.length, 0);
    if (n < statBuffer.length) return statBuffer.toString('latin1', 0, n);
  } finally {
    fs.closeSync(fd);
  }
  return fs.readFileSync(file, 'latin1');
}

/** /proc/PID/stat: state, parent, process group, session, and start time (clock ticks since boot). */
export function readStat(pid: number): { state: string; ppid: number; pgrp: number; session: number; startTicks: number } | undefined {
  try {
    return readStatOrThrow(pid);
  } catch {
    return undefined;
  }
}

/**
 * readStat, but undefined only when there is no such process: an error that says nothing
 * about the process (EMFILE, ENOMEM) is thrown, so that a live process never looks gone.
 */
export function readStatOrThrow(pid: number): { state: string; ppid: number; pgrp: number; session: number; startTicks: number } | undefined {
  let text: string;
  try {
    text = readStatText(pid);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return undefined;
    throw err;
  }
  const rest = fieldsAfterName(text);
  return { state: rest[0]!, ppid: Number(rest[1]), pgrp: Number(rest[2]), session: Number(rest[3]), startTicks: Number(rest[19]) };
}

/** A stat line's fields after the command name (which may hold spaces and parentheses), from the state on. */
function fieldsAfterName(text: string): string[] {
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime (clock ticks) and the resident pages of a /proc/PID/stat line. */
export function statUsage(text: string): { cpuTicks: number; rssPages: number } {
  const f = fieldsAfterName(text);
  return { cpuTicks: Number(f[11]) + Number(f[12]), rssPages: Number(f[21]) };
}

/** /proc/PID/stat's CPU time and resident set (status's figures); undefined for a process that is gone. */
export function readStatUsage(pid: number): { cpuTicks: number; rssPages: number } | undefined {
  try {
    return statUsage(readStatText(pid));
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/** Direct children of a process (including zombies), from every thread's children list. */
export function listChildren(pid: number | 'self' = 'self'): number[] {
  const fast = readChildrenFiles(pid);
  if (fast) return fast;
  const parent = pid === 'self' ? process.pid : pid;
  return allPids().filter((p) => readStat(p)?.ppid === parent);
}

/** ts-init's own children (zombies too); throws when /proc cannot tell (EMFILE), so that a live child never looks gone. */
export function listOwnChildrenOrThrow(): number[] {
  const fast = readChildrenFiles('self', true);
  if (fast) return fast;
  return allPids().filter((p) => readStatOrThrow(p)?.ppid === process.pid);
}

function isGoneError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ESRCH';
}

/** Every descendant of a process, parents before their children. */
export function listDescendants(pid: number | 'self' = 'self'): number[] {
  const out: number[] = [];
  const queue = listChildren(pid);
  const seen = new Set<number>();
  while (queue.length) {
    const p = queue.shift()!;
    if (seen.has(p)) continue;
    seen.add(p);
    out.push(p);
    queue.push(...listChildren(p));
  }
  return out;
}

/** Pids whose process is a zombie (state Z) among the given ones. */
export function zombiesAmong(pids: readonly number[]): number[] {
  return pids.filter((p) => readStat(p)?.state === 'Z');
}

/** Live (non-zombie) processes by session id: one pass over /proc, shared by every unit that asks. */
export type SessionIndex = ReadonlyMap<number, readonly number[]>;

export function indexSessions(): SessionIndex {
  const index = new Map<number, number[]>();
  // A unit's processes are all descendants of ts-init (orphans re-parent to it as PID 1
  // or subreaper). As PID 1 the namespace's /proc holds nothing else; as a subreaper on
  // a host, walking only our own tree avoids reading the stat of every process there.
  const candidates = process.pid === 1 ? allPids() : listDescendants();
  for (const p of candidates) {
    // A process whose stat cannot be read for want of descriptors must not look gone.
    const st = readStatOrThrow(p);
    if (st === undefined || st.state === 'Z') continue;
    const members = index.get(st.session);
    if (members) members.push(p);
    else index.set(st.session, [p]);
  }
  return index;
}

/** A lazy indexSessions(): scanned on first use, then reused (one round of child exits). */
export function indexOnce(): () => SessionIndex {
  let index: SessionIndex | undefined;
  return () => (index ??= indexSessions());
}

let turnIndex: SessionIndex | undefined;
/**
 * indexSessions(), shared by everything that runs in the current synchronous turn (it
 * is dropped at the next microtask). Stopping N units in one go signals each unit's
 * processes: one scan of /proc for all of them rather than one per unit.
 */
export function indexThisTurn(): SessionIndex {
  if (!turnIndex) {
    turnIndex = indexSessions();
    queueMicrotask(() => (turnIndex = undefined));
  }
  return turnIndex;
}

/** Every live process whose session is one of the given ones (a unit's "control group"). */
export function processesInSessions(sessions: ReadonlySet<number>, index?: SessionIndex): number[] {
  if (sessions.size === 0) return [];
  const idx = index ?? indexThisTurn();
  return [...sessions].flatMap((s) => idx.get(s) ?? []);
}
