// From parsed files to UnitConfig: accumulation, resets, drop-ins, specifiers and the
// diagnostics of bad values, unknown and unsupported directives.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatDiagnostic, hasErrors } from '../../../src/units/diagnostic';
import { loadUnitFile } from '../../../src/units/load';
import { parseUnitText } from '../../../src/units/syntax';
import { buildUnit } from '../../../src/units/build-unit';
import { DEFAULT_TIMEOUT_MS, defaultUnitConfig, type BuildResult } from '../../../src/units/unit';
import { tempDir } from '../../helpers/temp-dir';

const FILE = '/etc/systemd/system/demo.service';

/** Build `name` from a main text and drop-ins given as [file, text] pairs. */
function build(text: string, options: { name?: string; file?: string; dropIns?: Array<[string, string]> } = {}): BuildResult {
  const file = options.file ?? FILE;
  const dropIns = (options.dropIns ?? []).map(([f, t]) => parseUnitText(t, f));
  return buildUnit(options.name ?? 'demo.service', parseUnitText(text, file), dropIns, { hostname: 'box' });
}

/** A service with the given [Service] lines and an ExecStart= unless one is given. */
function service(lines: string, unitLines = ''): BuildResult {
  const exec = /^ExecStart=/m.test(lines) ? '' : 'ExecStart=/bin/true\n';
  return build(`[Unit]\n${unitLines}\n[Service]\n${exec}${lines}\n`);
}

/** Diagnostics as "line severity message" for compact assertions. */
function diag(r: BuildResult): string[] {
  return r.diagnostics.map((d) => `${d.file === FILE ? '' : `${d.file}:`}${d.line ?? '-'} ${d.severity} ${d.message}`);
}

describe('defaults', () => {
  it('a minimal service has systemd defaults', () => {
    const r = build('[Service]\nExecStart=/usr/bin/sleep 1\n');
    expect(r.diagnostics).toEqual([]);
    expect(r.loadable).toBe(true);
    expect(r.unit).toEqual({
      ...defaultUnitConfig('demo.service', FILE),
      execStart: [
        {
          path: '/usr/bin/sleep',
          argv: ['/usr/bin/sleep', '1'],
          ignoreFailure: false,
          argv0Override: false,
          privileged: false,
          noEnvExpand: false,
          raw: '/usr/bin/sleep 1',
          file: FILE,
          line: 2,
        },
      ],
    });
    expect(r.unit).toMatchObject({
      type: 'simple',
      restart: 'no',
      restartSecMs: 100,
      timeoutStartMs: DEFAULT_TIMEOUT_MS,
      timeoutStopMs: DEFAULT_TIMEOUT_MS,
      killMode: 'control-group',
      killSignal: 15,
      notifyAccess: 'none',
      ignoreSIGPIPE: true,
      standardOutput: { kind: 'journal' },
      standardError: { kind: 'journal' },
    });
  });

  it('without Type= and ExecStart= the type is oneshot', () => {
    const r = build('[Service]\nExecStop=/bin/true\n');
    expect(r.unit.type).toBe('oneshot');
    expect(r.loadable).toBe(true);
  });

  it('Type=notify makes NotifyAccess=main unless set', () => {
    expect(service('Type=notify').unit.notifyAccess).toBe('main');
    expect(service('Type=notify\nNotifyAccess=all').unit.notifyAccess).toBe('all');
    expect(service('WatchdogSec=10').unit).toMatchObject({ notifyAccess: 'main', watchdogMs: 10_000 });
  });
});

  it('units share their default lists and settings, and a setting given to one leaves the others as they were', () => {
    const set = service(
      [
        'Environment=A=1', 'SuccessExitStatus=3 SIGUSR1', 'StateDirectory=app', 'StateDirectoryMode=0700', 'LimitNOFILE=512',
        'SetCredential=k:v', 'ImportCredential=x', 'StandardOutput=null', 'RuntimeDirectory=run',
      ].join('\n'),
      'After=a.service\nRequires=b.service\nConditionPathExists=/etc',
    ).unit;
    const plain = service('').unit;
    const fresh = defaultUnitConfig('other.service');
    expect(set).toMatchObject({
      environment: [['A', '1']],
      successExitStatus: { codes: [3], signals: [10] },
      execDirectories: { state: { names: ['app'], mode: 0o700 } },
      limits: { NOFILE: { soft: 512, hard: 512 } },
      credentials: { set: [{ id: 'k', value: 'v' }], import: ['x'] },
      standardOutput: { kind: 'null' },
      runtimeDirectory: ['run'],
      after: ['a.service'],
      requires: ['b.service'],
    });
    expect(set.conditions).toHaveLength(1);
    for (const u of [plain, fresh]) {
      expect(u).toMatchObject({
        environment: [],
        successExitStatus: { codes: [], signals: [] },
        execDirectories: { state: { names: [] } },
        limits: {},
        credentials: { set: [], load: [], import: [], encrypted: [] },
        standardOutput: { kind: 'journal' },
        runtimeDirectory: [],
        after: [],
        requires: [],
        conditions: [],
      });
      expect(u.execDirectories.state.mode).toBeUndefined();
    }
    // The shared defaults are frozen: a change in place (instead of a new value) fails loudly.
    expect(Object.isFrozen(fresh.after) && Object.isFrozen(fresh.successExitStatus) && Object.isFrozen(fresh.limits)).toBe(true);
  });

