// The systemctl front and `ts-init ctl`, from the built executable (dispatch by
// the name it is invoked as), against ts-init running as PID 1 with real units.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAsPid1, start, TS_INIT } from '../helpers/ts-init';
import { unitDir } from '../helpers/units';
import { tempDir } from '../helpers/temp-dir';

let bin: string;
beforeAll(() => {
  bin = tempDir('ts-init-bin-');
  fs.symlinkSync(TS_INIT, path.join(bin, 'systemctl'));
  fs.symlinkSync(TS_INIT, path.join(bin, 'service'));
});

/** Runs each shell line inside the container-like namespace and reports "<line> => rc" plus its output. */
async function session(units: Record<string, string>, lines: string[]): Promise<string> {
  const dir = unitDir(units);
  const script = lines.map((l) => `echo ">>> ${l.replace(/"/g, '\\"')}"; ${l} 2>&1; echo "<<< rc=$?"`).join('; ');
  const r = await runAsPid1(['--units', dir, '--', '/bin/sh', '-c', `PATH=${bin}:$PATH; ${script}`]);
  expect(r.code).toBe(0);
  return r.stdout;
}

function block(out: string, line: string): { text: string; rc: number } {
  const start = out.indexOf(`>>> ${line}\n`);
  if (start < 0) throw new Error(`no output for ${line} in:\n${out}`);
  const end = out.indexOf('<<< rc=', start);
  // Unit output shares the stdout; it is not part of any command's answer.
  const text = out
    .slice(start + line.length + 5, end)
    .split('\n')
    .filter((l) => !/^[\w-]+\.service: (serving|reloaded)$/.test(l))
    .join('\n');
  return { text, rc: Number(/<<< rc=(\d+)/.exec(out.slice(end))![1]) };
}

const UNITS = {
  'web.service': `[Unit]\nDescription=Web server\n[Service]\nExecStart=/bin/sh -c "trap 'echo reloaded' HUP; echo serving; while :; do sleep 0.05; done"\nExecReload=/bin/kill -HUP $MAINPID\n[Install]\nWantedBy=multi-user.target\n`,
  'broken-start.service': `[Service]\nExecStartPre=/bin/false\nExecStart=/bin/sleep 100\n`,
  'static.service': `[Service]\nType=oneshot\nExecStart=/bin/true\n`,
};

