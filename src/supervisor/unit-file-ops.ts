// systemctl mask, unmask, revert and set-default: links and files in /etc/systemd/system (and
// /run/systemd/system for revert), made and removed where systemd makes and removes them, each
// change said in systemd's words. The caller reloads afterwards, as systemctl does.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { UnitFileChange } from '../control/manager';
import { ENABLE_ROOT } from './enablement';

/** Where the vendor's (the packages') unit files live: what revert falls back to. */
export const VENDOR_UNIT_DIRS = ['/usr/local/lib/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'];
/** Runtime overrides that revert also removes. */
export const RUNTIME_ROOT = '/run/systemd/system';

function lstat(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

function readlink(p: string): string | undefined {
  try {
    return fs.readlinkSync(p);
  } catch {
    return undefined;
  }
}

function isMaskLink(p: string): boolean {
  return lstat(p)?.isSymbolicLink() === true && readlink(p) === '/dev/null';
}

/** Points /etc/systemd/system/NAME at /dev/null; a real file there is the operator's and is refused, as systemd does. */
export function maskUnit(name: string, root = ENABLE_ROOT): UnitFileChange {
  const link = path.join(root, name);
  if (isMaskLink(link)) return { changes: [] };
  if (lstat(link)) return { changes: [], error: `File ${link} already exists.` };
  fs.mkdirSync(root, { recursive: true });
  fs.symlinkSync('/dev/null', link);
  return { changes: [`Created symlink ${link} → /dev/null.`] };
}

/** Removes the /dev/null links of NAME in /etc (and /run), nothing else. */
export function unmaskUnit(name: string, roots: readonly string[] = [ENABLE_ROOT, RUNTIME_ROOT]): UnitFileChange {
  const changes: string[] = [];
  for (const root of roots) {
    const link = path.join(root, name);
    if (!isMaskLink(link)) continue;
    fs.unlinkSync(link);
    changes.push(`Removed "${link}".`);
  }
  return { changes };
}

/** Removes a drop-in directory's files, then the directory when nothing else is left in it. */
function removeDropIns(dir: string, changes: string[]): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e);
    const st = lstat(p);
    if (!st || st.isDirectory()) continue;
    fs.unlinkSync(p);
    changes.push(`Removed "${p}".`);
  }
  try {
    fs.rmdirSync(dir);
    changes.push(`Removed "${dir}".`);
  } catch {
    // something the operator keeps there (a directory): left alone
  }
}

/**
 * systemctl revert: the unit back to the vendor's version. Its drop-ins in /etc and /run go,
 * its masks go, and a full copy in /etc goes when a vendor file of the name exists (a unit that
 * only exists in /etc is the operator's own and stays).
 */
export function revertUnit(
  name: string,
  o: { roots?: readonly string[]; vendorDirs?: readonly string[] } = {},
): UnitFileChange {
  const roots = o.roots ?? [ENABLE_ROOT, RUNTIME_ROOT];
  const vendor = (o.vendorDirs ?? VENDOR_UNIT_DIRS).some((d) => lstat(path.join(d, name)) !== undefined);
  const changes: string[] = [];
  for (const root of roots) {
    removeDropIns(path.join(root, `${name}.d`), changes);
    const file = path.join(root, name);
    const st = lstat(file);
    if (!st) continue;
    if (isMaskLink(file) || (vendor && !st.isDirectory())) {
      fs.unlinkSync(file);
      changes.push(`Removed "${file}".`);
    }
  }
  return { changes };
}

/** The first file of that name in the unit directories (highest precedence first), or undefined. */
export function findUnitFile(name: string, dirs: readonly string[]): string | undefined {
  return dirs.map((d) => path.join(d, name)).find((p) => lstat(p) !== undefined && readlink(p) !== '/dev/null');
}

/**
 * What default.target names, as systemctl get-default reads it: the target its link points to
 * in the first directory that has one; undefined when no directory has one.
 */
export function defaultTarget(dirs: readonly string[]): string | undefined {
  for (const d of dirs) {
    const p = path.join(d, 'default.target');
    const st = lstat(p);
    if (!st) continue;
    const to = st.isSymbolicLink() ? readlink(p) : undefined;
    return to ? path.basename(to) : 'default.target';
  }
  return undefined;
}

/** The default target's link, /etc/systemd/system/default.target -> the target's file. */
export function setDefaultTarget(targetFile: string, root = ENABLE_ROOT): UnitFileChange {
  const link = path.join(root, 'default.target');
  if (readlink(link) === targetFile) return { changes: [] };
  const changes: string[] = [];
  if (lstat(link)) {
    fs.unlinkSync(link);
    changes.push(`Removed "${link}".`);
  }
  fs.mkdirSync(root, { recursive: true });
  fs.symlinkSync(targetFile, link);
  changes.push(`Created symlink ${link} → ${targetFile}.`);
  return { changes };
}
