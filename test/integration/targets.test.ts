// Targets as synchronisation points and systemd's default dependencies: a unit ordered
// after a passive target waits for what is ordered before it (Squid after BIND through
// nss-lookup.target); targets nobody pulls in stay out; DefaultDependencies=no units
// start ahead of sysinit.target's followers.
import { expect, it } from 'vitest';
import { PINNED_TS_INIT, runAsPid1, TS_INIT } from '../helpers/ts-init';
import { notifyDaemon, transitions, unitDir } from '../helpers/units';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/temp-dir';

const stamp = (label: string): string => `/usr/bin/python3 -c 'import time; print("${label}", time.time(), flush=True); time.sleep(100)'`;

it('ordering through targets: After=nss-lookup.target waits for the unit that is Before= it', async () => {
  const bin = tempDir('ts-init-bin-');
  fs.symlinkSync(TS_INIT, path.join(bin, 'systemctl'));
  const dir = unitDir({
    // BIND: ready after 1 s, before nss-lookup.target (which it pulls in, as Debian's bind9 does).
    'named.service': `[Unit]\nWants=nss-lookup.target\nBefore=nss-lookup.target\n[Service]\nType=notify\nExecStart=${notifyDaemon(1, 'named')}\n`,
    'proxy.service': `[Unit]\nAfter=network.target nss-lookup.target\n[Service]\nExecStart=${stamp('proxy started')}\n`,
    'early.service': `[Unit]\nDefaultDependencies=no\nBefore=sysinit.target\n[Service]\nType=oneshot\nExecStart=/bin/sh -c 'sleep 0.3; echo early done'\n`,
  });
  const r = await runAsPid1(['-v', '--units', dir, '--', '/bin/sh', '-c', `PATH=${bin}:$PATH; systemctl list-units --all --no-legend; systemctl show -p After proxy.service`]);
  expect(r.code).toBe(0);
  const named = Number(/named ready ([\d.]+)/.exec(r.stdout)![1]);
  const proxy = Number(/proxy started ([\d.]+)/.exec(r.stdout)![1]);
  expect(proxy).toBeGreaterThanOrEqual(named);
  // sysinit.target waited for early.service; every service waits for sysinit.target.
  const order = r.stderr.split('\n').filter((l) => / -> active/.test(l)).map((l) => /unit="([^"]+)"/.exec(l)?.[1]);
  expect(order.indexOf('sysinit.target')).toBeGreaterThan(-1);
  expect(r.stderr.indexOf('unit="early.service"')).toBeLessThan(r.stderr.indexOf('-> active (exited) unit="sysinit.target"'));
  expect(order.indexOf('named.service')).toBeGreaterThan(order.indexOf('basic.target'));
  expect(order.indexOf('nss-lookup.target')).toBeGreaterThan(order.indexOf('named.service'));
  // Targets are listed as systemd lists them; network.target is only named (After=), so not started.
  expect(r.stdout).toMatch(/^nss-lookup\.target\s+loaded active\s+active\s+Host and Network Name Lookups$/m);
  expect(r.stdout).toMatch(/^multi-user\.target\s+loaded active\s+active\s+Multi-User System$/m);
  expect(r.stdout).not.toMatch(/^network\.target/m);
  expect(r.stdout).toMatch(/^After=network\.target nss-lookup\.target sysinit\.target basic\.target$/m);
});

