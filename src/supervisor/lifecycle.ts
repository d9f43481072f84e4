// A service's lifecycle as a pure state machine, after systemd.service(5):
// step(state, event, policy, now) returns the next state and the effects the edge
// must carry out (spawn a command, send a signal, arm a timer, ...). No processes,
// clocks or I/O here; the edge feeds back what happened as events.
import { nextRestartDelay } from './backoff';
import type { ProcessExit } from '../process/process-exit';
import { isCleanExit, shouldRestart } from './restart-policy';
import { SIGCONT, SIGHUP, SIGKILL } from '../sys/signals';
import type { Result } from './result';
import { notifiesReady, type UnitConfig } from '../units/unit';
import { activeState, isDown, isIdle, isReloading, isStarting, isStopping, isUp, takesMainPid, type SubState } from './sub-states';

export type Phase = 'start-pre' | 'start' | 'start-post' | 'reload' | 'stop' | 'stop-post';
export type Role = 'main' | 'control';

export type { SubState } from './sub-states';
export { activeState } from './sub-states';

export type { Result } from './result';


/** The unit's settings the machine reads, exactly as the model (units/unit.ts) has them. */
export type PolicySetting =
  | 'type' | 'remainAfterExit' | 'restart' | 'restartSecMs' | 'restartMaxDelayMs' | 'restartSteps'
  | 'startLimitIntervalMs' | 'startLimitBurst' | 'timeoutStartMs' | 'timeoutStopMs' | 'watchdogMs'
  | 'killMode' | 'killSignal' | 'restartKillSignal' | 'finalKillSignal' | 'sendSIGKILL' | 'sendSIGHUP'
  | 'successExitStatus' | 'restartPreventExitStatus' | 'restartForceExitStatus'
  | 'failureAction' | 'successAction' | 'failureActionExitStatus' | 'successActionExitStatus' | 'guessMainPID'
  | 'reloadSignal';

/** What the machine knows of a unit: its settings, and what is counted from its commands. */
export interface Policy extends Pick<UnitConfig, PolicySetting> {
  /** Number of commands per phase. */
  commands: Record<Phase, number>;
  /** Per phase, which commands carry the "-" prefix (failure ignored). */
  ignoreFailure: Record<Phase, boolean[]>;
  hasPidFile: boolean;
}

export interface State {
  sub: SubState;
  result: Result;
  /** Phase and index of the command running now (control process, or oneshot main). */
  phase?: Phase;
  index: number;
  mainPid?: number;
  controlPid?: number;
  /** The main process ended, and how (kept while the stop sequence runs). */
  mainExit?: ProcessExit;
  /** The main process that exited while PIDFile= is read again: a PID file still naming it names no new main process. */
  pidFileRecheck?: number;
  /** Last exit of the main process, for status. */
  lastExit?: ProcessExit & { at: number };
  /** The exit that failed this run when no main process did (ExecStartPre=, ExecStop=, ...). */
  failedExit?: ProcessExit;
  ready: boolean;
  readyAt?: number;
  /** When the main process was last known to start (spawned, or named by PIDFile=/MAINPID=): ExecMainStartTimestamp. */
  mainStartedAt?: number;
  /** systemd's transition moments: left inactive/failed (the start job began), left active/reloading, reached inactive/failed. */
  inactiveExitAt?: number;
  activeExitAt?: number;
  inactiveEnterAt?: number;
  /** How the last reload ended ('success' while one runs): what `systemctl reload` reports. */
  reloadResult?: Result;
  /**
   * When (CLOCK_MONOTONIC, µs) the last reload was asked for: Type=notify-reload's
   * RELOADING=1 counts only with a MONOTONIC_USEC= at or after it, so a reload the daemon
   * was already doing is not taken for the one asked.
   */
  reloadBeganUsec?: number;
  /** The operator asked for the stop: no automatic restart. */
  stopRequested: boolean;
  /** Start again once stopped (restart, or start while stopping). */
  startQueued: boolean;
  startTimes: number[];
  failures: number;
  restarts: number;
  changedAt: number;
  /** Effects that failed for a passing shortage, carried out again when the retry timer fires (if the unit is still where it was). */
  retry?: Retry;
}

export interface Retry {
  sub: SubState;
  phase?: Phase;
  index: number;
  /** What the retry timer will carry out again. */
  effects: Effect[];
  /** How many times it was carried out again here already (said once, then every RETRY_SAY_EVERY). */
  tries: number;
}

