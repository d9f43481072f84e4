// Creating PID 1's own files and directories so that no other user can have a say in
// what they are: a directory another user can write lets that user plant a symlink (root
// then writes through it) or a file of their own (root then trusts their inode). Every
// file is created with O_CREAT|O_EXCL|O_NOFOLLOW and checked with fstat on the open
// descriptor; every directory is checked, from the root down, to be one only root (or this
// very user) can change, so a path checked once cannot be redirected afterwards.
// Node's fs only: the native module loader uses this before libc is reachable.
import * as fs from 'node:fs';
import * as path from 'node:path';

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY, O_RDONLY, O_WRONLY } = fs.constants;

/** A file or directory PID 1 must not use: planted, or somewhere others can change it. */
export class UnsafePathError extends Error {}

type Owned = Pick<fs.Stats, 'uid' | 'mode'>;

/**
 * hex digits nobody can guess ahead, from the kernel's random source (node:crypto would
 * cost every start several milliseconds to load); the clock where there is no /dev/urandom.
 * Exclusive creation is what keeps a planted name out: unguessable names only keep a
 * user from making PID 1's attempt fail.
 */
function randomHex(bytes: number): string {
  const buf = Buffer.alloc(bytes);
  try {
    const fd = fs.openSync('/dev/urandom', O_RDONLY);
    try {
      fs.readSync(fd, buf, 0, bytes, null);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    buf.writeUIntBE(Number(process.hrtime.bigint() % 2n ** 48n), 0, Math.min(bytes, 6));
  }
  return buf.toString('hex');
}

function euid(): number {
  return process.geteuid?.() ?? 0;
}

/** Owned by root or by this user, and writable by neither group nor others (pure). */
export function isPrivate(st: Owned, me = euid()): boolean {
  return (st.uid === 0 || st.uid === me) && (st.mode & 0o022) === 0;
}

/** What is wrong with a directory for holding PID 1's files, or undefined (pure). */
export function directoryProblem(dir: string, st: Owned & Pick<fs.Stats, 'isDirectory' | 'isSymbolicLink'>, me = euid()): string | undefined {
  if (st.isSymbolicLink()) return `${dir} is a symbolic link`;
  if (!st.isDirectory()) return `${dir} is not a directory`;
  if (st.uid !== 0 && st.uid !== me) return `${dir} belongs to uid ${st.uid}`;
  if ((st.mode & 0o022) !== 0) return `${dir} is writable by other users (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`;
  return undefined;
}

/**
 * Why the absolute path dir is not a private directory, or undefined: each component from
 * / down is a directory (no symbolic link) that only root or this user owns, and dir
 * itself is writable by nobody else. An ancestor may be writable by all when it is sticky
 * (/tmp): others can then neither rename nor replace what root owns in it. So nobody
 * else can redirect dir, or put anything in it, while PID 1 uses it.
 */
export function privatePathProblem(dir: string): string | undefined {
  if (!path.isAbsolute(dir)) return `${dir} is not an absolute path`;
  const parts = path.normalize(dir).split('/').filter(Boolean);
  let at = '/';
  for (let i = 0; i <= parts.length; i++) {
    if (i > 0) at = path.join(at, parts[i - 1]!);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(at);
    } catch (err) {
      return `${at}: ${(err as Error).message}`;
    }
    const stickyAncestor = i < parts.length && (st.mode & 0o1000) !== 0;
    const problem = directoryProblem(at, stickyAncestor ? { uid: st.uid, mode: st.mode & ~0o022, isDirectory: () => st.isDirectory(), isSymbolicLink: () => st.isSymbolicLink() } : st);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Makes dir (mode) in a private parent, or takes the one there when it is a private
 * directory. Anything else found under that name (another user's directory, a symlink, a
 * file) is moved aside to a fresh name, never followed or entered, and dir made anew.
 * Returns what was moved aside, for the caller to say; throws UnsafePathError when the
 * parent is not private.
 */
export function ensurePrivateDirectory(dir: string, mode = 0o755): string | undefined {
  const parentProblem = privatePathProblem(path.dirname(dir));
  if (parentProblem) throw new UnsafePathError(`not creating ${dir}: ${parentProblem}`);
  let movedAside: string | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.mkdirSync(dir, { mode });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let fd = -1;
    try {
      fd = fs.openSync(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      const st = fs.fstatSync(fd);
      if (st.uid === 0 || st.uid === euid()) {
        // Ours, but loosened (a umask, an old version): tightened on the very inode.
        if ((st.mode & 0o022) !== 0) fs.fchmodSync(fd, mode & ~0o022);
        return movedAside;
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ELOOP' && code !== 'ENOTDIR') throw err;
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
    // The parent is private, so nobody races this rename.
    movedAside = `${dir}.untrusted-${randomHex(4)}`;
    fs.renameSync(dir, movedAside);
  }
  throw new UnsafePathError(`cannot make ${dir} a private directory`);
}

/**
 * Whether everything in the tree at p (not following links) is root's or this user's and
 * no directory in it is writable by others: then nobody else can have put anything there.
 * Trees of more than maxEntries entries count as not private.
 */
export function isPrivateTree(p: string, maxEntries = 10_000): boolean {
  const me = euid();
  let seen = 0;
  const walk = (at: string): boolean => {
    if (++seen > maxEntries) return false;
    const st = fs.lstatSync(at);
    if (st.uid !== 0 && st.uid !== me) return false;
    if (!st.isDirectory()) return true;
    if ((st.mode & 0o022) !== 0) return false;
    return fs.readdirSync(at).every((name) => walk(path.join(at, name)));
  };
  try {
    return walk(p);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/**
 * Renames p to a fresh name beside it unless it is a private tree (or absent); returns the
 * new name. For a name PID 1 reads its configuration from, in a directory that others could
 * write until now: what they put there is kept for inspection, never read.
 */
export function moveAsideUnlessPrivate(p: string): string | undefined {
  if (isPrivateTree(p)) return undefined;
  const aside = `${p}.untrusted-${randomHex(4)}`;
  fs.renameSync(p, aside);
  return aside;
}

/**
 * Opens a new file: O_CREAT|O_EXCL|O_NOFOLLOW, so a name planted beforehand (a file, a
 * symlink) fails the open instead of being reused or followed; then the descriptor is
 * checked to be a regular file of this user's with one link and no group/other write.
 */
export function createExclusive(file: string, mode: number, access = O_WRONLY): number {
  const fd = fs.openSync(file, access | O_CREAT | O_EXCL | O_NOFOLLOW, mode & ~0o022);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.nlink !== 1 || st.uid !== euid() || (st.mode & 0o022) !== 0) {
      throw new UnsafePathError(`${file} is not the file just created (uid ${st.uid}, mode ${(st.mode & 0o7777).toString(8)}, ${st.nlink} links)`);
    }
    return fd;
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/** A temporary name beside file that nobody can guess ahead: pid and random bits. */
export function temporaryName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomHex(6)}.tmp`);
}

function writeAll(fd: number, data: Uint8Array): void {
  for (let off = 0; off < data.length; ) off += fs.writeSync(fd, data, off, data.length - off);
}

/**
 * Writes data to a new temporary file beside file, then renames it over file. The
 * temporary file is created exclusively, the rename replaces whatever name is there
 * without following it. With requirePrivate (the default) the directory must be private
 * (see privatePathProblem), else UnsafePathError and nothing is written.
 */
export function replaceFile(file: string, data: string | Uint8Array, mode: number, requirePrivate = true): void {
  if (requirePrivate) {
    const problem = privatePathProblem(path.dirname(file));
    if (problem) throw new UnsafePathError(`not writing ${file}: ${problem}`);
  }
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const tmp = temporaryName(file);
  const fd = createExclusive(tmp, mode);
  try {
    try {
      writeAll(fd, bytes);
      fs.fchmodSync(fd, mode); // the exact mode, whatever the umask
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
