// /run as the rich init finds it. systemd mounts its own root-owned 0755 tmpfs there;
// a container's /run is whatever the engine or the pod gave: a Kubernetes emptyDir is
// 0777 (1777 with medium: Memory), where any user could plant the names PID 1 and its
// units write through (the control socket, /run/ts-init, a RuntimeDirectory=, PID files).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { moveAsideUnlessPrivate, privatePathProblem } from '../sys/safe-create';

export const RUN_DIR = '/run';

/**
 * What ts-init reads its configuration from under /run (units, generators, tmpfiles.d),
 * and its own /run/ts-init: in a /run others could write, they may hold anything.
 */
export const RUN_CONFIG_NAMES = ['systemd', 'tmpfiles.d', 'ts-init'];

export type RunDirectoryAction = { kind: 'fine' } | { kind: 'tighten'; mode: number } | { kind: 'refuse'; why: string };

/** What to do about /run, from its fstat (pure). */
export function runDirectoryAction(st: Pick<fs.Stats, 'uid' | 'mode'>, euid: number): RunDirectoryAction {
  if ((st.mode & 0o022) === 0 && (st.uid === 0 || st.uid === euid)) return { kind: 'fine' };
  // Ours to change: made what systemd's /run is. The setgid bit a pod's fsGroup sets goes too.
  if (st.uid === 0 || st.uid === euid) return { kind: 'tighten', mode: 0o755 };
  return { kind: 'refuse', why: `it belongs to uid ${st.uid}` };
}

function modeText(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/**
 * Makes dir private when it is not, as far as PID 1 may: returns the one line to log
 * (undefined when there is nothing to say). When it cannot, it says so; every file of
 * ts-init's under dir is then refused on its own (src/sys/safe-create.ts checks the
 * directory before each).
 */
export function secureRunDirectory(dir = RUN_DIR): { level: 'warn' | 'error'; message: string } | undefined {
  let fd = -1;
  try {
    fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
    const st = fs.fstatSync(fd);
    const action = runDirectoryAction(st, process.geteuid?.() ?? 0);
    const was = `${dir} (uid ${st.uid}, mode ${modeText(st.mode)}) was writable by other users`;
    if (action.kind === 'fine') return undefined;
    if (action.kind === 'refuse') return { level: 'error', message: refusal(`${was} and ${action.why}`, dir) };
    fs.fchmodSync(fd, action.mode);
    const moved = RUN_CONFIG_NAMES.map((n) => [path.join(dir, n), moveAsideUnlessPrivate(path.join(dir, n))] as const).filter(([, to]) => to);
    const aside = moved.map(([from, to]) => `; moved ${from}, which others could change, to ${to}`).join('');
    return { level: 'warn', message: `${was}: made it ${modeText(action.mode)}, as systemd's /run is, so that nobody else can plant files where ts-init and its units put theirs${aside}` };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Absent, or read-only (the kernel refuses fchmod there): nobody else can plant anything either.
    if (code === 'ENOENT' || code === 'EROFS') return undefined;
    return { level: 'error', message: refusal(`${dir}: ${(err as Error).message}`, dir) };
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

function refusal(what: string, dir: string): string {
  return (
    `${what}: ts-init puts none of its files there (no control socket, notify sockets, ${dir}/ts-init/env, runtime directories) ` +
    `and runs nothing that reads from it (no units from ${dir}/systemd, no generators, no tmpfiles.d); give the container a tmpfs on ${dir} with mode=0755`
  );
}

/** Why nothing under dir can be trusted (others may change it), or undefined. */
export function runDirectoryProblem(dir = RUN_DIR): string | undefined {
  return privatePathProblem(dir);
}

/** dirs without those under dir. */
export function withoutRunDirs(dirs: readonly string[], dir = RUN_DIR): string[] {
  return dirs.filter((d) => d !== dir && !d.startsWith(`${dir}/`));
}