describe('list settings accumulate and an empty assignment resets them', () => {
  it('Environment=', () => {
    const r = service('Environment=A=1 "B=two words"\nEnvironment=C=3\nEnvironment=A=again');
    expect(r.unit.environment).toEqual([['A', '1'], ['B', 'two words'], ['C', '3'], ['A', 'again']]);
    expect(service('Environment=A=1\nEnvironment=\nEnvironment=B=2').unit.environment).toEqual([['B', '2']]);
  });

  it('Environment= decodes escapes and refuses words without a name', () => {
    const r = service("Environment='MSG=a\\tb' EMPTY= =x novalue");
    expect(r.unit.environment).toEqual([['MSG', 'a\tb'], ['EMPTY', '']]);
    expect(diag(r)).toEqual([
      '5 warning Environment: invalid environment assignment "=x"; ignored',
      '5 warning Environment: invalid environment assignment "novalue"; ignored',
    ]);
  });

  it('ExecStartPre= and the other Exec lists', () => {
    const r = service('ExecStartPre=/bin/a\nExecStartPre=-/bin/b x\nExecStartPost=/bin/c\nExecStartPost=\nExecStop=/bin/d ; /bin/e');
    expect(r.unit.execStartPre.map((c) => [c.argv, c.ignoreFailure, c.line])).toEqual([
      [['/bin/a'], false, 5],
      [['/bin/b', 'x'], true, 6],
    ]);
    expect(r.unit.execStartPost).toEqual([]);
    expect(r.unit.execStop.map((c) => c.path)).toEqual(['/bin/d', '/bin/e']);
    const reset = service('ExecStartPre=/bin/a\nExecStartPre=\nExecStartPre=/bin/b');
    expect(reset.unit.execStartPre.map((c) => c.path)).toEqual(['/bin/b']);
  });

  it('After= and other dependency lists, without duplicates', () => {
    const r = build('[Unit]\nAfter=a.service b.target\nAfter=c.service a.service\nWants=x.service\nWants=\nWants=y.service\n[Service]\nExecStart=/bin/true\n');
    expect(r.unit.after).toEqual(['a.service', 'b.target', 'c.service']);
    expect(r.unit.wants).toEqual(['y.service']);
    expect(build('[Unit]\nAfter=a.service\nAfter=\n[Service]\nExecStart=/bin/true\n').unit.after).toEqual([]);
  });

  it('invalid unit names in dependency lists are warnings', () => {
    const r = build('[Unit]\nRequires=ok.service not-a-unit\n[Service]\nExecStart=/bin/true\n');
    expect(r.unit.requires).toEqual(['ok.service']);
    expect(diag(r)).toEqual(['2 warning Requires: "not-a-unit" is not a valid unit name; ignored']);
  });

  it('conditions: "!" negates, "|" triggers, empty resets the conditions but not the asserts', () => {
    const r = service('', 'ConditionPathExists=!/run/off\nConditionPathIsDirectory=|/srv\nAssertFileNotEmpty=/etc/x.conf');
    expect(r.unit.conditions).toEqual([
      { kind: 'PathExists', value: '/run/off', negate: true, trigger: false, assert: false },
      { kind: 'PathIsDirectory', value: '/srv', negate: false, trigger: true, assert: false },
      { kind: 'FileNotEmpty', value: '/etc/x.conf', negate: false, trigger: false, assert: true },
    ]);
    const reset = service('', 'ConditionPathExists=/a\nAssertPathExists=/b\nConditionPathExists=\nConditionPathExists=| ! /c');
    expect(reset.unit.conditions).toEqual([
      { kind: 'PathExists', value: '/b', negate: false, trigger: false, assert: true },
      { kind: 'PathExists', value: '/c', negate: true, trigger: true, assert: false },
    ]);
    expect(diag(service('', 'ConditionPathExists=relative'))).toEqual(['2 warning ConditionPathExists: path "relative" is not absolute; ignored']);
  });

  it('exit status lists take codes, names and signals', () => {
    const r = service('SuccessExitStatus=3 TEMPFAIL SIGUSR1 KILL\nSuccessExitStatus=3 bogus\nRestartPreventExitStatus=255\nRestartPreventExitStatus=');
    expect(r.unit.successExitStatus).toEqual({ codes: [3, 75], signals: [10, 9] });
    expect(r.unit.restartPreventExitStatus).toEqual({ codes: [], signals: [] });
    expect(diag(r)).toEqual(['6 warning SuccessExitStatus: "bogus" is neither an exit status nor a signal; ignored']);
  });
});

