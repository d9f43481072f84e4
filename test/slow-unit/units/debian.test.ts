// The parser on real unit files: the .service files of Debian's cron, openssh-server and
// rsyslog packages, fetched with apt-get download + dpkg-deb -x by
// scripts/fetch-debian-units.sh (into the git-ignored .cache/, never committed). The
// expected values are those of the Debian 12 (bookworm) packages.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandEnv } from '../../../src/units/exec-line';
import { loadUnitFile, loadUnits } from '../../../src/units/load';
import type { BuildResult, UnitConfig } from '../../../src/units/unit';
import { tempDir } from '../../helpers/temp-dir';

const REPO = path.resolve(__dirname, '../../..');
const CACHE = path.join(REPO, '.cache/debian-units');
let dir = '';
const temps: string[] = [];

beforeAll(() => {
  // Downloads on the first run (apt-get update included when the lists are empty); later
  // runs find the files in place. The last line of stdout is the directory.
  const out = execFileSync('bash', [path.join(REPO, 'scripts/fetch-debian-units.sh'), CACHE], {
    cwd: REPO,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  dir = out.trim().split('\n').pop()!;
});

afterAll(() => {
  for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
});

function unitFile(name: string): string {
  return path.join(dir, name);
}

function load(name: string, dropIns: string[] = []): BuildResult {
  return loadUnitFile(unitFile(name), name, dropIns, { hostname: 'debian' });
}

const argvs = (cmds: UnitConfig['execStart']) => cmds.map((c) => c.argv);

describe('the fetched files', () => {
  it('are the three service files, outside the git tree', () => {
    expect(dir).toBe(CACHE);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.service')).sort()).toEqual(['cron.service', 'rsyslog.service', 'ssh.service']);
    const tracked = execFileSync('git', ['ls-files', '--', dir], { cwd: REPO, encoding: 'utf8' });
    expect(tracked).toBe('');
    // "git check-ignore" exits with status 0 (no exception) when the path is ignored.
    expect(() => execFileSync('git', ['check-ignore', '-q', '--', unitFile('cron.service')], { cwd: REPO, stdio: 'ignore' })).not.toThrow();
  });

  it('the fetch script is idempotent and prints the directory', () => {
    const before = fs.statSync(unitFile('ssh.service')).mtimeMs;
    const out = execFileSync('bash', [path.join(REPO, 'scripts/fetch-debian-units.sh'), dir], { encoding: 'utf8' });
    expect(out).toBe(`${dir}\n`);
    expect(fs.statSync(unitFile('ssh.service')).mtimeMs).toBe(before);
  });
});

describe('cron.service', () => {
  it('parses without any diagnostic', () => {
    const r = load('cron.service');
    expect(r.diagnostics).toEqual([]);
    expect(r.loadable).toBe(true);
  });

  it('has the settings of the file', () => {
    const u = load('cron.service').unit;
    expect(u).toMatchObject({
      name: 'cron.service',
      sourcePath: unitFile('cron.service'),
      description: 'Regular background program processing daemon',
      after: ['remote-fs.target', 'nss-user-lookup.target'],
      type: 'simple',
      environmentFiles: [{ path: '/etc/default/cron', optional: true }],
      ignoreSIGPIPE: false,
      killMode: 'process',
      restart: 'on-failure',
      wantedBy: ['multi-user.target'],
      alias: [],
      unsupported: [],
    });
    expect(u.execStart).toEqual([
      {
        path: '/usr/sbin/cron',
        argv: ['/usr/sbin/cron', '-f', '$EXTRA_OPTS'],
        ignoreFailure: false,
        argv0Override: false,
        privileged: false,
        noEnvExpand: false,
        raw: '/usr/sbin/cron -f $EXTRA_OPTS',
        file: unitFile('cron.service'),
        line: 8,
      },
    ]);
  });

  it('$EXTRA_OPTS from /etc/default/cron expands to zero or more words at start', () => {
    const argv = load('cron.service').unit.execStart[0]!.argv;
    expect(expandEnv(argv, {})).toEqual(['/usr/sbin/cron', '-f']);
    expect(expandEnv(argv, { EXTRA_OPTS: '' })).toEqual(['/usr/sbin/cron', '-f']);
    expect(expandEnv(argv, { EXTRA_OPTS: '-L 15' })).toEqual(['/usr/sbin/cron', '-f', '-L', '15']);
  });
});

describe('ssh.service', () => {
  it('parses without any diagnostic', () => {
    expect(load('ssh.service')).toMatchObject({ diagnostics: [], loadable: true });
  });

  it('has the settings of the file', () => {
    const u = load('ssh.service').unit;
    expect(u).toMatchObject({
      description: 'OpenBSD Secure Shell server',
      after: ['network.target', 'auditd.service'],
      conditions: [{ kind: 'PathExists', value: '/etc/ssh/sshd_not_to_be_run', negate: true, trigger: false, assert: false }],
      environmentFiles: [{ path: '/etc/default/ssh', optional: true }],
      type: 'notify',
      notifyAccess: 'main',
      killMode: 'process',
      restart: 'on-failure',
      restartPreventExitStatus: { codes: [255], signals: [] },
      runtimeDirectory: ['sshd'],
      runtimeDirectoryMode: 0o755,
      wantedBy: ['multi-user.target'],
      alias: ['sshd.service'],
    });
    expect(argvs(u.execStartPre)).toEqual([['/usr/sbin/sshd', '-t']]);
    expect(argvs(u.execStart)).toEqual([['/usr/sbin/sshd', '-D', '$SSHD_OPTS']]);
    // Two ExecReload= lines accumulate, in order.
    expect(argvs(u.execReload)).toEqual([['/usr/sbin/sshd', '-t'], ['/bin/kill', '-HUP', '$MAINPID']]);
    expect(u.execReload.map((c) => c.line)).toEqual([11, 12]);
    expect(expandEnv(u.execReload[1]!.argv, { MAINPID: '4242' })).toEqual(['/bin/kill', '-HUP', '4242']);
  });

  it('an admin drop-in with sandboxing: warnings name the drop-in and its lines, the unit still loads', () => {
    const t = tempDir('ts-init-debian-');
    temps.push(t);
    const conf = path.join(t, 'ssh.service.d', 'hardening.conf');
    fs.mkdirSync(path.dirname(conf));
    fs.writeFileSync(conf, [
      '[Service]',
      'ProtectSystem=strict',
      'PrivateTmp=yes',
      'NoNewPrivileges=yes',
      'SSHDFrobnicate=1',
      'ExecStart=',
      'ExecStart=/usr/sbin/sshd -D -e $SSHD_OPTS',
      '',
    ].join('\n'));
    const r = load('ssh.service', [conf]);
    expect(r.loadable).toBe(true);
    expect(r.diagnostics).toEqual([
      { file: conf, unit: 'ssh.service', line: 2, severity: 'warning', message: 'ProtectSystem is not supported by ts-init; ignored', harmless: { directive: 'ProtectSystem' } },
      { file: conf, unit: 'ssh.service', line: 3, severity: 'warning', message: 'PrivateTmp is not supported by ts-init; ignored', harmless: { directive: 'PrivateTmp' } },
      { file: conf, unit: 'ssh.service', line: 4, severity: 'warning', message: 'NoNewPrivileges is not supported by ts-init; ignored', harmless: { directive: 'NoNewPrivileges' } },
      { file: conf, unit: 'ssh.service', line: 5, severity: 'warning', message: 'unknown directive SSHDFrobnicate in section [Service]' },
    ]);
    expect(r.unit.unsupported).toEqual(['ProtectSystem', 'PrivateTmp', 'NoNewPrivileges']);
    expect(r.unit.dropIns).toEqual([conf]);
    expect(argvs(r.unit.execStart)).toEqual([['/usr/sbin/sshd', '-D', '-e', '$SSHD_OPTS']]);
    expect(r.unit.execStart[0]).toMatchObject({ file: conf, line: 7 });
  });
});

describe('rsyslog.service', () => {
  it('parses without any diagnostic', () => {
    expect(load('rsyslog.service')).toMatchObject({ diagnostics: [], loadable: true });
  });

  it('has the settings of the file', () => {
    const u = load('rsyslog.service').unit;
    expect(u).toMatchObject({
      description: 'System Logging Service',
      requires: ['syslog.socket'],
      type: 'notify',
      standardOutput: { kind: 'null' },
      // StandardError= is not set: it follows StandardOutput=.
      standardError: { kind: 'null' },
      restart: 'on-failure',
      limits: { NOFILE: { soft: 16384, hard: 16384 } },
      wantedBy: ['multi-user.target'],
      alias: ['syslog.service'],
    });
    expect(argvs(u.execStart)).toEqual([['/usr/sbin/rsyslogd', '-n', '-iNONE']]);
  });
});

describe('a Debian system tree with the three packages enabled', () => {
  /** The layout dpkg and "systemctl enable" leave behind, below a temporary root. */
  function debianRoot(extra: Record<string, string> = {}): string {
    const root = tempDir('ts-init-debian-root-');
    temps.push(root);
    const lib = path.join(root, 'lib/systemd/system');
    const etc = path.join(root, 'etc/systemd/system');
    fs.mkdirSync(lib, { recursive: true });
    fs.mkdirSync(path.join(etc, 'multi-user.target.wants'), { recursive: true });
    fs.writeFileSync(path.join(lib, 'multi-user.target'), '[Unit]\nDescription=Multi-User System\n');
    fs.symlinkSync('multi-user.target', path.join(lib, 'default.target'));
    for (const name of ['cron.service', 'ssh.service', 'rsyslog.service']) {
      fs.copyFileSync(unitFile(name), path.join(lib, name));
      fs.symlinkSync(`/lib/systemd/system/${name}`, path.join(etc, 'multi-user.target.wants', name));
    }
    // [Install] Alias= links made by "systemctl enable".
    fs.symlinkSync('/lib/systemd/system/ssh.service', path.join(etc, 'sshd.service'));
    fs.symlinkSync('/lib/systemd/system/rsyslog.service', path.join(etc, 'syslog.service'));
    for (const [p, text] of Object.entries(extra)) {
      fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
      fs.writeFileSync(path.join(root, p), text);
    }
    return root;
  }

  function loadTree(root: string) {
    return loadUnits({
      unitDirs: ['/etc/ts-init/units'],
      systemDirs: ['/etc/systemd/system', '/run/systemd/system', '/lib/systemd/system'],
      targets: ['default.target'],
      hostname: 'debian',
      root,
    });
  }

  it('enables and loads the three services, with their aliases', () => {
    const root = debianRoot();
    const r = loadTree(root);
    expect(r.diagnostics).toEqual([]);
    expect([...r.enabled].sort()).toEqual(['cron.service', 'rsyslog.service', 'ssh.service']);
    expect([...r.units.keys()].filter((n) => n.endsWith('.service')).sort()).toEqual(['cron.service', 'rsyslog.service', 'ssh.service']);
    // The targets they name come with them: the tree's own multi-user.target, the built-in rest.
    expect([...r.units.values()].filter((u) => u.kind === 'target').map((u) => `${u.name} ${u.sourcePath ? 'file' : 'built-in'}`).sort()).toEqual([
      'local-fs.target built-in', 'multi-user.target file', 'swap.target built-in', 'sysinit.target built-in',
    ]);
    expect(Object.fromEntries(r.aliases)).toEqual({ 'default.target': 'multi-user.target', 'sshd.service': 'ssh.service', 'syslog.service': 'rsyslog.service' });
    expect(r.units.get('ssh.service')!.sourcePath).toBe(path.join(root, 'lib/systemd/system/ssh.service'));
  });

  it('a unit of ts-init that needs sshd.service and syslog.service gets the canonical units', () => {
    const root = debianRoot({
      'etc/ts-init/units/app.service': '[Unit]\nRequires=sshd.service\nAfter=sshd.service syslog.service\n[Service]\nExecStart=/usr/bin/app\n',
    });
    const r = loadTree(root);
    expect(r.diagnostics).toEqual([]);
    expect(r.units.get('app.service')).toMatchObject({
      requires: ['ssh.service', 'sysinit.target'],
      after: ['ssh.service', 'rsyslog.service', 'sysinit.target', 'basic.target'],
    });
  });

  it('an override in /etc applies to the vendor unit', () => {
    const root = debianRoot({ 'etc/systemd/system/cron.service.d/override.conf': '[Service]\nEnvironment=EXTRA_OPTS=-L 15\nKillMode=\n' });
    const cron = loadTree(root).units.get('cron.service')!;
    expect(cron.environment).toEqual([['EXTRA_OPTS', '-L']]);
    expect(cron.killMode).toBe('control-group');
    expect(cron.dropIns).toEqual([path.join(root, 'etc/systemd/system/cron.service.d/override.conf')]);
  });
});