/** A shortage that lasts is said again every this many retries, not at each. */
const RETRY_SAY_EVERY = 20;

export type Event =
  | { type: 'start' }
  | { type: 'stop' }
  | { type: 'restart' }
  /** monotonicUsec: when it was asked (CLOCK_MONOTONIC, µs), for Type=notify-reload. */
  | { type: 'reload'; monotonicUsec?: number }
  /** systemctl reset-failed: a failed unit becomes inactive; the result and the start limit are forgotten. */
  | { type: 'reset-failed' }
  | { type: 'condition-failed' }
  | { type: 'dependency-failed' }
  | { type: 'spawned'; role: Role; pid: number }
  | { type: 'spawn-failed'; role: Role; status: number }
  | { type: 'exited'; pid: number; exit: ProcessExit }
  | { type: 'ready' }
  /** RELOADING=1, with its MONOTONIC_USEC= when the daemon sent one. */
  | { type: 'reloading'; monotonicUsec?: number }
  | { type: 'main-pid'; pid: number }
  | { type: 'pid-file-missing' }
  | { type: 'stopping' }
  | { type: 'all-gone' }
  | { type: 'timer'; timer: TimerName }
  | { type: 'watchdog-ping' }
  | { type: 'extend-timeout'; ms: number }
  /**
   * The edge could not prepare the run (a socket unit's endpoint could not be opened), or
   * gave up on it (a socket whose service hit its start limit): `result` says which, in
   * systemd's words; 'resources' when absent.
   */
  | { type: 'setup-failed'; result?: Result }
  /**
   * The edge could not carry out an effect. transient: for a passing shortage (EMFILE,
   * ENFILE, ENOMEM, EAGAIN), tried again while the phase's timeout runs; else the unit fails.
   */
  | { type: 'effect-failed'; effect: Effect; transient: boolean; message: string };

/** retry: effects that failed for a passing shortage are carried out again. */
export type TimerName = 'timeout' | 'restart' | 'watchdog' | 'retry';

/** How soon an effect that failed for a passing shortage is tried again. */
export const EFFECT_RETRY_MS = 250;

export type Effect =
  | { type: 'spawn'; phase: Phase; index: number; role: Role }
  | { type: 'kill'; who: 'main' | 'control' | 'all'; signal: number }
  | { type: 'arm'; timer: TimerName; ms: number }
  | { type: 'disarm'; timer: TimerName }
  /**
   * Read PIDFile= and answer 'main-pid' or 'pid-file-missing': while starting, waiting a while for
   * it to appear; with `once`, now only (the main process exited: a daemon that moved to a new
   * process, nginx's binary upgrade, has written the new one's pid there first).
   */
  | { type: 'read-pid-file'; once?: true }
  /** A forking unit without PIDFile=: find its one daemonized process (answered with 'main-pid', or not at all). */
  | { type: 'guess-main-pid' }
  /** Prepare per-run resources (runtime directories, notify socket) / release them. */
  | { type: 'setup' }
  | { type: 'teardown' }
  /** Start again once every process of the unit is gone (the edge answers 'all-gone'). */
  | { type: 'await-all-gone' }
  | { type: 'container-exit'; code: number }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

export interface StepResult {
  state: State;
  effects: Effect[];
}


export function initialState(now: number): State {
  return { sub: 'dead', result: 'success', index: 0, ready: false, stopRequested: false, startQueued: false, startTimes: [], failures: 0, restarts: 0, changedAt: now };
}

/** The pure transition function. */
export function step(prev: State, event: Event, p: Policy, now: number): StepResult {
  const m = new Machine({ ...prev, startTimes: [...prev.startTimes] }, p, now);
  m.handle(event);
  const was = prev.sub;
  const is = m.s.sub;
  if (activeState(m.s) !== activeState(prev)) {
    m.s.changedAt = now;
    // As systemd stamps them when a unit's active state changes (unit_notify).
    if (isDown(was) && !isDown(is)) m.s.inactiveExitAt = now;
    if (isUp(was) && !isUp(is)) m.s.activeExitAt = now;
    if (!isDown(was) && isDown(is)) m.s.inactiveEnterAt = now;
  }
  return { state: m.s, effects: m.effects };
}

class Machine {
  readonly effects: Effect[] = [];

  constructor(
    public s: State,
    private readonly p: Policy,
    private readonly now: number,
  ) {}

  private emit(e: Effect): void {
    this.effects.push(e);
  }

