// The effect interpreter on its own, with fakes for everything it touches: launches,
// signals, the notify sockets and the logger. Exits arrive through a real exit channel.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LaunchResult } from '../../../src/exec/unit-launch';
import type { Logger } from '../../../src/log/logger';
import type { NotifyMessage } from '../../../src/notify/notify-message';
import type { NotifyCredentials, NotifySockets } from '../../../src/notify/notify-sockets';
import { ExitRouter } from '../../../src/process/exit-router';
import { buildUnit } from '../../../src/units/build-unit';
import { parseUnitText } from '../../../src/units/syntax';
import type { ExecCommand, UnitConfig } from '../../../src/units/unit';
import { UnitRunner } from '../../../src/supervisor/unit-runner';
import { tempDir } from '../../helpers/temp-dir';

const runtimeRoot = tempDir('ts-init-runner-');
afterAll(() => fs.rmSync(runtimeRoot, { recursive: true, force: true }));

function unit(serviceLines: string, unitLines = '', name = 'demo.service'): UnitConfig {
  const r = buildUnit(name, parseUnitText(`[Unit]\n${unitLines}\n[Service]\n${serviceLines}\n`, `/x/${name}`), [], { hostname: 'box' });
  expect(r.diagnostics).toEqual([]);
  return r.unit;
}

/** A live process that is not this one, to stand in for a daemon (killed after the tests). */
const standIns: ChildProcess[] = [];
function standIn(): number {
  const c = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
  standIns.push(c);
  return c.pid!;
}
afterAll(() => {
  for (const c of standIns) c.kill('SIGKILL');
});

/** The stop sequence looks for what is left of the unit on the next turn of the loop. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Pids far above pid_max: no real process can be hit, whatever the runner does. */
let nextPid = 900_000_000;

function harness(config: UnitConfig, opts: { failLaunch?: boolean } = {}) {
  const exits = new ExitRouter();
  const launched: Array<{ argv: string[]; env: Record<string, string>; pid: number }> = [];
  const signals: Array<[number, number]> = [];
  const logs: string[] = [];
  const notify: { listener?: (m: NotifyMessage, sender?: NotifyCredentials) => void; closed: number } = { closed: 0 };
  const changes: string[] = [];
  const containerExits: number[] = [];
  const log = Object.fromEntries(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace'].map((level) => [level, (a: unknown, b?: string) => logs.push(`${level} ${b ?? a}`)]),
  ) as unknown as Logger;
  const runner = new UnitRunner(config, {
    launch: (_u, command: ExecCommand, extraEnv): LaunchResult => {
      if (opts.failLaunch) return { ok: false, status: 203, message: 'no such file' };
      const pid = nextPid++;
      launched.push({ argv: command.argv, env: extraEnv, pid });
      return { ok: true, pid, child: {} as never, via: 'direct' };
    },
    kill: (pid, signal) => (signals.push([pid, signal]), true),
    exits,
    log,
    notify: {
      open: (_unit: string, listener: (m: NotifyMessage, sender?: NotifyCredentials) => void) => ((notify.listener = listener), path.join(runtimeRoot, 'notify.sock')),
      close: () => void notify.closed++,
    } as unknown as NotifySockets,
    runtimeRoot,
    onChange: (r, before) => changes.push(`${before.sub}->${r.state.sub}`),
    onContainerExit: (code) => containerExits.push(code),
  });
  return { runner, exits, launched, signals, logs, notify, changes, containerExits };
}

