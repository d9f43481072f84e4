// Loads koffi, the FFI that reaches libc. From source (tests, development) it is the
// npm package; inside the single executable the native addon is an embedded asset
// that dlopen can only map from a file on a filesystem that allows execution.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as Koffi from 'koffi';
import { createExclusive, privatePathProblem, replaceFile, temporaryName } from './safe-create';

export type KoffiModule = typeof Koffi;

/** Injected by build.js: sha256 of the embedded koffi.node, for a content-addressed file name. */
declare const __KOFFI_SHA256__: string | undefined;

/**
 * Writable places tried in order when no pre-extracted module sits beside the
 * executable. /dev/shm and every --tmpfs are often noexec (Docker mounts them so),
 * which makes dlopen fail, so a failed load moves on to the next place. /dev comes
 * last: runc and crun mount it as a small tmpfs that allows execution, also on a
 * read-only root filesystem.
 */
export const EXTRACT_DIRS = ['/dev/shm', '/run', '/tmp', '/dev'];

export class NativeLoadError extends Error {}

function isSea(): boolean {
  try {
    // node:sea exists from Node 21.7; the source build may run on older Node in tests.
    return (require('node:sea') as { isSea(): boolean }).isSea();
  } catch {
    return false;
  }
}

function embeddedModule(): Uint8Array {
  const sea = require('node:sea') as { getRawAsset(name: string): ArrayBuffer };
  return new Uint8Array(sea.getRawAsset('koffi.node'));
}

/** The module's file name, the same wherever it is put: ts-init-koffi-<sha256 prefix>.node. */
export function nativeModuleFileName(bytes: Uint8Array = embeddedModule()): string {
  const tag = typeof __KOFFI_SHA256__ === 'string' ? __KOFFI_SHA256__.slice(0, 16) : String(bytes.length);
  return `ts-init-koffi-${tag}.node`;
}

/**
 * Writes the embedded module into dir (for a host installation, where containers get
 * it bound read-only beside the binary) and returns its path. Replaces by rename.
 */
export function extractNativeModule(dir: string): string {
  const bytes = embeddedModule();
  const file = path.join(dir, nativeModuleFileName(bytes));
  // The directory is the installer's: the file is still created exclusively, never through a planted name.
  replaceFile(file, bytes, 0o444, false);
  return file;
}

function dlopen(file: string): KoffiModule {
  const mod = { exports: {} as KoffiModule };
  process.dlopen(mod, file);
  return mod.exports;
}

/**
 * Loads the file open on fd, the very inode that was checked: through /proc/self/fd, so
 * no name is looked up again (a name in a directory others can write may point elsewhere
 * by now). Without /proc only a file in a private directory is loaded by its name.
 */
function dlopenVerified(fd: number, file: string): KoffiModule {
  const byFd = `/proc/self/fd/${fd}`;
  if (fs.existsSync(byFd)) return dlopen(byFd);
  const problem = privatePathProblem(path.dirname(file));
  if (problem) throw new NativeLoadError(`/proc is not mounted and ${problem}`);
  return dlopen(file);
}

function firstLine(err: unknown): string {
  return (err as Error).message.split('\n')[0]!;
}

