// The lifecycle machine without processes: events in, effects out, a fake clock.
import type { ProcessExit } from '../../../src/process/process-exit';
import { describe, expect, it } from 'vitest';
import { activeState, initialState, step, type Effect, type Event, type Policy, type State } from '../../../src/supervisor/lifecycle';
import { nextRestartDelay } from '../../../src/supervisor/backoff';

function policy(over: Partial<Policy> = {}): Policy {
  const zero = { 'start-pre': 0, start: 1, 'start-post': 0, reload: 0, stop: 0, 'stop-post': 0 };
  return {
    type: 'simple',
    commands: { ...zero, ...(over.commands ?? {}) },
    ignoreFailure: { 'start-pre': [], start: [], 'start-post': [], reload: [], stop: [], 'stop-post': [], ...(over.ignoreFailure ?? {}) },
    remainAfterExit: false,
    hasPidFile: false,
    guessMainPID: true,
    restart: 'no',
    restartSecMs: 100,
    startLimitIntervalMs: 10_000,
    startLimitBurst: 5,
    timeoutStartMs: 90_000,
    timeoutStopMs: 90_000,
    watchdogMs: 0,
    killMode: 'control-group',
    killSignal: 15,
    finalKillSignal: 9,
    sendSIGKILL: true,
    sendSIGHUP: false,
    successExitStatus: { codes: [], signals: [] },
    restartPreventExitStatus: { codes: [], signals: [] },
    restartForceExitStatus: { codes: [], signals: [] },
    failureAction: 'none',
    successAction: 'none',
    reloadSignal: 1,
    ...over,
    ...(over.commands ? { commands: { ...zero, ...over.commands } } : {}),
  };
}

/** Drives the machine and records everything, with a clock the test moves. */
class Harness {
  state: State;
  now = 1_000;
  effects: Effect[] = [];
  nextPid = 100;

  constructor(readonly p: Policy) {
    this.state = initialState(this.now);
  }

  send(e: Event): Effect[] {
    const r = step(this.state, e, this.p, this.now);
    this.state = r.state;
    this.effects.push(...r.effects);
    // The edge answers spawns at once, like the real one.
    for (const eff of r.effects) {
      if (eff.type === 'spawn') this.send({ type: 'spawned', role: eff.role, pid: this.nextPid++ });
    }
    return r.effects;
  }

  get sub(): string {
    return this.state.sub;
  }

  get active(): string {
    return activeState(this.state);
  }

  exitMain(exit: ProcessExit): void {
    this.send({ type: 'exited', pid: this.state.mainPid!, exit });
  }

  exitControl(exit: ProcessExit): void {
    this.send({ type: 'exited', pid: this.state.controlPid!, exit });
  }

  kinds(): string[] {
    return this.effects.map((e) => (e.type === 'spawn' ? `spawn ${e.phase}#${e.index}` : e.type === 'kill' ? `kill ${e.who} ${e.signal}` : e.type === 'arm' ? `arm ${e.timer} ${e.ms}` : e.type === 'disarm' ? `disarm ${e.timer}` : e.type));
  }

  clear(): void {
    this.effects = [];
  }
}

/** The main process fails after each uptime in turn; the restart delays the machine arms. */
function crashDelays(h: Harness, uptimes: number[]): number[] {
  return uptimes.map((uptime) => {
    h.clear();
    h.now += uptime;
    h.exitMain({ code: 1 });
    h.send({ type: 'all-gone' });
    const arm = h.effects.find((e) => e.type === 'arm' && e.timer === 'restart') as { ms: number };
    h.now += arm.ms;
    h.send({ type: 'timer', timer: 'restart' });
    return arm.ms;
  });
}