describe('UnitRunner', async () => {
  it('spawns the start command with its environment and follows it to its end through the exit channel', async () => {
    const h = harness(unit('ExecStart=/bin/sleep 100'));
    h.runner.send({ type: 'start' });
    expect(h.runner.state.sub).toBe('running');
    expect(h.launched).toHaveLength(1);
    const main = h.launched[0]!;
    expect(main.argv).toEqual(['/bin/sleep', '100']);
    expect(main.env.INVOCATION_ID).toMatch(/^[0-9a-f]{32}$/);
    expect(main.env.NOTIFY_SOCKET).toBeUndefined();
    expect(h.runner.state.mainPid).toBe(main.pid);
    expect(h.exits.claimed).toBe(1);
    // Collected by libuv or by the reaper: the same exit, once, to this unit.
    h.exits.deliver(main.pid, { code: 0 }, 'libuv');
    await settle();
    expect(h.runner.state.sub).toBe('dead');
    expect(h.runner.state.lastExit).toMatchObject({ code: 0 });
    expect(h.exits.claimed).toBe(0);
    expect(h.changes).toEqual(['dead->start', 'start->running', 'running->stop-sigterm', 'stop-sigterm->dead']);
  });

  it('an exit that is not one of its pids does not reach it', async () => {
    const h = harness(unit('ExecStart=/bin/sleep 100'));
    h.runner.send({ type: 'start' });
    const orphans: number[] = [];
    h.exits.onOrphanExit((pid) => orphans.push(pid));
    h.exits.deliver(h.launched[0]!.pid + 1_000, { signal: 9 }, 'reaper');
    expect(orphans).toHaveLength(1);
    expect(h.runner.state.sub).toBe('running');
  });

  it("a forking daemon's main pid, read from its PID file, is claimed: its orphan exit reaches the unit", async () => {
    const pidFile = path.join(runtimeRoot, 'daemon.pid');
    // A pid that exists (readStat must see it), and is not ts-init itself (this process
    // stands in for ts-init, and a unit's main pid may never be ts-init): a sleeping child.
    const daemon = standIn();
    fs.writeFileSync(pidFile, `${daemon}\n`);
    const h = harness(unit(`Type=forking\nPIDFile=${pidFile}\nExecStart=/usr/sbin/daemond\nKillMode=process`));
    h.runner.send({ type: 'start' });
    const starter = h.launched[0]!.pid;
    h.exits.deliver(starter, { code: 0 }, 'libuv');
    expect(h.runner.state.sub).toBe('running');
    expect(h.runner.state.mainPid).toBe(daemon);
    // The daemon was reparented to PID 1; the reaper collects it.
    h.exits.deliver(daemon, { signal: 11, coreDumped: true }, 'reaper');
    await settle();
    expect(h.runner.state.mainPid).toBeUndefined();
    expect(h.runner.state.result).toBe('core-dump');
    expect(['failed', 'dead']).toContain(h.runner.state.sub);
    expect(h.exits.claimed).toBe(0);
  });

  it('notify: NOTIFY_SOCKET is passed, READY=1 makes it active, MAINPID= moves the claim', async () => {
    const h = harness(unit('Type=notify\nExecStart=/usr/bin/app\nKillMode=process'));
    h.runner.send({ type: 'start' });
    expect(h.launched[0]!.env.NOTIFY_SOCKET).toBe(path.join(runtimeRoot, 'notify.sock'));
    expect(h.runner.state.sub).toBe('start');
    // Sent by the main process (NotifyAccess=main, the default for Type=notify).
    const main = h.launched[0]!.pid;
    h.notify.listener!({ ready: true, status: 'serving', other: [] }, { pid: main, uid: 0 });
    expect(h.runner.state.sub).toBe('running');
    expect(h.runner.statusText).toBe('serving');
    // A process outside the unit: only a root sender may name it (systemd's rule).
    const next = standIn();
    h.notify.listener!({ mainPid: next, other: [] }, { pid: main, uid: 0 });
    expect(h.runner.state.mainPid).toBe(next);
    // The first process is no longer the main one; its claim lasts until it ends, and the new main pid is claimed too.
    expect(h.exits.claimed).toBe(2);
    h.exits.deliver(next, { code: 0 }, 'reaper');
    expect(h.runner.state.sub).not.toBe('running');
  });

  it('notify: an unprivileged main process cannot name a process outside the unit as MAINPID=', () => {
    const h = harness(unit('Type=notify\nExecStart=/usr/bin/app\nKillMode=process'));
    h.runner.send({ type: 'start' });
    const main = h.launched[0]!.pid;
    h.notify.listener!({ ready: true, other: [] }, { pid: main, uid: 1000 });
    const foreign = standIn();
    h.notify.listener!({ mainPid: foreign, other: [] }, { pid: main, uid: 1000 });
    expect(h.runner.state.mainPid).toBe(main);
    expect(h.logs).toContain(`warn new main PID ${foreign} does not belong to the unit, and only root may name a process outside it; refusing it`);
    h.runner.send({ type: 'stop' });
    expect(h.signals.map(([pid]) => pid)).not.toContain(foreign);
  });

  it('stop: SIGTERM to the unit, the exit ends it; the runtime directory is made and removed', async () => {
    const h = harness(unit('ExecStart=/bin/sleep 100\nRuntimeDirectory=demo-rt\nKillMode=process'));
    h.runner.send({ type: 'start' });
    expect(fs.statSync(path.join(runtimeRoot, 'demo-rt')).isDirectory()).toBe(true);
    const pid = h.launched[0]!.pid;
    h.runner.send({ type: 'stop' });
    expect(h.signals).toContainEqual([pid, 15]);
    expect(h.runner.state.sub).toBe('stop-sigterm');
    h.exits.deliver(pid, { signal: 15 }, 'libuv');
    await settle();
    expect(h.runner.state.sub).toBe('dead');
    expect(fs.existsSync(path.join(runtimeRoot, 'demo-rt'))).toBe(false);
  });

  it('a command that cannot be started fails the unit with its status', async () => {
    const h = harness(unit('ExecStart=/nonexistent'), { failLaunch: true });
    h.runner.send({ type: 'start' });
    await settle();
    expect(h.runner.state.sub).toBe('failed');
    expect(h.logs.some((l) => /failed to start \(status 203\): no such file/.test(l))).toBe(true);
    expect(h.exits.claimed).toBe(0);
  });

  it('FailureAction=exit hands the container exit to its owner', async () => {
    const h = harness(unit('ExecStart=/bin/false', 'FailureAction=exit'));
    h.runner.send({ type: 'start' });
    h.exits.deliver(h.launched[0]!.pid, { code: 3 }, 'libuv');
    await settle();
    expect(h.runner.state.sub).toBe('failed');
    expect(h.containerExits).toEqual([3]);
  });
});