function loadFromSea(): KoffiModule {
  const bytes = embeddedModule();
  const name = nativeModuleFileName(bytes);
  const failures: string[] = [];
  // A host installation ships the module beside the binary, and engines bind both into
  // the container read-only: nothing is written, nothing needs an executable tmpfs.
  const beside = path.join(path.dirname(process.execPath), name);
  const fromBeside = loadCopy(beside, bytes, 'beside', failures);
  if (fromBeside) return fromBeside;
  // Extracted by an earlier start where it can be mapped executable: every later start
  // of the executable in the same container, exec helpers included, takes this way. A
  // copy is loaded only when it is root's (or this user's) alone and holds the module.
  for (const dir of EXTRACT_DIRS) {
    const earlier = loadCopy(extractedPath(dir, name), bytes, 'extracted', failures);
    if (earlier) return earlier;
  }
  // Known in advance: a failed dlopen would leave a file and a stray mapping behind.
  const noexec = readMounts();
  const usable = EXTRACT_DIRS.filter((dir) => {
    if (isOnNoexecMount(dir, noexec)) failures.push(`${dir}: mounted noexec`);
    return !isOnNoexecMount(dir, noexec);
  });
  // Private places first (a directory only root can change: /run, /dev of a container);
  // then a memory file, which is nobody's to touch; a directory every user can write
  // (/tmp, /dev/shm) only last, with a file created exclusively and loaded by descriptor.
  const shared = usable.filter((dir) => privatePathProblem(dir) !== undefined);
  for (const dir of usable.filter((d) => !shared.includes(d))) {
    const loaded = extractAndLoad(extractedPath(dir, name), bytes, failures);
    if (loaded) return loaded;
  }
  // Creating a memory file takes a system call the runtime does not offer without this
  // very module, so an interpreter of the image makes it and holds it open just long
  // enough for ts-init to open it through /proc.
  const viaMemfd = loadThroughMemfd(bytes, failures);
  if (viaMemfd) return viaMemfd;
  for (const dir of shared) {
    const loaded = extractAndLoad(extractedPath(dir, name), bytes, failures);
    if (loaded) return loaded;
  }
  throw new NativeLoadError(
    `cannot load the embedded FFI module: none of ${EXTRACT_DIRS.join(', ')} is writable and executable, ` +
      `and neither perl nor python3 is there to make a memory file ` +
      `(put ${name} beside the executable, e.g. \`ts-init install-host\`, or mount an exec tmpfs on /run)\n  ${failures.join('\n  ')}`,
  );
}

/**
 * A copy found under the module's name, loaded when it may be: opened without following
 * a link, checked on the descriptor (isTrustedCopy) and compared with the embedded module
 * byte for byte, then loaded through that descriptor. Undefined when there is none or it
 * may not be loaded (a refused copy is named in failures).
 */