describe('starting by type', () => {
  it('simple: active once spawned', () => {
    const h = new Harness(policy());
    h.send({ type: 'start' });
    expect(h.kinds()).toEqual(['setup', 'arm timeout 90000', 'spawn start#0', 'disarm timeout']);
    expect([h.active, h.sub]).toEqual(['active', 'running']);
  });

  it('notify: activating until READY=1, then ExecStartPost', () => {
    const h = new Harness(policy({ type: 'notify', commands: { 'start-post': 1 } as Policy['commands'] }));
    h.send({ type: 'start' });
    expect([h.active, h.sub]).toEqual(['activating', 'start']);
    h.send({ type: 'ready' });
    expect(h.sub).toBe('start-post');
    h.exitControl({ code: 0 });
    expect([h.active, h.sub]).toEqual(['active', 'running']);
  });

  it('notify: exiting before READY=1 is a failure (protocol when the exit was clean)', () => {
    const h = new Harness(policy({ type: 'notify' }));
    h.send({ type: 'start' });
    h.exitMain({ code: 0 });
    h.send({ type: 'all-gone' });
    expect([h.active, h.state.result]).toEqual(['failed', 'protocol']);
  });

  it('forking: waits for the parent, then the PID file', () => {
    const h = new Harness(policy({ type: 'forking', hasPidFile: true }));
    h.send({ type: 'start' });
    h.clear();
    h.exitMain({ code: 0 });
    expect(h.kinds()).toEqual(['read-pid-file']);
    expect(h.active).toBe('activating');
    h.send({ type: 'main-pid', pid: 4242 });
    expect([h.active, h.state.mainPid]).toEqual(['active', 4242]);
    h.clear();
    h.send({ type: 'exited', pid: 4242, exit: { signal: 9 } });
    // With PIDFile=, a main exit is judged once the PID file has been read again.
    expect(h.effects).toEqual([{ type: 'read-pid-file', once: true }]);
    expect(h.active).toBe('active');
    h.send({ type: 'pid-file-missing' });
    h.send({ type: 'all-gone' });
    expect([h.active, h.state.result]).toEqual(['failed', 'signal']);
  });

  it('forking: a main process that exits after writing a new one into the PID file is followed (nginx binary upgrade)', () => {
    const h = new Harness(policy({ type: 'forking', hasPidFile: true, restart: 'on-failure' }));
    h.send({ type: 'start' });
    h.exitMain({ code: 0 });
    h.send({ type: 'main-pid', pid: 4242 });
    h.clear();
    h.send({ type: 'exited', pid: 4242, exit: { code: 0 } });
    expect(h.effects).toEqual([{ type: 'read-pid-file', once: true }]);
    h.send({ type: 'main-pid', pid: 5252 });
    expect([h.sub, h.state.mainPid, h.state.mainExit]).toEqual(['running', 5252, undefined]);
    // The PID file naming the process that just exited names no new one: the exit is judged.
    h.send({ type: 'exited', pid: 5252, exit: { signal: 9 } });
    h.send({ type: 'main-pid', pid: 5252 });
    expect(h.sub).toBe('stop-sigterm');
    h.send({ type: 'all-gone' });
    expect([h.sub, h.state.result]).toEqual(['auto-restart', 'signal']);
  });

  it('forking without PIDFile=: GuessMainPID= asks the edge for the daemon; GuessMainPID=no does not', () => {
    for (const guess of [true, false]) {
      const h = new Harness(policy({ type: 'forking', guessMainPID: guess }));
      h.send({ type: 'start' });
      h.clear();
      h.exitMain({ code: 0 });
      expect(h.kinds()).toEqual(guess ? ['guess-main-pid', 'disarm timeout'] : ['disarm timeout']);
      expect(h.sub).toBe('running');
      if (!guess) continue;
      h.send({ type: 'main-pid', pid: 777 });
      expect(h.state.mainPid).toBe(777);
    }
  });

  it('ExecMainStartTimestamp: when the main process was spawned, or for forking when the PID file named it', () => {
    const simple = new Harness(policy());
    simple.send({ type: 'start' });
    expect(simple.state.mainStartedAt).toBe(1_000);
    const h = new Harness(policy({ type: 'forking', hasPidFile: true }));
    h.send({ type: 'start' });
    h.now = 1_500;
    h.exitMain({ code: 0 });
    h.now = 1_700;
    h.send({ type: 'main-pid', pid: 4242 });
    expect([h.state.mainStartedAt, h.state.readyAt]).toEqual([1_700, 1_700]);
  });

  it("InactiveExit, ActiveExit and InactiveEnter timestamps: stamped when the active state crosses them, as systemd's", () => {
    const h = new Harness(policy({ commands: { 'start-pre': 1, start: 1, 'start-post': 0, reload: 0, stop: 0, 'stop-post': 0 } }));
    h.now = 1_100;
    h.send({ type: 'start' });
    expect([h.active, h.state.inactiveExitAt, h.state.mainStartedAt]).toEqual(['activating', 1_100, undefined]);
    h.now = 1_400;
    h.send({ type: 'exited', pid: h.state.controlPid!, exit: { code: 0 } });
    expect([h.active, h.state.inactiveExitAt, h.state.mainStartedAt]).toEqual(['active', 1_100, 1_400]);
    expect([h.state.activeExitAt, h.state.inactiveEnterAt]).toEqual([undefined, undefined]);
    h.now = 2_000;
    h.send({ type: 'stop' });
    expect([h.active, h.state.activeExitAt, h.state.inactiveEnterAt]).toEqual(['deactivating', 2_000, undefined]);
    h.now = 2_300;
    h.send({ type: 'exited', pid: h.state.mainPid!, exit: { signal: 15 } });
    h.send({ type: 'all-gone' });
    expect([h.active, h.state.inactiveEnterAt, h.state.inactiveExitAt]).toEqual(['inactive', 2_300, 1_100]);
    // A failed unit started again leaves failed: a new InactiveExit.
    const f = new Harness(policy());
    f.send({ type: 'start' });
    f.now = 1_500;
    f.send({ type: 'exited', pid: f.state.mainPid!, exit: { code: 1 } });
    f.send({ type: 'all-gone' });
    expect([f.active, f.state.inactiveEnterAt, f.state.activeExitAt]).toEqual(['failed', 1_500, 1_500]);
    f.now = 3_000;
    f.send({ type: 'start' });
    expect([f.active, f.state.inactiveExitAt]).toEqual(['active', 3_000]);
  });

  it('forking: a missing PID file fails with result resources', () => {
    const h = new Harness(policy({ type: 'forking', hasPidFile: true }));
    h.send({ type: 'start' });
    h.exitMain({ code: 0 });
    h.send({ type: 'pid-file-missing' });
    h.send({ type: 'all-gone' });
    expect([h.active, h.state.result]).toEqual(['failed', 'resources']);
  });

  it('a setup that fails at start (no notify socket) fails the unit at once, ExecStopPost still runs', () => {
    const h = new Harness(policy({ type: 'notify', commands: { 'stop-post': 1 } as Policy['commands'] }));
    h.send({ type: 'start' });
    h.clear();
    h.send({ type: 'setup-failed' });
    expect(h.state.sub).toBe('stop-sigterm');
    h.send({ type: 'all-gone' });
    expect(h.kinds().filter((k) => k.startsWith('spawn'))).toEqual(['spawn stop-post#0']);
    h.exitControl({ code: 0 });
    expect([h.active, h.state.result]).toEqual(['failed', 'resources']);
  });

  it('oneshot: ExecStart lines run one after another; RemainAfterExit keeps it active (exited)', () => {
    const h = new Harness(policy({ type: 'oneshot', remainAfterExit: true, commands: { start: 2 } as Policy['commands'] }));
    h.send({ type: 'start' });
    expect(h.kinds().filter((k) => k.startsWith('spawn'))).toEqual(['spawn start#0']);
    h.exitMain({ code: 0 });
    expect(h.kinds().filter((k) => k.startsWith('spawn'))).toEqual(['spawn start#0', 'spawn start#1']);
    expect(h.active).toBe('activating');
    h.exitMain({ code: 0 });
    expect([h.active, h.sub]).toEqual(['active', 'exited']);
  });

  it('oneshot without RemainAfterExit ends inactive, and SuccessAction=exit ends the container', () => {
    const h = new Harness(policy({ type: 'oneshot', successAction: 'exit' }));
    h.send({ type: 'start' });
    h.exitMain({ code: 0 });
    h.send({ type: 'all-gone' });
    expect([h.active, h.sub]).toEqual(['inactive', 'dead']);
    expect(h.effects).toContainEqual({ type: 'container-exit', code: 0 });
  });

  it('ExecStartPre failure fails the start; a "-" command may fail', () => {
    const ok = new Harness(policy({ commands: { 'start-pre': 2 } as Policy['commands'], ignoreFailure: { 'start-pre': [true, false] } as Policy['ignoreFailure'] }));
    ok.send({ type: 'start' });
    ok.exitControl({ code: 1 });
    expect(ok.sub).toBe('start-pre');
    ok.exitControl({ code: 0 });
    expect(ok.sub).toBe('running');

    const bad = new Harness(policy({ commands: { 'start-pre': 1 } as Policy['commands'] }));
    bad.send({ type: 'start' });
    bad.exitControl({ code: 2 });
    expect(bad.sub).toBe('stop-sigterm');
    bad.send({ type: 'all-gone' });
    expect([bad.active, bad.state.result]).toEqual(['failed', 'exit-code']);
    expect(bad.kinds().some((k) => k === 'spawn start#0')).toBe(false);
  });

  it('a start that never becomes ready times out', () => {
    const h = new Harness(policy({ type: 'notify', timeoutStartMs: 5_000 }));
    h.send({ type: 'start' });
    h.clear();
    h.send({ type: 'timer', timer: 'timeout' });
    expect(h.kinds()).toContain('kill all 15');
    h.send({ type: 'all-gone' });
    expect([h.active, h.state.result]).toEqual(['failed', 'timeout']);
  });

  it('spawn failure (e.g. 203/EXEC) is a failed start', () => {
    const h = new Harness(policy());
    const r = step(h.state, { type: 'start' }, h.p, h.now);
    h.state = r.state;
    h.send({ type: 'spawn-failed', role: 'main', status: 203 });
    h.send({ type: 'all-gone' });
    expect([h.active, h.state.result, h.state.lastExit?.code]).toEqual(['failed', 'exit-code', 203]);
  });
});

