// Whether a path names a directory entry, the entry itself and not what a link points to:
// a dangling symlink exists, as for glob(3), and a unit file linked to /dev/null (masked) is
// a unit file that exists.
import * as fs from 'node:fs';

export function entryExists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
