// Persistent= timers' stamp files, where systemd keeps them (/var/lib/systemd/timers/
// stamp-NAME.timer, the mtime is the last trigger), so a container started again catches up
// what it missed as a machine does, and systemd on the same image reads the same stamps.
// The directory is walked as root must walk a path others might write (process/safe-path.ts);
// a stamp that is not a regular file (a directory, a FIFO, a symlink to elsewhere) is never
// followed, read or written: the timer runs as if it had none, and says so.
import * as fs from 'node:fs';
import { closeNode, isRegular, openEntry, openParent, statFd } from '../process/safe-path';
import { O_CLOEXEC, openat } from '../sys/libc';

export const STAMP_DIR = '/var/lib/systemd/timers';

const { O_WRONLY, O_CREAT, O_NOFOLLOW, O_NONBLOCK } = fs.constants;

export function stampPath(timer: string, dir = STAMP_DIR): string {
  return `${dir}/stamp-${timer}`;
}

export type StampRead = { mtimeUs: number } | { missing: true } | { problem: string };

const KINDS: ReadonlyArray<[number, string]> = [
  [fs.constants.S_IFDIR, 'a directory'],
  [fs.constants.S_IFIFO, 'a FIFO'],
  [fs.constants.S_IFLNK, 'a symbolic link'],
  [fs.constants.S_IFSOCK, 'a socket'],
  [fs.constants.S_IFCHR, 'a device'],
  [fs.constants.S_IFBLK, 'a device'],
];

function kindOf(mode: number): string {
  return KINDS.find(([k]) => (mode & fs.constants.S_IFMT) === k)?.[1] ?? 'not a regular file';
}

/** The stamp's mtime (µs), or that it is missing, or why it cannot be used. */
export function readStamp(file: string): StampRead {
  let parent: ReturnType<typeof openParent> | undefined;
  try {
    parent = openParent(file);
    const entry = openEntry(parent.dir, parent.name);
    if (!entry) return { missing: true };
    try {
      if (!isRegular(entry.stat.mode)) return { problem: `${file} is ${kindOf(entry.stat.mode)}; not used` };
      // fstat on the O_PATH fd: the very inode that was checked.
      const st = fs.fstatSync(entry.fd, { bigint: true });
      return { mtimeUs: Number(st.mtimeNs / 1000n) };
    } finally {
      closeNode(entry);
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') return { missing: true };
    return { problem: `cannot read ${file}: ${(err as Error).message}` };
  } finally {
    closeNode(parent?.dir);
  }
}

/**
 * Sets the stamp's mtime (creating it, and its directory, when missing); `atUs` undefined is
 * now. Returns why it could not, never throws.
 */
export function touchStamp(file: string, atUs?: number): string | undefined {
  let parent: ReturnType<typeof openParent> | undefined;
  let fd: number | undefined;
  try {
    parent = openParent(file, { mkdirMode: 0o755 });
    // O_NOFOLLOW: a symlink is refused (ELOOP); O_NONBLOCK: a FIFO never blocks PID 1 (ENXIO).
    fd = openat(parent.dir.fd, parent.name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o644);
    const st = statFd(fd);
    if (!isRegular(st.mode)) return `${file} is ${kindOf(st.mode)}; not written`;
    const t = (atUs ?? Date.now() * 1000) / 1_000_000;
    fs.futimesSync(fd, t, t);
    return undefined;
  } catch (err) {
    return `cannot write ${file}: ${(err as Error).message}`;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
    closeNode(parent?.dir);
  }
}
