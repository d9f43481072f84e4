// The sign that systemd is PID 1: the directory /run/systemd/system, which sd_booted(),
// Debian's /lib/lsb/init-functions, invoke-rc.d, deb-systemd-invoke, debhelper's snippets and
// configuration tools test before they go through systemctl. systemd makes it at start-up,
// root's, 0755, and never removes it. Made only where personality/rule.ts says systemdIdentity
// (the rich PID 1 of a container's own root), in a /run nobody else can write.
import * as path from 'node:path';
import type { Logger } from '../log/logger';
import { ensurePrivateDirectory } from '../sys/safe-create';

export const SYSTEMD_SYSTEM_DIR = '/run/systemd/system';

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
