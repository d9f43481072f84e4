// Loads koffi, the FFI that reaches libc. From source (tests, development) it is the
// npm package; inside the single executable the native addon is an embedded asset
// that dlopen can only map from a file on a filesystem that allows execution.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as Koffi from 'koffi';

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
  ensureExtracted(file, bytes, 0o444);
  return file;
}

function dlopen(file: string): KoffiModule {
  const mod = { exports: {} as KoffiModule };
  process.dlopen(mod, file);
  return mod.exports;
}

function loadFromSea(): KoffiModule {
  const bytes = embeddedModule();
  const name = nativeModuleFileName(bytes);
  const failures: string[] = [];
  // A host installation ships the module beside the binary, and engines bind both into
  // the container read-only: nothing is written, nothing needs an executable tmpfs.
  const beside = path.join(path.dirname(process.execPath), name);
  try {
    // Whoever may write beside the executable may replace the executable itself: the size
    // is checked, not the owner (which a user namespace shows as nobody).
    if (fs.statSync(beside).size === bytes.length) return dlopen(beside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') failures.push(`${beside}: ${(err as Error).message.split('\n')[0]}`);
  }
  // Extracted by an earlier start where it can be mapped executable (the kernel refuses
  // X_OK on a noexec mount): loaded without reading the mount table (0.4 ms, more with
  // many mounts). Every later start of the executable in the same container, exec
  // helpers included, takes this way.
  const earlier = EXTRACT_DIRS.map((dir) => extractedPath(dir, name)).find((file) => isExecutableCopy(file, bytes.length));
  if (earlier) {
    try {
      return dlopen(earlier);
    } catch (err) {
      failures.push(`${earlier}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  const noexec = noexecMounts();
  for (const dir of EXTRACT_DIRS) {
    const file = extractedPath(dir, name);
    // Known in advance: a failed dlopen would leave a file and a stray mapping behind.
    if (isOnNoexecMount(dir, noexec)) {
      failures.push(`${dir}: mounted noexec`);
      continue;
    }
    try {
      ensureExtracted(file, bytes, 0o500);
      return dlopen(file);
    } catch (err) {
      failures.push(`${file}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  // Nowhere to write an executable file: a memory file (memfd) is not on any noexec
  // mount. Creating one takes a system call the runtime does not offer without this
  // very module, so an interpreter of the image makes it and holds it open just long
  // enough for ts-init to open it through /proc.
  const viaMemfd = loadThroughMemfd(bytes, failures);
  if (viaMemfd) return viaMemfd;
  throw new NativeLoadError(
    `cannot load the embedded FFI module: none of ${EXTRACT_DIRS.join(', ')} is writable and executable, ` +
      `and neither perl nor python3 is there to make a memory file ` +
      `(put ${name} beside the executable, e.g. \`ts-init install-host\`, or mount an exec tmpfs on /run)\n  ${failures.join('\n  ')}`,
  );
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
      if (fs.fstatSync(fd).size !== bytes.length) throw new Error('incomplete');
      return dlopen(`/proc/self/fd/${fd}`);
    } catch (err) {
      failures.push(`memory file through ${helper.file}: ${(err as Error).message.split('\n')[0]}`);
    } finally {
      if (fd >= 0) fs.closeSync(fd); // the mapping keeps the memory file alive
    }
  }
  return undefined;
}

/** Mount points and whether each is noexec, from /proc/self/mountinfo (later mounts win). */
export function parseMountinfo(text: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length < 6) continue;
    const point = f[4]!.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    out.delete(point);
    out.set(point, f[5]!.split(',').includes('noexec'));
  }
  return out;
}

function noexecMounts(): Map<string, boolean> {
  try {
    return parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return new Map();
  }
}

/** Whether dir lies on a noexec mount: the longest mount point containing it decides. */
export function isOnNoexecMount(dir: string, mounts: Map<string, boolean>): boolean {
  let best = '';
  let noexec = false;
  for (const [point, flag] of mounts) {
    const inside = point === '/' || dir === point || dir.startsWith(`${point}/`);
    if (inside && point.length >= best.length) {
      best = point;
      noexec = flag;
    }
  }
  return noexec;
}

/** Where the module is put in dir (hidden in /dev, which lists devices). */
function extractedPath(dir: string, name: string): string {
  return path.join(dir, dir === '/dev' ? `.${name}` : name);
}

/**
 * Whether a file found under the module's name may be loaded into this process (as root,
 * for PID 1 and the exec helper): a regular file of the module's size that only root or
 * this very user owns and nobody else may write. /dev/shm and /tmp are writable by every
 * user of the container, and a module planted there would run as root when loaded; in
 * those sticky directories a file of root's cannot be replaced by anyone else.
 */
export function isTrustedCopy(st: Pick<fs.Stats, 'uid' | 'mode' | 'size' | 'isFile'>, size: number, euid = process.geteuid?.() ?? 0): boolean {
  return st.isFile() && st.size === size && (st.uid === 0 || st.uid === euid) && (st.mode & 0o022) === 0;
}

/** A complete, trusted copy that this process may execute, where it lies (X_OK is refused on a noexec mount). */
function isExecutableCopy(file: string, size: number): boolean {
  try {
    if (!isTrustedCopy(fs.statSync(file), size)) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Writes once per content; concurrent starts race safely through rename(2). */
function ensureExtracted(file: string, bytes: Uint8Array, mode: number): void {
  try {
    if (isTrustedCopy(fs.statSync(file), bytes.length)) return;
  } catch {
    // not there yet
  }
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, bytes, { mode });
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

let cached: KoffiModule | undefined;

export function loadKoffi(): KoffiModule {
  if (!cached) cached = isSea() ? loadFromSea() : (require('koffi') as KoffiModule);
  return cached;
}
