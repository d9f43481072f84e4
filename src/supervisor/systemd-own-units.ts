// Which units are systemd's own machinery, meaningless under ts-init (journald, udevd,
// logind, gettys, the journal's sockets, ...): those that systemd's own Debian packages
// ship, read from dpkg's file lists, and by name (systemd-*, gettys) where a systemd
// unit file or program is behind it. Targets are never
// among them (they are the synchronisation points), and nothing another package ships
// is (dbus.service is D-Bus's own).
import * as fs from 'node:fs';
import type { ExecCommand, UnitConfig } from '../units/unit';
import { UNIT_TYPES } from '../units/unit-types';

/** The Debian packages built from systemd whose units make no sense without systemd as PID 1. */
const SYSTEMD_PACKAGES = ['systemd', 'udev'];
/**
 * Shipped by systemd but not its machinery: rc-local.service is a user's hook, pulled in only
 * when /etc/rc.local is there; syslog.socket is where a syslog daemon (rsyslog) takes what the
 * journal forwards, listening from sockets.target on, before any service, as under systemd; the
 * tmpfiles clean timer is the only thing that ages /tmp and /var/tmp.
 */
const KEPT = new Set(['rc-local.service', 'syslog.socket', 'systemd-tmpfiles-clean.timer']);

/**
 * systemd's own units whose program ts-init answers itself (main.ts dispatches it by name), so
 * that they do their work whether or not the image has systemd's binary: the unit is kept with
 * each command of that program run as ts-init's executable under the program's name.
 */
const ANSWERED: Readonly<Record<string, string>> = { 'systemd-tmpfiles-clean.service': 'systemd-tmpfiles' };

/** The unit as ts-init runs it, when it is one of ANSWERED; undefined otherwise. */
export function answeredByTsInit(unit: UnitConfig, self = process.execPath): UnitConfig | undefined {
  const program = ANSWERED[unit.name];
  if (!program) return undefined;
  const mine = (c: ExecCommand): ExecCommand =>
    c.path === program || c.path.endsWith(`/${program}`) ? { ...c, path: self, argv: [program, ...c.argv.slice(1)], argv0Override: true } : c;
  return { ...unit, execStart: unit.execStart.map(mine) };
}

/** What a unit file's path in a dpkg file list contains. */
const MARK = '/systemd/system/';

/** Below systemd's own directory (one RegExp for every unit a boot loads). */
const SYSTEMD_PATH = /^\/(usr\/)?lib\/systemd\//;

const FALLBACK = /^(systemd-|getty@|serial-getty@|console-getty|container-getty@|autovt@|user@|user-runtime-dir@)/;

/** The unit files systemd's packages installed (undefined on images without dpkg's lists). */
export function systemdPackageFiles(infoDir = '/var/lib/dpkg/info'): ReadonlySet<string> | undefined {
  const files = new Set<string>();
  let any = false;
  for (const pkg of SYSTEMD_PACKAGES) {
    let list: Buffer;
    try {
      list = fs.readFileSync(`${infoDir}/${pkg}.list`);
    } catch {
      continue;
    }
    any = true;
    // Each kept path is decoded on its own: a line split from the whole list would keep
    // the whole list (tens of KB) alive for as long as PID 1 runs.
    for (let at = list.indexOf(MARK); at >= 0; ) {
      const start = list.lastIndexOf(10, at) + 1;
      const nl = list.indexOf(10, at);
      const end = nl < 0 ? list.length : nl;
      const line = list.toString('utf8', start, end);
      // Merged /usr: the same file is /lib/... and /usr/lib/...
      files.add(line);
      files.add(line.startsWith('/usr/') ? list.toString('utf8', start + 4, end) : `/usr${line}`);
      at = nl < 0 ? -1 : list.indexOf(MARK, end);
    }
  }
  return any ? files : undefined;
}

export function isSystemdOwn(unit: UnitConfig, shipped: ReadonlySet<string> | undefined): boolean {
  if (UNIT_TYPES[unit.kind].keptWhenSystemdOwn || KEPT.has(unit.name)) return false;
  if (shipped?.has(unit.sourcePath)) return true;
  // By name (RPM images, systemd's other packages): systemd's unit files, or its programs.
  return FALLBACK.test(unit.name) && (SYSTEMD_PATH.test(unit.sourcePath) || unit.execStart.some((c) => SYSTEMD_PATH.test(c.path)));
}

/**
 * A unit file of systemd's own (its diagnostics are not worth a message: the unit is left
 * out, or is a target whose weak wants name what an image lacks).
 */
export function isSystemdFile(file: string, shipped: ReadonlySet<string> | undefined): boolean {
  if (shipped?.has(file)) return true;
  const base = file.slice(file.lastIndexOf('/') + 1);
  return FALLBACK.test(base) && /^\/(usr\/)?lib\/systemd\/system\//.test(file);
}
