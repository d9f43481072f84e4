// The Manager the control plane drives, on a real Supervisor in this process:
// real processes, real signals, no control socket in between.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArgs, type InitOptions } from '../../src/cli/options';
import { ChildWatch } from '../../src/process/child-watch';
import { ProcessTable } from '../../src/process/process-table';
import { createLogger } from '../../src/log/logger';
import { ServiceOutput } from '../../src/output/service-output';
import { StdoutWriter } from '../../src/output/stdout-writer';
import { Supervisor } from '../../src/supervisor/supervisor';
import { unitDirectories } from '../../src/supervisor/unit-dirs';
import { UnitManager } from '../../src/supervisor/unit-manager';
import { UnitRegistry } from '../../src/supervisor/unit-registry';
import { setChildSubreaper } from '../../src/sys/libc';
import { unitDir } from '../helpers/units';
import * as fs from 'node:fs';

let sup: Supervisor;
let manager: UnitManager;
let shutdownAsked = 0;

/** Waits (bounded) until web's output has a line that passes; a loaded machine can take seconds. */
async function webPrinted(check: (line: string) => boolean, ms = 15_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!manager.logs('web', 100)!.some((l) => check(l.line))) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/**
 * web is Type=simple: started means forked, not that its shell has set its HUP trap yet.
 * Its "serving PID" line comes after the trap, so a HUP sent once it is seen is caught.
 */
async function webServing(): Promise<number> {
  const pid = (await manager.status(['web']))[0]!.mainPid!;
  expect(await webPrinted((l) => l === `serving ${pid}`)).toBe(true);
  return pid;
}

beforeAll(async () => {
  setChildSubreaper();
  const dir = unitDir({
    'web.service': `[Unit]\nDescription=Web server\n[Service]\nExecStart=/bin/sh -c "trap 'echo reloaded' HUP; echo serving $$$$; while :; do sleep 0.05; done"\nExecReload=/bin/kill -HUP $MAINPID\n[Install]\nWantedBy=multi-user.target\n`,
    'job.service': `[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n`,
    'bad.service': `[Service]\nExecStartPre=/bin/false\nExecStart=/bin/true\n`,
    'broken.service': `[Service]\nType=bogus\nExecStart=/bin/true\n`,
  });
  const parsed = parseArgs(['--units', dir, '--', '/bin/true'], {});
  const options = (parsed as { options: InitOptions }).options;
  const log = createLogger(0, 'text');
  const table = new ProcessTable();
  const watch = new ChildWatch(table);
  const output = new ServiceOutput('text', new StdoutWriter(fs.openSync('/dev/null', 'w')));
  const registry = new UnitRegistry(unitDirectories(options, false), log);
  sup = new Supervisor({ table, watch, log, output, options, registry });
  manager = new UnitManager(registry, sup, output, log, () => shutdownAsked++);
  await sup.start();
}, 30_000);

afterAll(async () => {
  await sup?.stopAll();
});

describe('Manager on a live supervisor', () => {
  it('status in systemd words, with pid, CPU and memory', async () => {
    const [web] = await manager.status(['web']);
    expect(web).toMatchObject({ name: 'web.service', description: 'Web server', loadState: 'loaded', activeState: 'active', subState: 'running', result: 'success', restarts: 0 });
    expect(web!.mainPid).toBeGreaterThan(1);
    expect(web!.rssBytes).toBeGreaterThan(0);
    expect(web!.properties).toMatchObject({ ActiveState: 'active', SubState: 'running', Type: 'simple', MainPID: String(web!.mainPid) });
    const [job] = await manager.status(['job.service']);
    expect([job!.activeState, job!.subState]).toEqual(['active', 'exited']);
  });

  it('unknown and broken units are reported, not thrown', async () => {
    const [nope, broken] = await manager.status(['nope', 'broken']);
    expect(nope).toMatchObject({ name: 'nope.service', loadState: 'not-found', activeState: 'inactive' });
    expect(broken).toMatchObject({ name: 'broken.service', loadState: 'bad-setting' });
    expect(broken!.loadError).toMatch(/broken\.service:2/);
    expect(await manager.start('nope')).toEqual({ result: 'not-found', message: 'Unit nope.service not found.' });
  });

  it('a start that fails says so; the failed unit shows failed', async () => {
    const j = await manager.start('bad');
    expect(j.result).toBe('failed');
    const [bad] = await manager.status(['bad']);
    expect([bad!.activeState, bad!.result]).toEqual(['failed', 'exit-code']);
  });

  it('stop, start, restart resolve when done', async () => {
    const pid0 = (await manager.status(['web']))[0]!.mainPid;
    expect(await manager.stop('web')).toEqual({ result: 'done' });
    expect((await manager.status(['web']))[0]!.activeState).toBe('inactive');
    expect(await manager.start('web')).toEqual({ result: 'done' });
    const pid1 = (await manager.status(['web']))[0]!.mainPid;
    expect(pid1).not.toBe(pid0);
    expect(await manager.restart('web')).toEqual({ result: 'done' });
    const after = (await manager.status(['web']))[0]!;
    expect(after.activeState).toBe('active');
    expect(after.mainPid).not.toBe(pid1);
    expect(after.restarts).toBeGreaterThanOrEqual(1);
  });

  it('reload runs ExecReload; reload of a unit without one is refused', async () => {
    await webServing();
    expect(await manager.reload('web')).toEqual({ result: 'done' });
    await webPrinted((l) => l === 'reloaded');
    expect(manager.logs('web', 100)!.map((l) => l.line)).toContain('reloaded');
    expect(await manager.reload('job')).toEqual({ result: 'invalid', message: 'Job type reload is not applicable for unit job.service.' });
  });

  it('kill signals the unit; logs and follow see its output', async () => {
    await webServing();
    const seen: string[] = [];
    const stop = manager.follow('web', (l) => seen.push(l.line))!;
    expect(manager.kill('web', 1, 'main')).toEqual({ result: 'done' });
    for (let i = 0; i < 750 && !seen.includes('reloaded'); i++) await new Promise((r) => setTimeout(r, 20));
    stop();
    expect(seen).toContain('reloaded');
    expect(manager.logs('web', 1)).toHaveLength(1);
    expect(manager.logs('nope', 1)).toBeUndefined();
  });

  it('lists units and unit files; shutdown is passed on', async () => {
    const units = await manager.listUnits();
    expect(units.map((u) => u.name).filter((n) => n.endsWith('.service'))).toEqual(['bad.service', 'job.service', 'web.service']);
    // The boot targets the services are ordered against are units too.
    expect(units.find((u) => u.name === 'multi-user.target')).toMatchObject({ activeState: 'active', subState: 'active' });
    expect(manager.listUnitFiles()).toEqual([
      { name: 'bad.service', state: 'enabled' },
      { name: 'job.service', state: 'enabled' },
      { name: 'web.service', state: 'enabled' },
    ]);
    manager.shutdown();
    expect(shutdownAsked).toBe(1);
  });
});