  handle(e: Event): void {
    switch (e.type) {
      case 'start':
        return this.onStart();
      case 'stop':
        return this.onStop();
      case 'restart':
        return this.onRestart();
      case 'reload':
        return this.onReload(e.monotonicUsec);
      case 'reset-failed':
        return this.onResetFailed();
      case 'condition-failed':
        if (isDown(this.s.sub)) this.s = { ...this.s, sub: 'dead', result: 'success' };
        return;
      case 'dependency-failed':
        if (isIdle(this.s.sub)) {
          this.emit({ type: 'disarm', timer: 'restart' });
          this.s.result = 'dependency';
          this.enterFailedOrDead();
        }
        return;
      case 'spawned':
        return this.onSpawned(e.role, e.pid);
      case 'spawn-failed':
        return this.onExit(e.role, { code: e.status });
      case 'exited':
        if (e.pid === this.s.controlPid) return this.onExit('control', e.exit);
        if (e.pid === this.s.mainPid) return this.onExit('main', e.exit);
        return; // a late event from an earlier run, or a process we do not track
      case 'ready':
        if (this.s.sub === 'start' && notifiesReady(this.p.type)) this.enterStartPost();
        if (this.s.sub === 'reload' || this.s.sub === 'reload-notify') this.enterRunning();
        return;
      case 'reloading':
        return this.onReloading(e.monotonicUsec);
      case 'main-pid':
        if (this.s.pidFileRecheck !== undefined) {
          // The PID file still names the process that exited: there is no new main process.
          if (e.pid === this.s.pidFileRecheck) return this.handle({ type: 'pid-file-missing' });
          this.s.pidFileRecheck = undefined;
        }
        if (takesMainPid(this.s.sub)) {
          if (e.pid !== this.s.mainPid) this.s.mainStartedAt = this.now;
          this.s.mainPid = e.pid;
          this.s.mainExit = undefined;
          if (this.s.sub === 'start' && this.p.type === 'forking') this.enterStartPost();
        }
        return;
      case 'pid-file-missing':
        if (this.s.sub === 'start' && this.p.type === 'forking') {
          this.emit({ type: 'log', level: 'error', message: 'PID file not readable after start; the daemon probably failed to start' });
          this.fail('resources');
        }
        // The main process exited and the PID file names no new one: it is gone.
        if (this.s.pidFileRecheck !== undefined) {
          this.s.pidFileRecheck = undefined;
          if ((this.s.sub === 'running' || this.s.sub === 'reload') && this.s.mainExit) this.onMainGone(this.s.mainExit);
        }
        return;
      case 'stopping':
        return; // STOPPING=1 only informs; the process exit drives the state
      case 'all-gone':
        if (this.s.sub === 'stop-sigterm' || this.s.sub === 'stop-sigkill') this.enterStopPost();
        return;
      case 'timer':
        return this.onTimer(e.timer);
      case 'watchdog-ping':
        if (this.p.watchdogMs > 0 && (this.s.sub === 'running' || this.s.sub === 'start-post')) {
          this.emit({ type: 'arm', timer: 'watchdog', ms: this.p.watchdogMs });
        }
        return;
      case 'extend-timeout':
        if (this.isStarting() || this.isStopping()) this.emit({ type: 'arm', timer: 'timeout', ms: e.ms });
        return;
      case 'effect-failed':
        return e.transient ? this.retryLater(e.effect, e.message) : this.onEffectFailed(e.effect, e.message);
      case 'setup-failed':
        // Starting: nothing of this run was spawned; straight to stopping (ExecStopPost= still runs).
        if (this.isStarting() && this.s.mainPid === undefined && this.s.controlPid === undefined) return this.fail(e.result ?? 'resources');
        if (this.isStarting() || this.s.sub === 'running' || this.s.sub === 'exited') {
          this.onStop();
          this.s.result = e.result ?? 'resources';
        }
        return;
    }
  }

  private isStarting(): boolean {
    return isStarting(this.s.sub);
  }

  private isStopping(): boolean {
    return isStopping(this.s.sub);
  }

  // ---- operator requests ----

  /** As systemd's unit_reset_failed: failed -> dead; Result= success, start limit and restart count cleared, whatever the state. */
  private onResetFailed(): void {
    if (this.s.sub === 'failed') this.s.sub = 'dead';
    this.s.result = 'success';
    this.s.startTimes = [];
    this.s.failures = 0;
    this.s.restarts = 0;
  }

