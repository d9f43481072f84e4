// Reading a unit's PIDFile= as systemd's service_load_pid_file() does: the path is walked with
// the safe walker (process/safe-path.ts). A file reached through an unsafe chain (a symlink or
// directory a user owns on the way to a file of someone else's, such as the unit's user linking
// its PID file to a root daemon's) is "questionable": it may still name one of the unit's own
// processes, but never one outside the unit, however root-owned the file at the end is.
import * as fs from 'node:fs';
import { readRegularFd } from '../process/bounded-file';
import { closeNode, openPath, PathError, reopen, type Walked } from '../process/safe-path';

const { O_RDONLY, O_NONBLOCK, O_NOCTTY } = fs.constants;

/** A PID file holds one number: more than this is not a PID file. */
export const PID_FILE_MAX_BYTES = 4096;

export type PidFileRead =
  /** trusted: may name a process outside the unit (root's file, reached safely); otherwise `distrust` says why not. */
  | { kind: 'pid'; pid: number; trusted: boolean; distrust: string }
  /** Not there yet, or not yet a number: read again until the start times out. */
  | { kind: 'none' }
  | { kind: 'error'; message: string };

/** Why a PID file may not name a process outside the unit (empty when it may), after systemd. */
export function pidFileDistrust(owner: number, unsafeChain: string | undefined): string {
  if (unsafeChain) return `acquired through an unsafe symlink chain (${unsafeChain})`;
  return owner === 0 ? '' : 'the PID file is not owned by root';
}

/** The line said when a PID file's pid is refused (problem: why it cannot be the unit's main process). */
export function pidFileRefusal(file: string, pid: number, problem: string, distrust: string): string {
  const why = problem === 'does not belong to the unit' && distrust ? `${problem}, and ${distrust}` : problem;
  return `PID ${pid} in PID file ${file} ${why}; refusing it`;
}

export function loadPidFile(file: string): PidFileRead {
  let node: Walked;
  try {
    node = openPath(file, { allowUnsafe: true });
  } catch (err) {
    if (err instanceof PathError && err.code === 'ENOENT') return { kind: 'none' };
    return { kind: 'error', message: (err as Error).message };
  }
  let fd: number | undefined;
  try {
    fd = reopen(node.fd, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    const r = readRegularFd(fd, PID_FILE_MAX_BYTES);
    if (!r.ok) return { kind: 'error', message: r.message };
    if (!/^\s*\d+\s*$/.test(r.text)) return { kind: 'none' };
    const distrust = pidFileDistrust(r.owner, node.unsafe);
    return { kind: 'pid', pid: Number(r.text.trim()), trusted: distrust === '', distrust };
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
    closeNode(node);
  }
}
