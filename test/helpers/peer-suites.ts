// The other inits' own test suites (tini 0.19.0, dumb-init 1.2.5), fetched from Debian's
// source packages by scripts/setup-peer-suites.sh into .cache/peer-suites/.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './ts-init';

export const PEER_DIR = path.join(REPO, '.cache', 'peer-suites');

/** Runs the (idempotent) setup and returns the unpacked source tree of PACKAGE. */
export function peerSource(pkg: 'tini' | 'dumb-init'): string {
  execFileSync('bash', [path.join(REPO, 'scripts', 'setup-peer-suites.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const dir = path.join(PEER_DIR, pkg);
  if (!fs.existsSync(path.join(dir, '.complete'))) throw new Error(`${dir} is missing: scripts/setup-peer-suites.sh failed`);
  return dir;
}

/** A copy of the binary under another name (a hard link when possible): the name picks the personality. */
export function installAs(binary: string, dir: string, name: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const target = path.join(dir, name);
  fs.rmSync(target, { force: true });
  try {
    fs.linkSync(binary, target);
  } catch {
    fs.copyFileSync(binary, target);
    fs.chmodSync(target, 0o755);
  }
  return target;
}
