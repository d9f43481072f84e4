import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { answeredByTsInit, isSystemdFile, isSystemdOwn, systemdPackageFiles } from '../../../src/supervisor/systemd-own-units';
import { parseExecLine } from '../../../src/units/exec-line';
import { defaultUnitConfig } from '../../../src/units/unit';
import { tempDir } from '../../helpers/temp-dir';

const at = (name: string, sourcePath: string) => defaultUnitConfig(name, sourcePath);

describe("systemd's own units", () => {
  const info = tempDir('dpkg-info-');
  fs.writeFileSync(
    path.join(info, 'systemd.list'),
    ['/lib/systemd/system/systemd-journald.service', '/lib/systemd/system/syslog.socket', '/lib/systemd/system/basic.target', '/lib/systemd/system/getty@.service', '/lib/systemd/system/rc-local.service'].join('\n'),
  );
  const shipped = systemdPackageFiles(info);

  it('are the files systemd’s packages installed (either side of merged /usr), targets, rc-local and syslog.socket aside', () => {
    expect(isSystemdOwn(at('systemd-journald.service', '/lib/systemd/system/systemd-journald.service'), shipped)).toBe(true);
    // A syslog daemon's socket (rsyslog's Requires=): listening from sockets.target on, so nothing races it.
    expect(isSystemdOwn(at('syslog.socket', '/usr/lib/systemd/system/syslog.socket'), shipped)).toBe(false);
    expect(isSystemdOwn(at('getty@tty1.service', '/lib/systemd/system/getty@.service'), shipped)).toBe(true);
    expect(isSystemdOwn(at('basic.target', '/lib/systemd/system/basic.target'), shipped)).toBe(false);
    expect(isSystemdOwn(at('rc-local.service', '/lib/systemd/system/rc-local.service'), shipped)).toBe(false);
  });

  it('never what another package ships: dbus, e2scrub, a package unit named systemd-like elsewhere', () => {
    expect(isSystemdOwn(at('dbus.service', '/lib/systemd/system/dbus.service'), shipped)).toBe(false);
    expect(isSystemdOwn(at('dbus.socket', '/lib/systemd/system/dbus.socket'), shipped)).toBe(false);
    expect(isSystemdOwn(at('e2scrub_reap.service', '/lib/systemd/system/e2scrub_reap.service'), shipped)).toBe(false);
  });

  it('without dpkg lists: systemd-* and the gettys in the system directories, by name; dbus never', () => {
    expect(systemdPackageFiles(path.join(info, 'none'))).toBeUndefined();
    expect(isSystemdOwn(at('systemd-logind.service', '/usr/lib/systemd/system/systemd-logind.service'), undefined)).toBe(true);
    expect(isSystemdOwn(at('dbus.service', '/usr/lib/systemd/system/dbus.service'), undefined)).toBe(false);
    expect(isSystemdOwn(at('systemd-thing.service', '/etc/ts-init/units/systemd-thing.service'), undefined)).toBe(false);
  });

  it("their files' diagnostics are left unsaid: the shipped ones, systemd-* in the system directories", () => {
    expect(isSystemdFile('/lib/systemd/system/basic.target', shipped)).toBe(true);
    expect(isSystemdFile('/usr/lib/systemd/system/systemd-journald-audit.socket', undefined)).toBe(true);
    expect(isSystemdFile('/lib/systemd/system/dbus.service', shipped)).toBe(false);
    expect(isSystemdFile('/etc/ts-init/units/systemd-mine.service', undefined)).toBe(false);
  });
});

describe('systemd units whose program ts-init answers', () => {
  it("systemd-tmpfiles-clean.service runs ts-init's executable as systemd-tmpfiles, with the unit's arguments; its timer is kept; other units are not answered", () => {
    const unit = at('systemd-tmpfiles-clean.service', '/lib/systemd/system/systemd-tmpfiles-clean.service');
    const cmd = parseExecLine('systemd-tmpfiles --clean').commands;
    const mapped = answeredByTsInit({ ...unit, execStart: cmd.map((c) => ({ ...c, file: 'x', line: 1 })) }, '/sbin/ts-init');
    expect(mapped?.execStart.map((c) => [c.path, c.argv, c.argv0Override])).toEqual([['/sbin/ts-init', ['systemd-tmpfiles', '--clean'], true]]);
    expect(answeredByTsInit(at('systemd-journald.service', '/lib/systemd/system/systemd-journald.service'))).toBeUndefined();
    expect(isSystemdOwn(at('systemd-tmpfiles-clean.timer', '/lib/systemd/system/systemd-tmpfiles-clean.timer'), new Set(['/lib/systemd/system/systemd-tmpfiles-clean.timer']))).toBe(false);
  });
});