describe('stopping', () => {
  it('ExecStop, then KillSignal to the group, then ExecStopPost', () => {
    const h = new Harness(policy({ commands: { stop: 1, 'stop-post': 1 } as Policy['commands'] }));
    h.send({ type: 'start' });
    h.clear();
    h.send({ type: 'stop' });
    expect(h.kinds()).toEqual(['disarm watchdog', 'spawn stop#0', 'arm timeout 90000']);
    expect([h.active, h.sub]).toEqual(['deactivating', 'stop']);
    h.exitControl({ code: 0 });
    expect(h.sub).toBe('stop-sigterm');
    expect(h.kinds()).toContain('kill all 15');
    h.exitMain({ signal: 15 });
    h.send({ type: 'all-gone' });
    expect(h.sub).toBe('stop-post');
    h.exitControl({ code: 0 });
    expect([h.active, h.state.result]).toEqual(['inactive', 'success']);
  });

  it('SIGKILL after TimeoutStopSec when SIGTERM is ignored; result timeout', () => {
    const h = new Harness(policy({ timeoutStopMs: 1_000 }));
    h.send({ type: 'start' });
    h.send({ type: 'stop' });
    h.clear();
    h.send({ type: 'timer', timer: 'timeout' });
    expect(h.kinds()).toEqual(['log', 'kill all 9', 'arm timeout 1000', 'await-all-gone']);
    expect(h.sub).toBe('stop-sigkill');
    h.send({ type: 'all-gone' });
    expect([h.active, h.state.result]).toEqual(['failed', 'timeout']);
  });

  it('SendSIGKILL=no leaves them; KillMode=process signals the main process only; mixed kills all at the end', () => {
    const noKill = new Harness(policy({ sendSIGKILL: false }));
    noKill.send({ type: 'start' });
    noKill.send({ type: 'stop' });
    noKill.clear();
    noKill.send({ type: 'timer', timer: 'timeout' });
    expect(noKill.kinds().some((k) => k.startsWith('kill'))).toBe(false);
    expect(noKill.active).toBe('inactive');

    const proc = new Harness(policy({ killMode: 'process' }));
    proc.send({ type: 'start' });
    proc.clear();
    proc.send({ type: 'stop' });
    expect(proc.kinds()).toContain('kill main 15');

    const mixed = new Harness(policy({ killMode: 'mixed' }));
    mixed.send({ type: 'start' });
    mixed.send({ type: 'stop' });
    mixed.clear();
    mixed.send({ type: 'timer', timer: 'timeout' });
    expect(mixed.kinds()).toContain('kill all 9');

    const none = new Harness(policy({ killMode: 'none' }));
    none.send({ type: 'start' });
    none.clear();
    none.send({ type: 'stop' });
    expect(none.kinds().some((k) => k.startsWith('kill'))).toBe(false);
  });

  it('an operator stop never restarts, even with Restart=always', () => {
    const h = new Harness(policy({ restart: 'always' }));
    h.send({ type: 'start' });
    h.send({ type: 'stop' });
    h.exitMain({ signal: 15 });
    h.send({ type: 'all-gone' });
    expect(h.sub).toBe('dead');
    expect(h.effects.some((e) => e.type === 'arm' && e.timer === 'restart')).toBe(false);
  });

  it('start while stopping is queued; restart is stop then start', () => {
    const h = new Harness(policy());
    h.send({ type: 'start' });
    h.send({ type: 'restart' });
    expect(h.sub).toBe('stop-sigterm');
    h.exitMain({ signal: 15 });
    h.send({ type: 'all-gone' });
    expect([h.sub, h.state.restarts]).toEqual(['running', 1]);
  });

  it('late events of an earlier run are ignored', () => {
    const h = new Harness(policy());
    h.send({ type: 'start' });
    const before = h.state;
    h.send({ type: 'exited', pid: 9999, exit: { code: 1 } });
    expect(h.state).toEqual(before);
  });
});