  private onStart(): void {
    const sub = this.s.sub;
    if (isDown(sub)) {
      // An explicit start clears a start-limit lockout (systemctl reset-failed + start).
      if (this.s.result === 'start-limit-hit') this.s.startTimes = [];
      this.s.failures = 0;
      this.beginStart();
    } else if (sub === 'auto-restart') {
      this.emit({ type: 'disarm', timer: 'restart' });
      this.beginStart();
    } else if (this.isStopping()) {
      this.s.startQueued = true;
    }
  }

  /** restart: the stop of a restart, which starts again once down (and signals with RestartKillSignal=). */
  private onStop(restart = false): void {
    const sub = this.s.sub;
    this.s.startQueued = restart;
    if (sub === 'auto-restart') {
      this.emit({ type: 'disarm', timer: 'restart' });
      this.s = { ...this.s, sub: this.s.result === 'success' ? 'dead' : 'failed' };
      return;
    }
    if (isDown(sub)) return;
    // Already stopping on its own (the main process ended, ExecStopPost= runs): the
    // request still counts, so the end of this stop is not followed by a restart.
    if (this.isStopping()) {
      this.s.stopRequested = true;
      return;
    }
    this.s.stopRequested = true;
    if (this.s.controlPid !== undefined) this.emit({ type: 'kill', who: 'control', signal: this.termSignal() });
    this.s.controlPid = undefined;
    if (sub === 'start-pre') return this.enterSigterm();
    this.enterStop();
  }

  private onRestart(): void {
    const sub = this.s.sub;
    if (isIdle(sub)) return this.onStart();
    this.onStop(true);
  }

  /** KillSignal=, or RestartKillSignal= when a start waits for this stop (systemd's restart job). */
  private termSignal(): number {
    return this.s.startQueued ? (this.p.restartKillSignal ?? this.p.killSignal) : this.p.killSignal;
  }

  /**
   * ExecReload= runs as the control process; Type=notify-reload also sends ReloadSignal= to
   * the main process and, without ExecReload=, waits for RELOADING=1 then READY=1. Either
   * is bounded by TimeoutStartSec=, as in systemd; the unit stays up whatever the reload's end.
   */
  private onReload(monotonicUsec: number | undefined): void {
    if (this.s.sub !== 'running' && this.s.sub !== 'exited') return;
    // Nothing to do (no main process to signal) is a reload that succeeded, as in systemd.
    this.s.reloadResult = 'success';
    const signal = this.p.type === 'notify-reload' && this.s.mainPid !== undefined;
    if (this.p.commands.reload === 0 && !signal) return;
    this.s.reloadBeganUsec = monotonicUsec;
    if (signal) this.emit({ type: 'kill', who: 'main', signal: this.p.reloadSignal });
    if (this.p.commands.reload > 0) {
      this.s.sub = 'reload';
      this.runCommand('reload', 0);
    } else {
      this.s.sub = 'reload-signal';
    }
    this.emit({ type: 'arm', timer: 'timeout', ms: this.p.timeoutStartMs });
  }

  /** RELOADING=1: the daemon answers the signal, or (running) begins a reload of its own. */
  private onReloading(monotonicUsec: number | undefined): void {
    if (this.s.sub === 'reload-signal') {
      const asked = this.s.reloadBeganUsec;
      if (monotonicUsec === undefined || (asked !== undefined && monotonicUsec < asked)) return;
      this.s.sub = 'reload-notify';
      return;
    }
    if (this.s.sub === 'running' && notifiesReady(this.p.type)) {
      this.s.reloadResult = 'success';
      this.s.sub = 'reload-notify';
      this.emit({ type: 'arm', timer: 'timeout', ms: this.p.timeoutStartMs });
    }
  }

  // ---- starting ----

  private beginStart(): void {
    const window = this.s.startTimes.filter((t) => t > this.now - this.p.startLimitIntervalMs);
    window.push(this.now);
    this.s.startTimes = window;
    if (window.length > this.p.startLimitBurst) {
      this.emit({ type: 'log', level: 'error', message: `start request repeated too quickly (more than ${this.p.startLimitBurst} in ${this.p.startLimitIntervalMs} ms); refusing to start` });
      this.s.result = 'start-limit-hit';
      this.s.stopRequested = false;
      this.enterFailedOrDead();
      return;
    }
    this.s = {
      ...this.s,
      result: 'success',
      mainPid: undefined,
      controlPid: undefined,
      mainExit: undefined,
      failedExit: undefined,
      pidFileRecheck: undefined,
      ready: false,
      stopRequested: false,
      startQueued: false,
      index: 0,
      retry: undefined,
    };
    this.emit({ type: 'setup' });
    this.emit({ type: 'arm', timer: 'timeout', ms: this.p.timeoutStartMs });
    if (this.p.commands['start-pre'] > 0) {
      this.s.sub = 'start-pre';
      this.runCommand('start-pre', 0);
    } else {
      this.enterStart();
    }
  }

