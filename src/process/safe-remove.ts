// Removing a tree as root without being steered: every entry is removed by name beneath the
// directory fd it was listed from (unlinkat), nothing is followed (a symlink is removed, never
// its target), and what is mounted inside is left alone: a directory on another mount, told by
// its mount id, not st_dev (a bind mount of the same file system, two volumes from one disk or
// a volume under /tmp, has the same device), and a bound file, which unlink refuses (EBUSY).
import * as fs from 'node:fs';
import { AT_REMOVEDIR, errnoName, SysError, unlinkat } from '../sys/libc';
import { closeNode, isDirectory, mountIdOf, openEntry, pathError, procFdPath, type PathNode } from './safe-path';

const childPath = (dir: PathNode, name: string): string => `${dir.path === '/' ? '' : dir.path}/${name}`;

function gone(err: unknown): boolean {
  return err instanceof SysError && errnoName(err.errno) === 'ENOENT';
}

function unlinkEntry(dir: PathNode, name: string, flags: number): void {
  try {
    unlinkat(dir.fd, name, flags);
  } catch (err) {
    if (gone(err)) return;
    throw pathError(err, `cannot remove ${childPath(dir, name)}`);
  }
}

/** Removes everything below dir (an fd from safe-path) that is on the mount `mount` (dir's own by default). */
export function removeBelow(dir: PathNode, mount = mountIdOf(dir.fd, dir.stat)): void {
  for (const entry of fs.readdirSync(procFdPath(dir.fd), { withFileTypes: true })) {
    if (entry.isDirectory() || !removedAsFile(dir, entry.name)) removeDirectoryOnMount(dir, entry.name, mount);
  }
}

/**
 * One unlinkat for what readdir says is not a directory (most of a tree: no open, no stat).
 * A file mounted there (EBUSY) is left alone; false when it turned out to be a directory.
 */
function removedAsFile(dir: PathNode, name: string): boolean {
  try {
    unlinkat(dir.fd, name, 0);
    return true;
  } catch (err) {
    const code = err instanceof SysError ? errnoName(err.errno) : undefined;
    if (code === 'ENOENT' || code === 'EBUSY') return true;
    if (code === 'EISDIR') return false;
    throw pathError(err, `cannot remove ${childPath(dir, name)}`);
  }
}

function removeDirectoryOnMount(dir: PathNode, name: string, mount: number): void {
  const child = openEntry(dir, name);
  if (!child) return;
  try {
    if (!isDirectory(child.stat.mode)) return unlinkEntry(dir, name, 0);
    if (mountIdOf(child.fd, child.stat) !== mount) return; // another mount (a volume): left alone
    removeBelow(child, mount);
    unlinkEntry(dir, name, AT_REMOVEDIR);
  } finally {
    closeNode(child);
  }
}

/**
 * Removes name beneath dir: a non-directory (a symlink too) is unlinked; a directory loses
 * everything on its own mount, then itself (EBUSY when it is a mount point).
 */
export function removeNamed(dir: PathNode, name: string): void {
  const child = openEntry(dir, name);
  if (!child) return;
  try {
    if (!isDirectory(child.stat.mode)) return unlinkEntry(dir, name, 0);
    removeBelow(child);
    unlinkEntry(dir, name, AT_REMOVEDIR);
  } finally {
    closeNode(child);
  }
}
