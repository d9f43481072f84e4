// Resolving a path the way root must when other users can write parts of it (as systemd's
// chase() with CHASE_SAFE): one component at a time from the root, each opened
// O_PATH|O_NOFOLLOW beneath the directory before it, symlinks read and followed here rather
// than by the kernel, and every step checked. A step from a component owned by a user to one
// owned by someone else (root included) is an "unsafe transition": a user's symlink or
// directory would otherwise steer root onto root's own files (a chown of /etc, a PID file that
// names root's daemon). What it hands back is an fd of the very inode that was checked, so
// nothing is looked up by name again.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  AT_EMPTY_PATH,
  ENOSYS,
  EPERM,
  errnoName,
  mkdirat,
  O_CLOEXEC,
  O_PATH,
  openat,
  readlinkat,
  statx,
  strerror,
  SysError,
  type FileStat,
} from '../sys/libc';

const { O_NOFOLLOW, O_DIRECTORY, S_IFMT, S_IFDIR, S_IFLNK, S_IFREG } = fs.constants;

/** The kernel's own bound on symlinks followed in one lookup. */
const MAX_LINKS = 40;

/** Why a path could not be walked: code is an errno name ('ENOENT', 'ELOOP', ...) or 'UNSAFE'. */
export class PathError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** One opened component: an O_PATH fd, what fstat said of it, and its path inside the root. */
export interface PathNode {
  fd: number;
  stat: FileStat;
  path: string;
}

export interface Walked extends PathNode {
  /** With allowUnsafe: the first unsafe transition on the way (the result is then "questionable"). */
  unsafe?: string;
}

export interface WalkOptions {
  /** Resolve as if this directory were "/" (absolute symlinks and ".." stay inside it). Default "/". */
  root?: string;
  /** The last component itself when it is a symlink (default: followed). */
  noFollowLast?: boolean;
  /** Create missing directories on the way with this mode (root's, so the step into them is safe). */
  mkdirMode?: number;
  /** Walk on past an unsafe transition and say so in `unsafe`, instead of failing with code 'UNSAFE'. */
  allowUnsafe?: boolean;
}

export const isDirectory = (mode: number): boolean => (mode & S_IFMT) === S_IFDIR;
export const isSymlink = (mode: number): boolean => (mode & S_IFMT) === S_IFLNK;
export const isRegular = (mode: number): boolean => (mode & S_IFMT) === S_IFREG;

/**
 * Whether stepping from `from` (a directory or symlink) to `to` is unsafe: systemd's rule (from
 * root is fine, otherwise the owner must stay the same), plus one for a directory any user can
 * write without the sticky bit (a Kubernetes emptyDir is 0777): anyone may have put or renamed
 * what is in it, so only its owner's entries are taken as its owner's.
 */
export function unsafeTransition(from: { uid: number; mode: number }, to: { uid: number }): boolean {
  const openToAll = isDirectory(from.mode) && (from.mode & 0o002) !== 0 && (from.mode & 0o1000) === 0;
  if (from.uid === 0 && !openToAll) return false;
  return from.uid !== to.uid;
}

function describeTransition(from: PathNode, to: PathNode, whole: string): string {
  return `unsafe path transition ${from.path} (owned by uid ${from.stat.uid}) -> ${to.path} (owned by uid ${to.stat.uid}) while resolving ${whole}`;
}

/** A libc failure as a PathError: the errno name as code, "/a/b: Too many levels of symbolic links" as message. */
export function pathError(err: unknown, where: string): PathError {
  if (err instanceof PathError) return err;
  if (err instanceof SysError) return new PathError(errnoName(err.errno) ?? `errno ${err.errno}`, `${where}: ${strerror(err.errno)}`);
  const e = err as NodeJS.ErrnoException;
  return new PathError(e.code ?? 'EIO', `${where}: ${e.message}`);
}