describe('single values: the last assignment wins, empty restores the default', () => {
  it('Restart=, KillMode=, User=, WorkingDirectory=', () => {
    const r = service('Restart=always\nRestart=on-failure\nKillMode=mixed\nUser=daemon\nUser=\nWorkingDirectory=-/srv\nWorkingDirectory=~');
    expect(r.unit).toMatchObject({ restart: 'on-failure', killMode: 'mixed', workingDirectory: { path: '~', optional: false, home: true } });
    expect(r.unit.user).toBeUndefined();
    expect(service('WorkingDirectory=-/srv/app').unit.workingDirectory).toEqual({ path: '/srv/app', optional: true, home: false });
  });

  it('time spans', () => {
    const r = service('RestartSec=500ms\nTimeoutStartSec=1min 30s\nTimeoutStopSec=0\nWatchdogSec=2h', 'StartLimitIntervalSec=infinity');
    expect(r.unit).toMatchObject({
      restartSecMs: 500,
      timeoutStartMs: 90_000,
      timeoutStopMs: Infinity,
      watchdogMs: 7_200_000,
      startLimitIntervalMs: Infinity,
    });
    expect(service('TimeoutSec=20\nTimeoutStopSec=5').unit).toMatchObject({ timeoutStartMs: 20_000, timeoutStopMs: 5_000 });
    expect(service('TimeoutSec=infinity\nTimeoutSec=').unit).toMatchObject({ timeoutStartMs: DEFAULT_TIMEOUT_MS, timeoutStopMs: DEFAULT_TIMEOUT_MS });
  });

  it('signals and limits', () => {
    const r = service('KillSignal=SIGINT\nFinalKillSignal=QUIT\nRestartKillSignal=RTMIN+2\nLimitNOFILE=1024:4096\nNice=-5\nUMask=0027');
    expect(r.unit).toMatchObject({ killSignal: 2, finalKillSignal: 3, restartKillSignal: 36, limits: { NOFILE: { soft: 1024, hard: 4096 } }, nice: -5, umask: 0o027 });
    expect(service('LimitNOFILE=infinity').unit.limits.NOFILE).toEqual({ soft: Infinity, hard: Infinity });
  });

  it('every Limit*= with its own units', () => {
    const u = service(
      'LimitCORE=infinity\nLimitMEMLOCK=64M\nLimitSTACK=8K:16K\nLimitCPU=2min\nLimitRTTIME=5ms\nLimitNICE=-5\nLimitRTPRIO=40\nLimitNPROC=512:1024',
    ).unit;
    expect(u.limits).toEqual({
      CORE: { soft: Infinity, hard: Infinity },
      MEMLOCK: { soft: 64 * 2 ** 20, hard: 64 * 2 ** 20 },
      STACK: { soft: 8192, hard: 16384 },
      CPU: { soft: 120, hard: 120 },
      RTTIME: { soft: 5000, hard: 5000 },
      NICE: { soft: 25, hard: 25 },
      RTPRIO: { soft: 40, hard: 40 },
      NPROC: { soft: 512, hard: 1024 },
    });
    const bad = service('LimitNOFILE=4096:1024\nLimitNICE=-30');
    expect(bad.unit.limits).toEqual({});
    expect(bad.diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining('LimitNOFILE: "4096:1024" is not a limit'),
      expect.stringContaining('LimitNICE: "-30" is not a limit'),
    ]);
  });

  it('StandardError= follows StandardOutput= unless set', () => {
    expect(service('StandardOutput=null').unit).toMatchObject({ standardOutput: { kind: 'null' }, standardError: { kind: 'null' } });
    expect(service('StandardOutput=append:/var/log/%n.log\nStandardError=inherit').unit).toMatchObject({
      standardOutput: { kind: 'append', path: '/var/log/demo.service.log' },
      standardError: { kind: 'append', path: '/var/log/demo.service.log' },
    });
    expect(service('StandardOutput=file:/tmp/o\nStandardError=journal+console').unit).toMatchObject({
      standardOutput: { kind: 'file', path: '/tmp/o' },
      standardError: { kind: 'journal' },
    });
  });

  it('EnvironmentFile= with and without the "-" prefix', () => {
    const r = service('EnvironmentFile=/etc/default/a\nEnvironmentFile=-/etc/default/%p\nEnvironmentFile=relative');
    expect(r.unit.environmentFiles).toEqual([
      { path: '/etc/default/a', optional: false },
      { path: '/etc/default/demo', optional: true },
    ]);
    expect(diag(r)).toEqual(['7 warning EnvironmentFile: path "relative" is not absolute; ignored']);
    expect(service('EnvironmentFile=/a\nEnvironmentFile=\nEnvironmentFile=-/b').unit.environmentFiles).toEqual([{ path: '/b', optional: true }]);
  });

  it('RuntimeDirectory= lists relative paths', () => {
    const r = service('RuntimeDirectory=app app/sub\nRuntimeDirectory=/abs ../up\nRuntimeDirectoryMode=0750');
    expect(r.unit.runtimeDirectory).toEqual(['app', 'app/sub']);
    expect(r.unit.runtimeDirectoryMode).toBe(0o750);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      'RuntimeDirectory: "/abs" is not a relative path below /run; ignored',
      'RuntimeDirectory: "../up" is not a relative path below /run; ignored',
    ]);
  });

  it('[Install] lists', () => {
    const r = build('[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\nWantedBy=default.target\nAlias=d1.service d2.service\nAlso=helper.service\nRequiredBy=x.target\n');
    expect(r.unit).toMatchObject({
      wantedBy: ['multi-user.target', 'default.target'],
      alias: ['d1.service', 'd2.service'],
      also: ['helper.service'],
      requiredBy: ['x.target'],
    });
  });
});

