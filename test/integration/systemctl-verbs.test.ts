// The systemctl verbs operators type, against ts-init as PID 1 booting the namespace's systemd
// directories: cat, edit, mask/unmask, revert, preset, list-dependencies, list-sockets,
// list-jobs, is-system-running, the manager environment, get-/set-default, reset-failed,
// help, status with and without units, show; and another user's read-only answers.
import { describe, expect, it } from 'vitest';
import { PINNED_TS_INIT, runAsPid1 } from '../helpers/ts-init';
import { unitDir } from '../helpers/units';

/** The rich init, booting the namespace's systemd directories. */
const RICH = { env: { ...process.env, TS_INIT_RICH: '1', TZ: 'UTC' } };
const NOBODY = 'setpriv --reuid 65534 --regid 65534 --clear-groups';

const VENDOR = {
  'web.service':
    '[Unit]\nDescription=Web server\nDocumentation=man:true(1) https://example.org/web\nWants=helper.service\n' +
    '[Service]\nEnvironment="GREETING=hello world" PLAIN=1\nExecStart=/bin/sh -c \'echo serving; exec sleep 100\'\nWorkingDirectory=-/tmp\nUser=root\n' +
    '[Install]\nWantedBy=multi-user.target\n',
  'helper.service': '[Service]\nExecStart=/bin/sleep 100\n',
  'bad.service': '[Service]\nExecStart=/bin/false\n[Install]\nWantedBy=multi-user.target\n',
  'echo.socket': '[Socket]\nListenStream=/run/echo.sock\n[Install]\nWantedBy=sockets.target\n',
  'echo.service': '[Service]\nExecStart=/bin/cat\nStandardInput=socket\n',
  'graphical.target': '[Unit]\nDescription=Graphical Interface\nWants=multi-user.target\n',
  'late.service': '[Service]\nExecStart=/bin/sleep 100\n[Install]\nWantedBy=multi-user.target\n',
};
const ETC = {
  'web.service.d/10-extra.conf': '[Service]\nEnvironment=EXTRA=1\n',
  'multi-user.target.wants/web.service': '',
  'multi-user.target.wants/bad.service': '',
  'sockets.target.wants/echo.socket': '',
};

/** Runs each line in the namespace (ts-init PID 1) and returns "<line> => rc" blocks. */
async function session(lines: string[]): Promise<(line: string) => { text: string; rc: number }> {
  const vendor = unitDir(VENDOR);
  const etc = unitDir({ 'web.service.d/10-extra.conf': ETC['web.service.d/10-extra.conf'] });
  const links = Object.keys(ETC)
    .filter((k) => k.includes('.wants/'))
    .map((k) => `mkdir -p /etc/systemd/system/${k.slice(0, k.indexOf('/'))} && ln -s /usr/lib/systemd/system/${k.slice(k.indexOf('/') + 1)} /etc/systemd/system/${k}`)
    .join(' && ');
  const tools =
    'mkdir -p /run/bin && ' +
    `ln -s ${PINNED_TS_INIT} /run/bin/systemctl && ` +
    // An editor that writes a drop-in, and one that empties the file (the edit is dropped).
    `printf '#!/bin/sh\\nprintf "[Service]\\\\nEnvironment=EDITED=1\\\\n" > "$1"\\n' > /run/bin/ed-set && ` +
    `printf '#!/bin/sh\\n: > "$1"\\n' > /run/bin/ed-empty && chmod 755 /run/bin/ed-set /run/bin/ed-empty`;
  const setup = `cp -r ${vendor}/. /usr/lib/systemd/system/ && cp -r ${etc}/. /etc/systemd/system/ && ${links} && ${tools}`;
  const script = ['while [ "$(systemctl is-active web)" != active ]; do sleep 0.05; done', ...lines]
    .map((l) => `printf '%s\\n' ">>> ${l.replace(/(["\\$`])/g, '\\$1')}"; ${l} 2>&1; echo "<<< rc=$?"`)
    .join('; ');
  const r = await runAsPid1(['--', '/bin/sh', '-c', `PATH=/run/bin:$PATH; ${script}`], RICH, setup);
  expect(r.code, r.stderr).toBe(0);
  return (line: string) => {
    const start = r.stdout.indexOf(`>>> ${line}\n`);
    if (start < 0) throw new Error(`no output for ${line} in:\n${r.stdout}`);
    const end = r.stdout.indexOf('<<< rc=', start);
    const text = r.stdout
      .slice(start + line.length + 5, end)
      .split('\n')
      .map((l) => l.replace(/\r$/, ''))
      .filter((l) => !/^(web\.service: )?serving$/.test(l))
      .join('\n');
    return { text, rc: Number(/<<< rc=(\d+)/.exec(r.stdout.slice(end))![1]) };
  };
}

