// Helpers for the engine tests (test/engines/): the Debian package of ts-init, unpacked
// into a private folder instead of installed, and private state folders for engines.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, requireTsInit, runCommand, uniqueName } from './container';

const PKG = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
export const DEB = path.join(REPO_ROOT, 'dist', `ts-init_${PKG.version}_amd64.deb`);
export const ENGINES_CACHE = path.join(REPO_ROOT, '.cache', 'engines');

/** dist/ts-init_VERSION_amd64.deb, packaged again when older than dist/ts-init. */
export async function ensureDeb(): Promise<string> {
  const bin = requireTsInit();
  if (!fs.existsSync(DEB) || fs.statSync(DEB).mtimeMs < fs.statSync(bin).mtimeMs) {
    const r = await runCommand(process.execPath, [path.join(REPO_ROOT, 'build.js'), '--deb-only'], { timeoutMs: 300_000 });
    if (r.code !== 0) throw new Error(`node build.js --deb-only failed:\n${r.stderr}${r.stdout}`);
  }
  return DEB;
}

/** A fresh private folder under .cache/engines, removed by the returned cleanup. */
export function stateDir(prefix: string): string {
  const dir = path.join(ENGINES_CACHE, uniqueName(prefix));
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export interface UnpackedDeb {
  /** Where `dpkg-deb -x` put the package's files (its /usr is ROOT/usr). */
  root: string;
  libexec: string;
  binary: string;
  /** The package's podman hook, with /usr/libexec/ts-init pointed at ROOT (a hooks dir of its own). */
  hooksDir: string;
}

/**
 * The .deb unpacked with `dpkg-deb -x` into DIR/root rather than installed with dpkg -i:
 * the machine's dpkg database and /usr stay as they were. The package's hook JSON is
 * copied into DIR/hooks.d with only the install path rewritten to the unpacked tree.
 */
export async function unpackDeb(dir: string): Promise<UnpackedDeb> {
  const deb = await ensureDeb();
  const root = path.join(dir, 'root');
  fs.mkdirSync(root, { recursive: true });
  const r = await runCommand('dpkg-deb', ['-x', deb, root]);
  if (r.code !== 0) throw new Error(`dpkg-deb -x ${deb} failed: ${r.stderr}`);
  const libexec = path.join(root, 'usr/libexec/ts-init');
  const hooksDir = path.join(dir, 'hooks.d');
  fs.mkdirSync(hooksDir, { recursive: true });
  const hook = fs.readFileSync(path.join(root, 'usr/share/containers/oci/hooks.d/ts-init.json'), 'utf8');
  fs.writeFileSync(path.join(hooksDir, 'ts-init.json'), hook.split('/usr/libexec/ts-init').join(libexec));
  return { root, libexec, binary: path.join(libexec, 'ts-init'), hooksDir };
}

/** dev:inode of a file (following links), as the kernel identifies it. */
export function fileId(file: string): string {
  const st = fs.statSync(file);
  return `${st.dev}:${st.ino}`;
}
