// The edge of tmpfiles: reads the tmpfiles.d directories, plans, and does it on the file
// system (below `root`, "/" at boot). Every path is walked with process/safe-path.ts: no
// symlink a user owns steers root onto root's files, what is changed is the opened inode
// (never a name looked up again), and removal never crosses into another mount.
import * as fs from 'node:fs';
import { readRegularFile } from '../process/bounded-file';
import * as path from 'node:path';
import {
  closeNode,
  isDirectory,
  isRegular,
  isSymlink,
  makeDirectory,
  openBeneath,
  openEntry,
  openParent,
  openPath,
  PathError,
  pathError,
  procFdPath,
  reopen,
  statFd,
  type PathNode,
} from '../process/safe-path';
import { removeBelow, removeNamed } from '../process/safe-remove';
import { hasWildcard } from '../sys/fnmatch';
import { AT_REMOVEDIR, errnoName, O_CLOEXEC, openat, readlinkat, symlinkat, SysError, unlinkat } from '../sys/libc';
import { listConfigFiles } from './config-files';
import { parseTmpfilesText, takesGlob, type SpecifierValues, type TmpfilesLine } from './tmpfiles-parse';
import { planTmpfiles } from './tmpfiles-plan';
import { globPaths } from './glob-paths';

/** tmpfiles.d(5)'s search path, highest precedence first; /lib only counts where /usr is not merged. */
export const TMPFILES_DIRS = ['/etc/tmpfiles.d', '/run/tmpfiles.d', '/usr/local/lib/tmpfiles.d', '/usr/lib/tmpfiles.d', '/lib/tmpfiles.d'];

export interface TmpfilesReport {
  files: string[];
  applied: number;
  errors: string[];
  warnings: string[];
  skipped: string[];
}

/** A tmpfiles.d file larger than this is refused, as a unit file is. */
const TMPFILES_CONF_MAX_BYTES = 1024 * 1024;

class LineError extends Error {}

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY, O_APPEND, O_TRUNC } = fs.constants;

function accountIds(file: string): Map<string, number> {
  const m = new Map<string, number>();
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return m;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && /^\d+$/.test(f[2]!)) m.set(f[0]!, Number(f[2]));
  }
  return m;
}

/** Bits the existing file lacks entirely stay off ("~" modes); set-id and sticky bits only on directories. */
export function maskedMode(mode: number, existing: number, isDir: boolean): number {
  let m = mode;
  if ((existing & 0o111) === 0) m &= ~0o111;
  if ((existing & 0o444) === 0) m &= ~0o444;
  if ((existing & 0o222) === 0) m &= ~0o222;
  return isDir ? m : m & 0o777;
}

/**
 * Whether the kernel keeps users from hard-linking files they do not own
 * (fs.protected_hardlinks=1). Where it does not, a user can link /etc/shadow into a
 * directory of theirs, and changing "their" file's owner or mode would change root's.
 */