function loadCopy(file: string, bytes: Uint8Array, where: CopyPlace, failures: string[]): KoffiModule | undefined {
  let fd = -1;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    const st = fs.fstatSync(fd);
    // The mount of the very inode opened (not of a name looked up again), undefined without
    // /proc; read only when a check needs it.
    const mount = (): string[] | undefined => mountOptionsOfFd(fd);
    if (!isTrustedCopy(st, bytes.length, where, process.geteuid?.() ?? 0, where === 'beside' ? (uid) => unmappedOwner(uid, mount) : undefined)) {
      failures.push(`${file}: not loaded (uid ${st.uid}, mode ${(st.mode & 0o7777).toString(8)}, ${st.nlink} links: not root's alone)`);
      return undefined;
    }
    if (!sameBytes(fd, bytes)) {
      failures.push(`${file}: not loaded (its content is not the embedded module's)`);
      return undefined;
    }
    // A copy on a noexec mount would fail to map, and a failed dlopen leaves part of it mapped.
    if (onNoexecMount(fd, st.mode, mount)) {
      failures.push(`${file}: not loaded (on a noexec mount)`);
      return undefined;
    }
    return dlopenVerified(fd, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && (where === 'beside' || code !== 'EACCES')) failures.push(`${file}: ${firstLine(err)}`);
    return undefined;
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/**
 * Whether the file open on fd lies on a noexec mount. access(X_OK) answers in one system
 * call for a file with an execute bit (an extracted copy is 0500): the kernel refuses it on a
 * noexec mount. Only when it is refused (or the file has no execute bit: root is refused
 * access(X_OK) then, and the installed module is 0444) is the mount table read.
 */
function onNoexecMount(fd: number, mode: number, mount: () => string[] | undefined): boolean {
  if (mode & 0o111) {
    try {
      fs.accessSync(`/proc/self/fd/${fd}`, fs.constants.X_OK);
      return false;
    } catch {
      // noexec, or not executable for this user: the mount says which
    }
  }
  return mount()?.includes('noexec') === true;
}

/** Bytes read at a time by sameBytes. */
const COMPARE_CHUNK = 64 * 1024;

/**
 * Whether the file open on fd holds exactly bytes, read a chunk at a time into one small
 * buffer: a buffer the module's size cost every start a millisecond of zeroing and page
 * faults, and left private memory behind.
 */
function sameBytes(fd: number, bytes: Uint8Array): boolean {
  const buf = Buffer.allocUnsafe(COMPARE_CHUNK);
  for (let off = 0; ; ) {
    const n = fs.readSync(fd, buf, 0, COMPARE_CHUNK, off);
    if (n === 0) return off === bytes.length;
    if (off + n > bytes.length || buf.compare(bytes, off, off + n, 0, n) !== 0) return false;
    off += n;
  }
}

/**
 * Writes the module to a new file in dir's place for it, created exclusively under a
 * name nobody can guess, and loads what was written through its descriptor. Renamed to
 * the module's name for later starts, which check what they find there.
 */
function extractAndLoad(file: string, bytes: Uint8Array, failures: string[]): KoffiModule | undefined {
  const tmp = temporaryName(file);
  let fd = -1;
  try {
    fd = createExclusive(tmp, 0o500, fs.constants.O_RDWR);
    for (let off = 0; off < bytes.length; ) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    fs.fchmodSync(fd, 0o500);
    const loaded = dlopenVerified(fd, tmp);
    try {
      fs.renameSync(tmp, file);
    } catch {
      // Loaded all the same (in a directory others can write, they may have moved the name away).
      fs.rmSync(tmp, { force: true });
    }
    return loaded;
  } catch (err) {
    failures.push(`${file}: ${firstLine(err)}`);
    if (fd >= 0) fs.rmSync(tmp, { force: true });
    return undefined;
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/**
 * Each helper reads the module on stdin into a new memfd, forks a child that keeps it
 * open for a few seconds with no stdio, and prints "PID FD". MFD_EXEC (0x10) is asked
 * for where the kernel knows it (vm.memfd_noexec), plain 0 elsewhere. The holder is
 * left to exit by itself: by then ts-init reaps (as PID 1 the orphan is its child).
 */
const MEMFD_HELPERS: ReadonlyArray<{ file: string; args: string[] }> = [
  {
    file: '/usr/bin/perl',
    args: [
      '-e',
      'my $name = "ts-init-koffi"; my $fd = syscall(319, $name, 16); $fd = syscall(319, $name, 0) if $fd < 0; die "memfd_create: $!" if $fd < 0;' +
        'open(my $m, ">&=", $fd) or die "fdopen: $!"; binmode $m; binmode STDIN; local $/; my $d = <STDIN>;' +
        'my $o = 0; while ($o < length $d) { my $n = syswrite($m, $d, length($d) - $o, $o); die "write: $!" unless defined $n; $o += $n }' +
        'my $p = fork; die "fork: $!" unless defined $p; if ($p == 0) { close STDIN; close STDOUT; close STDERR; sleep 3; exit 0 } print "$p $fd\n"',
    ],
  },
  {
    file: '/usr/bin/python3',
    args: [
      '-c',
      'import os,sys\ntry: fd=os.memfd_create("ts-init-koffi",16)\nexcept OSError: fd=os.memfd_create("ts-init-koffi",0)\n' +
        'd=sys.stdin.buffer.read()\nwhile d: d=d[os.write(fd,d):]\np=os.fork()\n' +
        'if p==0:\n  [os.close(i) for i in (0,1,2)]\n  import time; time.sleep(3); os._exit(0)\nprint(p,fd)',
    ],
  },
];

function loadThroughMemfd(bytes: Uint8Array, failures: string[]): KoffiModule | undefined {
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  for (const helper of MEMFD_HELPERS) {
    if (!fs.existsSync(helper.file)) continue;
    const r = spawnSync(helper.file, helper.args, { input: bytes, timeout: 5000, env: {}, stdio: ['pipe', 'pipe', 'pipe'] });
    const m = /^(\d+) (\d+)$/.exec(r.stdout?.toString().trim() ?? '');
    if (!m) {
      failures.push(`memory file through ${helper.file}: ${(r.stderr?.toString().trim() || r.error?.message || `exit ${r.status}`).split('\n')[0]}`);
      continue;
    }
    const holder = Number(m[1]);
    let fd = -1;
    try {
      fd = fs.openSync(`/proc/${holder}/fd/${m[2]}`, 'r');
      if (!sameBytes(fd, bytes)) throw new Error('incomplete');
      return dlopen(`/proc/self/fd/${fd}`);
    } catch (err) {
      failures.push(`memory file through ${helper.file}: ${(err as Error).message.split('\n')[0]}`);
    } finally {
      if (fd >= 0) fs.closeSync(fd); // the mapping keeps the memory file alive
    }
  }
  return undefined;
}

/** Mount points and each one's per-mount options (noexec, ro, ...), from /proc/self/mountinfo (later mounts win). */
export function parseMountinfo(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length < 6) continue;
    const point = f[4]!.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    out.delete(point);
    out.set(point, f[5]!.split(','));
  }
  return out;
}

function readMounts(): Map<string, string[]> {
  try {
    return parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return new Map();
  }
}

/** The options of the mount dir lies on: the longest mount point containing it decides. */
function mountOptionsOf(dir: string, mounts: Map<string, string[]>): string[] {
  let best = '';
  let options: string[] = [];
  for (const [point, opts] of mounts) {
    const inside = point === '/' || dir === point || dir.startsWith(`${point}/`);
    if (inside && point.length >= best.length) {
      best = point;
      options = opts;
    }
  }
  return options;
}

/** The per-mount options (noexec, ro, ...) of the mount whose id is id, from /proc/self/mountinfo's text. */
export function mountOptionsById(mountinfo: string, id: number): string[] | undefined {
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    if (f.length >= 6 && Number(f[0]) === id) return f[5]!.split(',');
  }
  return undefined;
}