it('a start that fails because a required unit failed leaves the target as it was: never failed', async () => {
  const bin = tempDir('ts-init-bin-');
  fs.symlinkSync(TS_INIT, path.join(bin, 'systemctl'));
  const dir = unitDir({
    'fails.service': '[Service]\nType=oneshot\nExecStart=/bin/false\n',
    'needs.target': '[Unit]\nDescription=Needs fails\nRequires=fails.service\nAfter=fails.service\n',
    'app.service': '[Unit]\nRequires=needs.target\nAfter=needs.target\n[Service]\nExecStart=/bin/sleep 100\n',
    'wanting.target': '[Unit]\nDescription=Wants fails\nWants=fails.service\nAfter=fails.service\n',
  });
  const steps = [
    'list-units --failed --no-legend --plain',
    'start needs.target',
    'is-failed needs.target',
    'start app.service',
    'is-active app.service',
    'start wanting.target',
    'is-active wanting.target',
    'list-units --failed --no-legend --plain',
  ];
  const script = steps.map((s) => `echo "== ${s}"; systemctl ${s} 2>&1; echo "rc=$?"`).join('; ');
  const r = await runAsPid1(['--units', dir, '--', '/bin/sh', '-c', `PATH=${bin}:$PATH; ${script}`]);
  expect(r.code).toBe(0);
  const sections = r.stdout.split('== ').slice(1).map((a) => [a.slice(0, a.indexOf('\n')), a.slice(a.indexOf('\n') + 1)] as const);
  expect(sections.map(([step]) => step)).toEqual(steps);
  const answers = Object.fromEntries(sections);
  // At boot and on demand alike: only the service that failed is failed.
  const onlyFails = 'fails.service loaded failed failed fails.service\nrc=0\n';
  expect(sections[0]![1]).toBe(onlyFails);
  // systemd: the job's result is "dependency", the target stays inactive.
  expect(answers['start needs.target']).toBe("A dependency job for needs.target failed. See 'journalctl -xe' for details.\nrc=1\n");
  expect(answers['is-failed needs.target']).toBe('inactive\nrc=1\n');
  // ... and on through a chain: the service requiring the target does not start, nor fail.
  expect(answers['start app.service']).toBe("A dependency job for app.service failed. See 'journalctl -xe' for details.\nrc=1\n");
  expect(answers['is-active app.service']).toBe('inactive\nrc=3\n');
  // Wants= never fails anything.
  expect(answers['start wanting.target']).toBe('rc=0\n');
  expect(answers['is-active wanting.target']).toBe('active\nrc=0\n');
  expect(sections.at(-1)![1]).toBe(onlyFails);
});

it('enabling and disabling units changes multi-user.target\'s Wants= without taking the target down and up', async () => {
  const vendor = unitDir({
    'web.service': '[Service]\nExecStart=/bin/sleep 100\n[Install]\nWantedBy=multi-user.target\n',
    'late.service': '[Service]\nExecStart=/bin/sleep 100\n[Install]\nWantedBy=multi-user.target\n',
  });
  const setup =
    `cp -r ${vendor}/. /usr/lib/systemd/system/ && mkdir -p /etc/systemd/system/multi-user.target.wants /run/bin && ` +
    `ln -s /usr/lib/systemd/system/web.service /etc/systemd/system/multi-user.target.wants/web.service && ln -s ${PINNED_TS_INIT} /run/bin/systemctl`;
  const steps = ['enable late', 'disable late', 'enable --now late', 'disable --now late', 'disable web', 'daemon-reload', 'enable web', 'is-active multi-user.target', 'list-units --failed --no-legend --plain'];
  const script = ['while [ "$(systemctl is-active web)" != active ]; do sleep 0.05; done', ...steps.map((s) => `systemctl ${s} >/dev/null 2>&1`), 'systemctl is-active multi-user.target web late'].join('; ');
  const r = await runAsPid1(['-v', '--', '/bin/sh', '-c', `PATH=/run/bin:$PATH; ${script}`], { env: { ...process.env, TS_INIT_RICH: '1' } }, setup);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toBe('active\nactive\ninactive\n');
  // The reloads saw the target's definition change, and left its state alone (systemd never restarts on a
  // reload). Restarted on each, multi-user.target hit its start limit (5 in 10 s) and ended failed.
  expect(r.stderr).toMatch(/changed=\["multi-user\.target"\]/);
  const beforeShutdown = r.stderr.slice(0, r.stderr.indexOf('shutting down'));
  expect(transitions(beforeShutdown, 'multi-user.target')).toEqual(['inactive (dead) -> active (exited)']);
});