describe('restarts', () => {
  it('backoff doubles from RestartSec, capped', () => {
    expect([1, 2, 3, 4, 5].map((n) => nextRestartDelay(100, n))).toEqual([100, 200, 400, 800, 1600]);
    expect(nextRestartDelay(100, 20)).toBe(30_000);
    expect(nextRestartDelay(100, 5, 500)).toBe(500);
    expect(nextRestartDelay(60_000, 3)).toBe(60_000);
  });

  it('on-failure: restart after RestartSec with growing delays, then start-limit-hit after the burst', () => {
    const h = new Harness(policy({ restart: 'on-failure', startLimitBurst: 3, startLimitIntervalMs: 10_000, failureAction: 'exit' }));
    const delays: number[] = [];
    h.send({ type: 'start' });
    for (let i = 0; i < 3; i++) {
      h.clear();
      h.now += 50;
      h.exitMain({ code: 1 });
      h.send({ type: 'all-gone' });
      const arm = h.effects.find((e) => e.type === 'arm' && e.timer === 'restart');
      if (arm?.type !== 'arm') break;
      delays.push(arm.ms);
      expect([h.active, h.sub]).toEqual(['activating', 'auto-restart']);
      h.now += arm.ms;
      h.send({ type: 'timer', timer: 'restart' });
    }
    expect(delays).toEqual([100, 200, 400]);
    expect([h.active, h.state.result]).toEqual(['failed', 'start-limit-hit']);
    expect(h.effects).toContainEqual({ type: 'container-exit', code: 1 });
    // Failed for good: a stray restart timer does nothing.
    h.clear();
    h.send({ type: 'timer', timer: 'restart' });
    expect([h.effects, h.active]).toEqual([[], 'failed']);
    // An explicit start clears the lockout.
    h.now += 1;
    h.send({ type: 'start' });
    expect(h.active).toBe('active');
  });

  it('starts spread beyond the interval are not limited', () => {
    const h = new Harness(policy({ restart: 'always', startLimitBurst: 2, startLimitIntervalMs: 1_000 }));
    h.send({ type: 'start' });
    for (let i = 0; i < 5; i++) {
      h.now += 2_000;
      h.exitMain({ code: 0 });
      h.send({ type: 'all-gone' });
      h.now += 100;
      h.send({ type: 'timer', timer: 'restart' });
      expect(h.active).toBe('active');
    }
  });

  it('RestartSteps= with RestartMaxDelaySec=: the delay grows from RestartSec= to the maximum in equal factors, then stays', () => {
    // 100 ms to 10 s over 4 steps: factor 100^(1/4) = 3.16 each.
    expect([1, 2, 3, 4, 5, 6].map((n) => nextRestartDelay(100, n, 10_000, 4))).toEqual([100, 316, 1000, 3162, 10_000, 10_000]);
    // Without a finite maximum, or with RestartSteps=0, ts-init's doubling stays.
    expect(nextRestartDelay(100, 3, Number.POSITIVE_INFINITY, 4)).toBe(400);
    expect(nextRestartDelay(100, 3, 10_000, 0)).toBe(400);
    // No growth from RestartSec=0, nor when the maximum is not above RestartSec=.
    expect(nextRestartDelay(0, 3, 10_000, 4)).toBe(0);
    expect(nextRestartDelay(500, 3, 200, 4)).toBe(500);

    const h = new Harness(policy({ restart: 'always', restartSecMs: 100, restartMaxDelayMs: 10_000, restartSteps: 4, startLimitBurst: 100 }));
    h.send({ type: 'start' });
    expect(crashDelays(h, [10, 10, 10, 10, 10, 10])).toEqual([100, 316, 1000, 3162, 10_000, 10_000]);
  });

  it('RestartForceExitStatus=: a listed exit restarts even with Restart=no', () => {
    const h = new Harness(policy({ restart: 'no', restartForceExitStatus: { codes: [75], signals: [] } }));
    h.send({ type: 'start' });
    h.exitMain({ code: 75 });
    h.send({ type: 'all-gone' });
    expect([h.sub, h.state.result]).toEqual(['auto-restart', 'exit-code']);
    h.send({ type: 'timer', timer: 'restart' });
    expect(h.sub).toBe('running');
    h.exitMain({ code: 1 });
    h.send({ type: 'all-gone' });
    expect(h.sub).toBe('failed');
  });

  it('RestartKillSignal=: the stop of a restart signals with it, a plain stop with KillSignal=', () => {
    const p = policy({ killSignal: 15, restartKillSignal: 2, killMode: 'mixed', commands: { stop: 1 } as Policy['commands'] });
    const restart = new Harness(p);
    restart.send({ type: 'start' });
    restart.clear();
    restart.send({ type: 'restart' });
    // ExecStop= first; then the signal once it is done.
    expect(restart.kinds()).toEqual(['disarm watchdog', 'spawn stop#0', 'arm timeout 90000']);
    restart.exitControl({ code: 0 });
    expect(restart.kinds()).toContain('kill main 2');
    expect(restart.kinds()).not.toContain('kill main 15');
    restart.exitMain({ signal: 2 });
    restart.send({ type: 'all-gone' });
    expect([restart.sub, restart.state.restarts]).toEqual(['running', 1]);

    const stop = new Harness(p);
    stop.send({ type: 'start' });
    stop.clear();
    stop.send({ type: 'stop' });
    stop.exitControl({ code: 0 });
    expect(stop.kinds()).toContain('kill main 15');
    expect(stop.kinds()).not.toContain('kill main 2');

    // Unset, a restart uses KillSignal=.
    const plain = new Harness(policy({ killSignal: 15 }));
    plain.send({ type: 'start' });
    plain.clear();
    plain.send({ type: 'restart' });
    expect(plain.kinds()).toContain('kill all 15');
  });

  it('a run that stayed up 10 s resets the backoff', () => {
    const h = new Harness(policy({ restart: 'always' }));
    h.send({ type: 'start' });
    expect(crashDelays(h, [10, 10, 20_000])).toEqual([100, 200, 100]);
  });

  it('watchdog: no ping within WatchdogSec stops it with result watchdog (restarted by on-watchdog)', () => {
    const h = new Harness(policy({ type: 'notify', watchdogMs: 2_000, restart: 'on-watchdog' }));
    h.send({ type: 'start' });
    h.send({ type: 'ready' });
    expect(h.kinds()).toContain('arm watchdog 2000');
    h.clear();
    h.send({ type: 'watchdog-ping' });
    expect(h.kinds()).toEqual(['arm watchdog 2000']);
    h.send({ type: 'timer', timer: 'watchdog' });
    expect(h.kinds()).toContain('kill main 6');
    h.exitMain({ signal: 6 });
    h.send({ type: 'all-gone' });
    expect([h.sub, h.state.result]).toEqual(['auto-restart', 'watchdog']);
  });

  it('EXTEND_TIMEOUT_USEC re-arms the start timeout', () => {
    const h = new Harness(policy({ type: 'notify' }));
    h.send({ type: 'start' });
    h.clear();
    h.send({ type: 'extend-timeout', ms: 120_000 });
    expect(h.kinds()).toEqual(['arm timeout 120000']);
  });
});