describe('systemctl verbs', () => {
  it('cat, status with Drop-In:, show, list-dependencies, list-sockets, list-jobs, is-system-running, status, -t, --failed', async () => {
    const b = await session([
      'systemctl cat web',
      'systemctl cat nope',
      'systemctl status web -n 0',
      'systemctl show web',
      'systemctl show -p ExecStart,DropInPaths,Environment,User,WorkingDirectory,NeedDaemonReload,RestartUSec,TimeoutStartUSec web',
      'systemctl list-dependencies web',
      'systemctl list-dependencies --reverse helper',
      'systemctl list-sockets',
      'systemctl list-jobs',
      'systemctl is-system-running',
      'systemctl status',
      'systemctl list-units -t socket --no-legend',
      'systemctl list-units --failed --no-legend',
    ]);
    expect(b('systemctl cat web')).toEqual({
      text: `# /lib/systemd/system/web.service\n${VENDOR['web.service']}\n# /etc/systemd/system/web.service.d/10-extra.conf\n${ETC['web.service.d/10-extra.conf']}`,
      rc: 0,
    });
    expect(b('systemctl cat nope')).toEqual({ text: 'No files found for nope.service.\n', rc: 1 });
    expect(b('systemctl status web -n 0').text).toMatch(
      /^● web\.service - Web server\n {5}Loaded: loaded \(\/lib\/systemd\/system\/web\.service; enabled\)\n {4}Drop-In: \/etc\/systemd\/system\/web\.service\.d\n {13}└─10-extra\.conf\n {5}Active: active \(running\) since /,
    );
    const show = b('systemctl show web').text;
    expect(show).toMatch(/^Type=simple\nExitType=main\nRestart=no\n/);
    for (const line of ['Id=web.service', 'LoadState=loaded', 'ActiveState=active', 'SubState=running', 'UnitFileState=enabled', 'CanStart=yes']) {
      expect(show).toContain(`\n${line}\n`);
    }
    expect(show).not.toMatch(/^PIDFile=$/m); // empty properties only with --all
    expect(b('systemctl show -p ExecStart,DropInPaths,Environment,User,WorkingDirectory,NeedDaemonReload,RestartUSec,TimeoutStartUSec web').text).toMatch(
      new RegExp(
        '^RestartUSec=100ms\nTimeoutStartUSec=1min 30s\n' +
          'ExecStart=\\{ path=/bin/sh ; argv\\[\\]=/bin/sh -c echo serving; exec sleep 100 ; ignore_errors=no ; start_time=\\[\\w{3} [\\d-]+ [\\d:]+ UTC\\] ; stop_time=\\[n/a\\] ; pid=\\d+ ; code=\\(null\\) ; status=0/0 \\}\n' +
          'Environment="GREETING=hello world" PLAIN=1 EXTRA=1\nWorkingDirectory=!/tmp\nUser=root\n' +
          'DropInPaths=/etc/systemd/system/web.service.d/10-extra.conf\nNeedDaemonReload=no\n$',
      ),
    );
    expect(b('systemctl list-dependencies web')).toEqual({ text: 'web.service\n● ├─helper.service\n● └─sysinit.target\n●   ├─local-fs.target\n●   └─swap.target\n', rc: 0 });
    expect(b('systemctl list-dependencies --reverse helper')).toEqual({ text: 'helper.service\n● └─web.service\n', rc: 0 });
    expect(b('systemctl list-sockets')).toEqual({
      text: 'LISTEN         UNIT        ACTIVATES\n/run/echo.sock echo.socket echo.service\n\n1 sockets listed.\nPass --all to see loaded but inactive sockets, too.\n',
      rc: 0,
    });
    expect(b('systemctl list-jobs')).toEqual({ text: 'No jobs running.\n', rc: 0 });
    // bad.service failed at boot: degraded, exit 1 (only "running" is 0).
    expect(b('systemctl is-system-running')).toEqual({ text: 'degraded\n', rc: 1 });
    const status = b('systemctl status');
    expect(status.rc).toBe(0);
    expect(status.text).toMatch(/^● \S+\n {4}State: degraded\n {4}Units: \d+ loaded \(incl\. loaded aliases\)\n {5}Jobs: 0 queued\n {3}Failed: 1 units\n {4}Since: \w{3} [\d-]+ [\d:]+ UTC; .*ago\n/);
    expect(status.text).toMatch(/^ {11}[├└]─web\.service\n {11}[│ ] └─\d+ sleep 100$/m);
    expect(b('systemctl list-units -t socket --no-legend').text).toMatch(/^echo\.socket\s+loaded active listening/);
    expect(b('systemctl list-units -t socket --no-legend').text).not.toMatch(/\.service/);
    expect(b('systemctl list-units --failed --no-legend').text).toMatch(/^bad\.service\s+loaded failed failed/);
  }, 60_000);

  it('reset-failed, the manager environment (units started afterwards get it), get-/set-default, mask/unmask, preset', async () => {
    const b = await session([
      'systemctl reset-failed bad',
      'systemctl show -p ActiveState,SubState,Result,NRestarts bad',
      'systemctl is-system-running',
      'systemctl reset-failed nope',
      'systemctl set-environment FOO=bar "B=x y"',
      'systemctl set-environment 1BAD=x',
      'systemctl show-environment | grep -E "^(FOO|B)="',
      'systemctl unset-environment FOO',
      'systemctl show-environment | grep -c "^FOO="',
      'systemctl restart helper',
      "tr '\\0' '\\n' < /proc/$(systemctl show -P MainPID helper)/environ | grep -E '^(B|FOO)='",
      'systemctl get-default',
      'systemctl set-default graphical',
      'systemctl get-default; systemctl set-default graphical',
      'systemctl mask helper',
      'systemctl mask helper',
      'systemctl is-enabled helper',
      'systemctl start helper',
      'systemctl unmask helper',
      'systemctl unmask helper',
      'mkdir -p /run/systemd/system-preset && echo "disable late.service" > /run/systemd/system-preset/50-test.preset',
      'systemctl enable late',
      'systemctl preset late',
      'echo "enable *" > /run/systemd/system-preset/40-test.preset; systemctl preset late',
      'systemctl preset nope',
    ]);
    expect(b('systemctl reset-failed bad')).toEqual({ text: '', rc: 0 });
    expect(b('systemctl show -p ActiveState,SubState,Result,NRestarts bad')).toEqual({ text: 'Result=success\nNRestarts=0\nActiveState=inactive\nSubState=dead\n', rc: 0 });
    expect(b('systemctl is-system-running')).toEqual({ text: 'running\n', rc: 0 });
    expect(b('systemctl reset-failed nope')).toEqual({ text: 'Failed to reset failed state of unit nope.service: Unit nope.service not loaded.\n', rc: 1 });
    expect(b('systemctl set-environment FOO=bar "B=x y"')).toEqual({ text: '', rc: 0 });
    expect(b('systemctl set-environment 1BAD=x')).toEqual({ text: 'Failed to set environment: Invalid environment assignments\n', rc: 1 });
    expect(b('systemctl show-environment | grep -E "^(FOO|B)="').text).toBe("B=$'x y'\nFOO=bar\n");
    expect(b('systemctl show-environment | grep -c "^FOO="').text).toBe('0\n');
    expect(b("tr '\\0' '\\n' < /proc/$(systemctl show -P MainPID helper)/environ | grep -E '^(B|FOO)='").text).toBe('B=x y\n');
    expect(b('systemctl get-default')).toEqual({ text: 'multi-user.target\n', rc: 0 });
    expect(b('systemctl set-default graphical')).toEqual({
      text: 'Created symlink /etc/systemd/system/default.target → /lib/systemd/system/graphical.target.\n',
      rc: 0,
    });
    expect(b('systemctl get-default; systemctl set-default graphical').text).toBe('graphical.target\n');
    expect(b('systemctl mask helper')).toEqual({ text: 'Created symlink /etc/systemd/system/helper.service → /dev/null.\n', rc: 0 });
    expect(b('systemctl is-enabled helper').text).toBe('masked\n');
    expect(b('systemctl unmask helper')).toEqual({ text: 'Removed "/etc/systemd/system/helper.service".\n', rc: 0 });
    const link = '/etc/systemd/system/multi-user.target.wants/late.service';
    expect(b('systemctl enable late')).toEqual({ text: `Created symlink ${link} → /lib/systemd/system/late.service.\n`, rc: 0 });
    expect(b('systemctl preset late')).toEqual({ text: `Removed "${link}".\n`, rc: 0 });
    expect(b('echo "enable *" > /run/systemd/system-preset/40-test.preset; systemctl preset late')).toEqual({
      text: `Created symlink ${link} → /lib/systemd/system/late.service.\n`,
      rc: 0,
    });
    expect(b('systemctl preset nope')).toEqual({ text: 'Failed to preset unit: Unit file nope.service does not exist.\n', rc: 1 });
  }, 60_000);

  it('edit: a drop-in by the editor, an empty edit removes it, --full, --drop-in=; revert; help', async () => {
    const b = await session([
      'SYSTEMD_EDITOR=ed-set systemctl edit web',
      "script -qec 'SYSTEMD_EDITOR=ed-set systemctl edit web' /dev/null",
      'cat /etc/systemd/system/web.service.d/override.conf',
      'systemctl show -p DropInPaths web',
      "script -qec 'EDITOR=ed-set systemctl edit --drop-in=20-more web' /dev/null",
      'ls /etc/systemd/system/web.service.d',
      "script -qec 'SYSTEMD_EDITOR=ed-empty systemctl edit web' /dev/null",
      "script -qec 'SYSTEMD_EDITOR=ed-set systemctl edit --full helper' /dev/null",
      'cat /etc/systemd/system/helper.service',
      "script -qec 'SYSTEMD_EDITOR=ed-set systemctl edit nope' /dev/null",
      "script -qec 'SYSTEMD_EDITOR=ed-empty systemctl edit --force --full nope' /dev/null",
      "script -qec 'PATH=/nowhere SYSTEMD_EDITOR= EDITOR= VISUAL= /run/bin/systemctl edit web' /dev/null",
      'systemctl revert web',
      'systemctl revert helper',
      'ls /etc/systemd/system',
      'PATH=/nowhere /run/bin/systemctl help web',
      'systemctl help helper',
    ]);
    // As systemctl 252: an editor needs a terminal.
    expect(b('SYSTEMD_EDITOR=ed-set systemctl edit web')).toEqual({ text: 'Cannot edit units if not on a tty.\n', rc: 1 });
    expect(b("script -qec 'SYSTEMD_EDITOR=ed-set systemctl edit web' /dev/null")).toEqual({ text: '', rc: 0 });
    expect(b('cat /etc/systemd/system/web.service.d/override.conf').text).toBe('[Service]\nEnvironment=EDITED=1\n');
    expect(b('systemctl show -p DropInPaths web').text).toBe('DropInPaths=/etc/systemd/system/web.service.d/10-extra.conf /etc/systemd/system/web.service.d/override.conf\n');
    expect(b('ls /etc/systemd/system/web.service.d').text).toBe('10-extra.conf\n20-more.conf\noverride.conf\n');
    expect(b("script -qec 'SYSTEMD_EDITOR=ed-empty systemctl edit web' /dev/null")).toEqual({ text: 'Removed "/etc/systemd/system/web.service.d/override.conf".\n', rc: 0 });
    expect(b('cat /etc/systemd/system/helper.service').text).toBe('[Service]\nEnvironment=EDITED=1\n');
    expect(b("script -qec 'SYSTEMD_EDITOR=ed-set systemctl edit nope' /dev/null")).toEqual({
      text: "No files found for nope.service.\nRun 'systemctl edit --force --full nope.service' to create a new unit.\n",
      rc: 1,
    });
    expect(b("script -qec 'SYSTEMD_EDITOR=ed-empty systemctl edit --force --full nope' /dev/null")).toEqual({ text: 'Editing "/etc/systemd/system/nope.service" canceled: temporary file is empty.\n', rc: 0 });
    expect(b("script -qec 'PATH=/nowhere SYSTEMD_EDITOR= EDITOR= VISUAL= /run/bin/systemctl edit web' /dev/null")).toEqual({
      text: 'Cannot edit units, no editor available. Please set either $SYSTEMD_EDITOR, $EDITOR or $VISUAL.\n',
      rc: 1,
    });
    expect(b('systemctl revert web')).toEqual({
      text:
        'Removed "/etc/systemd/system/web.service.d/10-extra.conf".\nRemoved "/etc/systemd/system/web.service.d/20-more.conf".\nRemoved "/etc/systemd/system/web.service.d".\n',
      rc: 0,
    });
    expect(b('systemctl revert helper')).toEqual({ text: 'Removed "/etc/systemd/system/helper.service".\n', rc: 0 });
    expect(b('ls /etc/systemd/system').text).not.toMatch(/helper\.service|web\.service\.d|nope/);
    // As systemctl 252: what cannot be shown is said, each page in turn, and man's failure is not systemctl's (exit 0).
    expect(b('PATH=/nowhere /run/bin/systemctl help web')).toEqual({ text: "Failed to execute man: No such file or directory\nCan't show: https://example.org/web\n", rc: 0 });
    expect(b('systemctl help helper')).toEqual({ text: 'Documentation for helper.service not known.\n', rc: 0 });
  }, 60_000);

  it("another user gets the read-only answers and is refused jobs and changes, in systemd's words", async () => {
    const b = await session([
      `${NOBODY} systemctl is-active web`,
      `${NOBODY} systemctl is-enabled web`,
      `${NOBODY} systemctl is-failed bad`,
      `${NOBODY} systemctl status web`,
      `${NOBODY} systemctl show -p ActiveState,UnitFileState web`,
      `${NOBODY} systemctl list-units --no-legend web.service`,
      `${NOBODY} systemctl list-unit-files --no-legend web.service`,
      `${NOBODY} systemctl cat helper`,
      `${NOBODY} systemctl list-dependencies --reverse helper`,
      `${NOBODY} systemctl is-system-running`,
      `${NOBODY} systemctl stop web`,
      `${NOBODY} systemctl restart web helper`,
      `${NOBODY} systemctl enable late`,
      `${NOBODY} systemctl daemon-reload`,
      `${NOBODY} systemctl set-environment A=1`,
      `${NOBODY} systemctl reset-failed`,
      `${NOBODY} systemctl poweroff`,
      `${NOBODY} systemctl kill web`,
      `${NOBODY} systemctl reset-failed bad`,
      'systemctl is-active web helper',
      'systemctl is-failed bad',
    ]);
    expect(b(`${NOBODY} systemctl is-active web`)).toEqual({ text: 'active\n', rc: 0 });
    expect(b(`${NOBODY} systemctl is-enabled web`)).toEqual({ text: 'enabled\n', rc: 0 });
    expect(b(`${NOBODY} systemctl is-failed bad`)).toEqual({ text: 'failed\n', rc: 0 });
    const status = b(`${NOBODY} systemctl status web`);
    expect(status.rc).toBe(0);
    expect(status.text).toMatch(/^● web\.service - Web server\n {5}Loaded: loaded .*\n {4}Drop-In: /);
    // The unit's output is root's to read (systemd shows another user no journal lines either).
    expect(status.text).not.toMatch(/serving/);
    expect(b(`${NOBODY} systemctl show -p ActiveState,UnitFileState web`)).toEqual({ text: 'ActiveState=active\nUnitFileState=enabled\n', rc: 0 });
    expect(b(`${NOBODY} systemctl list-units --no-legend web.service`).text).toMatch(/^web\.service\s+loaded active running Web server\n$/);
    expect(b(`${NOBODY} systemctl list-unit-files --no-legend web.service`).text).toMatch(/^web\.service\s+enabled\n$/);
    expect(b(`${NOBODY} systemctl cat helper`)).toEqual({ text: `# /lib/systemd/system/helper.service\n${VENDOR['helper.service']}`, rc: 0 });
    expect(b(`${NOBODY} systemctl list-dependencies --reverse helper`).text).toBe('helper.service\n● └─web.service\n');
    expect(b(`${NOBODY} systemctl is-system-running`)).toEqual({ text: 'degraded\n', rc: 1 });
    expect(b(`${NOBODY} systemctl stop web`)).toEqual({
      text: "Failed to stop web.service: Access denied\nSee system logs and 'systemctl status web.service' for details.\n",
      rc: 4,
    });
    expect(b(`${NOBODY} systemctl restart web helper`)).toEqual({
      text:
        "Failed to restart web.service: Access denied\nSee system logs and 'systemctl status web.service' for details.\n" +
        "Failed to restart helper.service: Access denied\nSee system logs and 'systemctl status helper.service' for details.\n",
      rc: 4,
    });
    expect(b(`${NOBODY} systemctl enable late`)).toEqual({ text: 'Failed to enable unit: Access denied\n', rc: 1 });
    expect(b(`${NOBODY} systemctl daemon-reload`)).toEqual({ text: 'Reload daemon failed: Access denied\n', rc: 1 });
    expect(b(`${NOBODY} systemctl set-environment A=1`)).toEqual({ text: 'Failed to set environment: Access denied\n', rc: 1 });
    expect(b(`${NOBODY} systemctl reset-failed`)).toEqual({ text: 'Failed to execute operation: Access denied\n', rc: 1 });
    expect(b(`${NOBODY} systemctl reset-failed bad`)).toEqual({ text: 'Failed to reset failed state of unit bad.service: Access denied\n', rc: 1 });
    expect(b(`${NOBODY} systemctl poweroff`)).toEqual({ text: 'Call to PowerOff failed: Access denied\n', rc: 1 });
    expect(b(`${NOBODY} systemctl kill web`)).toEqual({ text: 'Failed to kill unit web.service: Access denied\n', rc: 1 });
    // Nothing was done: both still run, bad is still failed.
    expect(b('systemctl is-active web helper')).toEqual({ text: 'active\nactive\n', rc: 0 });
    expect(b('systemctl is-failed bad')).toEqual({ text: 'failed\n', rc: 0 });
  }, 60_000);
});