describe('Exec lines in units', () => {
  it('prefixes, quoting and escapes reach the ExecCommand', () => {
    const r = service('ExecStart=-@/usr/bin/env "my env" A=\'1 2\' \\x41\\\\ "say \\"hi\\""\nExecStartPre=+/bin/chown app /srv\nExecStartPre=!!/bin/true\nExecStartPre=:/bin/echo $X');
    expect(r.diagnostics).toEqual([]);
    expect(r.unit.execStart[0]).toMatchObject({
      path: '/usr/bin/env',
      argv: ['my env', 'A=1 2', 'A\\', 'say "hi"'],
      ignoreFailure: true,
      argv0Override: true,
      privileged: false,
    });
    expect(r.unit.execStartPre.map((c) => [c.privileged, c.noEnvExpand, c.argv])).toEqual([
      [true, false, ['/bin/chown', 'app', '/srv']],
      [true, false, ['/bin/true']],
      [false, true, ['/bin/echo', '$X']],
    ]);
  });

  it('$VAR and ${VAR} are kept for start time, "$$" too', () => {
    expect(service('ExecStart=/bin/echo $A ${B} $$').unit.execStart[0]!.argv).toEqual(['/bin/echo', '$A', '${B}', '$$']);
  });

  it('a bad Exec line is an error naming file and line, and makes the unit unloadable', () => {
    const r = service('ExecStart=/bin/echo "open');
    expect(r.loadable).toBe(false);
    expect(diag(r)).toContainEqual('4 error ExecStart: unterminated quote in "/bin/echo "open"');
    expect(diag(service('ExecStartPre=relative/path'))).toEqual([
      '5 error ExecStartPre: executable path "relative/path" must be absolute or a plain name, in "relative/path"',
    ]);
  });

  it('";" in ExecStart= of a non-oneshot service is refused; oneshot may have several commands', () => {
    const simple = service('ExecStart=/bin/a ; /bin/b');
    expect(simple.loadable).toBe(false);
    expect(simple.diagnostics).toContainEqual({
      file: FILE,
      severity: 'error',
      message: expect.stringContaining('more than one ExecStart='),
    });
    const oneshot = service('Type=oneshot\nExecStart=/bin/a ; /bin/b\nExecStart=/bin/c');
    expect(oneshot.loadable).toBe(true);
    expect(oneshot.unit.execStart.map((c) => c.path)).toEqual(['/bin/a', '/bin/b', '/bin/c']);
  });

  it('a non-oneshot service needs ExecStart=; a oneshot one may not restart always', () => {
    expect(diag(build('[Service]\nType=simple\n'))).toEqual([
      '- error service has no ExecStart= setting, which is only allowed for Type=oneshot services',
    ]);
    expect(diag(service('Type=oneshot\nRestart=always'))).toEqual(['- error Restart=always is not allowed for Type=oneshot services']);
    expect(diag(build('[Service]\nType=oneshot\n'))).toEqual(['- error service has no ExecStart=, ExecStop= or SuccessAction= setting']);
  });
});