  private runCommand(phase: Phase, index: number): void {
    this.s.phase = phase;
    this.s.index = index;
    const role: Role = phase === 'start' ? 'main' : 'control';
    this.emit({ type: 'spawn', phase, index, role });
  }

  private enterStart(): void {
    this.s.sub = 'start';
    if (this.p.commands.start === 0) return this.enterStartPost();
    this.runCommand('start', 0);
  }

  private onSpawned(role: Role, pid: number): void {
    if (role === 'control') {
      this.s.controlPid = pid;
      return;
    }
    this.s.mainPid = pid;
    this.s.mainStartedAt = this.now;
    this.s.mainExit = undefined;
    // simple/exec/idle are ready once the process runs; the others wait.
    if (this.s.sub === 'start' && (this.p.type === 'simple' || this.p.type === 'exec' || this.p.type === 'idle')) {
      this.enterStartPost();
    }
  }

  private enterStartPost(): void {
    if (this.p.commands['start-post'] > 0) {
      this.s.sub = 'start-post';
      this.runCommand('start-post', 0);
    } else {
      this.enterRunning();
    }
  }

  private enterRunning(): void {
    this.emit({ type: 'disarm', timer: 'timeout' });
    this.s.phase = undefined;
    this.s.controlPid = undefined;
    if (!this.s.ready) {
      this.s.ready = true;
      this.s.readyAt = this.now;
    }
    if (this.p.watchdogMs > 0) this.emit({ type: 'arm', timer: 'watchdog', ms: this.p.watchdogMs });
    if (this.s.mainExit) return this.onMainGone(this.s.mainExit);
    if (this.p.type === 'oneshot') {
      // Every ExecStart= has run to completion.
      if (this.p.remainAfterExit) this.s.sub = 'exited';
      else this.enterStop();
      return;
    }
    // A forking daemon without PIDFile= has no known main process; it counts as running.
    this.s.sub = 'running';
  }

  // ---- exits ----

  private onExit(role: Role, exit: ProcessExit): void {
    const exitedMain = this.s.mainPid;
    if (role === 'main') {
      this.s.lastExit = { ...exit, at: this.now };
      this.s.mainPid = undefined;
    } else {
      this.s.controlPid = undefined;
    }
    const clean = isCleanExit(exit, this.p.successExitStatus);
    const sub = this.s.sub;

    if (role === 'control' || (role === 'main' && this.p.type === 'oneshot' && sub === 'start')) {
      const phase = this.s.phase!;
      const ignored = this.p.ignoreFailure[phase]?.[this.s.index] ?? false;
      const ok = clean || ignored;
      if (sub === 'reload') {
        if (!ok) this.s.reloadResult = resultOf(exit);
        return this.enterRunning();
      }
      if (!ok && (phase === 'start-pre' || phase === 'start' || phase === 'start-post')) {
        this.s.result = resultOf(exit);
        this.s.failedExit = exit;
        return phase === 'start-post' ? this.enterStop() : this.enterSigterm();
      }
      // As in systemd, a failing ExecStop= or ExecStopPost= fails the unit (the stop goes on).
      if (!ok && (phase === 'stop' || phase === 'stop-post') && this.s.result === 'success') {
        this.s.result = resultOf(exit);
        this.s.failedExit = exit;
      }
      const next = this.s.index + 1;
      if (next < this.p.commands[phase]) return this.runCommand(phase, next);
      switch (phase) {
        case 'start-pre':
          return this.enterStart();
        case 'start':
          return this.enterStartPost();
        case 'start-post':
          return this.enterRunning();
        case 'stop':
          return this.enterSigterm();
        case 'stop-post':
          return this.enterDead();
        default:
          return;
      }
    }

    // The main process ended.
    if (sub === 'start') {
      if (this.p.type === 'forking') {
        if (!clean) {
          this.s.result = resultOf(exit);
          return this.enterSigterm();
        }
        if (this.p.hasPidFile) this.emit({ type: 'read-pid-file' });
        else {
          if (this.p.guessMainPID) this.emit({ type: 'guess-main-pid' });
          this.enterStartPost();
        }
        return;
      }
      if (notifiesReady(this.p.type)) {
        this.s.result = clean ? 'protocol' : resultOf(exit);
        return this.enterSigterm();
      }
      // simple/exec/idle leave 'start' once spawned: ending here means it never ran.
      this.s.result = resultOf(exit);
      return this.enterSigterm();
    }
    // As systemd's service_sigchld_event: with PIDFile=, the daemon may have moved to a new
    // process that wrote its pid there before the old one exited; look before judging the exit.
    const recheck = this.p.hasPidFile && (sub === 'start-post' || sub === 'running' || sub === 'reload');
    if (recheck) {
      this.s.pidFileRecheck = exitedMain ?? 0;
      this.emit({ type: 'read-pid-file', once: true });
    }
    if (sub === 'start-post') {
      this.s.mainExit = exit; // judged once start-post is done
      return;
    }
    if (recheck) {
      this.s.mainExit = exit; // judged on the PID file's answer ('main-pid' or 'pid-file-missing')
      return;
    }
    if (sub === 'running' || isReloading(sub)) return this.onMainGone(exit);
    // While stopping, the main exit is expected; the stop sequence goes on.
    if (this.isStopping()) this.s.mainExit = exit;
  }

