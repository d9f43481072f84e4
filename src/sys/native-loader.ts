// Loads koffi, the FFI that reaches libc. From source (tests, development) it is the
// npm package; inside the single executable the native addon is an embedded asset
// that has to be written to a file before dlopen can map it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as Koffi from 'koffi';

export type KoffiModule = typeof Koffi;

/** Injected by build.js: sha256 of the embedded koffi.node, for a content-addressed file name. */
declare const __KOFFI_SHA256__: string | undefined;

/**
 * Writable places tried in order. /dev/shm is often mounted noexec (Docker does), which
 * makes dlopen fail, so a failed load moves on to the next place rather than giving up.
 */
export const EXTRACT_DIRS = ['/dev/shm', '/run', '/tmp'];

export class NativeLoadError extends Error {}

function isSea(): boolean {
  try {
    // node:sea exists from Node 21.7; the source build may run on older Node in tests.
    return (require('node:sea') as { isSea(): boolean }).isSea();
  } catch {
    return false;
  }
}

function loadFromSea(): KoffiModule {
  const sea = require('node:sea') as { getRawAsset(name: string): ArrayBuffer };
  const bytes = new Uint8Array(sea.getRawAsset('koffi.node'));
  const tag = typeof __KOFFI_SHA256__ === 'string' ? __KOFFI_SHA256__.slice(0, 16) : String(bytes.length);
  const failures: string[] = [];
  for (const dir of EXTRACT_DIRS) {
    const file = path.join(dir, `ts-init-koffi-${tag}.node`);
    try {
      ensureExtracted(file, bytes);
      const mod = { exports: {} as KoffiModule };
      process.dlopen(mod, file);
      return mod.exports;
    } catch (err) {
      failures.push(`${file}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new NativeLoadError(
    `cannot load the embedded FFI module: none of ${EXTRACT_DIRS.join(', ')} is writable and executable ` +
      `(mount a tmpfs on /run or /tmp)\n  ${failures.join('\n  ')}`,
  );
}

/** Writes once per content; concurrent starts race safely through rename(2). */
function ensureExtracted(file: string, bytes: Uint8Array): void {
  try {
    if (fs.statSync(file).size === bytes.length) return;
  } catch {
    // not there yet
  }
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, bytes, { mode: 0o500 });
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
