// show's properties in systemd 252's forms: exec lines, exit words, Listen=, the order and
// the values a service's definition gives; the manager environment's rules; presets.
import { describe, expect, it } from 'vitest';
import { initialState } from '../../../src/supervisor/lifecycle';
import { environmentList, invalidAssignment, invalidName } from '../../../src/supervisor/manager-environment';
import { parsePresetFile, presetAction } from '../../../src/supervisor/preset';
import { execProperty, exitWords, listenProperty, serviceProperties, type ShowContext, UNIT_PROPERTY_NAMES, unitProperties } from '../../../src/supervisor/show-properties';
import { defaultUnitConfig } from '../../../src/units/unit';

describe('show properties', () => {
  it('ExecStart= in systemd\'s { path=... ; argv[]=... } form, one line per command', () => {
    const cmd = { path: '/bin/sh', argv: ['/bin/sh', '-c', 'echo hi'], ignoreFailure: true, argv0Override: false, privileged: false, noEnvExpand: false, raw: '', file: '', line: 1 };
    expect(execProperty([cmd], false)).toBe('{ path=/bin/sh ; argv[]=/bin/sh -c echo hi ; ignore_errors=yes ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }');
    expect(execProperty([cmd, cmd], true).split('\n')).toHaveLength(2);
    expect(execProperty([cmd], true)).toMatch(/ ; flags=ignore-failure ; /);
    expect(execProperty([cmd], false, { pid: 42 })).toMatch(/ ; pid=42 ; code=\(null\) ; status=0\/0 }$/);
  });

  it('exit words: exited with the status name, killed with the signal name', () => {
    expect(exitWords({ code: 0 })).toEqual({ code: 'exited', status: '0/SUCCESS' });
    expect(exitWords({ code: 203 })).toEqual({ code: 'exited', status: '203/EXEC' });
    expect(exitWords({ code: 42 })).toEqual({ code: 'exited', status: '42' });
    expect(exitWords({ signal: 15 })).toEqual({ code: 'killed', status: '15/TERM' });
    expect(exitWords({ signal: 11, coreDumped: true })).toEqual({ code: 'dumped', status: '11/SEGV' });
  });

  it('Listen= as "ADDRESS (Type)"', () => {
    expect(
      listenProperty([
        { kind: 'stream', text: '80', address: { family: 'ipv6', host: '::', port: 80 } },
        { kind: 'datagram', text: '/run/x', address: { family: 'unix', path: '/run/x' } },
      ]),
    ).toBe('[::]:80 (Stream)\n/run/x (Datagram)');
  });

  it("a service's definition as show prints it: timespans, Environment=, User=, WorkingDirectory=, DropInPaths=", () => {
    const c = defaultUnitConfig('web.service', '/lib/systemd/system/web.service');
    c.environment = [['GREETING', 'hello world'], ['PLAIN', '1']];
    c.user = 'www-data';
    c.group = 'www-data';
    c.workingDirectory = { path: '/srv', optional: true, home: false };
    c.dropIns = ['/etc/systemd/system/web.service.d/a.conf', '/etc/systemd/system/web.service.d/b.conf'];
    c.execStart = [{ path: '/usr/bin/web', argv: ['/usr/bin/web', '--port', '80'], ignoreFailure: false, argv0Override: false, privileged: false, noEnvExpand: false, raw: '', file: '', line: 1 }];
    c.restart = 'on-failure';
    c.restartSecMs = 5000;
    const x: ShowContext = {
      activeState: 'inactive', subState: 'dead', unitFileState: 'enabled', triggers: [], triggeredBy: ['web.socket'], needDaemonReload: false, canIsolate: false, nowMs: 0, nowMonoUs: 0n,
    };
    const p = unitProperties(c, initialState(0), x, serviceProperties(c, initialState(0), x));
    expect(p).toMatchObject({
      Type: 'simple', Restart: 'on-failure', RestartUSec: '5s', TimeoutStartUSec: '1min 30s', TimeoutStopUSec: '1min 30s',
      Environment: '"GREETING=hello world" PLAIN=1', User: 'www-data', Group: 'www-data', WorkingDirectory: '!/srv',
      DropInPaths: '/etc/systemd/system/web.service.d/a.conf /etc/systemd/system/web.service.d/b.conf', UnitFileState: 'enabled',
      ExecStart: '{ path=/usr/bin/web ; argv[]=/usr/bin/web --port 80 ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }',
      NeedDaemonReload: 'no', TriggeredBy: 'web.socket', FragmentPath: '/lib/systemd/system/web.service', Id: 'web.service', LoadState: 'loaded',
    });
    // systemd's order: the service's properties, then the unit's.
    const keys = Object.keys(p);
    expect(keys.indexOf('Type')).toBe(0);
    expect(keys.indexOf('ExecStart')).toBeLessThan(keys.indexOf('Id'));
    expect(keys.indexOf('LoadState')).toBeLessThan(keys.indexOf('ActiveState'));
    expect(keys.indexOf('ActiveState')).toBeLessThan(keys.indexOf('SubState'));
  });

  it('UNIT_PROPERTY_NAMES are the names unitProperties gives every unit itself (a type\'s other properties are read from the type\'s alone)', () => {
    const c = defaultUnitConfig('a.service', '/lib/systemd/system/a.service');
    const x: ShowContext = { activeState: 'inactive', subState: 'dead', unitFileState: 'static', triggers: [], triggeredBy: [], needDaemonReload: false, canIsolate: false, nowMs: 0, nowMonoUs: 0n };
    expect(new Set(Object.keys(unitProperties(c, initialState(0), x, {})))).toEqual(UNIT_PROPERTY_NAMES);
  });
});

describe('the manager environment', () => {
  it('names of letters, digits and _; values without control characters but tab and newline; sorted', () => {
    expect(invalidName('FOO_1')).toBe(false);
    expect(invalidName('1FOO')).toBe(true);
    expect(invalidName('A-B')).toBe(true);
    expect(invalidAssignment('A=x y')).toBe(false);
    expect(invalidAssignment('A=line\nnext')).toBe(false);
    expect(invalidAssignment('A')).toBe(true);
    expect(invalidAssignment('A=\x01')).toBe(true);
    expect(environmentList({ B: '2', A: '1', C: undefined })).toEqual(['A=1', 'B=2']);
  });
});

describe('presets', () => {
  it('the first matching line decides; no match enables', () => {
    const rules = parsePresetFile('# comment\nenable ssh.service\ndisable *\nenable web.service\n');
    expect(presetAction(rules, 'ssh.service')).toBe('enable');
    expect(presetAction(rules, 'web.service')).toBe('disable');
    expect(presetAction([], 'web.service')).toBe('enable');
    expect(presetAction(parsePresetFile('disable cron.*\n'), 'cron.service')).toBe('disable');
  });
});
