// The systemctl front's details that Debian's maintainer scripts and monitoring read:
// "--" before unit names (deb-systemd-invoke, deb-systemd-helper) and `show` timestamps.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { runAsPid1, TS_INIT } from '../helpers/ts-init';
import { unitDir } from '../helpers/units';
import { tempDir } from '../helpers/temp-dir';

it('"--" before unit names; ActiveEnterTimestamp as systemd formats it, *Monotonic in µs of CLOCK_MONOTONIC', async () => {
  const bin = tempDir('ts-init-bin-');
  fs.symlinkSync(TS_INIT, path.join(bin, 'systemctl'));
  const dir = unitDir({ 'web.service': '[Service]\nExecStart=/bin/sleep 100\n[Install]\nWantedBy=multi-user.target\n' });
  const script = [
    'systemctl is-active -- web.service',
    'systemctl --quiet is-enabled -- web.service && echo enabled-rc0',
    'systemctl restart -- web.service && echo restarted',
    'systemctl show -p ActiveEnterTimestamp,ActiveEnterTimestampMonotonic web',
    '/usr/bin/python3 -c "import time; print(\'now\', time.monotonic(), time.time())"',
  ].join('; ');
  const r = await runAsPid1(['--units', dir, '--', '/bin/sh', '-c', `PATH=${bin}:$PATH TZ=UTC; export TZ; ${script}`]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^active\nenabled-rc0\nrestarted\n/);
  const stamp = /^ActiveEnterTimestamp=(\w{3} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC)$/m.exec(r.stdout);
  const mono = /^ActiveEnterTimestampMonotonic=(\d+)$/m.exec(r.stdout);
  const now = /^now ([\d.]+) ([\d.]+)$/m.exec(r.stdout);
  expect(stamp, r.stdout).not.toBeNull();
  expect(mono, r.stdout).not.toBeNull();
  const [, nowMono, nowWall] = now!.map(Number);
  const wall = Date.parse(stamp![1]!.replace(/^\w{3} /, '').replace(' UTC', 'Z').replace(' ', 'T')) / 1000;
  expect(Math.abs(nowWall! - wall)).toBeLessThan(5);
  expect(Number(mono![1]) / 1e6).toBeLessThanOrEqual(nowMono!);
  expect(nowMono! - Number(mono![1]) / 1e6).toBeLessThan(5);
});

it('InactiveExit, ActiveExit and InactiveEnter timestamps: the start job before ExecStartPre=, then the stop (0 before it)', async () => {
  const bin = tempDir('ts-init-bin-');
  fs.symlinkSync(TS_INIT, path.join(bin, 'systemctl'));
  const dir = unitDir({
    'pre.service': '[Service]\nExecStartPre=/bin/sleep 0.3\nExecStart=/bin/sleep 100\n[Install]\nWantedBy=multi-user.target\n',
  });
  const props = '-p InactiveExitTimestampMonotonic -p ExecMainStartTimestampMonotonic -p ActiveEnterTimestampMonotonic -p ActiveExitTimestampMonotonic -p InactiveEnterTimestampMonotonic';
  const script = [
    'while [ "$(systemctl is-active pre)" != active ]; do sleep 0.05; done',
    `systemctl show ${props} pre`,
    'systemctl stop pre',
    `systemctl show ${props} pre | sed s/^/stopped-/`,
  ].join('; ');
  const r = await runAsPid1(['--units', dir, '--', '/bin/sh', '-c', `PATH=${bin}:$PATH; ${script}`]);
  expect(r.code, r.stderr).toBe(0);
  const get = (key: string): number => {
    const m = new RegExp(`^${key}TimestampMonotonic=(\\d+)$`, 'm').exec(r.stdout);
    expect(m, `${key} in\n${r.stdout}`).not.toBeNull();
    return Number(m![1]) / 1000;
  };
  const inactiveExit = get('InactiveExit');
  const mainStart = get('ExecMainStart');
  // ExecStartPre= ran between the start job and the main process.
  expect(mainStart - inactiveExit).toBeGreaterThanOrEqual(250);
  expect(get('ActiveEnter')).toBeGreaterThanOrEqual(mainStart);
  expect([get('ActiveExit'), get('InactiveEnter')]).toEqual([0, 0]);
  const stoppedActiveExit = get('stopped-ActiveExit');
  expect(stoppedActiveExit).toBeGreaterThanOrEqual(get('ActiveEnter'));
  expect(get('stopped-InactiveEnter')).toBeGreaterThanOrEqual(stoppedActiveExit);
  // The same moment, converted to CLOCK_MONOTONIC again by the second call.
  expect(Math.abs(get('stopped-InactiveExit') - inactiveExit), r.stdout).toBeLessThan(2);
});
