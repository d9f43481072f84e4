import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultRunlevel, parseSysvinitArgs } from '../../../src/control/sysvinit-fronts';
import { sysvEnabled } from '../../../src/control/systemctl';
import { tempDir } from '../../helpers/temp-dir';

describe('sysvinit names', () => {
  it('shutdown: now powers off, -r reboots, -H halts; -k and -c do nothing; a later time is refused, not run early', () => {
    expect(parseSysvinitArgs('shutdown', ['-h', 'now'])).toEqual({ kind: 'shutdown', what: 'poweroff' });
    expect(parseSysvinitArgs('shutdown', ['-r', 'now'])).toEqual({ kind: 'shutdown', what: 'reboot' });
    expect(parseSysvinitArgs('shutdown', ['-H', '+0', 'bye'])).toEqual({ kind: 'shutdown', what: 'halt' });
    expect(parseSysvinitArgs('shutdown', ['--no-wall', '-P', 'now'])).toEqual({ kind: 'shutdown', what: 'poweroff' });
    expect(parseSysvinitArgs('shutdown', ['-k', 'now'])).toEqual({ kind: 'nothing' });
    expect(parseSysvinitArgs('shutdown', ['-c'])).toEqual({ kind: 'nothing' });
    expect(parseSysvinitArgs('shutdown', ['+5'])).toMatchObject({ kind: 'error', message: expect.stringMatching(/not supported/) });
    expect(parseSysvinitArgs('shutdown', [])).toMatchObject({ kind: 'error' });
    expect(parseSysvinitArgs('shutdown', ['-x', 'now'])).toEqual({ kind: 'error', message: "invalid option -- 'x'" });
  });

  it('halt, poweroff, reboot, telinit', () => {
    expect(parseSysvinitArgs('halt', [])).toEqual({ kind: 'shutdown', what: 'halt' });
    expect(parseSysvinitArgs('halt', ['-p'])).toEqual({ kind: 'shutdown', what: 'poweroff' });
    expect(parseSysvinitArgs('poweroff', ['-f'])).toEqual({ kind: 'shutdown', what: 'poweroff' });
    expect(parseSysvinitArgs('reboot', [])).toEqual({ kind: 'shutdown', what: 'reboot' });
    expect(parseSysvinitArgs('reboot', ['--wtmp-only'])).toEqual({ kind: 'nothing' });
    expect(parseSysvinitArgs('telinit', ['0'])).toEqual({ kind: 'shutdown', what: 'poweroff' });
    expect(parseSysvinitArgs('telinit', ['q'])).toEqual({ kind: 'reload' });
    expect(parseSysvinitArgs('telinit', ['1'])).toMatchObject({ kind: 'error' });
    expect(parseSysvinitArgs('runlevel', [])).toEqual({ kind: 'runlevel' });
    expect(parseSysvinitArgs('poweroff', ['--help'])).toMatchObject({ kind: 'help', text: expect.stringMatching(/^poweroff \[OPTIONS/) });
  });

  it('runlevel: 5 when default.target is graphical.target, 3 for multi-user.target or no link', () => {
    const root = tempDir('ts-init-rl-');
    fs.mkdirSync(path.join(root, 'lib/systemd/system'), { recursive: true });
    fs.mkdirSync(path.join(root, 'etc/systemd/system'), { recursive: true });
    const dirs = ['/etc/systemd/system', '/lib/systemd/system'];
    expect(defaultRunlevel(dirs, root)).toBe(3);
    fs.symlinkSync('graphical.target', path.join(root, 'lib/systemd/system/default.target'));
    expect(defaultRunlevel(dirs, root)).toBe(5);
    fs.symlinkSync('/lib/systemd/system/multi-user.target', path.join(root, 'etc/systemd/system/default.target'));
    expect(defaultRunlevel(dirs, root)).toBe(3);
    fs.rmSync(root, { recursive: true });
  });

  it('is-enabled of a SysV unit: its S links in rc2.d..rc5.d', () => {
    const root = tempDir('ts-init-rc-');
    fs.mkdirSync(path.join(root, 'rc3.d'));
    fs.mkdirSync(path.join(root, 'rc1.d'));
    fs.symlinkSync('../init.d/exim4', path.join(root, 'rc3.d/S02exim4'));
    fs.symlinkSync('../init.d/slapd', path.join(root, 'rc1.d/S02slapd'));
    fs.symlinkSync('../init.d/monit', path.join(root, 'rc3.d/K01monit'));
    expect(sysvEnabled('/etc/init.d/exim4', root)).toBe('enabled');
    expect(sysvEnabled('/etc/init.d/slapd', root)).toBe('disabled');
    expect(sysvEnabled('/etc/init.d/monit', root)).toBe('disabled');
    fs.rmSync(root, { recursive: true });
  });
});
