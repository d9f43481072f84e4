// The host's cgroup directories as seen by a container test: what a systemd inside a container
// may leave behind (an init.scope in the host's name=systemd root, or cgroups named after the
// container id), and how to remove it so that a test leaves the host as it found it.

import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where a systemd running in the host's root cgroup would write its own directories. */
export const HOST_SYSTEMD_CGROUP = '/sys/fs/cgroup/systemd';

/**
 * What a systemd running in the host's root cgroup makes at the top of name=systemd. Other new
 * top-level directories (docker, k8s.io, libpod_parent, ...) belong to other engines and tests
 * sharing the machine: never touched.
 */
export const SYSTEMD_TOP_CGROUP = /^(init\.scope|system\.slice|user\.slice|machine\.slice)$/;

/** The top-level directories of the host's name=systemd hierarchy. */
export function topCgroups(): string[] {
  try {
    return fs.readdirSync(HOST_SYSTEMD_CGROUP, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch {
    return [];
  }
}

/** Every cgroup directory on the host whose name contains `id` (a container id). */
export function cgroupsOf(id: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 4) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = path.join(dir, e.name);
      if (e.name.includes(id)) found.push(p);
      else walk(p, depth + 1);
    }
  };
  walk('/sys/fs/cgroup', 0);
  return found;
}

/** rmdir a cgroup tree, deepest first (cgroup directories hold only kernel files). */
export function removeCgroupTree(dir: string): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroupTree(path.join(dir, e.name));
  fs.rmdirSync(dir);
}

/**
 * What the containers `ids` left on the host: cgroups named after them, and top-level
 * name=systemd directories a systemd makes that were not there `before`. Each is removed (unless
 * still in use) before it is returned, so that a failing test does not leak into the host.
 */
export function cleanUpCgroups(ids: readonly string[], before: readonly string[]): { leftovers: string[]; newTop: string[] } {
  const leftovers = ids.flatMap((id) => cgroupsOf(id));
  const newTop = topCgroups().filter((d) => !before.includes(d) && SYSTEMD_TOP_CGROUP.test(d));
  for (const dir of [...leftovers, ...newTop.map((d) => path.join(HOST_SYSTEMD_CGROUP, d))]) {
    try {
      removeCgroupTree(dir);
    } catch {
      /* still in use: the caller reports it */
    }
  }
  return { leftovers, newTop };
}
