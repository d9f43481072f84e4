// RuntimeDirectory= (below /run): made, chowned and removed by root in a directory that other
// users may be able to write (a Kubernetes emptyDir on /run is 0777). Nothing here goes by a
// name that could be re-pointed: the parent is walked with the safe walker, the directory is
// made with mkdirat and opened O_NOFOLLOW|O_DIRECTORY beneath it, and the owner and mode are
// set on that open fd. A symlink planted at /run/foo is refused, never followed (it would
// otherwise hand the unit's user whatever it points at, /etc say); teardown unlinks it.
import * as fs from 'node:fs';
import { closeNode, makeDirectory, openParent, PathError, pathError, statFd } from '../process/safe-path';
import { removeNamed } from '../process/safe-remove';
import { errnoName, O_CLOEXEC, openat, SysError } from '../sys/libc';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = fs.constants;

/**
 * Makes dir (absolute) a directory with mode and owner (intermediate directories root's, 0755);
 * one that already has them is left alone (it may sit on a read-only root); one that has not is
 * given them (with no User=, the manager's own). Returns why it failed, or undefined.
 */
export function makeRuntimeDirectory(dir: string, mode: number, owner: { uid: number; gid: number } | undefined): string | undefined {
  try {
    const parent = openParent(dir, { mkdirMode: 0o755 });
    let fd: number | undefined;
    try {
      makeDirectory(parent.dir, parent.name, mode);
      try {
        fd = openat(parent.dir.fd, parent.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      } catch (err) {
        const code = err instanceof SysError ? errnoName(err.errno) : undefined;
        if (code === 'ELOOP' || code === 'ENOTDIR') return `${dir} exists and is not a directory (a symlink is never followed); refusing it`;
        throw err;
      }
      const st = statFd(fd);
      // An existing directory becomes the unit's, whoever made it (a package's tmpfiles.d line
      // makes /run/squid proxy's; squid.service runs as root): as systemd's setup_exec_directory
      // does, through the open fd, so a name re-pointed meanwhile is never what changes hands.
      const want = owner ?? { uid: process.geteuid?.() ?? 0, gid: process.getegid?.() ?? 0 };
      if ((st.mode & 0o7777) === mode && st.uid === want.uid && st.gid === want.gid) return undefined;
      // Owner first: a chown may clear set-id bits the mode asks for.
      if (st.uid !== want.uid || st.gid !== want.gid) fs.fchownSync(fd, want.uid, want.gid);
      fs.fchmodSync(fd, mode);
      return undefined;
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
      closeNode(parent.dir);
    }
  } catch (err) {
    return pathError(err, dir).message;
  }
}

/** Removes dir and what is in it, following no symlink and staying on its mount; throws PathError. */
export function removeRuntimeDirectory(dir: string): void {
  let parent: ReturnType<typeof openParent>;
  try {
    parent = openParent(dir);
  } catch (err) {
    if (err instanceof PathError && err.code === 'ENOENT') return;
    throw err;
  }
  try {
    removeNamed(parent.dir, parent.name);
  } catch (err) {
    throw pathError(err, dir);
  } finally {
    closeNode(parent.dir);
  }
}