function hardlinksProtected(): boolean {
  try {
    return fs.readFileSync('/proc/sys/fs/protected_hardlinks', 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

/** f's result, or undefined when what it opens is not there. */
function unlessMissing<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (err) {
    if (err instanceof PathError && err.code === 'ENOENT') return undefined;
    throw err;
  }
}

/** What the applier refuses to do for safety's sake: reported even on a line whose errors "-" silences. */
class Refusal extends LineError {}

export class TmpfilesApplier {
  private readonly users: Map<string, number>;
  private readonly groups: Map<string, number>;
  private readonly walk: { root: string };

  constructor(
    private readonly root = '',
    private readonly linksProtected = hardlinksProtected(),
  ) {
    this.users = accountIds(path.join(root, '/etc/passwd'));
    this.groups = accountIds(path.join(root, '/etc/group'));
    this.walk = { root: root === '' ? '/' : root };
  }

  real(p: string): string {
    return this.root === '' ? p : path.join(this.root, p);
  }

  private id(kind: 'user' | 'group', name: string | undefined): number | undefined {
    if (name === undefined) return undefined;
    if (/^\d+$/.test(name)) return Number(name);
    const id = (kind === 'user' ? this.users : this.groups).get(name);
    if (id === undefined) throw new LineError(`unknown ${kind} "${name}"`);
    return id;
  }

  /** A file with other names elsewhere is not changed where the kernel lets users make such names (CVE-2017-18078). */
  private refuseHardlinked(node: PathNode, what: string): void {
    if (this.linksProtected || isDirectory(node.stat.mode) || node.stat.nlink <= 1) return;
    throw new Refusal(`refusing to ${what} ${node.path}: it has ${node.stat.nlink} hard links and fs.protected_hardlinks is off`);
  }

  /** Mode and ownership, where the line gives them, on the opened file itself (never a symlink). */
  private perms(node: PathNode, l: TmpfilesLine): void {
    const st = node.stat;
    if (isSymlink(st.mode)) return;
    const uid = this.id('user', l.user);
    const gid = this.id('group', l.group);
    const mode = l.mode === undefined ? undefined : l.modeMasked ? maskedMode(l.mode, st.mode & 0o7777, isDirectory(st.mode)) : l.mode;
    const chown = uid !== undefined || gid !== undefined;
    const chmod = mode !== undefined && (st.mode & 0o7777) !== mode;
    if (chown || chmod) this.refuseHardlinked(node, 'change the owner or mode of');
    // By the fd's /proc name: the inode that was opened and checked, not whatever the path names now.
    if (chown) fs.chownSync(procFdPath(node.fd), uid ?? st.uid, gid ?? st.gid);
    if (chmod) fs.chmodSync(procFdPath(node.fd), mode);
  }

  /** Paths a line acts on (inside the root): its glob's matches, or its path. */
  private targets(l: TmpfilesLine): string[] {
    return lineTargets(l, this.root);
  }

  /** name beneath dir as it is (a symlink as itself), the step into it checked; undefined when missing. */
  private existing(dir: PathNode, name: string): PathNode | undefined {
    return unlessMissing(() => openBeneath(dir, name));
  }

  /** Runs f with p's directory (walked safely; made, root's 0755, where missing when `make`) and name; nothing when it is missing. */
  private inParent(p: string, make: boolean, f: (dir: PathNode, name: string) => void): void {
    const parent = make ? openParent(p, { ...this.walk, mkdirMode: 0o755 }) : unlessMissing(() => openParent(p, this.walk));
    if (!parent) return;
    try {
      f(parent.dir, parent.name);
    } finally {
      closeNode(parent.dir);
    }
  }

  /** Runs f on p, walked safely, its last symlink followed only when `follow`; nothing when it is missing. */
  private onTarget(p: string, f: (node: PathNode) => void, follow = false): void {
    const node = unlessMissing(() => openPath(p, { ...this.walk, noFollowLast: !follow }));
    if (!node) return;
    try {
      f(node);
    } finally {
      closeNode(node);
    }
  }

  private removeLine(l: TmpfilesLine): void {
    for (const t of this.targets(l)) {
      this.inParent(t, false, (dir, name) => {
        const node = this.existing(dir, name);
        if (!node) return;
        try {
          if (l.type === 'D') {
            if (isDirectory(node.stat.mode)) removeBelow(node);
          } else if (l.type === 'R') {
            removeNamed(dir, name);
          } else {
            try {
              unlinkat(dir.fd, name, isDirectory(node.stat.mode) ? AT_REMOVEDIR : 0);
            } catch (e) {
              const code = e instanceof SysError ? errnoName(e.errno) : undefined;
              if (code !== 'ENOTEMPTY' && code !== 'EBUSY' && code !== 'ENOENT') throw pathError(e, t);
            }
          }
        } finally {
          closeNode(node);
        }
      });
    }
  }

  /** Makes way for a new item when "=" says so; otherwise an item of another kind is an error. */
  private inTheWay(dir: PathNode, name: string, node: PathNode, l: TmpfilesLine, what: string): void {
    closeNode(node);
    if (!l.force) throw new LineError(`${l.path} exists and is not ${what}`);
    removeNamed(dir, name);
  }

  private createLine(l: TmpfilesLine): void {
    switch (l.type) {
      case 'd':
      case 'D':
      case 'v':
      case 'q':
      case 'Q':
        return this.inParent(l.path, true, (dir, name) => {
          let node = this.existing(dir, name);
          if (node && isSymlink(node.stat.mode)) return closeNode(node); // left as it is
          if (node && !isDirectory(node.stat.mode)) node = void this.inTheWay(dir, name, node, l, 'a directory');
          if (!node) {
            // Made just now by root: judged by what it is, not by the step from a user's directory.
            const made = makeDirectory(dir, name, 0o755);
            node = made ? openEntry(dir, name) : openBeneath(dir, name);
            if (!node || !isDirectory(node.stat.mode)) {
              if (node) closeNode(node);
              throw new LineError(`${l.path} exists and is not a directory`);
            }
            fs.chmodSync(procFdPath(node.fd), l.mode ?? 0o755);
          }
          try {
            this.perms(node, l);
          } finally {
            closeNode(node);
          }
        });
      case 'e':
        for (const t of this.targets(l)) {
          this.onTarget(t, (node) => {
            if (isDirectory(node.stat.mode)) this.perms(node, l);
          });
        }
        return;
      case 'f':
      case 'F':
        return this.inParent(l.path, true, (dir, name) => {
          const truncate = l.type === 'F' || l.plus;
          let node = this.existing(dir, name);
          if (node && !isRegular(node.stat.mode)) node = void this.inTheWay(dir, name, node, l, 'a regular file');
          const made = !node;
          // Created O_EXCL|O_NOFOLLOW: a name someone put there meanwhile is an error, never followed.
          node ??= this.created(dir, name, openat(dir.fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o644));
          try {
            if (made) {
              fs.writeSync(node.fd, l.argument ?? '');
              fs.fchmodSync(node.fd, l.mode ?? 0o644);
            } else if (truncate) {
              this.refuseHardlinked(node, 'truncate');
              this.write(node, l.argument ?? '', false);
            }
            this.perms(node, l);
          } finally {
            closeNode(node);
          }
        });
      case 'w':
        for (const t of this.targets(l)) {
          // Followed to the end, safely: "w" writes /proc and /sys knobs, reached through links.
          this.onTarget(
            t,
            (node) => {
              this.refuseHardlinked(node, 'write to');
              this.write(node, l.argument ?? '', l.plus);
            },
            true,
          );
        }
        return;
      case 'L':
        return this.inParent(l.path, true, (dir, name) => {
          const target = l.argument!;
          const node = this.existing(dir, name);
          if (node) {
            const same = isSymlink(node.stat.mode) && readlinkat(node.fd, '') === target;
            closeNode(node);
            if (same || !l.plus) return; // systemd leaves it as it is, without an error
            removeNamed(dir, name);
          }
          symlinkat(target, dir.fd, name);
        });
      case 'C': {
        const source = this.real(l.argument!);
        if (!fs.existsSync(source)) return; // systemd skips a line whose source is missing
        return this.inParent(l.path, true, (dir, name) => {
          const node = this.existing(dir, name);
          if (node) {
            const empty = isDirectory(node.stat.mode) && fs.readdirSync(procFdPath(node.fd)).length === 0;
            closeNode(node);
            if (!empty) {
              if (!l.plus) return;
              removeNamed(dir, name);
            }
          }
          // Into the checked directory by its fd's name: no component of the path is looked up again.
          fs.cpSync(source, `${procFdPath(dir.fd)}/${name}`, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true, force: false });
          const copied = openEntry(dir, name);
          if (!copied) return;
          try {
            this.perms(copied, l);
          } finally {
            closeNode(copied);
          }
        });
      }
      case 'z':
        for (const t of this.targets(l)) this.onTarget(t, (node) => this.perms(node, l));
        return;
      case 'Z':
        for (const t of this.targets(l)) this.onTarget(t, (node) => this.permsRecursive(node, l));
        return;
      default:
        return;
    }
  }

  private created(dir: PathNode, name: string, fd: number): PathNode {
    return { fd, stat: statFd(fd), path: path.posix.join(dir.path, name) };
  }

  /** Writes text into the opened file (truncating it, or appending), by its fd's name. */
  private write(node: PathNode, text: string, append: boolean): void {
    const fd = reopen(node.fd, O_WRONLY | O_NONBLOCK | O_NOCTTY | (append ? O_APPEND : O_TRUNC));
    try {
      fs.writeSync(fd, text);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Below the top, entries are opened one by one beneath their directory, and symlinks are never followed. */
  private permsRecursive(node: PathNode, l: TmpfilesLine): void {
    if (isSymlink(node.stat.mode)) return;
    this.perms(node, l);
    if (!isDirectory(node.stat.mode)) return;
    for (const n of fs.readdirSync(procFdPath(node.fd))) {
      const child = openEntry(node, n);
      if (!child) continue;
      try {
        this.permsRecursive(child, l);
      } finally {
        closeNode(child);
      }
    }
  }

  /** One line, its errors as "file:line: message" (none when the line says "-", except refusals). */
  private run(l: TmpfilesLine, f: (l: TmpfilesLine) => void, errors: string[]): boolean {
    try {
      f.call(this, l);
      return true;
    } catch (e) {
      const refused = e instanceof Refusal || (e instanceof PathError && e.code === 'UNSAFE');
      if (!l.ignoreErrors || refused) errors.push(`${l.file}:${l.line}: ${l.type} ${l.path}: ${refused ? 'refused: ' : ''}${(e as Error).message}`);
      return false;
    }
  }

  /** removes: false leaves out every removal (D's emptying, r, R): see runTmpfiles. */
  apply(lines: readonly TmpfilesLine[], removes = true): Omit<TmpfilesReport, 'files'> {
    const plan = planTmpfiles(lines);
    const errors: string[] = [];
    let applied = 0;
    if (!removes) {
      for (const l of plan.remove) plan.skipped.push(`${l.file}:${l.line}: ${l.type} ${l.path}: not removed: this is not a container's own root`);
    } else for (const l of plan.remove) if (this.run(l, this.removeLine, errors)) applied++;
    for (const l of plan.create) if (this.run(l, this.createLine, errors)) applied++;
    return { applied, errors, warnings: plan.warnings, skipped: plan.skipped };
  }
}

/** Paths a line acts on (inside root): its glob's matches, or its path. */
export function lineTargets(l: TmpfilesLine, root = ''): string[] {
  if (!takesGlob(l.type) || !hasWildcard(l.path)) return [l.path];
  return globPaths(l.path, root);
}

/** Every line of every tmpfiles.d file (an earlier directory's file overriding a later's by name), with what could not be read. */
export function readTmpfilesLines(spec: SpecifierValues, root = ''): { files: string[]; lines: TmpfilesLine[]; errors: string[]; skipped: string[] } {
  const files = listConfigFiles(TMPFILES_DIRS, (n) => n.endsWith('.conf'), root);
  const lines: TmpfilesLine[] = [];
  const errors: string[] = [];
  const skipped: string[] = [];
  for (const f of files) {
    // Read without blocking or without bound (a FIFO or /dev/zero named *.conf).
    const r = readRegularFile(f.path, TMPFILES_CONF_MAX_BYTES);
    if (!r.ok) {
      errors.push(`${f.path}: cannot read: ${r.message}`);
      continue;
    }
    const parsed = parseTmpfilesText(r.text, f.path, spec);
    lines.push(...parsed.lines);
    errors.push(...parsed.errors);
    skipped.push(...parsed.skipped);
  }
  return { files: files.map((f) => f.path), lines, errors, skipped };
}

/**
 * systemd-tmpfiles --create --remove --boot, on the tree at root. removes: false is --create alone,
 * for a PID 1 that does not own the machine (a PID namespace on the host's root): the host's
 * `D /tmp` would empty the host's /tmp.
 */
export function runTmpfiles(spec: SpecifierValues, root = '', removes = true): TmpfilesReport {
  const { files, lines, errors, skipped } = readTmpfilesLines(spec, root);
  const applier = new TmpfilesApplier(root);
  // Paths in lines are inside the root; file names in messages are the real ones.
  const report = applier.apply(lines, removes);
  return { files, applied: report.applied, errors: [...errors, ...report.errors], warnings: report.warnings, skipped: [...skipped, ...report.skipped] };
}