describe('other requests', () => {
  it('reload runs ExecReload and returns to running; a condition failure is not an error', () => {
    const h = new Harness(policy({ commands: { reload: 1 } as Policy['commands'] }));
    h.send({ type: 'start' });
    h.send({ type: 'reload' });
    expect([h.active, h.sub]).toEqual(['reloading', 'reload']);
    h.exitControl({ code: 0 });
    expect(h.sub).toBe('running');

    const c = new Harness(policy());
    c.send({ type: 'condition-failed' });
    expect([c.active, c.state.result]).toEqual(['inactive', 'success']);
  });

  it('a required dependency failing fails the unit with result dependency', () => {
    const h = new Harness(policy());
    h.send({ type: 'dependency-failed' });
    expect([h.active, h.state.result]).toEqual(['failed', 'dependency']);
  });

  it('FailureAction=exit uses the main exit status unless FailureActionExitStatus= is set', () => {
    const h = new Harness(policy({ failureAction: 'exit' }));
    h.send({ type: 'start' });
    h.exitMain({ code: 7 });
    h.send({ type: 'all-gone' });
    expect(h.effects).toContainEqual({ type: 'container-exit', code: 7 });
    const g = new Harness(policy({ failureAction: 'exit', failureActionExitStatus: 99 }));
    g.send({ type: 'start' });
    g.exitMain({ signal: 11 });
    g.send({ type: 'all-gone' });
    expect(g.effects).toContainEqual({ type: 'container-exit', code: 99 });
  });
});