describe('specifiers', () => {
  it('%n %N %p %i %% in a template instance', () => {
    const r = build(
      '[Unit]\nDescription=Worker %i of %p (%n, %N) at 100%%\n[Service]\nExecStart=/usr/bin/worker --name=%i --unit %n\nPIDFile=%p-%i.pid\nSyslogIdentifier=%N\n',
      { name: 'worker@blue.service', file: '/lib/systemd/system/worker@.service' },
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.unit.name).toBe('worker@blue.service');
    expect(r.unit.sourcePath).toBe('/lib/systemd/system/worker@.service');
    expect(r.unit.description).toBe('Worker blue of worker (worker@blue.service, worker@blue) at 100%');
    expect(r.unit.execStart[0]!.argv).toEqual(['/usr/bin/worker', '--name=blue', '--unit', 'worker@blue.service']);
    expect(r.unit.pidFile).toBe('/run/worker-blue.pid');
    expect(r.unit.syslogIdentifier).toBe('worker@blue');
  });

  it('specifiers in dependency lists', () => {
    const r = build('[Unit]\nAfter=prep@%i.service\nRequires=%p-db.service\n[Service]\nExecStart=/bin/true\n', { name: 'app@one.service' });
    expect(r.unit.after).toEqual(['prep@one.service']);
    expect(r.unit.requires).toEqual(['app-db.service']);
  });

  it('a specifier is expanded inside one Environment= word and keeps its value as is', () => {
    // %i is the escaped instance and %I the unescaped one; neither is split or unescaped again.
    const r = build('[Service]\nExecStart=/bin/true\nEnvironment=INST=%i NAME=%I "QUOTED=%I!"\n', { name: 'site@a\\x20b.service' });
    expect(r.diagnostics).toEqual([]);
    expect(r.unit.environment).toEqual([['INST', 'a\\x20b'], ['NAME', 'a b'], ['QUOTED', 'a b!']]);
  });

  it('UnsetEnvironment= expands specifiers per word too; PassEnvironment= takes names', () => {
    const r = build('[Service]\nExecStart=/bin/true\nUnsetEnvironment=NAME=%I TERM\nPassEnvironment=LANG TZ\nPassEnvironment=LANG bad=name\n', {
      name: 'site@a\\x20b.service',
    });
    expect(r.unit.unsetEnvironment).toEqual(['NAME=a b', 'TERM']);
    expect(r.unit.passEnvironment).toEqual(['LANG', 'TZ']);
    expect(diag(r)).toEqual(['5 warning PassEnvironment: invalid variable name "bad=name"; ignored']);
  });

  it('an unknown specifier is a warning naming the line, and the text is kept', () => {
    const r = service('ExecStart=/bin/echo %Q');
    expect(r.loadable).toBe(true);
    expect(r.unit.execStart[0]!.argv).toEqual(['/bin/echo', '%Q']);
    expect(diag(r)).toEqual(['4 warning ExecStart: unknown specifier %Q in "%Q"; left as is']);
  });
});