  private onMainGone(exit: ProcessExit): void {
    this.s.mainExit = exit;
    const clean = isCleanExit(exit, this.p.successExitStatus);
    if (!clean) this.s.result = resultOf(exit);
    if (clean && this.p.remainAfterExit) {
      this.s.sub = 'exited';
      return;
    }
    this.enterStop();
  }

  // ---- effects the edge could not carry out ----

  /** A passing shortage: the effect is carried out again shortly, while the unit is still where it was. */
  private retryLater(effect: Effect, message: string): void {
    if (effect.type === 'log' || effect.type === 'disarm') return;
    const r = this.s.retry;
    const here = r !== undefined && r.sub === this.s.sub && r.phase === this.s.phase && r.index === this.s.index;
    const effects = here ? r.effects : [];
    const tries = here ? r.tries : 0;
    if (!effects.some((x) => sameEffect(x, effect))) {
      this.s.retry = { sub: this.s.sub, phase: this.s.phase, index: this.s.index, effects: [...effects, effect], tries };
    }
    if (effects.length > 0) return; // the retry timer is armed already
    if (tries % RETRY_SAY_EVERY === 0) {
      const again = tries > 0 ? ` (still, after ${tries} tries)` : '';
      this.emit({ type: 'log', level: 'warn', message: `${effectText(effect)} failed: ${message}${again}; retrying` });
    }
    this.emit({ type: 'arm', timer: 'retry', ms: EFFECT_RETRY_MS });
  }

  private onRetry(): void {
    const r = this.s.retry;
    this.s.retry = undefined;
    if (!r || r.sub !== this.s.sub || r.phase !== this.s.phase || r.index !== this.s.index) return;
    // Kept (with nothing to do) so that a failure again here counts on rather than being said anew.
    this.s.retry = { ...r, effects: [], tries: r.tries + 1 };
    for (const e of r.effects) this.emit(e);
    // A run whose setup failed started no process: its command is started once the setup is done.
    const phase = this.s.phase;
    if (phase === undefined || !r.effects.some((e) => e.type === 'setup') || r.effects.some((e) => e.type === 'spawn')) return;
    const role: Role = phase === 'start' ? 'main' : 'control';
    if ((role === 'main' ? this.s.mainPid : this.s.controlPid) === undefined && this.s.index < this.p.commands[phase]) this.runCommand(phase, this.s.index);
  }

  /** An effect that cannot be carried out: the unit cannot go on as planned, and says why. */
  private onEffectFailed(effect: Effect, message: string): void {
    if (effect.type === 'log') return;
    this.emit({ type: 'log', level: 'error', message: `${effectText(effect)} failed: ${message}` });
    const sub = this.s.sub;
    if (sub === 'dead' || sub === 'failed' || sub === 'auto-restart') return; // nothing waits on it (teardown)
    if (this.s.result === 'success') this.s.result = 'resources';
    switch (sub) {
      case 'reload':
        if (this.s.controlPid !== undefined) this.emit({ type: 'kill', who: 'control', signal: SIGKILL });
        this.s.controlPid = undefined;
        return this.enterRunning();
      case 'start-pre':
      case 'start':
      case 'start-post':
        return this.enterSigterm();
      case 'running':
      case 'exited':
      case 'stop':
        return sub === 'stop' ? this.enterSigterm() : this.enterStop();
      case 'stop-sigterm':
        // The processes cannot be signalled or looked for: SIGKILL as at the timeout, then on.
        if (this.p.sendSIGKILL) {
          this.s.sub = 'stop-sigkill';
          this.emit({ type: 'kill', who: this.killWho(true), signal: this.p.finalKillSignal });
          this.emit({ type: 'arm', timer: 'timeout', ms: this.p.timeoutStopMs });
          this.emit({ type: 'await-all-gone' });
          return;
        }
        return this.enterStopPost();
      case 'stop-sigkill':
        return this.enterStopPost();
      case 'stop-post':
        if (this.s.controlPid !== undefined) this.emit({ type: 'kill', who: 'control', signal: SIGKILL });
        this.s.controlPid = undefined;
        return this.enterDead();
    }
  }

