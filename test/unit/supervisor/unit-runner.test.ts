// The effect interpreter with everything it touches faked: launches, signals, the
// notify sockets, the logger, /proc (a table of made-up processes), timers (a manual
// clock) and file reads. Exits arrive through a real exit channel. No process is made.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LaunchResult } from '../../../src/exec/unit-launch';
import type { Logger } from '../../../src/log/logger';
import type { NotifyMessage } from '../../../src/notify/notify-message';
import type { NotifyCredentials, NotifySockets } from '../../../src/notify/notify-sockets';
import type { BoundedRead } from '../../../src/process/bounded-file';
import { ExitRouter } from '../../../src/process/exit-router';
import type { ProcessExit } from '../../../src/process/process-exit';
import type { SessionIndex } from '../../../src/process/proc';
import { pidFileDistrust, type PidFileRead } from '../../../src/supervisor/pid-file';
import { buildUnit } from '../../../src/units/build-unit';
import { parseUnitText } from '../../../src/units/syntax';
import type { ExecCommand, UnitConfig } from '../../../src/units/unit';
import type { ProcessStat, ProcessView } from '../../../src/supervisor/runner/process-view';
import { wedged } from '../../../src/supervisor/liveness';
import type { GoneWatch } from '../../../src/supervisor/runner/gone-watch';
import { UnitRunner } from '../../../src/supervisor/unit-runner';
import { tempDir } from '../../helpers/temp-dir';

const runtimeRoot = tempDir('ts-init-runner-');
/** ts-init's own pid in the fake process table. */
const SELF = 10;

function unit(serviceLines: string, unitLines = '', name = 'demo.service'): UnitConfig {
  const r = buildUnit(name, parseUnitText(`[Unit]\n${unitLines}\n[Service]\n${serviceLines}\n`, `/x/${name}`), [], { hostname: 'box' });
  expect(r.diagnostics).toEqual([]);
  return r.unit;
}

/** A process table standing in for /proc: pid -> stat; a spawn adds its process in a session of its own. */
class FakeProc implements ProcessView {
  readonly table = new Map<number, ProcessStat>();
  readonly self = SELF;
  /** An errno name: /proc cannot be read for now (every scan and stat throws it). */
  failing?: string;
  private fail(): void {
    if (this.failing) throw Object.assign(new Error(`${this.failing}: too many open files, scandir '/proc'`), { code: this.failing });
  }
  add(pid: number, st: Partial<ProcessStat> = {}): number {
    this.table.set(pid, { state: 'S', ppid: SELF, session: pid, startTicks: 100, ...st });
    return pid;
  }
  readStat(pid: number): ProcessStat | undefined {
    this.fail();
    return this.table.get(pid);
  }
  private index(): SessionIndex {
    this.fail();
    const idx = new Map<number, number[]>();
    for (const [pid, st] of this.table) if (st.state !== 'Z') idx.set(st.session, [...(idx.get(st.session) ?? []), pid]);
    return idx;
  }
  inSessions(sessions: ReadonlySet<number>, index?: SessionIndex): number[] {
    const idx = index ?? this.index();
    return [...sessions].flatMap((s) => idx.get(s) ?? []);
  }
  indexOnce(): () => SessionIndex {
    let i: SessionIndex | undefined;
    return () => (i ??= this.index());
  }
  children(): number[] {
    this.fail();
    return [...this.table].filter(([, st]) => st.ppid === SELF).map(([pid]) => pid);
  }
}

/** Timers on a manual clock: advance(ms) fires what is due, in order. */
class FakeClock {
  now = 1_000_000;
  private readonly timers = new Set<{ at: number; fire: () => void }>();
  /** How many timers were ever set. */
  scheduled = 0;
  schedule = (fire: () => void, ms: number) => {
    this.scheduled++;
    const t = { at: this.now + ms, fire };
    this.timers.add(t);
    return { clear: () => this.timers.delete(t) };
  };
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.timers].filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers.delete(due);
      this.now = due.at;
      due.fire();
    }
    this.now = end;
  }
  get pending(): number {
    return this.timers.size;
  }
}

