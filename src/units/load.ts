// Discovery and loading of service units from directories.
//
// Search order: ts-init's own unit directories first, then the systemd directories in the
// order given (/etc/systemd/system, /run/systemd/system, /lib/systemd/system, ...); for
// each name the first directory that has it wins.
//   - Every *.service in a ts-init unit directory is enabled; in the systemd directories only
//     units linked from "<target>.wants/" or "<target>.requires/" of a requested target are.
//   - A unit file that is a symlink to a file of another name is an alias of that name.
//   - A symlink to /dev/null or an empty file masks the unit: it is not loaded, and reported.
//   - "NAME.d/*.conf" drop-ins from every directory apply after the unit file, sorted by
//     file name (the first directory wins for equal names). Besides the unit's own name,
//     the template's ("foo@.service.d"), its aliases', the hierarchical prefixes'
//     ("a-b-.service.d", "a-.service.d") and the type-wide "service.d" are searched.
//   - "foo@bar.service" loads "foo@.service" with %i = "bar".
//   - Units named in Requires=, Wants=, BindsTo= and Upholds= of a loaded unit (and linked from
//     its ".wants/", ".requires/" and ".upholds/" directories) are loaded too. Services, sockets and targets are loaded;
//     other unit types are kept in the lists but not loaded.
//   - Units named in `requested` are loaded the same way, without being enabled.
// With `root`, every path (including absolute symlink targets) is taken below that prefix;
// paths in results and diagnostics are the real ones, root included.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Diagnostic } from './diagnostic';
import { instanceName, isTemplate, parseUnitName, templateOf } from './specifiers';
import { parseUnitText } from './syntax';
import { readRegularFile } from '../process/bounded-file';
import { readId128Text } from './id128';
import type { ParsedFile } from './syntax';
import { buildUnit } from './build-unit';
import { BUILTIN_TARGETS, DEFAULT_TARGET_ALIAS } from './builtin-targets';
import { addOwnDefaultDependencies, addTargetDefaultDependencies } from './default-dependencies';
import { addTo, defaultUnitConfig, isUnitKind } from './unit';
import { UNIT_TYPES } from './unit-types';
import type { BuildOptions, BuildResult, UnitConfig } from './unit';

export interface LoadOptions {
  /** ts-init's own unit directories (--units DIR..., /etc/ts-init/units), highest precedence first. */
  unitDirs: string[];
  /** systemd's directories in precedence order. */
  systemDirs: string[];
  /** Targets whose ".wants/" enable units, e.g. ['multi-user.target', 'default.target']. */
  targets: string[];
  /**
   * Further service units to load, with their dependencies, without enabling them (units
   * asked for by name, as systemd loads units on demand). A name that has no file is left
   * out of `units` without a diagnostic.
   */
  requested?: string[];
  hostname: string;
  /** Path prefix under which all directories are looked up (tests, chroots). */
  root?: string;
  machineId?: string;
  bootId?: string;
  kernelRelease?: string;
  architecture?: string;
}

export type NotLoadedReason = 'not-found' | 'bad-setting';

export interface LoadResult {
  /** Loadable units by canonical name. */
  units: Map<string, UnitConfig>;
  /** Canonical names of the enabled units (all of them present in `units`). */
  enabled: Set<string>;
  diagnostics: Diagnostic[];
  /** Alias name -> canonical name, from alias symlinks and from [Install] Alias=. */
  aliases: Map<string, string>;
  /** Names found masked (symlink to /dev/null or empty file). */
  masked: Set<string>;
  /** Units that were wanted but could not be loaded. */
  failed: Map<string, NotLoadedReason>;
}

/** Special units that many service files reference; never worth a message. */
export const WELL_KNOWN_UNITS: ReadonlySet<string> = new Set([
  'basic.target', 'sysinit.target', 'multi-user.target', 'default.target', 'graphical.target',
  'network.target', 'network-online.target', 'network-pre.target', 'remote-fs.target', 'remote-fs-pre.target',
  'local-fs.target', 'local-fs-pre.target', 'nss-user-lookup.target', 'nss-lookup.target', 'time-sync.target',
  'time-set.target', 'timers.target', 'sockets.target', 'paths.target', 'slices.target', 'swap.target',
  'shutdown.target', 'emergency.target', 'rescue.target', 'getty.target', 'getty-pre.target', 'rpcbind.target',
  'sound.target', 'printer.target', 'bluetooth.target', 'smartcard.target', 'cryptsetup.target',
  'cryptsetup-pre.target', 'remote-cryptsetup.target', 'veritysetup.target', 'first-boot-complete.target',
  'umount.target', 'final.target', 'halt.target', 'poweroff.target', 'reboot.target', 'kexec.target',
  'exit.target', 'ctrl-alt-del.target', 'sleep.target', 'suspend.target', 'hibernate.target',
  'hybrid-sleep.target', 'system-update.target', 'machines.target', 'syslog.socket', 'dbus.socket',
  'systemd-journald.socket', 'systemd-journald-dev-log.socket', '-.slice', 'system.slice', 'user.slice',
  'machine.slice', '-.mount', 'tmp.mount',
]);