describe('systemctl front', () => {
  it('verbs, words and exit codes as systemctl', async () => {
    const out = await session(UNITS, [
      'systemctl is-active web',
      'systemctl is-active nope',
      'systemctl is-active web nope',
      'systemctl is-active --quiet nope',
      'systemctl is-failed broken-start',
      'systemctl is-failed web',
      'systemctl is-enabled web',
      'systemctl is-enabled static',
      'systemctl is-enabled nope',
      'systemctl status web --no-pager',
      'systemctl status nope',
      'systemctl status broken-start',
      'systemctl start nope',
      'systemctl stop nope',
      'systemctl start broken-start',
      'systemctl stop web',
      'systemctl is-active web',
      'systemctl start web',
      'systemctl reload web',
      'systemctl reload static',
      'systemctl restart web',
      'systemctl show -p ActiveState,SubState,LoadState web',
      'systemctl show -p ActiveState --value web',
      'systemctl show -p LoadState nope',
      'systemctl list-units --all --no-legend',
      'systemctl bogus-verb',
      'service web status',
      'service web restart',
      'ts-init ctl status web',
      'ts-init ctl logs -n 1 web',
      'ts-init ctl --json ping',
    ].map((l) => l.replace(/^ts-init /, `${TS_INIT} `)));
    const b = (l: string): { text: string; rc: number } => block(out, l.replace(/^ts-init /, `${TS_INIT} `));
    expect(b('systemctl is-active web')).toEqual({ text: 'active\n', rc: 0 });
    expect(b('systemctl is-active nope')).toEqual({ text: 'inactive\n', rc: 3 });
    expect(b('systemctl is-active web nope')).toEqual({ text: 'active\ninactive\n', rc: 0 });
    expect(b('systemctl is-active --quiet nope')).toEqual({ text: '', rc: 3 });
    expect(b('systemctl is-failed broken-start')).toEqual({ text: 'failed\n', rc: 0 });
    expect(b('systemctl is-failed web')).toEqual({ text: 'active\n', rc: 1 });
    expect(b('systemctl is-enabled web')).toEqual({ text: 'enabled\n', rc: 0 });
    expect(b('systemctl is-enabled static')).toEqual({ text: 'enabled\n', rc: 0 });
    expect(b('systemctl is-enabled nope')).toEqual({ text: 'Failed to get unit file state for nope.service: No such file or directory\n', rc: 1 });
    const st = b('systemctl status web --no-pager');
    expect(st.rc).toBe(0);
    expect(st.text).toMatch(/^● web\.service - Web server\n\s+Loaded: loaded \(.*web\.service; enabled\)\n\s+Active: active \(running\) since /);
    expect(st.text).toMatch(/Main PID: \d+/);
    expect(st.text).toMatch(/web\.service: serving/);
    expect(b('systemctl status nope')).toEqual({ text: 'Unit nope.service could not be found.\n', rc: 4 });
    expect(b('systemctl status broken-start').rc).toBe(3);
    expect(b('systemctl start nope')).toEqual({ text: 'Failed to start nope.service: Unit nope.service not found.\n', rc: 5 });
    expect(b('systemctl stop nope')).toEqual({ text: 'Failed to stop nope.service: Unit nope.service not loaded.\n', rc: 5 });
    expect(b('systemctl start broken-start')).toEqual({
      text: 'Job for broken-start.service failed because the control process exited with error code.\nSee "systemctl status broken-start.service" and "journalctl -xeu broken-start.service" for details.\n',
      rc: 1,
    });
    expect(b('systemctl stop web').rc).toBe(0);
    expect(out).toMatch(/>>> systemctl stop web\n<<< rc=0\n>>> systemctl is-active web\ninactive\n<<< rc=3/);
    expect(b('systemctl start web').rc).toBe(0);
    expect(b('systemctl reload web').rc).toBe(0);
    // 3: systemctl's exit code for a job type that does not apply (LSB "unimplemented feature").
    expect(b('systemctl reload static')).toEqual({ text: 'Failed to reload static.service: Job type reload is not applicable for unit static.service.\n', rc: 3 });
    expect(b('systemctl restart web').rc).toBe(0);
    expect(b('systemctl show -p ActiveState,SubState,LoadState web')).toEqual({ text: 'LoadState=loaded\nActiveState=active\nSubState=running\n', rc: 0 });
    expect(b('systemctl show -p ActiveState --value web')).toEqual({ text: 'active\n', rc: 0 });
    expect(b('systemctl show -p LoadState nope')).toEqual({ text: 'LoadState=not-found\n', rc: 0 });
    expect(b('systemctl list-units --all --no-legend').text).toMatch(/^broken-start\.service\s+loaded failed\s+failed\s+broken-start\.service$/m);
    expect(b('systemctl bogus-verb')).toEqual({ text: "Unknown command verb 'bogus-verb'.\n", rc: 1 });
    expect(b('service web status').rc).toBe(0);
    expect(b('service web restart').rc).toBe(0);
    expect(b('ts-init ctl status web').text).toMatch(/Restarts: [1-9]/);
    expect(b('ts-init ctl logs -n 1 web').text).toMatch(/^(serving|reloaded)\n$/);
    expect(JSON.parse(b('ts-init ctl --json ping').text)).toEqual({ pong: true, protocol: 1, pid: 1 });
  }, 30_000);

  it("a bad drop-in's error shows in status; SyslogIdentifier= tags the unit's lines", async () => {
    const out = await session(
      {
        'dropped.service': '[Service]\nExecStart=/bin/sleep 100\n',
        'dropped.service.d/bad.conf': '[Service]\nRestartSec=soon\n',
        'tagged.service': '[Service]\nSyslogIdentifier=tagger\nExecStart=/bin/sh -c "echo hello; exec sleep 100"\n',
      },
      ['sleep 0.3', 'systemctl status dropped', 'ts-init ctl status dropped', 'systemctl status tagged'].map((l) => l.replace(/^ts-init /, `${TS_INIT} `)),
    );
    const b = (l: string): { text: string; rc: number } => block(out, l.replace(/^ts-init /, `${TS_INIT} `));
    const loaded = /Loaded: bad-setting \(\S*dropped\.service\.d\/bad\.conf:2: error: RestartSec: invalid time span "soon"\)/;
    expect(b('systemctl status dropped').text).toMatch(loaded);
    expect(b('ts-init ctl status dropped').text).toMatch(loaded);
    expect(b('systemctl status tagged').text).toMatch(/^\S+ tagger: hello$/m);
    expect(out).toMatch(/^tagger: hello$/m);
  }, 30_000);

  it('outside ts-init it says it cannot operate, exit 1', async () => {
    const r = await start(path.join(bin, 'systemctl'), ['is-active', 'cron'], { env: { ...process.env, TS_INIT_CONTROL_SOCKET: '/nonexistent/ts-init.sock' } }).result;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^System has not been booted with ts-init as init system \(PID 1\)\. Can't operate\./);
  });
});
