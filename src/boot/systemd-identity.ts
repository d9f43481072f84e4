// The sign that systemd is PID 1: the directory /run/systemd/system, which sd_booted(),
// Debian's /lib/lsb/init-functions, invoke-rc.d, deb-systemd-invoke, debhelper's snippets and
// configuration tools test before they go through systemctl. systemd makes it at start-up,
// root's, 0755, and never removes it. Made only where personality/rule.ts says systemdIdentity
// (the rich PID 1 of a container's own root), in a /run nobody else can write.
// With it, PID 1 is also named `init` (its comm, what ps and pgrep show): tools that name the
// service manager after PID 1 (Ansible's `ansible_service_mgr`) would otherwise report
// `ts-init`; `init` is the name they do not trust, so they look for the directory instead.
import * as path from 'node:path';
import type { Logger } from '../log/logger';
import { setThreadName } from '../sys/libc';
import { ensurePrivateDirectory } from '../sys/safe-create';

export const SYSTEMD_SYSTEM_DIR = '/run/systemd/system';
/** PID 1's name while the directory says systemd: what the kernel names an init started as /sbin/init. */
export const INIT_PROCESS_NAME = 'init';

/** Creates dir and its parent as systemd does (mode 0755); says what went wrong, never throws. */
export function announceSystemd(log: Logger, dir = SYSTEMD_SYSTEM_DIR): boolean {
  try {
    for (const d of [path.dirname(dir), dir]) {
      const aside = ensurePrivateDirectory(d, 0o755);
      if (aside) log.warn(`${d} was not root's alone: moved it to ${aside}`);
    }
    return true;
  } catch (err) {
    log.warn(`cannot create ${dir} (software will not take ts-init for systemd): ${(err as Error).message}`);
    return false;
  }
}

/** Names the calling (main) thread `init`, PID 1's /proc/1/comm; only once the directory exists. */
export function takeInitName(log: Logger): void {
  try {
    setThreadName(INIT_PROCESS_NAME);
  } catch (err) {
    log.debug({ err }, 'cannot name the process init');
  }
}
