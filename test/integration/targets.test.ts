// Targets as synchronisation points and systemd's default dependencies: a unit ordered
// after a passive target waits for what is ordered before it (Squid after BIND through
// nss-lookup.target); targets nobody pulls in stay out; DefaultDependencies=no units
// start ahead of sysinit.target's followers.
import { expect, it } from 'vitest';
import { runAsPid1, TS_INIT } from '../helpers/ts-init';
import { notifyDaemon, unitDir } from '../helpers/units';
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