describe('bad values, unknown and unsupported directives', () => {
  it('a bad Type= is an error naming file and line', () => {
    const r = service('Type=sometimes');
    expect(r.loadable).toBe(false);
    expect(r.diagnostics).toEqual([{ file: FILE, line: 5, severity: 'error', message: 'Type: unknown service type "sometimes"' }]);
    expect(formatDiagnostic(r.diagnostics[0]!)).toBe(`${FILE}:5: error: Type: unknown service type "sometimes"`);
  });

  it('Type=dbus is replaced with a warning; Type=notify-reload is its own type, ReloadSignal= SIGHUP by default', () => {
    expect(service('Type=dbus')).toMatchObject({ loadable: true, unit: { type: 'simple' } });
    const r = service('Type=notify-reload');
    expect(diag(r)).toEqual([]);
    expect(r.unit).toMatchObject({ type: 'notify-reload', reloadSignal: 1, notifyAccess: 'main' });
    expect(service('Type=notify-reload\nReloadSignal=SIGUSR2').unit.reloadSignal).toBe(12);
    expect(service('ReloadSignal=SIGUSR2\nReloadSignal=').unit.reloadSignal).toBe(1);
    expect(diag(service('ReloadSignal=SIGBOGUS'))).toEqual(['5 error ReloadSignal: unknown signal "SIGBOGUS"']);
  });

  it('a bad boolean is a warning and keeps the previous value', () => {
    const r = service('RemainAfterExit=yes\nRemainAfterExit=maybe\nIgnoreSIGPIPE=off\nSendSIGHUP=1');
    expect(r.loadable).toBe(true);
    expect(r.unit).toMatchObject({ remainAfterExit: true, ignoreSIGPIPE: false, sendSIGHUP: true });
    expect(diag(r)).toEqual(['6 warning RemainAfterExit: "maybe" is not a boolean; ignored']);
  });

  it('bad time spans, restart policies, kill modes and signals are errors', () => {
    const r = service('RestartSec=soon\nTimeoutStopSec=-1\nRestart=sometimes\nKillMode=gently\nKillSignal=SIGNOPE');
    expect(r.loadable).toBe(false);
    expect(diag(r)).toEqual([
      '5 error RestartSec: invalid time span "soon"',
      '6 error TimeoutStopSec: invalid time span "-1"',
      '7 error Restart: unknown restart policy "sometimes"',
      '8 error KillMode: unknown kill mode "gently"',
      '9 error KillSignal: unknown signal "SIGNOPE"',
    ]);
  });

  it('unknown directives are warnings; unsupported ones are warnings and listed', () => {
    const r = build('[Unit]\nDescription=x\nFrobnicate=yes\n[Service]\nExecStart=/bin/true\nPrivateTmp=yes\nProtectSystem=full\nPrivateTmp=no\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\nNoSuchThing=1\n[Install]\nWantedBy=multi-user.target\nUpheldBy=x.target\n');
    expect(r.loadable).toBe(true);
    expect(diag(r)).toEqual([
      '3 warning unknown directive Frobnicate in section [Unit]',
      '6 warning PrivateTmp is not supported by ts-init; ignored',
      '7 warning ProtectSystem is not supported by ts-init; ignored',
      '8 warning PrivateTmp is not supported by ts-init; ignored',
      '9 warning CapabilityBoundingSet is not supported by ts-init; ignored',
      '10 warning unknown directive NoSuchThing in section [Service]',
      '13 warning UpheldBy is not supported by ts-init; ignored',
    ]);
    expect(r.unit.unsupported).toEqual(['PrivateTmp', 'ProtectSystem', 'CapabilityBoundingSet', 'UpheldBy']);
  });

  it('the old names of the sandboxing path settings are known (ReadWriteDirectories= is ReadWritePaths=)', () => {
    const r = build('[Service]\nExecStart=/bin/true\nReadWriteDirectories=/var/lib/x\nReadOnlyDirectories=/etc\nInaccessibleDirectories=/home\n');
    expect(diag(r)).toEqual([
      '3 warning ReadWriteDirectories is not supported by ts-init; ignored',
      '4 warning ReadOnlyDirectories is not supported by ts-init; ignored',
      '5 warning InaccessibleDirectories is not supported by ts-init; ignored',
    ]);
  });

  it('informational directives and X- keys are accepted silently', () => {
    const r = service('SyslogFacility=daemon\nX-Custom=1', 'Documentation=man:x(1)\nDefaultDependencies=no\nX-Whatever=y');
    expect(r.diagnostics).toEqual([]);
  });

  it('an unknown section is a warning at its header; its keys are ignored; X- sections are silent', () => {
    const r = build('[Service]\nExecStart=/bin/true\n[Timer]\nOnCalendar=daily\nType=bogus\n[X-Vendor]\nAnything=1\n');
    expect(r.loadable).toBe(true);
    expect(r.unit.type).toBe('simple');
    expect(diag(r)).toEqual(['3 warning unknown section [Timer]; ignored']);
  });

  it('syntax diagnostics of the files come first, with their own file names', () => {
    const r = build('[Service]\nExecStart=/bin/true\nno equals\n', { dropIns: [['/etc/demo.conf', 'Orphan=1\n[Service]\nUser=x\n']] });
    expect(diag(r)).toEqual([
      "3 warning missing '=' in \"no equals\"; line ignored",
      '/etc/demo.conf:1 warning assignment "Orphan=" outside of any section; line ignored',
    ]);
    expect(r.unit.user).toBe('x');
  });

  it('a unit that is not a service, socket, target or timer is refused', () => {
    const r = build('[Service]\nExecStart=/bin/true\n', { name: 'demo.path' });
    expect(r.loadable).toBe(false);
    expect(hasErrors(r.diagnostics)).toBe(true);
    expect(diag(r)[0]).toBe('- error "demo.path" is not a service, socket, target or timer unit name; ts-init only loads those');
  });

  it('a target reads [Unit] and [Install] only; it is active once started, with no process', () => {
    const r = build('[Unit]\nDescription=Stuff\nWants=a.service\nDefaultDependencies=no\n[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n', { name: 'stuff.target' });
    expect(r.loadable).toBe(true);
    expect(r.unit).toMatchObject({ kind: 'target', defaultDependencies: false, wants: ['a.service'], wantedBy: ['multi-user.target'], execStart: [], type: 'oneshot', remainAfterExit: true });
    expect(diag(r)).toEqual(['5 warning unknown section [Service]; ignored']);
  });
});