/** The stop sequence looks for what is left of the unit on the next turn of the loop. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/** What ../pid-file.ts makes of a file read (safely walked: these fakes have no symlinks). */
function pidFileFrom(r: BoundedRead | undefined): PidFileRead {
  if (!r || (!r.ok && r.code === 'ENOENT')) return { kind: 'none' };
  if (!r.ok) return { kind: 'error', message: r.message, code: r.code };
  if (!/^\s*\d+\s*$/.test(r.text)) return { kind: 'none' };
  const distrust = pidFileDistrust(r.owner, undefined);
  return { kind: 'pid', pid: Number(r.text.trim()), trusted: distrust === '', distrust };
}

function harness(
  config: UnitConfig,
  opts: { launch?: (n: number) => LaunchResult | undefined; files?: Record<string, BoundedRead>; invocationId?: () => string; goneWaiters?: Set<GoneWatch> } = {},
) {
  const exits = new ExitRouter();
  const proc = new FakeProc();
  const clock = new FakeClock();
  const launched: Array<{ argv: string[]; env: Record<string, string>; pid: number }> = [];
  const signals: Array<[number, number]> = [];
  const logs: string[] = [];
  const notify: { listener?: (m: NotifyMessage, sender?: NotifyCredentials) => void; closed: number } = { closed: 0 };
  const changes: string[] = [];
  const containerExits: number[] = [];
  let nextPid = 100;
  const log = Object.fromEntries(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace'].map((level) => [level, (a: unknown, b?: string) => logs.push(`${level} ${b ?? a}`)]),
  ) as unknown as Logger;
  const runner = new UnitRunner(config, {
    launch: (_u, command: ExecCommand, extraEnv): LaunchResult => {
      const forced = opts.launch?.(launched.length);
      if (forced) return forced;
      const pid = proc.add(nextPid++);
      launched.push({ argv: command.argv, env: extraEnv, pid });
      return { ok: true, pid, child: {} as never, via: 'direct' };
    },
    kill: (pid, signal) => (signals.push([pid, signal]), proc.table.has(pid)),
    exits,
    log,
    notify: {
      open: (_unit: string, listener: (m: NotifyMessage, sender?: NotifyCredentials) => void) => ((notify.listener = listener), path.join(runtimeRoot, 'notify.sock')),
      close: () => void notify.closed++,
    } as unknown as NotifySockets,
    runtimeRoot,
    onChange: (r, before) => changes.push(`${before.sub}->${r.state.sub}`),
    onContainerExit: (code) => containerExits.push(code),
    proc,
    schedule: clock.schedule,
    loadPidFile: (file) => pidFileFrom(opts.files?.[file]),
    ownerOf: () => undefined,
    newInvocationId: opts.invocationId ?? (() => '0123456789abcdef0123456789abcdef'),
    now: () => clock.now,
    ...(opts.goneWaiters && { goneWaiters: opts.goneWaiters }),
  });
  /** A process ends: gone from the table, its exit delivered. */
  const exit = (pid: number, e: ProcessExit, by: 'libuv' | 'reaper' = 'libuv') => {
    proc.table.delete(pid);
    exits.deliver(pid, e, by);
  };
  /** The invariant (liveness.ts): never in a transitional state with nothing to move it on. */
  const live = () => expect(wedged(runner.state, runner.waits())).toBeUndefined();
  return { runner, exits, proc, clock, launched, signals, logs, notify, changes, containerExits, exit, live };
}

