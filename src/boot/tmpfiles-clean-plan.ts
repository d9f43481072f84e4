// `systemd-tmpfiles --clean` decided: which lines clean which directories, with which age
// (tmpfiles.d(5)'s Age column: an optional "~", an optional age-by "abcmABCM:" and a time
// span), which entries are left alone because a line of their own names them (x, and any
// other line or glob; X keeps a directory but cleans inside it), and whether an entry is old
// enough to go. Lines marked "!" are boot-only and not read by --clean. Pure.
import { parseTimespan } from '../units/timespan';
import { fnmatch } from '../sys/fnmatch';
import { takesGlob, type TmpfilesLine, type TmpfilesType } from './tmpfiles-parse';

/** The line types whose Age column cleans: directories (and x/X globs) given with an age. */
export const CLEANED_TYPES: ReadonlySet<TmpfilesType> = new Set(['d', 'D', 'e', 'v', 'q', 'Q', 'C', 'x', 'X']);

type Stamp = 'a' | 'b' | 'c' | 'm';

export interface AgeSpec {
  ageMs: number;
  /** "~": the entries directly inside stay; only what is below them is cleaned. */
  keepFirstLevel: boolean;
  /** Which timestamps count, for files and for directories (default: abcm for files, abm for directories). */
  byFile: ReadonlySet<Stamp>;
  byDir: ReadonlySet<Stamp>;
}

const DEFAULT_BY_FILE: ReadonlySet<Stamp> = new Set(['a', 'b', 'c', 'm']);
/** A directory's ctime changes whenever cleaning removes something in it: not counted unless asked for. */
const DEFAULT_BY_DIR: ReadonlySet<Stamp> = new Set(['a', 'b', 'm']);

export function parseAge(text: string): AgeSpec | { error: string } {
  let t = text;
  const keepFirstLevel = t.startsWith('~');
  if (keepFirstLevel) t = t.slice(1);
  let byFile = DEFAULT_BY_FILE;
  let byDir = DEFAULT_BY_DIR;
  const colon = t.indexOf(':');
  if (colon >= 0) {
    const by = t.slice(0, colon);
    if (!/^[abcmABCM]+$/.test(by)) return { error: `invalid age-by '${by}' in age '${text}'` };
    byFile = new Set([...by].filter((c) => c === c.toLowerCase()) as Stamp[]);
    byDir = new Set([...by].filter((c) => c !== c.toLowerCase()).map((c) => c.toLowerCase()) as Stamp[]);
    t = t.slice(colon + 1);
  }
  const ageMs = parseTimespan(t);
  if (ageMs === undefined || ageMs === Infinity) return { error: `invalid age '${text}'` };
  return { ageMs, keepFirstLevel, byFile, byDir };
}

export interface CleanJob {
  line: TmpfilesLine;
  age: AgeSpec;
}

export interface CleanPlan {
  jobs: CleanJob[];
  /** Paths a non-glob line names: never cleaned from a parent's line. */
  named: ReadonlySet<string>;
  /** Lines whose path is a glob (w e x X r R z Z t T h H a A). */
  globs: readonly TmpfilesLine[];
  errors: string[];
}

export function planClean(lines: readonly TmpfilesLine[]): CleanPlan {
  const read = lines.filter((l) => !l.bootOnly);
  const jobs: CleanJob[] = [];
  const errors: string[] = [];
  for (const l of read) {
    if (!CLEANED_TYPES.has(l.type) || l.age === undefined) continue;
    const age = parseAge(l.age);
    if ('error' in age) errors.push(`${l.file}:${l.line}: ${age.error}`);
    else jobs.push({ line: l, age });
  }
  return {
    jobs,
    named: new Set(read.filter((l) => !takesGlob(l.type)).map((l) => l.path)),
    globs: read.filter((l) => takesGlob(l.type)),
    errors,
  };
}

/**
 * What the lines say of an entry met while cleaning: 'skip' (a line of its own: left alone,
 * contents too), 'keep' (an X line: a directory kept, its contents cleaned), or undefined.
 */
export function configuredEntry(plan: CleanPlan, p: string): 'skip' | 'keep' | undefined {
  if (plan.named.has(p)) return 'skip';
  let keep = false;
  for (const g of plan.globs) {
    if (!globMatches(g.path, p)) continue;
    if (g.type !== 'X') return 'skip';
    keep = true;
  }
  return keep ? 'keep' : undefined;
}

/** fnmatch with FNM_PATHNAME|FNM_PERIOD: wildcards stay within a component and do not match its leading dot. */
export function globMatches(pattern: string, p: string): boolean {
  const pat = pattern.split('/');
  const parts = p.split('/');
  if (pat.length !== parts.length) return false;
  return pat.every((q, i) => (parts[i]!.startsWith('.') && !q.startsWith('.') ? false : fnmatch(q, parts[i]!)));
}

/** An entry's timestamps, in ns since the epoch; btime 0 when the file system does not keep it. */
export interface EntryTimes {
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  btimeNs: bigint;
}

/** Old enough to go: no timestamp that counts is at or after the cutoff. With none that counts, it stays. */
export function needsCleanup(t: EntryTimes, cutoffNs: bigint, by: ReadonlySet<Stamp>): boolean {
  const stamps: Array<[Stamp, bigint]> = [['a', t.atimeNs], ['b', t.btimeNs], ['c', t.ctimeNs], ['m', t.mtimeNs]];
  const counted = stamps.filter(([s, v]) => by.has(s) && !(s === 'b' && v === 0n));
  if (counted.length === 0) return false;
  return counted.every(([, v]) => v < cutoffNs);
}

export type EntryKind = 'directory' | 'file' | 'socket' | 'device';

/**
 * Why a non-directory stays whatever its age: the sticky bit (systemd's own rule), a socket
 * someone listens on, a device node, or "~" at the first level. Undefined: its age decides.
 */
export function keptFile(kind: EntryKind, mode: number, o: { firstLevel: boolean; keepFirstLevel: boolean; liveSocket: boolean }): string | undefined {
  if (mode & 0o1000) return 'sticky bit set';
  if (kind === 'socket' && o.liveSocket) return 'live socket';
  if (kind === 'device') return 'a device';
  if (o.firstLevel && o.keepFirstLevel) return 'first level kept (~)';
  return undefined;
}

/** The paths of listening or connected AF_UNIX sockets, from /proc/net/unix's text. */
export function liveSocketPaths(procNetUnix: string): Set<string> {
  const paths = new Set<string>();
  for (const line of procNetUnix.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const p = fields[7];
    if (p?.startsWith('/')) paths.add(p);
  }
  return paths;
}
