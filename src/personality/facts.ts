// The facts the personality rule needs about the machine. A container's root filesystem
// is an overlay (podman, Docker, containerd) or a bind mount of some directory (a runtime
// given a plain rootfs); a bare `unshare --pid` keeps the host's root, mounted whole.
import * as fs from 'node:fs';
import { TS_INIT_UNIT_DIR } from '../supervisor/unit-dirs';
import type { PersonalityFacts } from './rule';

/** The root mount of this mount namespace from /proc/self/mountinfo: its source root and type. */
export function rootMount(mountinfo: string): { root: string; fstype: string } | undefined {
  let found: { root: string; fstype: string } | undefined;
  for (const line of mountinfo.split('\n')) {
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
    const fields = line.split(' ');
    if (fields[4] !== '/') continue;
    const dash = fields.indexOf('-', 6);
    if (dash < 0) continue;
    found = { root: fields[3]!, fstype: fields[dash + 1]! }; // the last one is on top
  }
  return found;
}

function readMountinfo(): string {
  try {
    return fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return ''; // no /proc: nothing says host, treat as a container
  }
}

/** True when nothing says this is a container: no engine marker, the root is a whole filesystem. */
export function looksLikeHostRoot(mountinfo: string, env: NodeJS.ProcessEnv, containerEnvFile: boolean): boolean {
  if (env.container || containerEnvFile) return false;
  const root = rootMount(mountinfo);
  if (!root) return false;
  return root.root === '/' && !/overlay|^fuse|aufs/.test(root.fstype);
}

export function gatherFacts(argv0: string, isPid1: boolean): PersonalityFacts {
  return {
    argv0,
    isPid1,
    // The mount table only matters to PID 1 (read only then: it is long on a busy host).
    hostRoot: isPid1 && looksLikeHostRoot(readMountinfo(), process.env, fs.existsSync('/run/.containerenv')),
    tsInitUnitDir: fs.existsSync(TS_INIT_UNIT_DIR),
  };
}