describe('faults found by an adversarial run', () => {
  it('a stop asked for while the unit stops on its own (ExecStopPost= running) is not lost to an auto-restart', () => {
    const h = new Harness(policy({ restart: 'always', commands: { 'stop-post': 1 } as Policy['commands'] }));
    h.send({ type: 'start' });
    h.exitMain({ code: 1 });
    h.send({ type: 'all-gone' });
    expect(h.sub).toBe('stop-post');
    h.send({ type: 'stop' }); // shutdown begins now
    h.exitControl({ code: 0 });
    expect(h.sub).toBe('failed');
    expect(h.kinds()).not.toContain('arm restart 100');
  });

  it('FailureAction=exit hands on the code of a failing ExecStartPre=', () => {
    const h = new Harness(policy({ failureAction: 'exit', commands: { 'start-pre': 1 } as Policy['commands'] }));
    h.send({ type: 'start' });
    h.exitControl({ code: 7 });
    h.send({ type: 'all-gone' });
    expect(h.sub).toBe('failed');
    expect(h.effects).toContainEqual({ type: 'container-exit', code: 7 });
  });

  it('FailureAction=exit after the start limit is hit hands on the last failure’s code', () => {
    const h = new Harness(policy({ failureAction: 'exit', restart: 'always', startLimitBurst: 2 }));
    h.send({ type: 'start' });
    for (let i = 0; i < 3; i++) {
      h.exitMain({ code: 4 });
      h.send({ type: 'all-gone' });
      if (h.sub === 'auto-restart') h.send({ type: 'timer', timer: 'restart' });
    }
    expect(h.state.result).toBe('start-limit-hit');
    expect(h.effects.filter((e) => e.type === 'container-exit')).toEqual([{ type: 'container-exit', code: 4 }]);
  });

  it('a non-zero ExecStop= or ExecStopPost= fails the unit, as in systemd; with "-" it does not', () => {
    for (const phase of ['stop', 'stop-post'] as const) {
      const h = new Harness(policy({ commands: { [phase]: 1 } as unknown as Policy['commands'] }));
      h.send({ type: 'start' });
      h.send({ type: 'stop' });
      if (phase === 'stop') h.exitControl({ code: 3 });
      else {
        h.exitMain({ signal: 15 });
        h.send({ type: 'all-gone' });
        h.exitControl({ code: 3 });
      }
      if (h.sub === 'stop-sigterm') {
        h.exitMain({ signal: 15 });
        h.send({ type: 'all-gone' });
      }
      expect([phase, h.sub, h.state.result]).toEqual([phase, 'failed', 'exit-code']);
    }
    const ok = new Harness(policy({ commands: { stop: 1 } as Policy['commands'], ignoreFailure: { stop: [true] } as unknown as Policy['ignoreFailure'] }));
    ok.send({ type: 'start' });
    ok.send({ type: 'stop' });
    ok.exitControl({ code: 3 });
    ok.exitMain({ signal: 15 });
    ok.send({ type: 'all-gone' });
    expect(ok.sub).toBe('dead');
  });
});