// ---------------------------------------------------------------------------------------
// Single files

/** A unit file (or drop-in) larger than this is refused: systemd's own bound on one line. */
export const UNIT_FILE_MAX_BYTES = 1024 * 1024;

const NO_FILES: readonly ParsedFile[] = [];

function readParsed(file: string, diagnostics: Diagnostic[]): ParsedFile | undefined {
  const r = readRegularFile(file, UNIT_FILE_MAX_BYTES);
  if (!r.ok) {
    diagnostics.push({ file, severity: 'error', message: `cannot read unit file: ${r.message}` });
    return undefined;
  }
  return parseUnitText(r.text, file);
}

/**
 * Parse and build one unit from its file and drop-ins (applied in the given order). Usable
 * on its own, e.g. to re-read a changed file. Never throws: unreadable files are errors.
 */
export function loadUnitFile(
  file: string,
  name: string,
  dropIns: readonly string[],
  options: Partial<BuildOptions> = {},
  /** The file, read and parsed already. */
  parsed?: ParsedFile,
): BuildResult {
  const readErrors: Diagnostic[] = [];
  const main = parsed ?? readParsed(file, readErrors);
  const extra = dropIns.length === 0 ? NO_FILES : dropIns.map((d) => readParsed(d, readErrors)).filter((p): p is ParsedFile => p !== undefined);
  // The loader's own options are whole already (a boot builds thousands of units).
  const buildOptions: BuildOptions = options.hostname !== undefined ? (options as BuildOptions) : { ...options, hostname: os.hostname() };
  if (!main) {
    const unit = defaultUnitConfig(name, file);
    unit.dropIns = [...dropIns];
    for (let i = 0; i < readErrors.length; i++) readErrors[i]!.unit = name;
    return { unit, diagnostics: readErrors, loadable: false };
  }
  const result = buildUnit(name, main, extra, buildOptions);
  if (readErrors.length > 0) {
    result.diagnostics.unshift(...readErrors);
    result.loadable = false;
  }
  // Whichever file (drop-in, template) it came from, each says which unit it is about (an
  // indexed loop: a for-of makes an iterator per unit when interpreted, for a list mostly empty).
  for (let i = 0; i < result.diagnostics.length; i++) result.diagnostics[i]!.unit = name;
  return result;
}

// ---------------------------------------------------------------------------------------
// Finding files

export type Resolution =
  /**
   * sizeUnread: the file is known to be a regular file from its directory's listing, and was not
   * looked at: empty, it masks the unit, which whoever reads it finds (ClosureLoader.found).
   */
  | { state: 'found'; name: string; path: string; via: string[]; sizeUnread?: true }
  | { state: 'masked'; name: string; path: string }
  | { state: 'not-found'; name: string; reason?: string };

interface Entry {
  /** Real path of the directory entry (may be a symlink). */
  path: string;
  /** Its directory's listing says it is a regular file (no symlink to follow). */
  regular: boolean;
}

function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

function readDirNames(dir: string, diagnostics?: Diagnostic[]): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') {
      diagnostics?.push({ file: dir, severity: 'warning', message: `cannot read directory: ${(e as Error).message}` });
    }
    return [];
  }
}

/**
 * The entries of a directory; null when it does not exist, 'unlisted' when it exists but
 * cannot be listed (its names are then looked up one by one).
 */
function listDirectory(dir: string): readonly fs.Dirent[] | null | 'unlisted' {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? null : 'unlisted';
  }
}

const NONE: readonly string[] = [];
const NO_ENTRIES: readonly fs.Dirent[] = [];
const LINK_DIRECTORY = /^(.+)\.(?:wants|requires|upholds)$/;