  private onTimer(timer: TimerName): void {
    if (timer === 'retry') return this.onRetry();
    if (timer === 'restart') {
      if (this.s.sub !== 'auto-restart') return;
      this.s.restarts++;
      return this.beginStart();
    }
    if (timer === 'watchdog') {
      if (this.s.sub !== 'running') return;
      this.emit({ type: 'log', level: 'error', message: `watchdog timeout (no WATCHDOG=1 for ${this.p.watchdogMs} ms)` });
      this.s.result = 'watchdog';
      this.emit({ type: 'kill', who: 'main', signal: 6 });
      return this.enterStop();
    }
    // The phase timeout.
    if (this.isStarting()) {
      const reloading = isReloading(this.s.sub);
      this.emit({ type: 'log', level: 'error', message: `${reloading ? 'reload' : 'start'} timed out after ${this.p.timeoutStartMs} ms` });
      if (reloading) {
        if (this.s.controlPid !== undefined) this.emit({ type: 'kill', who: 'control', signal: SIGKILL });
        this.s.controlPid = undefined;
        this.s.reloadResult = 'timeout';
        this.s.phase = undefined;
        this.s.sub = 'running';
        return;
      }
      this.s.result = 'timeout';
      return this.enterSigterm();
    }
    if (this.s.sub === 'stop') {
      this.emit({ type: 'log', level: 'warn', message: `ExecStop timed out after ${this.p.timeoutStopMs} ms` });
      this.s.result = this.s.result === 'success' ? 'timeout' : this.s.result;
      return this.enterSigterm();
    }
    if (this.s.sub === 'stop-sigterm') {
      if (this.p.sendSIGKILL) {
        this.emit({ type: 'log', level: 'warn', message: `still running ${this.p.timeoutStopMs} ms after ${signalText(this.termSignal())}; sending ${signalText(this.p.finalKillSignal)}` });
        if (this.s.result === 'success') this.s.result = 'timeout';
        this.s.sub = 'stop-sigkill';
        this.emit({ type: 'kill', who: this.killWho(true), signal: this.p.finalKillSignal });
        this.emit({ type: 'arm', timer: 'timeout', ms: this.p.timeoutStopMs });
        this.emit({ type: 'await-all-gone' });
        return;
      }
      this.emit({ type: 'log', level: 'warn', message: 'processes left running (SendSIGKILL=no)' });
      return this.enterStopPost();
    }
    if (this.s.sub === 'stop-sigkill') {
      this.emit({ type: 'log', level: 'error', message: 'processes survived SIGKILL; giving up on them' });
      return this.enterStopPost();
    }
    if (this.s.sub === 'stop-post') {
      if (this.s.controlPid !== undefined) this.emit({ type: 'kill', who: 'control', signal: SIGKILL });
      this.s.controlPid = undefined;
      return this.enterDead();
    }
  }

  // ---- stopping ----

  private enterStop(): void {
    this.emit({ type: 'disarm', timer: 'watchdog' });
    if (this.p.commands.stop > 0 && this.s.ready) {
      this.s.sub = 'stop';
      this.runCommand('stop', 0);
      this.emit({ type: 'arm', timer: 'timeout', ms: this.p.timeoutStopMs });
      return;
    }
    this.enterSigterm();
  }

  private killWho(final: boolean): 'main' | 'all' {
    if (this.p.killMode === 'process') return 'main';
    if (this.p.killMode === 'mixed') return final ? 'all' : 'main';
    return 'all';
  }