describe('drop-ins', () => {
  const main = '[Unit]\nDescription=main\nAfter=a.service\n[Service]\nExecStart=/bin/main --flag\nEnvironment=A=1\nRestart=no\nTimeoutStopSec=5\n';

  it('override single values, accumulate lists, and reset them with an empty assignment', () => {
    const r = build(main, {
      dropIns: [
        ['/etc/systemd/system/demo.service.d/10-exec.conf', '[Service]\nExecStart=\nExecStart=/bin/other\nEnvironment=B=2\n'],
        ['/etc/systemd/system/demo.service.d/20-more.conf', '[Unit]\nDescription=dropped in\nAfter=\nAfter=b.service\n[Service]\nRestart=always\n'],
      ],
    });
    expect(r.diagnostics).toEqual([]);
    expect(r.unit).toMatchObject({
      description: 'dropped in',
      after: ['b.service'],
      environment: [['A', '1'], ['B', '2']],
      restart: 'always',
      timeoutStopMs: 5_000,
      dropIns: ['/etc/systemd/system/demo.service.d/10-exec.conf', '/etc/systemd/system/demo.service.d/20-more.conf'],
    });
    expect(r.unit.execStart.map((c) => [c.argv, c.file, c.line])).toEqual([
      [['/bin/other'], '/etc/systemd/system/demo.service.d/10-exec.conf', 3],
    ]);
  });

  it('a second ExecStart= without a reset is an error', () => {
    const r = build(main, { dropIns: [['/etc/x.conf', '[Service]\nExecStart=/bin/other\n']] });
    expect(r.loadable).toBe(false);
    expect(r.unit.execStart.map((c) => c.path)).toEqual(['/bin/main', '/bin/other']);
  });

  it('diagnostics of a drop-in name the drop-in', () => {
    const r = build(main, { dropIns: [['/etc/x.conf', '[Service]\nType=weird\n']] });
    expect(r.diagnostics).toEqual([{ file: '/etc/x.conf', line: 2, severity: 'error', message: 'Type: unknown service type "weird"' }]);
  });
});

describe('loadUnitFile', () => {
  const dir = tempDir('ts-init-unit-test-');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the unit file and its drop-ins in the given order', () => {
    const file = path.join(dir, 'web.service');
    fs.writeFileSync(file, '[Service]\nExecStart=/usr/bin/web %H\nEnvironment=A=1\n');
    fs.mkdirSync(`${file}.d`);
    fs.writeFileSync(`${file}.d/a.conf`, '[Service]\nEnvironment=B=2\n');
    fs.writeFileSync(`${file}.d/b.conf`, '[Service]\nEnvironment=\nEnvironment=C=3\n');
    const r = loadUnitFile(file, 'web.service', [`${file}.d/a.conf`, `${file}.d/b.conf`], { hostname: 'h1' });
    expect(r.loadable).toBe(true);
    expect(r.unit.execStart[0]!.argv).toEqual(['/usr/bin/web', 'h1']);
    expect(r.unit.environment).toEqual([['C', '3']]);
    const reversed = loadUnitFile(file, 'web.service', [`${file}.d/b.conf`, `${file}.d/a.conf`], { hostname: 'h1' });
    expect(reversed.unit.environment).toEqual([['C', '3'], ['B', '2']]);
  });

  it('an unreadable file or drop-in is an error, not an exception', () => {
    const missing = path.join(dir, 'missing.service');
    const r = loadUnitFile(missing, 'missing.service', []);
    expect(r.loadable).toBe(false);
    expect(r.diagnostics).toEqual([{ file: missing, unit: 'missing.service', severity: 'error', message: expect.stringContaining('cannot read unit file') }]);
    const file = path.join(dir, 'ok.service');
    fs.writeFileSync(file, '[Service]\nExecStart=/bin/true\n');
    const withBadDropIn = loadUnitFile(file, 'ok.service', [path.join(dir, 'nope.conf')]);
    expect(withBadDropIn.loadable).toBe(false);
    expect(withBadDropIn.diagnostics[0]).toMatchObject({ file: path.join(dir, 'nope.conf'), unit: 'ok.service' });
  });
});

describe('settings of systemd 253–257', () => {
  it('RestartMode=: normal or direct; anything else is an error', () => {
    expect(service('RestartMode=direct').unit.restartMode).toBe('direct');
    expect(service('RestartMode=direct\nRestartMode=').unit.restartMode).toBe('normal');
    expect(diag(service('RestartMode=sideways'))).toEqual(['5 error RestartMode: unknown restart mode "sideways"']);
  });

  it('OpenFile=: path, name, options; an empty value resets', () => {
    const r = service('OpenFile=/etc/app.conf\nOpenFile=/var/log/app.log:log:append,graceful\nOpenFile=/run/x:%n');
    expect(diag(r)).toEqual([]);
    expect(r.unit.openFiles).toEqual([
      { path: '/etc/app.conf', name: '/etc/app.conf', mode: 'read-write', graceful: false },
      { path: '/var/log/app.log', name: 'log', mode: 'append', graceful: true },
      { path: '/run/x', name: 'demo.service', mode: 'read-write', graceful: false },
    ]);
    expect(service('OpenFile=/a\nOpenFile=').unit.openFiles).toEqual([]);
    expect(diag(service('OpenFile=relative\nOpenFile=/a:n:read-only,truncate\nOpenFile=/a:n:sparkly'))).toEqual([
      '5 error OpenFile: "relative" is not an absolute path',
      '6 error OpenFile: "read-only" and "truncate" exclude each other',
      '7 error OpenFile: unknown option "sparkly"',
    ]);
  });

  it('credentials: SetCredential= C-unescaped, LoadCredential= path or name, ImportCredential= globs; later wins per ID', () => {
    const r = service('SetCredential=token:a\\x20b\\n\nSetCredential=token:second\nSetCredential=other:x\nLoadCredential=key:/etc/app/key\nLoadCredential=named\nImportCredential=app.*');
    expect(diag(r)).toEqual([]);
    expect(r.unit.credentials).toEqual({
      set: [{ id: 'token', value: 'second' }, { id: 'other', value: 'x' }],
      load: [{ id: 'key', path: '/etc/app/key' }, { id: 'named', path: 'named' }],
      import: ['app.*'],
      encrypted: [],
    });
    expect(service('SetCredential=a:b\\x20c').unit.credentials.set).toEqual([{ id: 'a', value: 'b c' }]);
    expect(diag(service('SetCredential=novalue\nLoadCredential=../x\nLoadCredential=a:/x/../y\nImportCredential=a/b'))).toEqual([
      '5 error SetCredential: "novalue" is not ID:VALUE',
      '6 error LoadCredential: invalid credential name "../x"',
      '7 error LoadCredential: "/x/../y" contains ".."',
      '8 error ImportCredential: invalid credential glob "a/b"',
    ]);
  });

  it('encrypted credentials load, quietly, and are recorded for the start to refuse', () => {
    const r = service('SetCredentialEncrypted=db:k6iUCUh0RJCQyvL8k8q1UyAAAAABAAAADAAAABAAAAC1lFmbWAqWZ8dCCQkAAAAAgAAAA\nLoadCredentialEncrypted=tls:/etc/tls.cred');
    expect(diag(r)).toEqual([]);
    expect(r.unit.credentials.encrypted).toEqual(['SetCredentialEncrypted=db', 'LoadCredentialEncrypted=tls']);
  });
});