/**
 * Looks unit files up by name in the search directories. Each search directory is listed
 * once per finder (one load), and names, drop-in and .wants/ directories are looked up in
 * that listing: a Debian image asks for some hundred names in eight directories, most of
 * which hold none of them, and a failed lstat or readdir per name and directory made up
 * most of the start-up load's time. The listings are merged into one index, name -> the
 * directories that have it: a unit asks for some thirty names (its file, its .wants/,
 * .requires/, .upholds/ and drop-in directories under each of its names), one lookup each
 * rather than one per search directory.
 */
export class UnitFinder {
  readonly dirs: readonly string[];
  private readonly root: string;
  /** Entry name -> the search directories that list it, in search order (built at the first lookup). */
  private index?: Map<string, readonly string[]>;
  /** Search directories that exist but cannot be listed: their names are looked up one by one. */
  private readonly unlisted: string[] = [];
  /** Names with a NAME.wants/, NAME.requires/ or NAME.upholds/ directory somewhere (most units have none). */
  private readonly linking = new Set<string>();
  /** Whether any search directory has a drop-in directory (NAME.d) at all. */
  private anyDropInDirectory = false;
  /**
   * Search directory -> its entries that its listing says are regular files: a unit file that is
   * no symlink is found without an lstat of its own (a thousand timers are two thousand files).
   */
  private readonly regular = new Map<string, Set<string>>();

  constructor(options: Pick<LoadOptions, 'unitDirs' | 'systemDirs' | 'root'>) {
    this.dirs = [...options.unitDirs, ...options.systemDirs];
    this.root = options.root ?? '';
  }

  /** The real path of a path as seen from inside the root. */
  real(p: string): string {
    return this.root === '' ? p : path.join(this.root, p);
  }

  /** Every search directory listed once, into the index. */
  private listAll(): Map<string, readonly string[]> {
    const index = new Map<string, readonly string[]>();
    for (const dir of this.dirs) {
      const listing = listDirectory(this.real(dir));
      if (listing === 'unlisted') {
        this.unlisted.push(dir);
        continue;
      }
      // A name in one directory only (nearly all of them) shares that directory's one-element list.
      const only: readonly string[] = [dir];
      const entries = listing ?? NO_ENTRIES;
      const regular = new Set<string>();
      this.regular.set(dir, regular);
      for (let i = 0; i < entries.length; i++) {
        const n = entries[i]!.name;
        if (entries[i]!.isFile()) regular.add(n);
        const known = index.get(n);
        index.set(n, known === undefined ? only : [...known, dir]);
        const links = LINK_DIRECTORY.exec(n);
        if (links) this.linking.add(links[1]!);
        else if (n.endsWith('.d')) this.anyDropInDirectory = true;
      }
    }
    return index;
  }

  /** The search directories that have an entry of that name (a unit, a NAME.d/ or NAME.wants/), in search order. */
  private dirsWith(name: string): readonly string[] {
    this.index ??= this.listAll();
    const listed = this.index.get(name) ?? NONE;
    if (this.unlisted.length === 0) return listed;
    return this.dirs.filter((dir) =>
      this.unlisted.includes(dir) ? lstatOrUndefined(this.real(path.join(dir, name))) !== undefined : listed.includes(dir),
    );
  }

  /** Whether the unit may have a NAME.wants/, NAME.requires/ or NAME.upholds/ directory. */
  mayLink(name: string): boolean {
    this.index ??= this.listAll();
    return this.unlisted.length > 0 || this.linking.has(name);
  }

  private entry(name: string): Entry | undefined {
    const dir = this.dirsWith(name)[0];
    return dir === undefined ? undefined : { path: this.real(this.inDirectory(dir, name)), regular: this.regular.get(dir)?.has(name) === true };
  }

  /** Search directory -> its normalized form, the prefix of its entries' paths. */
  private readonly prefixes = new Map<string, string>();

  /**
   * path.join(dir, name) for a name its listing gave (no slash, never "." or ".."): the
   * directory normalized once, not the whole path walked character by character for each of
   * thousands of units.
   */
  private inDirectory(dir: string, name: string): string {
    let prefix = this.prefixes.get(dir);
    if (prefix === undefined) {
      const normal = path.normalize(dir);
      prefix = normal === '.' || normal === './' ? '' : normal.endsWith('/') ? normal : `${normal}/`;
      this.prefixes.set(dir, prefix);
    }
    return prefix + name;
  }

