// The edge of tmpfiles: reads the tmpfiles.d directories, plans, and does it on the file
// system (below `root`, "/" at boot). Never crosses into another mount when removing.
import * as fs from 'node:fs';
import { readRegularFile } from '../process/bounded-file';
import * as path from 'node:path';
import { listConfigFiles } from './config-files';
import { parseTmpfilesText, takesGlob, type SpecifierValues, type TmpfilesLine } from './tmpfiles-parse';
import { planTmpfiles } from './tmpfiles-plan';

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

function lstat(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

/** Bits the existing file lacks entirely stay off ("~" modes); set-id and sticky bits only on directories. */
export function maskedMode(mode: number, existing: number, isDir: boolean): number {
  let m = mode;
  if ((existing & 0o111) === 0) m &= ~0o111;
  if ((existing & 0o444) === 0) m &= ~0o444;
  if ((existing & 0o222) === 0) m &= ~0o222;
  return isDir ? m : m & 0o777;
}

export class TmpfilesApplier {
  private readonly users: Map<string, number>;
  private readonly groups: Map<string, number>;

  constructor(private readonly root = '') {
    this.users = accountIds(path.join(root, '/etc/passwd'));
    this.groups = accountIds(path.join(root, '/etc/group'));
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

  /** Mode and ownership, where the line gives them. */
  private perms(real: string, l: TmpfilesLine): void {
    const st = lstat(real);
    if (!st || st.isSymbolicLink()) return;
    const uid = this.id('user', l.user);
    const gid = this.id('group', l.group);
    if (uid !== undefined || gid !== undefined) fs.chownSync(real, uid ?? st.uid, gid ?? st.gid);
    if (l.mode !== undefined) {
      const mode = l.modeMasked ? maskedMode(l.mode, st.mode & 0o7777, st.isDirectory()) : l.mode;
      if ((st.mode & 0o7777) !== mode) fs.chmodSync(real, mode);
    }
  }

  /** Paths a line acts on: its glob's matches, or its path. */
  private targets(l: TmpfilesLine): string[] {
    if (!takesGlob(l.type) || !/[*?[]/.test(l.path)) return [this.real(l.path)];
    try {
      return fs.globSync(this.real(l.path)).sort();
    } catch {
      return [];
    }
  }

  /** Removes what is below dir (dir itself too when `self`), staying on dir's file system. */
  private removeTree(real: string, self: boolean): void {
    const top = lstat(real);
    if (!top) return;
    const walk = (p: string, st: fs.Stats): void => {
      if (st.isDirectory()) {
        for (const n of fs.readdirSync(p)) {
          const c = path.join(p, n);
          const cst = lstat(c);
          if (!cst || cst.dev !== top.dev) continue; // another mount: left alone
          walk(c, cst);
          if (cst.isDirectory()) fs.rmdirSync(c);
          else fs.unlinkSync(c);
        }
      }
    };
    walk(real, top);
    if (self) {
      if (top.isDirectory()) fs.rmdirSync(real);
      else fs.unlinkSync(real);
    }
  }

  private removeLine(l: TmpfilesLine): void {
    for (const t of this.targets(l)) {
      const st = lstat(t);
      if (!st) continue;
      if (l.type === 'D') {
        if (st.isDirectory()) this.removeTree(t, false);
      } else if (l.type === 'R') {
        this.removeTree(t, true);
      } else if (st.isDirectory()) {
        try {
          fs.rmdirSync(t);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (e as NodeJS.ErrnoException).code !== 'EBUSY') throw e;
        }
      } else fs.unlinkSync(t);
    }
  }

  /** Makes way for a new item when "=" says so; otherwise an item of another kind is an error. */
  private inTheWay(real: string, l: TmpfilesLine, what: string): boolean {
    if (l.force) {
      this.removeTree(real, true);
      return false;
    }
    throw new LineError(`${l.path} exists and is not ${what}`);
  }

  private createLine(l: TmpfilesLine): void {
    const real = this.real(l.path);
    switch (l.type) {
      case 'd':
      case 'D':
      case 'v':
      case 'q':
      case 'Q': {
        const st = fs.statSync(real, { throwIfNoEntry: false });
        if (st && !st.isDirectory()) this.inTheWay(real, l, 'a directory');
        if (!fs.existsSync(real)) {
          fs.mkdirSync(path.dirname(real), { recursive: true, mode: 0o755 });
          fs.mkdirSync(real, { mode: 0o755 });
          fs.chmodSync(real, l.mode ?? 0o755);
        }
        this.perms(real, l);
        return;
      }
      case 'e':
        for (const t of this.targets(l)) if (lstat(t)?.isDirectory()) this.perms(t, l);
        return;
      case 'f':
      case 'F': {
        const st = lstat(real);
        const truncate = l.type === 'F' || l.plus;
        if (st && !st.isFile()) this.inTheWay(real, l, 'a regular file');
        if (!fs.existsSync(real)) {
          fs.mkdirSync(path.dirname(real), { recursive: true, mode: 0o755 });
          fs.writeFileSync(real, l.argument ?? '', { mode: 0o644, flag: 'wx' });
          fs.chmodSync(real, l.mode ?? 0o644);
        } else if (truncate) fs.writeFileSync(real, l.argument ?? '');
        this.perms(real, l);
        return;
      }
      case 'w':
        for (const t of this.targets(l)) {
          if (!lstat(t)) continue;
          if (l.plus) fs.appendFileSync(t, l.argument ?? '');
          else fs.writeFileSync(t, l.argument ?? '');
        }
        return;
      case 'L': {
        const target = l.argument!;
        const st = lstat(real);
        if (st) {
          if (st.isSymbolicLink() && fs.readlinkSync(real) === target) return;
          if (!l.plus) return; // systemd leaves it as it is, without an error
          this.removeTree(real, true);
        }
        fs.mkdirSync(path.dirname(real), { recursive: true, mode: 0o755 });
        fs.symlinkSync(target, real);
        return;
      }
      case 'C': {
        const source = this.real(l.argument!);
        if (!lstat(source)) return; // systemd skips a line whose source is missing
        const st = lstat(real);
        if (st && !(st.isDirectory() && fs.readdirSync(real).length === 0)) {
          if (!l.plus) return;
          this.removeTree(real, true);
        }
        fs.mkdirSync(path.dirname(real), { recursive: true, mode: 0o755 });
        fs.cpSync(source, real, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true, force: false });
        this.perms(real, l);
        return;
      }
      case 'z':
        for (const t of this.targets(l)) this.perms(t, l);
        return;
      case 'Z':
        for (const t of this.targets(l)) this.permsRecursive(t, l);
        return;
      default:
        return;
    }
  }

  private permsRecursive(p: string, l: TmpfilesLine): void {
    const st = lstat(p);
    if (!st || st.isSymbolicLink()) return;
    this.perms(p, l);
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) this.permsRecursive(path.join(p, n), l);
  }

  /** One line, its errors as "file:line: message" (none when the line says "-"). */
  private run(l: TmpfilesLine, f: (l: TmpfilesLine) => void, errors: string[]): boolean {
    try {
      f.call(this, l);
      return true;
    } catch (e) {
      if (!l.ignoreErrors) errors.push(`${l.file}:${l.line}: ${l.type} ${l.path}: ${(e as Error).message}`);
      return false;
    }
  }

  apply(lines: readonly TmpfilesLine[]): Omit<TmpfilesReport, 'files'> {
    const plan = planTmpfiles(lines);
    const errors: string[] = [];
    let applied = 0;
    for (const l of plan.remove) if (this.run(l, this.removeLine, errors)) applied++;
    for (const l of plan.create) if (this.run(l, this.createLine, errors)) applied++;
    return { applied, errors, warnings: plan.warnings, skipped: plan.skipped };
  }
}

/** systemd-tmpfiles --create --remove --boot, on the tree at root. */
export function runTmpfiles(spec: SpecifierValues, root = ''): TmpfilesReport {
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
  const applier = new TmpfilesApplier(root);
  // Paths in lines are inside the root; file names in messages are the real ones.
  const report = applier.apply(lines);
  return { files: files.map((f) => f.path), applied: report.applied, errors: [...errors, ...report.errors], warnings: report.warnings, skipped: [...skipped, ...report.skipped] };
}
