// StateDirectory=, CacheDirectory=, LogsDirectory=, ConfigurationDirectory= (Debian's chrony,
// varnish, systemd-timesyncd carry them): made below /var/lib, /var/cache, /var/log and /etc
// when missing, with their mode and (but the configuration one) the unit's User=/Group=, and
// named to the unit in $STATE_DIRECTORY and its kin. One that exists is left as it is: its
// package made it, and a recursive chown of someone's tree is not PID 1's to guess. Made with
// the safe walker beneath the parent's fd, never by a name that could be re-pointed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { closeNode, makeDirectory, openParent, pathError } from '../process/safe-path';
import { O_CLOEXEC, openat } from '../sys/libc';
import type { ExecDirectoryKind, UnitConfig } from '../units/unit';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = fs.constants;

export const EXEC_DIRECTORY_ROOTS: Readonly<Record<ExecDirectoryKind, string>> = {
  state: '/var/lib',
  cache: '/var/cache',
  logs: '/var/log',
  configuration: '/etc',
};

const ENV_NAMES: Readonly<Record<ExecDirectoryKind, string>> = {
  state: 'STATE_DIRECTORY',
  cache: 'CACHE_DIRECTORY',
  logs: 'LOGS_DIRECTORY',
  configuration: 'CONFIGURATION_DIRECTORY',
};

const KINDS = Object.keys(ENV_NAMES) as ExecDirectoryKind[];

/** $STATE_DIRECTORY and its kin: the absolute paths, ":"-separated, as systemd sets them. Pure. */
export function execDirectoryEnvironment(u: Pick<UnitConfig, 'execDirectories'>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of KINDS) {
    const names = u.execDirectories[k].names;
    if (names.length) env[ENV_NAMES[k]] = names.map((n) => path.join(EXEC_DIRECTORY_ROOTS[k], n)).join(':');
  }
  return env;
}

/** Makes the missing ones; returns why one could not be made (the start fails, as in systemd). */
export function makeExecDirectories(u: Pick<UnitConfig, 'execDirectories'>, owner: { uid: number; gid: number } | undefined): string | undefined {
  for (let i = 0; i < KINDS.length; i++) {
    const k = KINDS[i]!;
    const { names } = u.execDirectories[k];
    // Most units have none: a start looks at four empty lists without iterating them.
    if (names.length === 0) continue;
    const mode = u.execDirectories[k].mode ?? 0o755;
    for (const name of names) {
      const dir = path.join(EXEC_DIRECTORY_ROOTS[k], name);
      try {
        const parent = openParent(dir, { mkdirMode: 0o755 });
        try {
          if (!makeDirectory(parent.dir, parent.name, mode)) continue;
          const fd = openat(parent.dir.fd, parent.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          try {
            if (owner && k !== 'configuration') fs.fchownSync(fd, owner.uid, owner.gid);
            fs.fchmodSync(fd, mode); // not the umask's
          } finally {
            fs.closeSync(fd);
          }
        } finally {
          closeNode(parent.dir);
        }
      } catch (err) {
        return `cannot create ${dir}: ${pathError(err, dir).message}`;
      }
    }
  }
  return undefined;
}
