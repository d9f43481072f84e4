// `systemd-tmpfiles --clean` carried out: each directory a line with an age names is walked
// as systemd's dir_cleanup() walks it. Everything is reached through the directory fd it was
// listed from (safe-path.ts), nothing is followed, other mounts are left alone (mount ids), a
// directory another process holds a BSD lock on is skipped with all below it, and a directory
// that lost entries gets its timestamps back, so cleaning never makes its parent look young.
// What is old enough, and what stays whatever its age, is tmpfiles-clean-plan.ts's.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { closeNode, isDirectory, mountIdOf, openEntry, openPath, procFdPath, type PathNode } from '../process/safe-path';
import { AT_REMOVEDIR, closeFd, errnoName, flock, LOCK_EX, LOCK_NB, O_CLOEXEC, openat, SysError, unlinkat } from '../sys/libc';
import { lineTargets } from './tmpfiles-apply';
import { configuredEntry, keptFile, liveSocketPaths, needsCleanup, planClean, type CleanJob, type CleanPlan, type EntryKind, type EntryTimes } from './tmpfiles-clean-plan';
import type { TmpfilesLine } from './tmpfiles-parse';

/** systemd's MAX_DEPTH: deeper directories are not entered. */
const MAX_DEPTH = 256;

export interface CleanReport {
  removed: number;
  errors: string[];
  /** What was left alone and why (for -vv). */
  kept: string[];
}

interface Walk {
  plan: CleanPlan;
  job: CleanJob;
  cutoffNs: bigint;
  mount: number;
  root: string;
  liveSockets: ReadonlySet<string>;
  report: CleanReport;
}

function code(err: unknown): string | undefined {
  if (err instanceof SysError) return errnoName(err.errno);
  return (err as NodeJS.ErrnoException).code;
}

type Stat = fs.BigIntStats;

function lstatBeneath(dir: PathNode, name: string): Stat | undefined {
  try {
    return fs.lstatSync(`${procFdPath(dir.fd)}/${name}`, { bigint: true });
  } catch (err) {
    if (code(err) === 'ENOENT') return undefined;
    throw err;
  }
}

const timesOf = (st: Stat): EntryTimes => ({ atimeNs: st.atimeNs, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, btimeNs: st.birthtimeNs });

function kindOf(st: Stat): EntryKind {
  if (st.isDirectory()) return 'directory';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'device';
  return 'file';
}

/** Removes name beneath dir; true when it went. A name gone already, a directory not empty, a bound file: left as they are. */
function remove(dir: PathNode, name: string, flags: number, w: Walk, shown: string): boolean {
  try {
    unlinkat(dir.fd, name, flags);
    w.report.removed++;
    return true;
  } catch (err) {
    const c = code(err);
    if (c !== 'ENOENT' && c !== 'ENOTEMPTY' && c !== 'EBUSY') w.report.errors.push(`cannot remove ${shown}: ${(err as Error).message}`);
    return false;
  }
}

/** Cleans below dir (an O_PATH fd); dirStat is its stat from before the walk, whose times it gets back. */
function cleanBelow(dir: PathNode, shown: string, dirStat: Stat, depth: number, firstLevel: boolean, w: Walk): void {
  let names: string[];
  try {
    names = fs.readdirSync(procFdPath(dir.fd));
  } catch (err) {
    if (code(err) !== 'ENOENT') w.report.errors.push(`cannot read ${shown}: ${(err as Error).message}`);
    return;
  }
  let deleted = false;
  for (const name of names) {
    const sub = path.posix.join(shown, name);
    const logical = w.root === '' ? sub : `/${path.posix.relative(w.root, sub)}`;
    const st = lstatBeneath(dir, name);
    if (!st) continue;
    const configured = configuredEntry(w.plan, logical);
    if (configured === 'skip') {
      w.report.kept.push(`${sub}: a line of its own`);
      continue;
    }
    const kind = kindOf(st);
    if (kind === 'directory') {
      if (!cleanDirectory(dir, name, sub, st, depth, w)) continue;
      if (firstLevel && w.job.age.keepFirstLevel) continue;
      if (configured === 'keep') continue;
      if (!needsCleanup(timesOf(st), w.cutoffNs, w.job.age.byDir)) continue;
      remove(dir, name, AT_REMOVEDIR, w, sub);
      continue;
    }
    const mode = Number(st.mode);
    const kept = keptFile(kind, mode, { firstLevel, keepFirstLevel: w.job.age.keepFirstLevel, liveSocket: w.liveSockets.has(sub) });
    if (kept || configured === 'keep') {
      w.report.kept.push(`${sub}: ${kept ?? 'an X line'}`);
      continue;
    }
    if (!needsCleanup(timesOf(st), w.cutoffNs, w.job.age.byFile)) continue;
    if (remove(dir, name, 0, w, sub)) deleted = true;
  }
  // Reading the directory may have moved its atime; removing entries moved its mtime.
  try {
    const now = fs.statSync(procFdPath(dir.fd), { bigint: true });
    const mtime = deleted ? dirStat.mtimeNs : now.mtimeNs;
    if (now.atimeNs !== dirStat.atimeNs || mtime !== now.mtimeNs) fs.utimesSync(procFdPath(dir.fd), Number(dirStat.atimeNs) / 1e9, Number(mtime) / 1e9);
  } catch {
    // gone meanwhile: nothing to restore
  }
}