/** The options of the mount the file open on fd lies on (its mnt_id in /proc/self/fdinfo), or undefined. */
function mountOptionsOfFd(fd: number): string[] | undefined {
  try {
    const id = /^mnt_id:\s*(\d+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1];
    return id === undefined ? undefined : mountOptionsById(fs.readFileSync('/proc/self/mountinfo', 'utf8'), Number(id));
  } catch {
    return undefined;
  }
}

/** Whether dir lies on a noexec mount. */
export function isOnNoexecMount(dir: string, mounts: Map<string, string[]>): boolean {
  return mountOptionsOf(dir, mounts).includes('noexec');
}

/** Where the module is put in dir (hidden in /dev, which lists devices). */
function extractedPath(dir: string, name: string): string {
  return path.join(dir, dir === '/dev' ? `.${name}` : name);
}

/** Where a copy was found: beside the executable (installed), or extracted by an earlier start. */
type CopyPlace = 'beside' | 'extracted';

/**
 * Whether a file found under the module's name may be loaded into this process (as root,
 * for PID 1 and the exec helper), from its fstat: a regular file of the module's size
 * that only root or this very user owns and nobody else may write; an extracted copy also
 * has no second name (one made elsewhere and linked in). /dev/shm and /tmp are writable by
 * every user of the container, and a module planted there would run as root when loaded.
 * A copy beside the executable may also belong to an owner this user namespace does not
 * map (the host's root, shown as nobody): nobody in the container can write it either.
 */
export function isTrustedCopy(
  st: Pick<fs.Stats, 'uid' | 'mode' | 'size' | 'nlink' | 'isFile'>,
  size: number,
  where: CopyPlace,
  euid = process.geteuid?.() ?? 0,
  unmapped: (uid: number) => boolean = () => false,
): boolean {
  const owner = st.uid === 0 || st.uid === euid || unmapped(st.uid);
  return st.isFile() && st.size === size && owner && (st.mode & 0o022) === 0 && (where === 'beside' || st.nlink === 1);
}

/**
 * Whether uid is the overflow uid the kernel shows for an owner this user namespace does
 * not map (the host's root, for a module an engine binds in), so that nobody inside can
 * be it. Where the namespace maps that uid too (rootless engines map 65534), the file
 * must also lie on a read-only mount (mount: the options of the one it was opened on), as
 * the engines' binds do.
 */
function unmappedOwner(uid: number, mount: () => string[] | undefined): boolean {
  try {
    if (uid !== Number(fs.readFileSync('/proc/sys/kernel/overflowuid', 'utf8').trim())) return false;
    return !isMappedUid(uid, fs.readFileSync('/proc/self/uid_map', 'utf8')) || mount()?.includes('ro') === true;
  } catch {
    return false;
  }
}

/** Whether uid lies inside one of uid_map's ranges ("inside outside count" lines). */
export function isMappedUid(uid: number, uidMap: string): boolean {
  return uidMap.split('\n').some((line) => {
    const [inside, , count] = line.trim().split(/\s+/).map(Number);
    return inside !== undefined && count !== undefined && uid >= inside && uid < inside + count;
  });
}

let cached: KoffiModule | undefined;

export function loadKoffi(): KoffiModule {
  if (!cached) cached = isSea() ? loadFromSea() : (require('koffi') as KoffiModule);
  return cached;
}