describe('StateDirectory= and its kin', () => {
  it('relative names (a symlink part dropped), modes; absolute or ".." refused; an empty value resets', () => {
    const r = service('StateDirectory=app app/sub\nStateDirectory=app\nStateDirectoryMode=0750\nLogsDirectory=/abs ../up log:link\nCacheDirectory=c\nCacheDirectory=');
    expect(r.unit.execDirectories).toEqual({ state: { names: ['app', 'app/sub'], mode: 0o750 }, cache: { names: [] }, logs: { names: ['log'] }, configuration: { names: [] } });
    expect(diag(r)).toEqual(['8 warning LogsDirectory: "/abs" is not a relative path; ignored', '8 warning LogsDirectory: "../up" is not a relative path; ignored']);
  });
});

describe("Debian 13's settings a container cannot apply", () => {
  it('are harmless (counted in the one boot line), never unknown', () => {
    const lines = [
      'PrivateTmp=disconnected', 'ProtectHostname=private', 'PrivatePIDs=yes', 'ProtectControlGroups=private', 'RootImagePolicy=root=verity',
      'MountImagePolicy=*', 'ExtensionImagePolicy=*', 'SetLoginEnvironment=no', 'BPFDelegateCommands=map_create', 'MemoryZSwapWriteback=no',
    ];
    const r = service(lines.join('\n'), 'OnSuccessJobMode=fail');
    expect(r.diagnostics.filter((d) => !d.harmless)).toEqual([]);
    expect(r.diagnostics.map((d) => d.harmless!.directive).sort()).toEqual(
      ['OnSuccessJobMode', ...lines.map((l) => l.split('=')[0]!)].sort(),
    );
  });
});

describe('the journal directives', () => {
  it('SyslogFacility=, SyslogLevel=, SyslogLevelPrefix=, LogLevelMax=, LogExtraFields=', () => {
    const r = build(
      '[Service]\nExecStart=/bin/true\nSyslogFacility=local3\nSyslogLevel=warning\nSyslogLevelPrefix=no\nLogLevelMax=5\nLogExtraFields=TEAM=core "NOTE=two words"\nLogExtraFields=_PID=1 lower=x\n',
    );
    expect(r.unit).toMatchObject({ syslogFacility: 19, syslogLevel: 4, syslogLevelPrefix: false, logLevelMax: 5, logExtraFields: [['TEAM', 'core'], ['NOTE', 'two words']] });
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining('"_PID=1" is not a FIELD=VALUE assignment a unit may set'),
      expect.stringContaining('"lower=x" is not a FIELD=VALUE assignment a unit may set'),
    ]);
  });

  it('bad values are said and ignored; empty resets', () => {
    const r = build('[Service]\nExecStart=/bin/true\nSyslogFacility=nowhere\nSyslogLevel=loud\nLogLevelMax=info\nLogLevelMax=\nLogExtraFields=A=1\nLogExtraFields=\n');
    expect(r.unit.syslogFacility).toBeUndefined();
    expect(r.unit.syslogLevel).toBeUndefined();
    expect(r.unit.logLevelMax).toBeUndefined();
    expect(r.unit.logExtraFields).toBeUndefined();
    expect(r.diagnostics).toHaveLength(2);
  });
});