/**
 * Enters a subdirectory (same mount, not locked by anyone) and cleans it; false when it is
 * left alone whole (another mount, locked, gone), so that it is not removed either.
 */
function cleanDirectory(parent: PathNode, name: string, shown: string, st: Stat, depth: number, w: Walk): boolean {
  const child = openEntry(parent, name);
  if (!child) return false;
  let lockFd = -1;
  try {
    if (!isDirectory(child.stat.mode)) return false; // replaced meanwhile: the next run sees it
    if (mountIdOf(child.fd, child.stat) !== w.mount) {
      w.report.kept.push(`${shown}: another mount`);
      return false;
    }
    if (depth <= 0) {
      w.report.errors.push(`${shown}: deeper than ${MAX_DEPTH} directories, not entered`);
      return true;
    }
    try {
      lockFd = openat(child.fd, '.', fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | O_CLOEXEC);
      flock(lockFd, LOCK_EX | LOCK_NB);
    } catch (err) {
      if (code(err) === 'EWOULDBLOCK' || code(err) === 'EAGAIN') {
        w.report.kept.push(`${shown}: locked by another process`);
        return false;
      }
      throw err;
    }
    cleanBelow(child, shown, st, depth - 1, false, w);
    return true;
  } catch (err) {
    w.report.errors.push(`${shown}: ${(err as Error).message}`);
    return false;
  } finally {
    if (lockFd >= 0) closeFd(lockFd);
    closeNode(child);
  }
}

function readLiveSockets(): Set<string> {
  try {
    return liveSocketPaths(fs.readFileSync('/proc/net/unix', 'utf8'));
  } catch {
    return new Set();
  }
}

/** systemd-tmpfiles --clean over lines, at nowMs; paths inside root (tests). */
export function cleanTmpfiles(lines: readonly TmpfilesLine[], nowMs = Date.now(), root = ''): CleanReport {
  const plan = planClean(lines);
  const report: CleanReport = { removed: 0, errors: [...plan.errors], kept: [] };
  const liveSockets = readLiveSockets();
  for (const job of plan.jobs) {
    const cutoffMs = nowMs - job.age.ageMs;
    if (cutoffMs < 0) continue;
    const cutoffNs = BigInt(Math.floor(cutoffMs)) * 1_000_000n;
    for (const target of lineTargets(job.line, root)) {
      const where = `${job.line.file}:${job.line.line}`;
      let top: PathNode | undefined;
      try {
        top = openPath(target, { root: root === '' ? '/' : root });
      } catch (err) {
        if (code(err) !== 'ENOENT') report.errors.push(`${where}: ${target}: ${(err as Error).message}`);
        continue;
      }
      try {
        if (!isDirectory(top.stat.mode)) {
          report.errors.push(`${where}: ${target} is not a directory`);
          continue;
        }
        const shown = root === '' ? target : path.posix.join(root, target);
        const st = fs.statSync(procFdPath(top.fd), { bigint: true });
        cleanBelow(top, shown, st, MAX_DEPTH, true, { plan, job, cutoffNs, mount: mountIdOf(top.fd, top.stat), root, liveSockets, report });
      } finally {
        closeNode(top);
      }
    }
  }
  return report;
}