  /**
   * Follow a symlink chain. Returns the final real path with its lstat (that of a file, not a
   * link), or 'masked' when a link points at /dev/null, or an error text.
   */
  private follow(p: string): { final: string; stats: fs.Stats } | { masked: true } | { error: string } {
    let current = p;
    for (let hops = 0; hops < 40; hops++) {
      const st = lstatOrUndefined(current);
      if (!st) return { error: `dangling symlink (${current} does not exist)` };
      if (!st.isSymbolicLink()) {
        if (st.isCharacterDevice()) return { masked: true };
        return { final: current, stats: st };
      }
      let target: string;
      try {
        target = fs.readlinkSync(current);
      } catch (e) {
        return { error: (e as Error).message };
      }
      if (target === '/dev/null') return { masked: true };
      current = path.isAbsolute(target) ? this.real(target) : path.resolve(path.dirname(current), target);
    }
    return { error: 'too many levels of symbolic links' };
  }

  /** Find the file of a unit, following aliases and template instances. */
  resolve(name: string, depth = 0): Resolution {
    if (depth > 16) return { state: 'not-found', name, reason: 'alias loop' };
    const entry = this.entry(name);
    if (!entry) {
      const template = templateOf(name);
      if (template === undefined) return { state: 'not-found', name };
      const instance = parseUnitName(name)!.instance!;
      const t = this.resolve(template, depth + 1);
      if (t.state === 'found') {
        const found: Resolution = { state: 'found', name: instanceName(t.name, instance), path: t.path, via: t.via.filter((v) => v !== template) };
        if (t.sizeUnread) found.sizeUnread = true;
        return found;
      }
      if (t.state === 'masked') return { state: 'masked', name, path: t.path };
      return { state: 'not-found', name, ...(t.reason !== undefined && { reason: t.reason }) };
    }
    // A regular file by its name: no link to follow, and no alias (its name is its own).
    if (entry.regular) return { state: 'found', name, path: entry.path, via: [], sizeUnread: true };
    const followed = this.follow(entry.path);
    if ('masked' in followed) return { state: 'masked', name, path: entry.path };
    if ('error' in followed) return { state: 'not-found', name, reason: followed.error };
    // The end of the chain is no link: its lstat is its stat.
    const st = followed.stats;
    if (st.isFile() && st.size === 0) return { state: 'masked', name, path: followed.final };
    if (!st.isFile()) return { state: 'not-found', name, reason: `${followed.final} is not a regular file` };
    const base = path.basename(followed.final);
    const own = base === name ? undefined : parseUnitName(name);
    const other = base === name ? undefined : parseUnitName(base);
    if (own && other && own.type === other.type && (own.instance === '') === (other.instance === '')) {
      // An alias: the target's name is the real one, looked up again so overrides apply.
      const canonical = this.resolve(base, depth + 1);
      if (canonical.state === 'found') return { ...canonical, via: [name, ...canonical.via] };
      if (canonical.state === 'masked') return canonical;
      return { state: 'found', name: base, path: followed.final, via: [name] };
    }
    return { state: 'found', name, path: followed.final, via: [] };
  }

  /** Names of the entries of "<dir>/<subdir>" across all search directories, deduplicated. */
  linkedNames(subdir: string): string[] {
    const dirs = this.dirsWith(subdir);
    if (dirs.length === 0) return [];
    const seen = new Set<string>();
    for (const dir of dirs) {
      for (const n of readDirNames(this.real(path.join(dir, subdir)))) seen.add(n);
    }
    return [...seen];
  }

  /**
   * Drop-in files for a unit, in application order. `aliases` are other names of the
   * unit whose drop-in directories also apply.
   */
  dropIns(name: string, aliases: readonly string[] = []): string[] {
    this.index ??= this.listAll();
    // No NAME.d anywhere (an image without drop-ins): nothing to work out for each unit.
    if (!this.anyDropInDirectory && this.unlisted.length === 0) return [];
    const dirNames: string[] = [];
    const add = (n: string | undefined) => {
      if (n !== undefined && !dirNames.includes(n)) dirNames.push(n);
    };
    for (const n of [name, ...aliases]) {
      add(`${n}.d`);
      const t = templateOf(n);
      if (t) add(`${t}.d`);
    }
    const parts = parseUnitName(name);
    if (parts) {
      const pieces = parts.prefix.split('-');
      for (let k = pieces.length - 1; k >= 1; k--) add(`${pieces.slice(0, k).join('-')}-.${parts.type}.d`);
      add(`${parts.type}.d`);
    }
    // Most units have none of these directories anywhere.
    if (dirNames.every((dn) => this.dirsWith(dn).length === 0)) return [];
    const chosen = new Map<string, string | null>();
    for (const dir of this.dirs) {
      for (const dn of dirNames) {
        if (!this.dirsWith(dn).includes(dir)) continue;
        const d = this.real(path.join(dir, dn));
        for (const f of readDirNames(d)) {
          if (!f.endsWith('.conf') || chosen.has(f)) continue;
          const p = path.join(d, f);
          const followed = this.follow(p);
          if ('masked' in followed || 'error' in followed) {
            chosen.set(f, null);
            continue;
          }
          const st = lstatOrUndefined(followed.final);
          chosen.set(f, st?.isFile() && st.size > 0 ? p : null);
        }
      }
    }
    return [...chosen.entries()]
      .filter((e): e is [string, string] => e[1] !== null)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map((e) => e[1]);
  }
}

