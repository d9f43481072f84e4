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
    if (fs.statSync(beside).size === bytes.length) return dlopen(beside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') failures.push(`${beside}: ${(err as Error).message.split('\n')[0]}`);
  }
  for (const dir of EXTRACT_DIRS) {
    const file = path.join(dir, dir === '/dev' ? `.${name}` : name);
    try {
      ensureExtracted(file, bytes, 0o500);
      return dlopen(file);
    } catch (err) {
      failures.push(`${file}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new NativeLoadError(
    `cannot load the embedded FFI module: none of ${EXTRACT_DIRS.join(', ')} is writable and executable ` +
      `(put ${name} beside the executable, e.g. \`ts-init install-host\`, or mount an exec tmpfs on /run)\n  ${failures.join('\n  ')}`,
  );
}

/** Writes once per content; concurrent starts race safely through rename(2). */
function ensureExtracted(file: string, bytes: Uint8Array, mode: number): void {
  try {
    if (fs.statSync(file).size === bytes.length) return;
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