describe('Type=notify-reload', () => {
  function up(over: Partial<Policy> = {}): Harness {
    const h = new Harness(policy({ type: 'notify-reload', reloadSignal: 1, timeoutStartMs: 5_000, ...over }));
    h.send({ type: 'start' });
    expect(h.sub).toBe('start');
    h.send({ type: 'ready' });
    expect([h.active, h.sub]).toEqual(['active', 'running']);
    h.clear();
    return h;
  }

  it('reload sends ReloadSignal= to the main process, then waits for RELOADING=1 and READY=1', () => {
    const h = up({ reloadSignal: 10 });
    h.send({ type: 'reload', monotonicUsec: 1_000 });
    expect(h.kinds()).toEqual(['kill main 10', 'arm timeout 5000']);
    expect([h.active, h.sub]).toEqual(['reloading', 'reload-signal']);
    h.send({ type: 'ready' }); // READY=1 without RELOADING=1 does not end it
    expect(h.sub).toBe('reload-signal');
    h.send({ type: 'reloading', monotonicUsec: 1_500 });
    expect([h.active, h.sub]).toEqual(['reloading', 'reload-notify']);
    h.send({ type: 'ready' });
    expect([h.active, h.sub, h.state.reloadResult]).toEqual(['active', 'running', 'success']);
    expect(h.kinds()).toContain('disarm timeout');
  });

  it('a RELOADING=1 from before the request, or without MONOTONIC_USEC=, is not the answer', () => {
    const h = up();
    h.send({ type: 'reload', monotonicUsec: 2_000 });
    h.send({ type: 'reloading', monotonicUsec: 1_999 });
    h.send({ type: 'reloading' });
    expect(h.sub).toBe('reload-signal');
    h.send({ type: 'reloading', monotonicUsec: 2_000 });
    expect(h.sub).toBe('reload-notify');
  });

  it('no answer within TimeoutStartSec=: the reload fails with timeout, the unit stays up', () => {
    const h = up();
    h.send({ type: 'reload', monotonicUsec: 1 });
    h.send({ type: 'timer', timer: 'timeout' });
    expect([h.active, h.sub, h.state.reloadResult, h.state.mainPid]).toEqual(['active', 'running', 'timeout', 100]);
    expect(h.kinds().filter((k) => k.startsWith('kill'))).toEqual(['kill main 1']);
    h.send({ type: 'reload', monotonicUsec: 2 });
    expect(h.state.reloadResult).toBe('success'); // a new reload starts clean
  });

  it('a reload with nothing to signal (the main process gone, RemainAfterExit=) succeeds at once, whatever the last one did', () => {
    const h = up({ remainAfterExit: true });
    h.send({ type: 'reload', monotonicUsec: 1 });
    h.send({ type: 'timer', timer: 'timeout' });
    expect(h.state.reloadResult).toBe('timeout');
    h.exitMain({ code: 0 });
    expect(h.sub).toBe('exited');
    h.clear();
    h.send({ type: 'reload', monotonicUsec: 2 });
    expect([h.sub, h.state.reloadResult, h.kinds()]).toEqual(['exited', 'success', []]);
  });

  it('the daemon may reload on its own: RELOADING=1 while running, READY=1 ends it', () => {
    const h = up();
    h.send({ type: 'reloading', monotonicUsec: 5 });
    expect([h.active, h.sub]).toEqual(['reloading', 'reload-notify']);
    h.send({ type: 'ready' });
    expect(h.sub).toBe('running');
  });

  it('with ExecReload= too, the signal goes and ExecReload= runs as the control process', () => {
    const h = up({ commands: { reload: 1 } as Policy['commands'] });
    h.send({ type: 'reload', monotonicUsec: 1 });
    expect(h.kinds()).toEqual(['kill main 1', 'spawn reload#0', 'arm timeout 5000']);
    h.exitControl({ code: 3 });
    expect([h.sub, h.state.reloadResult]).toEqual(['running', 'exit-code']);
  });

  it('the main process dying during the reload ends the run as when running', () => {
    const h = up();
    h.send({ type: 'reload', monotonicUsec: 1 });
    h.exitMain({ code: 1 });
    h.send({ type: 'all-gone' });
    expect([h.active, h.state.result]).toEqual(['failed', 'exit-code']);
  });

  it('starts as Type=notify: exiting before READY=1 is a protocol failure', () => {
    const h = new Harness(policy({ type: 'notify-reload' }));
    h.send({ type: 'start' });
    h.exitMain({ code: 0 });
    h.send({ type: 'all-gone' });
    expect([h.active, h.state.result]).toEqual(['failed', 'protocol']);
  });
});