  private enterSigterm(): void {
    this.s.sub = 'stop-sigterm';
    this.s.phase = undefined;
    this.emit({ type: 'disarm', timer: 'watchdog' });
    if (this.p.killMode !== 'none') {
      const who = this.killWho(false);
      const signal = this.termSignal();
      this.emit({ type: 'kill', who, signal });
      if (this.s.controlPid !== undefined && who === 'main') this.emit({ type: 'kill', who: 'control', signal });
      if (this.p.sendSIGHUP) this.emit({ type: 'kill', who, signal: SIGHUP });
      this.emit({ type: 'kill', who, signal: SIGCONT });
    }
    this.emit({ type: 'arm', timer: 'timeout', ms: this.p.timeoutStopMs });
    this.emit({ type: 'await-all-gone' });
  }

  private enterStopPost(): void {
    this.emit({ type: 'disarm', timer: 'timeout' });
    if (this.p.commands['stop-post'] > 0) {
      this.s.sub = 'stop-post';
      this.runCommand('stop-post', 0);
      this.emit({ type: 'arm', timer: 'timeout', ms: this.p.timeoutStopMs });
      return;
    }
    this.enterDead();
  }

  private enterDead(): void {
    this.emit({ type: 'disarm', timer: 'timeout' });
    this.emit({ type: 'disarm', timer: 'watchdog' });
    this.emit({ type: 'disarm', timer: 'retry' });
    this.s.retry = undefined;
    this.emit({ type: 'teardown' });
    this.s.phase = undefined;
    this.s.mainPid = undefined;
    this.s.controlPid = undefined;
    const exit = this.s.mainExit;
    this.s.mainExit = undefined;
    if (this.s.startQueued) {
      this.s.startQueued = false;
      this.s.sub = 'dead';
      this.s.failures = 0;
      this.s.restarts++;
      return this.beginStart();
    }
    const byOperator = this.s.stopRequested;
    if (!byOperator && shouldRestart(this.p, this.s.result, exit)) {
      // A run that stayed up long enough forgives earlier failures.
      if (this.s.readyAt !== undefined && this.now - this.s.readyAt >= 10_000) this.s.failures = 0;
      this.s.failures++;
      const ms = nextRestartDelay(this.p.restartSecMs, this.s.failures, this.p.restartMaxDelayMs, this.p.restartSteps);
      this.s.sub = 'auto-restart';
      this.emit({ type: 'log', level: 'info', message: `scheduling restart in ${ms} ms (result ${this.s.result})` });
      this.emit({ type: 'arm', timer: 'restart', ms });
      return;
    }
    this.enterFailedOrDead(exit);
  }

  private enterFailedOrDead(exit?: ProcessExit): void {
    const failed = this.s.result !== 'success';
    this.s.sub = failed ? 'failed' : 'dead';
    if (this.s.stopRequested) return; // an operator's stop is never a container exit
    if (failed && this.p.failureAction !== 'none') {
      // The code of what failed: the main process, else the failing command (ExecStartPre=,
      // ...), else (start limit hit) the main process's last exit.
      this.emit({ type: 'container-exit', code: this.p.failureActionExitStatus ?? exitStatusFor(exit ?? this.s.failedExit ?? this.s.lastExit) });
    } else if (!failed && this.p.successAction !== 'none') {
      this.emit({ type: 'container-exit', code: this.p.successActionExitStatus ?? 0 });
    }
  }

  private fail(result: Result): void {
    this.s.result = result;
    this.enterSigterm();
  }
}

function resultOf(exit: ProcessExit): Result {
  if (exit.signal === undefined) return 'exit-code';
  return exit.coreDumped ? 'core-dump' : 'signal';
}

/** The exit status a failed unit hands to FailureAction=exit when none is configured. */
function exitStatusFor(exit: ProcessExit | undefined): number {
  if (!exit) return 1;
  if (exit.signal !== undefined) return 128 + exit.signal;
  return exit.code === 0 ? 1 : (exit.code ?? 1);
}

function sameEffect(a: Effect, b: Effect): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** An effect, as a log line names it. */
export function effectText(e: Effect): string {
  switch (e.type) {
    case 'spawn':
      return `starting the ${e.phase} command`;
    case 'kill':
      return `sending ${signalText(e.signal)} to ${e.who === 'all' ? 'the unit' : `the ${e.who} process`}`;
    case 'read-pid-file':
      return 'reading the PID file';
    case 'setup':
      return 'setting up the run (invocation id, runtime directories, sockets)';
    case 'teardown':
      return 'tearing down the run';
    case 'await-all-gone':
      return "looking for the unit's processes";
    default:
      return e.type;
  }
}

function signalText(n: number): string {
  return `signal ${n}`;
}