/** fstat of any fd, O_PATH ones included: statx, or the runtime's fstat where statx is missing or filtered. */
export function statFd(fd: number): FileStat {
  try {
    return statx(fd, '', AT_EMPTY_PATH);
  } catch (err) {
    if (!(err instanceof SysError) || (err.errno !== ENOSYS && err.errno !== EPERM)) throw err;
    const st = fs.fstatSync(fd, { bigint: true });
    return { mode: Number(st.mode), uid: Number(st.uid), gid: Number(st.gid), nlink: Number(st.nlink), ino: st.ino, dev: Number(st.dev) };
  }
}

/**
 * The id of the mount an fd lies on, as /proc/self/mountinfo numbers mounts: from statx
 * (Linux 5.8), else from /proc/self/fdinfo (the same id). Two bind mounts of one file system
 * share st_dev but never a mount id.
 */
export function mountIdOf(fd: number, st: FileStat = statFd(fd)): number {
  if (st.mountId !== undefined) return st.mountId;
  const m = /^mnt_id:\s*(\d+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  if (!m) throw new PathError('ENOTSUP', `no mount id for fd ${fd}`);
  return Number(m[1]);
}

/** The name through which an fd can be reopened or changed (systemd's FORMAT_PROC_FD_PATH). */
export function procFdPath(fd: number): string {
  return `/proc/self/fd/${fd}`;
}

/** Opens what an O_PATH fd names, for reading or writing (never re-resolving a name). */
export function reopen(fd: number, flags: number): number {
  return fs.openSync(procFdPath(fd), flags | O_CLOEXEC);
}

export function closeNode(n: PathNode | undefined): void {
  if (n) fs.closeSync(n.fd);
}

function openRoot(root: string): PathNode {
  try {
    // The root itself is the caller's (the operator's tree, "/" at boot): it is followed.
    const fd = openat(-100, root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    return { fd, stat: statFd(fd), path: '/' };
  } catch (err) {
    throw pathError(err, root);
  }
}

/** mkdirat beneath dir; false when something already has that name (the caller opens and judges it). */
export function makeDirectory(dir: PathNode, name: string, mode: number): boolean {
  try {
    mkdirat(dir.fd, name, mode);
    return true;
  } catch (err) {
    if (err instanceof SysError && errnoName(err.errno) === 'EEXIST') return false;
    throw pathError(err, path.posix.join(dir.path, name));
  }
}

function sameFile(a: FileStat, b: FileStat): boolean {
  return a.ino === b.ino && a.dev === b.dev;
}

/**
 * Opens name beneath dir, O_PATH|O_NOFOLLOW, without judging the step: for walking down a tree
 * that is being removed or changed entry by entry. Undefined when there is no such entry.
 */
export function openEntry(dir: PathNode, name: string): PathNode | undefined {
  const where = path.posix.join(dir.path, name);
  try {
    const fd = openat(dir.fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    return { fd, stat: statFd(fd), path: where };
  } catch (err) {
    if (err instanceof SysError && errnoName(err.errno) === 'ENOENT') return undefined;
    throw pathError(err, where);
  }
}

/**
 * Opens name beneath dir, O_PATH|O_NOFOLLOW (a symlink is opened as itself), and checks the
 * step into it. Throws PathError ('UNSAFE' for an unsafe transition unless allowed).
 */
export function openBeneath(dir: PathNode, name: string, whole = path.posix.join(dir.path, name)): PathNode {
  const where = path.posix.join(dir.path, name);
  let fd: number;
  try {
    fd = openat(dir.fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  } catch (err) {
    throw pathError(err, where);
  }
  const node = { fd, stat: statFd(fd), path: where };
  if (unsafeTransition(dir.stat, node.stat)) {
    fs.closeSync(fd);
    throw new PathError('UNSAFE', describeTransition(dir, node, whole));
  }
  return node;
}

/**
 * Resolves file (absolute, inside opts.root) component by component and returns an O_PATH fd
 * of the result, which the caller closes (closeNode). Throws PathError.
 */
export function openPath(file: string, opts: WalkOptions = {}): Walked {
  const root = openRoot(opts.root ?? '/');
  const rootStat = root.stat;
  let cur: PathNode = root;
  let unsafe: string | undefined;
  let links = 0;
  const todo = file.split('/').filter((c) => c !== '' && c !== '.');
  // A step that fails the check: an error, or (allowUnsafe) a note and on.
  const transition = (from: PathNode, to: PathNode): void => {
    if (!unsafeTransition(from.stat, to.stat)) return;
    const what = describeTransition(from, to, file);
    if (!opts.allowUnsafe) throw new PathError('UNSAFE', what);
    unsafe ??= what;
  };
  try {
    while (todo.length > 0) {
      const name = todo.shift()!;
      const last = todo.length === 0;
      if (name === '..') {
        if (sameFile(cur.stat, rootStat)) continue; // ".." of the root is the root
        const fd = openat(cur.fd, '..', O_PATH | O_DIRECTORY | O_CLOEXEC);
        const up: PathNode = { fd, stat: statFd(fd), path: path.posix.dirname(cur.path) };
        try {
          transition(cur, up);
        } catch (err) {
          closeNode(up);
          throw err;
        }
        closeNode(cur);
        cur = up;
        continue;
      }
      const where = path.posix.join(cur.path, name);
      let fd: number;
      let created = false;
      try {
        fd = openat(cur.fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      } catch (err) {
        if (!(err instanceof SysError) || errnoName(err.errno) !== 'ENOENT' || opts.mkdirMode === undefined) throw pathError(err, where);
        created = makeDirectory(cur, name, opts.mkdirMode);
        fd = openat(cur.fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      }
      const next: PathNode = { fd, stat: statFd(fd), path: where };
      try {
        // A directory made just now is root's own: stepping into it is safe even from a user's.
        if (!(created && isDirectory(next.stat.mode) && next.stat.uid === 0)) transition(cur, next);
      } catch (err) {
        closeNode(next);
        throw err;
      }
      if (isSymlink(next.stat.mode) && !(last && opts.noFollowLast)) {
        let target: string;
        try {
          if (++links > MAX_LINKS) throw new PathError('ELOOP', `${file}: too many levels of symbolic links`);
          target = readlinkat(next.fd, '');
        } catch (err) {
          closeNode(next);
          throw pathError(err, where);
        }
        todo.unshift(...target.split('/').filter((c) => c !== '' && c !== '.'));
        if (target.startsWith('/')) {
          // An absolute target starts again at the root: the step from the link to it is checked too.
          const again = openRoot(opts.root ?? '/');
          try {
            transition(next, again);
          } catch (err) {
            closeNode(again);
            closeNode(next);
            throw err;
          }
          closeNode(cur);
          cur = again;
        }
        closeNode(next);
        continue;
      }
      if (!last && !isDirectory(next.stat.mode)) {
        closeNode(next);
        throw new PathError('ENOTDIR', `${where}: not a directory`);
      }
      closeNode(cur);
      cur = next;
    }
  } catch (err) {
    closeNode(cur);
    throw pathError(err, file);
  }
  return { ...cur, unsafe };
}

/**
 * The directory a path's last component is in, walked as openPath does (creating it with
 * mkdirMode), and that component's name: for creating or removing it beneath a verified fd.
 */
export function openParent(file: string, opts: WalkOptions = {}): { dir: Walked; name: string } {
  const name = path.posix.basename(file);
  if (name === '' || name === '.' || name === '..' || name === '/') throw new PathError('EINVAL', `${file}: no last component to act on`);
  const dir = openPath(path.posix.dirname(file), { ...opts, noFollowLast: false });
  if (!isDirectory(dir.stat.mode)) {
    closeNode(dir);
    throw new PathError('ENOTDIR', `${dir.path}: not a directory`);
  }
  return { dir, name };
}