describe("a socket unit's end", () => {
  it('setup-failed with a result: the unit fails with that result (service-start-limit-hit), else resources', () => {
    const h = new Harness(policy({ commands: { start: 0 } as Policy['commands'] }));
    h.send({ type: 'start' });
    expect(h.sub).toBe('running');
    h.send({ type: 'setup-failed', result: 'service-start-limit-hit' });
    h.send({ type: 'all-gone' });
    expect([h.active, h.state.result]).toEqual(['failed', 'service-start-limit-hit']);

    const r = new Harness(policy({ commands: { start: 0 } as Policy['commands'] }));
    r.send({ type: 'start' });
    r.send({ type: 'setup-failed' });
    r.send({ type: 'all-gone' });
    expect([r.active, r.state.result]).toEqual(['failed', 'resources']);
  });
});

describe('reset-failed', () => {
  it("as systemd's unit_reset_failed: failed becomes dead with Result=success; the start limit and restart count are forgotten", () => {
    const h = new Harness(policy({ restart: 'always', startLimitBurst: 1 }));
    h.send({ type: 'start' });
    h.exitMain({ code: 1 });
    h.send({ type: 'all-gone' });
    h.now += 100;
    h.send({ type: 'timer', timer: 'restart' });
    expect(h.state).toMatchObject({ sub: 'failed', result: 'start-limit-hit' });
    const effects = h.send({ type: 'reset-failed' });
    expect(effects).toEqual([]);
    expect(h.state).toMatchObject({ sub: 'dead', result: 'success', restarts: 0, startTimes: [] });
    expect(h.active).toBe('inactive');
    h.send({ type: 'start' });
    expect(h.sub).toBe('running');
  });

  it('a running unit keeps running; only its result and counters are cleared', () => {
    const h = new Harness(policy());
    h.send({ type: 'start' });
    h.send({ type: 'reset-failed' });
    expect(h.state).toMatchObject({ sub: 'running', result: 'success' });
  });
});