// ---------------------------------------------------------------------------------------
// Whole tree

type DepKey = 'requires' | 'wants' | 'bindsTo' | 'upholds';
/** The lists that pull units in, in the order their units are loaded. */
const PULLING_LISTS: readonly DepKey[] = ['requires', 'bindsTo', 'wants', 'upholds'];
const DEP_DIRECTIVE: Readonly<Record<DepKey, string>> = { requires: 'Requires', wants: 'Wants', bindsTo: 'BindsTo', upholds: 'Upholds' };

interface Request {
  name: string;
  from?: { unit: string; file: string; key: DepKey };
  /** Asked for by name (LoadOptions.requested): a missing file is not a problem. */
  optional?: boolean;
}

function machineDefaults(options: LoadOptions, finder: UnitFinder): Omit<BuildOptions, 'hostname'> {
  const read = (p: string) => {
    try {
      return fs.readFileSync(p, 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  };
  // Never a blocking read (a FIFO there would hang PID 1), and %m only for a valid ID, not "uninitialized".
  const readMachineId = (p: string) => {
    const r = readRegularFile(p, 4096);
    const id = r.ok ? readId128Text(r.text) : undefined;
    return id?.ok ? id.id : undefined;
  };
  const arch: Record<string, string> = { x64: 'x86-64', arm64: 'arm64', ia32: 'x86', arm: 'arm', ppc64: 'ppc64', s390x: 's390x', riscv64: 'riscv64' };
  const out: Omit<BuildOptions, 'hostname'> = {};
  const machineId = options.machineId ?? readMachineId(finder.real('/etc/machine-id'));
  const bootId = options.bootId ?? read('/proc/sys/kernel/random/boot_id');
  const kernelRelease = options.kernelRelease ?? os.release();
  const architecture = options.architecture ?? arch[process.arch] ?? process.arch;
  if (machineId !== undefined) out.machineId = machineId;
  if (bootId !== undefined) out.bootId = bootId;
  out.kernelRelease = kernelRelease;
  out.architecture = architecture;
  return out;
}

/** Discover, enable and load the units of a tree. Never throws. */
export function loadUnits(options: LoadOptions): LoadResult {
  const finder = new UnitFinder(options);
  const result: LoadResult = {
    units: new Map(),
    enabled: new Set(),
    diagnostics: [],
    aliases: new Map(),
    masked: new Set(),
    failed: new Map(),
  };
  const candidates = enablementCandidates(options, finder, result.diagnostics);
  const loader = new ClosureLoader(finder, result, { hostname: options.hostname, ...machineDefaults(options, finder) });
  // The boot targets are loaded too: their graph (basic.target, sysinit.target, sockets.target
  // and what is linked from their .wants/) is what the start job is made of.
  loader.loadAll(candidates, [...options.targets, ...(options.requested ?? [])]);
  addInstallAliases(result, finder);
  reportMissingReferences(loader.unresolved, result);
  canonicalizeDependencies(result);
  addTargetDefaultDependencies(result.units);
  return result;
}

/** A name of a type that is loaded (and run; others are named in dependencies only) that can be loaded as it is (not a template). */
function isLoadableName(n: string): boolean {
  const p = parseUnitName(n);
  return p !== undefined && isUnitKind(p.type) && p.instance !== '';
}

/** Phase 1: what is enabled: every service in ts-init's directories, and those linked from the targets' .wants/.requires. */
function enablementCandidates(options: LoadOptions, finder: UnitFinder, diagnostics: Diagnostic[]): string[] {
  const candidates: string[] = [];
  const seen = new Set<string>();
  const add = (n: string): void => {
    if (!seen.has(n) && isLoadableName(n)) {
      seen.add(n);
      candidates.push(n);
    }
  };
  for (const dir of options.unitDirs) {
    for (const n of readDirNames(finder.real(dir), diagnostics)) add(n);
  }
  for (const target of targetNames(finder, options.targets)) {
    for (const sub of ['wants', 'requires']) {
      for (const n of finder.linkedNames(`${target}.${sub}`)) add(n);
    }
  }
  return candidates;
}

/** Phase 2: the candidates, the requested names and the closure of their dependencies. */
class ClosureLoader {
  private readonly queue: Request[] = [];
  /** Requested name -> canonical name (undefined: not loaded). */
  private readonly handled = new Map<string, string | undefined>();
  private readonly maskReported = new Set<string>();
  /** Names whose file could not be read (reported once, with the reason). */
  private readonly brokenLinks = new Set<string>();
  /** References to units that were not found, judged once aliases are known (phase 4). */
  readonly unresolved: Request[] = [];
  /** Unit files found empty when read (masks). */
  private readonly emptyFiles = new Set<string>();

  constructor(
    private readonly finder: UnitFinder,
    private readonly result: LoadResult,
    private readonly buildOptions: BuildOptions,
  ) {}

  loadAll(candidates: readonly string[], requested: readonly string[]): void {
    for (const name of candidates) this.queue.push({ name });
    const enabledRequests = new Set(candidates);
    for (const name of requested) {
      if (isLoadableName(name) && !enabledRequests.has(name)) this.queue.push({ name, optional: true });
    }
    // Taken from the front by index: a thousand timers and their units make a long queue.
    for (let next = 0; next < this.queue.length; next++) {
      const req = this.queue[next]!;
      const canonical = this.load(req);
      if (canonical !== undefined && !req.from && enabledRequests.has(req.name)) this.result.enabled.add(canonical);
    }
    this.queue.length = 0;
  }

  private load(req: Request): string | undefined {
    if (this.handled.has(req.name)) {
      const canonical = this.handled.get(req.name);
      if (canonical === undefined && this.result.failed.get(req.name) === 'not-found' && req.from && !this.brokenLinks.has(req.name)) {
        this.unresolved.push(req);
      }
      return canonical;
    }
    let r = this.finder.resolve(req.name);
    if (r.state === 'not-found' && r.reason === undefined && req.name === DEFAULT_TARGET_ALIAS.name) {
      r = this.finder.resolve(DEFAULT_TARGET_ALIAS.target);
      if (r.state === 'found') r = { ...r, via: [req.name, ...r.via] };
    }
    const builtin = r.state === 'not-found' && r.reason === undefined && Object.hasOwn(BUILTIN_TARGETS, r.name);
    const canonical = builtin
      ? this.builtin(req, r.name)
      : r.state === 'masked' ? this.masked(req, r) : r.state === 'not-found' ? this.notFound(req, r) : this.found(req, r);
    this.handled.set(req.name, canonical);
    return canonical;
  }

  private masked(req: Request, r: Extract<Resolution, { state: 'masked' }>): undefined {
    this.result.masked.add(req.name);
    if (!this.maskReported.has(req.name)) {
      this.maskReported.add(req.name);
      const by = req.from ? ` (${DEP_DIRECTIVE[req.from.key]}= of ${req.from.unit})` : '';
      this.result.diagnostics.push({ file: r.path, unit: req.name, severity: 'warning', message: `${req.name} is masked; not loaded${by}` });
    }
    return undefined;
  }

  private notFound(req: Request, r: Extract<Resolution, { state: 'not-found' }>): undefined {
    this.result.failed.set(req.name, 'not-found');
    if (r.reason !== undefined) {
      this.brokenLinks.add(req.name);
      this.result.diagnostics.push({ file: req.from?.file ?? req.name, unit: req.from?.unit ?? req.name, severity: 'error', message: `${req.name}: ${r.reason}` });
    } else if (req.from) {
      this.unresolved.push(req);
    } else if (!req.optional) {
      this.result.diagnostics.push({ file: req.name, unit: req.name, severity: 'error', message: `${req.name}: unit file not found` });
    }
    return undefined;
  }

  private found(req: Request, r: Extract<Resolution, { state: 'found' }>): string | undefined {
    const { result } = this;
    const canonical = r.name;
    // A file not looked at yet: an empty one masks the unit, as an empty file resolve() looked at does.
    let main: ParsedFile | undefined;
    if (r.sizeUnread && !result.units.has(canonical)) {
      if (this.emptyFiles.has(r.path)) return this.masked(req, { state: 'masked', name: canonical, path: r.path });
      const read = readRegularFile(r.path, UNIT_FILE_MAX_BYTES);
      if (read.ok && read.text === '') {
        this.emptyFiles.add(r.path);
        return this.masked(req, { state: 'masked', name: canonical, path: r.path });
      }
      // One that cannot be read is read again, and reported, by loadUnitFile.
      if (read.ok) main = parseUnitText(read.text, r.path);
    }
    if (canonical !== req.name) result.aliases.set(req.name, canonical);
    for (let i = 0; i < r.via.length; i++) {
      const v = r.via[i]!;
      if (v !== canonical && !isTemplate(v)) result.aliases.set(v, canonical);
    }
    if (result.units.has(canonical)) return canonical;
    if (result.failed.has(canonical)) return undefined;
    if (isTemplate(canonical)) {
      result.failed.set(canonical, 'bad-setting');
      result.diagnostics.push({
        file: r.path,
        unit: canonical,
        severity: 'error',
        message: `${canonical} is a template; only its instances (name@instance.service) can be loaded`,
      });
      return undefined;
    }
    // Found by its own name (nearly every unit): no other names.
    const aliasNames = r.via.length === 0 && req.name === canonical ? NONE : [...new Set([req.name, ...r.via].filter((n) => n !== canonical))];
    const built = loadUnitFile(r.path, canonical, this.finder.dropIns(canonical, aliasNames), this.buildOptions, main);
    result.diagnostics.push(...built.diagnostics);
    if (!built.loadable) {
      result.failed.set(canonical, 'bad-setting');
      return undefined;
    }
    return this.admit(built.unit, aliasNames);
  }

  /** A standard target the image does not ship, from ts-init's own definition. */
  private builtin(req: Request, name: string): string {
    if (req.name !== name) this.result.aliases.set(req.name, name);
    if (this.result.units.has(name)) return name;
    const built = buildUnit(name, parseUnitText(BUILTIN_TARGETS[name]!, ''), [], this.buildOptions);
    return this.admit(built.unit, req.name === name ? [] : [req.name]);
  }

  /** Takes a built unit in: its own links, its default dependencies, and what it pulls in. */
  private admit(unit: UnitConfig, aliasNames: readonly string[]): string {
    this.addOwnLinks(unit, unit.name);
    for (let i = 0; i < aliasNames.length; i++) this.addOwnLinks(unit, aliasNames[i]!);
    addOwnDefaultDependencies(unit);
    this.result.units.set(unit.name, unit);
    this.queueDependencies(unit);
    this.addTriggered(unit);
    return unit.name;
  }

  /** What the unit's type starts (a socket's service, a timer's unit) is loaded too, and the unit is up before it. */
  private addTriggered(unit: UnitConfig): void {
    const warn = (message: string): void => {
      this.result.diagnostics.push({ file: unit.sourcePath, unit: unit.name, severity: 'warning', message });
    };
    const triggered = UNIT_TYPES[unit.kind].triggered?.(unit, warn);
    if (triggered === undefined) return;
    if (!unit.before.includes(triggered)) addTo(unit, 'before', triggered);
    this.queue.push({ name: triggered, optional: true });
  }

  /** The ".wants/", ".requires/" and ".upholds/" directories of the unit itself (any unit type), under one of its names. */
  private addOwnLinks(unit: UnitConfig, n: string): void {
    // Most units have none of these directories anywhere.
    if (!this.finder.mayLink(n)) return;
    for (const key of ['wants', 'requires', 'upholds'] as const) {
      const linked = this.finder.linkedNames(`${n}.${key}`);
      if (linked.length === 0) continue;
      // A set, not a scan of the list per name: timers.target wants a thousand timers.
      const has = new Set(unit[key]);
      for (let i = 0; i < linked.length; i++) {
        const w = linked[i]!;
        if (!has.has(w) && parseUnitName(w)) {
          has.add(w);
          addTo(unit, key, w);
        }
      }
    }
  }

  /** Services, sockets and targets the unit needs are loaded next; other unit types are only mentioned (unless wanted or well known). */
  private queueDependencies(unit: UnitConfig): void {
    for (let k = 0; k < PULLING_LISTS.length; k++) {
      const key = PULLING_LISTS[k]!;
      const deps = unit[key];
      for (let i = 0; i < deps.length; i++) {
        const dep = deps[i]!;
        const p = parseUnitName(dep);
        if (p && isUnitKind(p.type)) {
          this.queue.push({ name: dep, from: { unit: unit.name, file: unit.sourcePath, key } });
        } else if (key !== 'wants' && key !== 'upholds' && !WELL_KNOWN_UNITS.has(dep)) {
          this.result.diagnostics.push({
            file: unit.sourcePath,
            unit: unit.name,
            severity: 'warning',
            message: `${unit.name}: ${DEP_DIRECTIVE[key]}=${dep}: ts-init only runs .service, .socket, .target and .timer units; dependency ignored`,
          });
        }
      }
    }
  }
}

/**
 * Phase 3: [Install] Alias= names of loaded units, unless a file already provides that name
 * for another unit. The alias symlink "systemctl enable" creates (sshd.service ->
 * ssh.service) leads back to this unit, so it counts as the alias too.
 */
function addInstallAliases(result: LoadResult, finder: UnitFinder): void {
  // forEach and an indexed loop: for-of makes iterators per unit when interpreted, for lists mostly empty.
  result.units.forEach((unit) => {
    for (let i = 0; i < unit.alias.length; i++) {
      const a = unit.alias[i]!;
      if (result.aliases.has(a) || result.units.has(a)) continue;
      const r = finder.resolve(a);
      if (r.state === 'not-found' || (r.state === 'found' && r.name === unit.name)) result.aliases.set(a, unit.name);
    }
  });
}

/** Phase 4: references that are still missing once aliases are known, each reported once. */
function reportMissingReferences(unresolved: readonly Request[], result: LoadResult): void {
  const reported = new Set<string>();
  for (const req of unresolved) {
    const from = req.from!;
    if (result.aliases.has(req.name)) {
      result.failed.delete(req.name);
      continue;
    }
    // systemd's own units (syslog.socket, systemd-journald.socket, ...) are absent from images
    // without systemd, and meaningless here: a dependency on one is treated as met.
    if (WELL_KNOWN_UNITS.has(req.name)) continue;
    const key = `${from.unit}|${from.key}|${req.name}`;
    if (reported.has(key)) continue;
    reported.add(key);
    result.diagnostics.push({
      file: from.file,
      unit: from.unit,
      severity: from.key === 'wants' || from.key === 'upholds' ? 'warning' : 'error',
      message: `${from.unit}: ${DEP_DIRECTIVE[from.key]}=${req.name}: unit not found`,
    });
  }
}

const DEPENDENCY_LISTS = [
  'after', 'before', 'requires', 'wants', 'bindsTo', 'partOf', 'conflicts', 'upholds',
  'propagatesReloadTo', 'reloadPropagatedFrom', 'propagatesStopTo', 'stopPropagatedFrom',
] as const;

/** Phase 5: dependency lists name canonical units, once each, never the unit itself; so do the units sockets and timers start. */
function canonicalizeDependencies(result: LoadResult): void {
  const canon = (n: string): string => result.aliases.get(n) ?? n;
  // Indexed and forEach loops: a for-of makes an object per step when interpreted, and a boot
  // has thousands of units, a dozen lists each.
  result.units.forEach((unit) => {
    for (let k = 0; k < DEPENDENCY_LISTS.length; k++) {
      const key = DEPENDENCY_LISTS[k]!;
      // Most lists are empty or already right: made anew only when one of its names is an
      // alias, a repeat or the unit itself.
      const list = unit[key];
      if (list.length > 0 && !isCanonical(list, unit.name, result.aliases)) {
        unit[key] = [...new Set(list.map(canon))].filter((n) => n !== unit.name);
      }
    }
    UNIT_TYPES[unit.kind].renameTriggered?.(unit, canon);
  });
}

/** Whether a dependency list names canonical units, once each, never `self`. */
function isCanonical(list: readonly string[], self: string, aliases: ReadonlyMap<string, string>): boolean {
  // Repeats looked for by scanning in a short list, through a set in a long one (timers.target
  // wants a thousand timers).
  const short = list.length <= 8;
  for (let i = 0; i < list.length; i++) {
    const n = list[i]!;
    if (n === self || aliases.has(n) || (short && list.indexOf(n) !== i)) return false;
  }
  return short || new Set(list).size === list.length;
}

/** The requested targets plus the targets they are aliases of (default.target -> multi-user.target). */
function targetNames(finder: UnitFinder, targets: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of targets) {
    if (!out.includes(t)) out.push(t);
    const r = finder.resolve(t);
    if (r.state === 'found' && !out.includes(r.name)) out.push(r.name);
  }
  return out;
}