describe('UnitRunner', () => {
  it('spawns the start command with its environment and follows it to its end through the exit channel', async () => {
    const h = harness(unit('ExecStart=/bin/sleep 100'));
    h.runner.send({ type: 'start' });
    expect(h.runner.state.sub).toBe('running');
    expect(h.launched).toHaveLength(1);
    const main = h.launched[0]!;
    expect(main.argv).toEqual(['/bin/sleep', '100']);
    expect(main.env.INVOCATION_ID).toBe('0123456789abcdef0123456789abcdef');
    expect(main.env.NOTIFY_SOCKET).toBeUndefined();
    expect(h.runner.state.mainPid).toBe(main.pid);
    expect(h.exits.claimed).toBe(1);
    // Collected by libuv or by the reaper: the same exit, once, to this unit.
    h.exit(main.pid, { code: 0 });
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

  it('PIDFile=: read again until the file names a live process of the unit; its orphan exit reaches the unit', async () => {
    const pidFile = '/run/daemon.pid';
    const files: Record<string, BoundedRead> = {};
    const h = harness(unit(`Type=forking\nPIDFile=${pidFile}\nExecStart=/usr/sbin/daemond\nKillMode=process`), { files });
    h.runner.send({ type: 'start' });
    const starter = h.launched[0]!.pid;
    // The daemon, started after the starter and adopted by ts-init once it exited, has not written its PID file yet.
    const daemon = h.proc.add(500, { session: 500, ppid: SELF, startTicks: 200 });
    h.exit(starter, { code: 0 });
    h.clock.advance(120);
    expect(h.runner.state.sub).toBe('start');
    // Now it has (a non-root file).
    files[pidFile] = { ok: true, text: `${daemon}\n`, owner: 1000 };
    h.clock.advance(50);
    expect(h.runner.state.sub).toBe('running');
    expect(h.runner.state.mainPid).toBe(daemon);
    h.exit(daemon, { signal: 11, coreDumped: true }, 'reaper');
    await settle();
    expect(h.runner.state.mainPid).toBeUndefined();
    expect(h.runner.state.result).toBe('core-dump');
    expect(['failed', 'dead']).toContain(h.runner.state.sub);
    expect(h.exits.claimed).toBe(0);
  });

  it('PIDFile= naming ts-init itself or a process outside the unit is refused, once said; then the unit fails', () => {
    const pidFile = '/run/daemon.pid';
    const files: Record<string, BoundedRead> = { [pidFile]: { ok: true, text: `${SELF}\n`, owner: 0 } };
    const h = harness(unit(`Type=forking\nPIDFile=${pidFile}\nExecStart=/usr/sbin/daemond\nTimeoutStartSec=60`), { files });
    h.runner.send({ type: 'start' });
    // The unit's daemon lives (it could still write the file), so the wait goes on.
    h.proc.add(500, { session: 500, ppid: SELF, startTicks: 200 });
    h.exit(h.launched[0]!.pid, { code: 0 });
    h.clock.advance(1000);
    expect(h.logs.filter((l) => l.includes(`PID ${SELF} in PID file ${pidFile} is the manager; refusing it`))).toHaveLength(1);
    const stranger = h.proc.add(700, { session: 700, ppid: 1, startTicks: 1 });
    files[pidFile] = { ok: true, text: `${stranger}\n`, owner: 1000 };
    h.clock.advance(1000);
    expect(h.logs.some((l) => l.includes(`PID ${stranger} in PID file ${pidFile} does not belong to the unit`))).toBe(true);
    h.clock.advance(5000);
    expect(h.runner.state.result).toBe('resources');
    expect(h.runner.state.mainPid).toBeUndefined();
  });

  it('PIDFile= naming a dead process when nothing of the unit is left to write it: fails at once, as systemd does', async () => {
    const pidFile = '/run/daemon.pid';
    // A stale file: the daemon of an earlier run, or one killed after writing it.
    const files: Record<string, BoundedRead> = { [pidFile]: { ok: true, text: '4242\n', owner: 0 } };
    const h = harness(unit(`Type=forking\nPIDFile=${pidFile}\nExecStart=/usr/sbin/daemond\nRestart=always\nRestartSec=100ms`), { files });
    h.runner.send({ type: 'start' });
    h.exit(h.launched[0]!.pid, { code: 0 });
    await settle();
    expect(h.runner.state.sub).toBe('auto-restart');
    expect(h.runner.state.result).toBe('resources');
    expect(h.logs.some((l) => l.includes(`no process of the unit is left to write its PID file ${pidFile}`))).toBe(true);
    h.live();
  });

  it('PIDFile= not yet naming the daemon while it lives: the wait goes on, and ends once the daemon is gone', async () => {
    const pidFile = '/run/daemon.pid';
    const files: Record<string, BoundedRead> = { [pidFile]: { ok: true, text: '4242\n', owner: 0 } };
    const h = harness(unit(`Type=forking\nPIDFile=${pidFile}\nExecStart=/usr/sbin/daemond`), { files });
    h.runner.send({ type: 'start' });
    // Daemonized: a session of its own, adopted by ts-init once its starter exited.
    const daemon = h.proc.add(500, { session: 500, ppid: SELF, startTicks: 200 });
    h.exit(h.launched[0]!.pid, { code: 0 });
    h.clock.advance(1000);
    expect(h.runner.state.sub).toBe('start');
    h.live();
    h.exit(daemon, { signal: 9 }, 'reaper');
    h.clock.advance(50);
    await settle();
    expect(h.runner.state.sub).toBe('failed');
    expect(h.runner.state.result).toBe('resources');
  });

  it('a shortage during the PID file wait neither ends it nor starts it anew: the unit is out of start once the wait is over', async () => {
    const pidFile = '/run/daemon.pid';
    const files: Record<string, BoundedRead> = { [pidFile]: { ok: true, text: '4242\n', owner: 0 } };
    const h = harness(unit(`Type=forking\nPIDFile=${pidFile}\nExecStart=/usr/sbin/daemond`), { files });
    h.runner.send({ type: 'start' });
    h.proc.add(500, { session: 500, ppid: SELF, startTicks: 200 });
    h.exit(h.launched[0]!.pid, { code: 0 });
    h.clock.advance(4900);
    // /proc cannot be read for a second (RLIMIT_NOFILE lowered): the pid cannot be judged.
    h.proc.failing = 'EMFILE';
    for (let t = 0; t < 10; t++) {
      h.clock.advance(100);
      expect(h.runner.state.sub).toBe('start');
      h.live();
    }
    h.proc.failing = undefined;
    h.clock.advance(100);
    await settle();
    // 5 s of waiting and the shortage: not 5 s more.
    expect(h.runner.state.sub).not.toBe('start');
    expect(h.runner.state.result).toBe('resources');
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
    const next = h.proc.add(600, { session: 600, ppid: main });
    h.notify.listener!({ mainPid: next, other: [] }, { pid: main, uid: 0 });
    expect(h.runner.state.mainPid).toBe(next);
    // The first process is no longer the main one; its claim lasts until it ends, and the new main pid is claimed too.
    expect(h.exits.claimed).toBe(2);
    h.exit(next, { code: 0 }, 'reaper');
    expect(h.runner.state.sub).not.toBe('running');
  });

  it('notify: an unprivileged main process cannot name a process outside the unit as MAINPID=', () => {
    const h = harness(unit('Type=notify\nExecStart=/usr/bin/app\nKillMode=process'));
    h.runner.send({ type: 'start' });
    const main = h.launched[0]!.pid;
    h.notify.listener!({ ready: true, other: [] }, { pid: main, uid: 1000 });
    // Another unit's root daemon: its own session, started before this unit, not ts-init's child.
    const foreign = h.proc.add(700, { session: 700, ppid: 650, startTicks: 1 });
    const itsWorker = h.proc.add(701, { session: 700, ppid: 700, startTicks: 1 });
    h.notify.listener!({ mainPid: foreign, other: [] }, { pid: main, uid: 1000 });
    expect(h.runner.state.mainPid).toBe(main);
    expect(h.logs).toContain(`warn new main PID ${foreign} does not belong to the unit, and only root may name a process outside it; refusing it`);
    // From root it is accepted, and stays outside the unit (its session does not join).
    h.notify.listener!({ mainPid: foreign, other: [] }, { pid: main, uid: 0 });
    expect(h.runner.state.mainPid).toBe(foreign);
    expect(h.runner.processes()).not.toContain(itsWorker);
  });

  it('notify: a message from a process that is not the main one is refused (NotifyAccess=main)', () => {
    const h = harness(unit('Type=notify\nExecStart=/usr/bin/app'));
    h.runner.send({ type: 'start' });
    h.notify.listener!({ ready: true, other: [] }, { pid: 4242, uid: 0 });
    expect(h.runner.state.sub).toBe('start');
    expect(h.logs.some((l) => l.includes('reception only permitted for main PID'))).toBe(true);
  });

  it('a main process that is not our child is looked at every second; once gone, the unit learns so', () => {
    const h = harness(unit('Type=notify\nExecStart=/usr/bin/app\nKillMode=process'));
    h.runner.send({ type: 'start' });
    const main = h.launched[0]!.pid;
    const daemon = h.proc.add(800, { session: main, ppid: main });
    h.notify.listener!({ ready: true, mainPid: daemon, other: [] }, { pid: main, uid: 0 });
    expect(h.runner.state.mainPid).toBe(daemon);
    h.clock.advance(1000);
    expect(h.runner.state.sub).toBe('running');
    // Reaped by its own parent: no exit reaches ts-init.
    h.proc.table.delete(daemon);
    h.clock.advance(1000);
    expect(h.logs.some((l) => l.includes(`main PID ${daemon} is gone without its exit reaching ts-init`))).toBe(true);
    expect(h.runner.state.sub).not.toBe('running');
  });

  it('stop: SIGTERM to the unit, the exit ends it; the runtime directory is made and removed', async () => {
    const h = harness(unit('ExecStart=/bin/sleep 100\nRuntimeDirectory=demo-rt\nKillMode=process'));
    h.runner.send({ type: 'start' });
    expect(fs.statSync(path.join(runtimeRoot, 'demo-rt')).isDirectory()).toBe(true);
    const pid = h.launched[0]!.pid;
    h.runner.send({ type: 'stop' });
    expect(h.signals).toContainEqual([pid, 15]);
    expect(h.runner.state.sub).toBe('stop-sigterm');
    h.exit(pid, { signal: 15 });
    await settle();
    expect(h.runner.state.sub).toBe('dead');
    expect(fs.existsSync(path.join(runtimeRoot, 'demo-rt')), h.logs.join('\n')).toBe(false);
  });

  it('stop with KillMode=control-group waits for every process of its sessions', async () => {
    const h = harness(unit('ExecStart=/bin/sleep 100'));
    h.runner.send({ type: 'start' });
    const main = h.launched[0]!.pid;
    const child = h.proc.add(900, { session: main, ppid: main });
    h.runner.send({ type: 'stop' });
    expect(h.signals).toContainEqual([child, 15]);
    h.exit(main, { signal: 15 });
    await settle();
    expect(h.runner.state.sub).toBe('stop-sigterm');
    h.proc.table.delete(child);
    h.runner.checkGone();
    expect(h.runner.state.sub).toBe('dead');
  });

  it('a unit with no process to look for (a target) is down as soon as it is stopped, not a turn of the loop later', () => {
    const target = buildUnit('up.target', parseUnitText('[Unit]\nDescription=Up\n', '/x/up.target'), [], { hostname: 'box' }).unit;
    const h = harness(target);
    h.runner.send({ type: 'start' });
    expect(h.runner.state.sub).toBe('exited');
    h.runner.send({ type: 'stop' });
    expect(h.runner.state.sub).toBe('dead');
    h.live();
  });

  it('a unit whose sessions may hold processes still looks for them before it is down', async () => {
    const h = harness(unit('ExecStart=/bin/sleep 100'));
    h.runner.send({ type: 'start' });
    const main = h.launched[0]!.pid;
    h.runner.send({ type: 'stop' });
    h.exit(main, { signal: 15 });
    expect(h.runner.state.sub).toBe('stop-sigterm');
    await settle();
    expect(h.runner.state.sub).toBe('dead');
  });

  it('is among the waiters the supervisor checks only while its stop waits for its processes to be gone', async () => {
    const waiters = new Set<GoneWatch>();
    const h = harness(unit('ExecStart=/bin/sleep 100'), { goneWaiters: waiters });
    h.runner.send({ type: 'start' });
    const main = h.launched[0]!.pid;
    const child = h.proc.add(900, { session: main, ppid: main });
    expect(waiters.size).toBe(0);
    h.runner.send({ type: 'stop' });
    h.exit(main, { signal: 15 });
    await settle();
    expect(h.runner.state.sub).toBe('stop-sigterm');
    expect(waiters.size).toBe(1);
    // A change among the children while the child lives: still waiting.
    for (const w of [...waiters]) w.checkGone();
    expect(waiters.size).toBe(1);
    h.proc.table.delete(child);
    for (const w of [...waiters]) w.checkGone();
    expect(h.runner.state.sub).toBe('dead');
    expect(waiters.size).toBe(0);
  });

  it('leaves the waiters when its wait is cancelled (a SIGKILL timeout that gives up, a restart)', async () => {
    const waiters = new Set<GoneWatch>();
    const h = harness(unit('ExecStart=/bin/sleep 100'), { goneWaiters: waiters });
    h.runner.send({ type: 'start' });
    const main = h.launched[0]!.pid;
    h.proc.add(900, { session: main, ppid: main });
    h.runner.send({ type: 'stop' });
    h.exit(main, { signal: 15 });
    await settle();
    expect(waiters.size).toBe(1);
    // The stop's timeouts run out: the unit ends failed, its processes left behind, and nothing waits.
    for (let i = 0; i < 10 && waiters.size > 0; i++) {
      h.clock.advance(100_000);
      await settle();
    }
    expect(h.runner.state.sub).not.toBe('stop-sigterm');
    expect(waiters.size).toBe(0);
  });

  it('a command that cannot be started fails the unit with its status', async () => {
    const h = harness(unit('ExecStart=/nonexistent'), { launch: () => ({ ok: false, status: 203, message: 'no such file' }) });
    h.runner.send({ type: 'start' });
    await settle();
    expect(h.runner.state.sub).toBe('failed');
    expect(h.logs.some((l) => /failed to start \(status 203\): no such file/.test(l))).toBe(true);
    expect(h.exits.claimed).toBe(0);
  });

  it('a spawn short of descriptors is tried again until it starts', () => {
    let tries = 0;
    const h = harness(unit('ExecStart=/bin/sleep 100'), {
      launch: () => (++tries <= 3 ? { ok: false, status: 203, message: 'EMFILE', transient: true } : undefined),
    });
    h.runner.send({ type: 'start' });
    expect(h.runner.state.sub).toBe('start');
    h.clock.advance(1000);
    expect(h.runner.state.sub).toBe('running');
    expect(h.launched).toHaveLength(1);
  });

  it('FailureAction=exit hands the container exit to its owner', async () => {
    const h = harness(unit('ExecStart=/bin/false', 'FailureAction=exit'));
    h.runner.send({ type: 'start' });
    h.exit(h.launched[0]!.pid, { code: 3 });
    await settle();
    expect(h.runner.state.sub).toBe('failed');
    expect(h.containerExits).toEqual([3]);
  });

  it('Restart=always: the restart timer starts it again', async () => {
    const h = harness(unit('ExecStart=/bin/false\nRestart=always\nRestartSec=100ms'));
    h.runner.send({ type: 'start' });
    h.exit(h.launched[0]!.pid, { code: 3 });
    await settle();
    expect(h.runner.state.sub).toBe('auto-restart');
    h.clock.advance(100);
    expect(h.runner.state.sub).toBe('running');
    expect(h.launched).toHaveLength(2);
  });

  it('a unit up at once (a target) sets no start timeout that the same step would clear again', () => {
    const target = buildUnit('up.target', parseUnitText('[Unit]\nDescription=Up\n', '/x/up.target'), [], { hostname: 'box' }).unit;
    const h = harness(target);
    h.runner.send({ type: 'start' });
    expect(h.runner.state.sub).toBe('exited');
    expect(h.clock.scheduled).toBe(0);
    h.live();
  });

  it('never signals PID 1 or ts-init itself, whatever the bookkeeping says', () => {
    const h = harness(unit('ExecStart=/bin/sleep 100'));
    h.runner.send({ type: 'start' });
    h.runner.state = { ...h.runner.state, mainPid: SELF };
    expect(h.runner.signal('main', 15)).toEqual([]);
    h.runner.state = { ...h.runner.state, mainPid: 1 };
    expect(h.runner.signal('main', 15)).toEqual([]);
    expect(h.signals).toEqual([]);
  });

  describe('an effect that fails becomes an event: retried for a passing shortage, else the unit fails saying why', () => {
    it("the stop's process listing short of descriptors (scandir '/proc' EMFILE) is tried again; the unit stops once it can", async () => {
      const h = harness(unit('ExecStart=/bin/sh -c "sleep 0.2; exit 3"\nRestart=always\nRestartSec=100ms'));
      h.runner.send({ type: 'start' });
      const main = h.launched[0]!.pid;
      const child = h.proc.add(900, { session: main, ppid: main });
      h.proc.failing = 'EMFILE';
      h.exit(main, { code: 3 });
      expect(h.runner.state.sub).toBe('stop-sigterm');
      h.live();
      await settle();
      h.live();
      h.clock.advance(1000);
      h.live();
      expect(h.logs.some((l) => /sending signal 15 to the unit failed: EMFILE.*retrying/.test(l))).toBe(true);
      expect(h.signals).not.toContainEqual([child, 15]);
      h.proc.failing = undefined;
      h.clock.advance(250);
      expect(h.signals).toContainEqual([child, 15]);
      h.proc.table.delete(child);
      h.clock.advance(250);
      await settle();
      expect(h.runner.state.sub).toBe('auto-restart');
      h.clock.advance(100);
      expect(h.runner.state.sub).toBe('running');
      expect(h.launched).toHaveLength(2);
      expect(h.logs.filter((l) => l.includes('internal error'))).toEqual([]);
    });

    it('descriptors short for longer than the stop timeout: SIGKILL, then on; the unit is never left waiting on nothing', async () => {
      const h = harness(unit('ExecStart=/bin/sleep 100\nTimeoutStopSec=2'));
      h.runner.send({ type: 'start' });
      h.proc.add(901, { session: h.launched[0]!.pid });
      h.proc.failing = 'EMFILE';
      h.runner.send({ type: 'stop' });
      for (let t = 0; t < 20; t++) {
        h.clock.advance(500);
        await settle();
        h.live();
      }
      expect(h.runner.state.sub).toBe('failed');
      expect(h.runner.state.result).toBe('timeout');
      expect(h.logs.some((l) => l.includes('processes survived SIGKILL; giving up on them'))).toBe(true);
    });

    it("the run's setup short of descriptors (open '/dev/urandom' EMFILE) is tried again, then the command starts", () => {
      let tries = 0;
      const h = harness(unit('ExecStart=/bin/sleep 100'), {
        invocationId: () => {
          if (++tries <= 2) throw Object.assign(new Error("EMFILE: too many open files, open '/dev/urandom'"), { code: 'EMFILE' });
          return 'f'.repeat(32);
        },
      });
      h.runner.send({ type: 'start' });
      expect(h.runner.state.sub).toBe('start');
      expect(h.launched).toHaveLength(0);
      h.live();
      h.clock.advance(600);
      expect(h.runner.state.sub).toBe('running');
      expect(h.launched).toHaveLength(1);
      expect(h.launched[0]!.env.INVOCATION_ID).toBe('f'.repeat(32));
    });

    it('a setup that cannot be done (not a shortage) fails the unit with Result=resources and a line saying why', async () => {
      const h = harness(unit('ExecStart=/bin/sleep 100'), {
        invocationId: () => {
          throw Object.assign(new Error("ENOENT: no such file or directory, open '/dev/urandom'"), { code: 'ENOENT' });
        },
      });
      h.runner.send({ type: 'start' });
      await settle();
      expect(h.launched).toHaveLength(0);
      expect(h.runner.state.sub).toBe('failed');
      expect(h.runner.state.result).toBe('resources');
      expect(h.logs.some((l) => /error setting up the run .* failed: ENOENT: no such file or directory, open '\/dev\/urandom'/.test(l))).toBe(true);
    });

    it('a PID file read that throws (the main process cannot be judged) is tried again', async () => {
      const pidFile = '/run/daemon.pid';
      const files: Record<string, BoundedRead> = {};
      const h = harness(unit(`Type=forking\nPIDFile=${pidFile}\nExecStart=/usr/sbin/daemond`), { files });
      h.runner.send({ type: 'start' });
      const daemon = h.proc.add(500, { session: 500, ppid: SELF, startTicks: 200 });
      files[pidFile] = { ok: true, text: `${daemon}\n`, owner: 0 };
      h.exit(h.launched[0]!.pid, { code: 0 });
      expect(h.runner.state.mainPid).toBe(daemon);
      h.runner.send({ type: 'stop' });
      h.exit(daemon, { signal: 15 });
      await settle();
      expect(h.runner.state.sub).toBe('dead');
      // A second run whose PID file cannot be judged for a while.
      h.runner.send({ type: 'start' });
      const again = h.proc.add(501, { session: 501, ppid: SELF, startTicks: 300 });
      files[pidFile] = { ok: true, text: `${again}\n`, owner: 0 };
      h.proc.failing = 'EMFILE';
      h.exit(h.launched[1]!.pid, { code: 0 });
      expect(h.runner.state.sub).toBe('start');
      h.live();
      h.clock.advance(300);
      h.live();
      h.proc.failing = undefined;
      h.clock.advance(300);
      expect(h.runner.state.sub).toBe('running');
      expect(h.runner.state.mainPid).toBe(again);
    });

    it('a READY=1 that cannot be judged for a moment (its sender looked up in /proc) is held, not lost', () => {
      const h = harness(unit('Type=notify\nExecStart=/usr/bin/app\nNotifyAccess=all'));
      h.runner.send({ type: 'start' });
      const main = h.launched[0]!.pid;
      const helper = h.proc.add(950, { session: main, ppid: main });
      h.proc.failing = 'EMFILE';
      h.notify.listener!({ ready: true, status: 'up', other: [] }, { pid: helper, uid: 0 });
      expect(h.runner.state.sub).toBe('start');
      h.proc.failing = undefined;
      h.clock.advance(250);
      expect(h.runner.state.sub).toBe('running');
      expect(h.runner.statusText).toBe('up');
    });

    it('a kill asked for by the control plane reaches the main process when /proc cannot be listed', () => {
      const h = harness(unit('ExecStart=/bin/sleep 100'));
      h.runner.send({ type: 'start' });
      h.proc.failing = 'EMFILE';
      expect(h.runner.signal('all', 9)).toEqual([h.launched[0]!.pid]);
    });
  });
});
