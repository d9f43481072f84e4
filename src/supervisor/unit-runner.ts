// The edge around one unit's lifecycle machine: it feeds events in, and hands the
// machine's effects to the rooms that carry them out (runner/: spawning, timers, the
// unit's processes, PID files, the notify socket, runtime directories, credentials,
// the failure report). Every room gets what it touches injected, so each can be
// tested with fakes.
import type { PassFds } from '../exec/unit-launch';
import type { ExitOwner, ExitRouter } from '../process/exit-router';
import type { Logger } from '../log/logger';
import type { NotifySockets } from '../notify/notify-sockets';
import type { SessionIndex } from '../process/proc';
import { signalName } from '../sys/signals';
import type { UnitConfig } from '../units/unit';
import { errorText, isTransientError } from '../process/resource-errors';
import { activeState, initialState, step, type Effect, type Event, type Policy, type State } from './lifecycle';
import { type EdgeWaits, isTransitional, wedged } from './liveness';
import { isRestartPending } from './sub-states';
import { policyOf } from './unit-policy';
import { guessMainPid } from './main-pid-guess';
import { removeCredentials, setupCredentials } from './credentials';
import { makeExecDirectories } from './exec-directories';
import { accountOwner, type OwnerOf } from './runner/owner';
import { reportFailure, type RecentOutput } from './runner/failure-report';
import { GoneWatch } from './runner/gone-watch';
import { invocationId } from './runner/invocation';
import { UnitNotify } from './runner/notify';
import { type LoadPidFile, PID_FILE_WAIT_MS, PidFile } from './runner/pid-file';
import { procProcessView, type ProcessView } from './runner/process-view';
import { readOnlyHint, RuntimeDirectories } from './runner/runtime-directories';
import { type Launch, Spawner } from './runner/spawner';
import { type Schedule, UnitTimers } from './runner/timers';
import { UnitProcesses } from './runner/unit-processes';
import type { UnitView } from './runner/unit-view';
import type { UnitTypeRoom } from './types/unit-type';

export interface RunnerDeps {
  /** Starts one of the unit's commands (exec/unit-launch.ts). */
  launch: Launch;
  /** kill(2); false when the target is gone. */
  kill: (pid: number, signal: number) => boolean;
  /** Where the exits of the unit's processes come from, whoever collected them. */
  exits: ExitRouter;
  log: Logger;
  notify: NotifySockets;
  runtimeRoot: string;
  onChange: (r: UnitRunner, before: State) => void;
  onContainerExit: (code: number, unit: string) => void;
  /** The unit's output lines since a moment (at most max), once its pipes have ended. */
  recentOutput?: RecentOutput;
  /** The unit's type's room: what an active unit holds besides processes (a socket's endpoints). */
  room?: (unit: UnitConfig) => Pick<UnitTypeRoom, 'activate' | 'deactivate'>;
  /** The descriptors a service is handed (socket activation). */
  fdsFor?: (service: string) => PassFds | undefined;
  /** The units waiting for their processes to be gone (the supervisor checks those on every change among its children). */
  goneWaiters?: Set<GoneWatch>;
  /** The world, for tests: processes (/proc), timers, file reads, accounts, random ids. */
  proc?: ProcessView;
  schedule?: Schedule;
  loadPidFile?: LoadPidFile;
  ownerOf?: OwnerOf;
  newInvocationId?: () => string;
  now?: () => number;
}

/** How often a main process that is not ts-init's child is checked for being gone. */
const FOREIGN_MAIN_CHECK_MS = 1000;

export class UnitRunner implements UnitView {
  state: State;
  private policyMade?: Policy;
  private readonly queue: Event[] = [];
  private processing = false;
  /** Set while executing a step's effects once its setup has failed. */
  private setupFailed = false;
  /** $CREDENTIALS_DIRECTORY of this run (../credentials.ts). */
  private credentialsDir?: string;
  private invocation = '';
  /** Our spawns that have not exited yet: their exits are ours whatever the machine tracks. */
  private readonly spawned = new Set<number>();
  /** Pids claimed in the exit channel: the spawns plus the main and control pids. */
  private readonly claimed = new Set<number>();
  private exitOwner?: ExitOwner;
  /** When the current run was set up: its output lines are the ones a failure report quotes. */
  private startedAt = 0;
  // The rooms are made when first needed: a boot loads thousands of units, and most of them
  // (a timer's service, a unit nothing wants) never start, or never spawn.
  private timerRoom?: UnitTimers;
  private procsRoom?: UnitProcesses;
  private goneRoom?: GoneWatch;
  private pidFileRoom?: PidFile;
  private notifyRoom?: UnitNotify;
  private runtimeDirsRoom?: RuntimeDirectories;
  private spawnerRoom?: Spawner;
  private readonly now: () => number;

  constructor(
    public config: UnitConfig,
    private readonly deps: RunnerDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.state = initialState(this.now());
  }

  /** What the machine knows of the unit (made at its first start, or first question). */
  get policy(): Policy {
    return (this.policyMade ??= policyOf(this.config));
  }

  /** The one owner of the unit's pids in the exit channel (claims and releases name it). */
  private get onExit(): ExitOwner {
    return (this.exitOwner ??= (pid, exit) => {
      this.claimed.delete(pid);
      this.spawned.delete(pid);
      this.send({ type: 'exited', pid, exit });
    });
  }

  private get proc(): ProcessView {
    return this.deps.proc ?? procProcessView;
  }

  private get timers(): UnitTimers {
    // What a timer's work throws becomes the machine's to handle, as an effect's failure does.
    return (this.timerRoom ??= new UnitTimers(this.deps.schedule, (name, err) => this.timerFailed(name, err)));
  }

  private get procs(): UnitProcesses {
    return (this.procsRoom ??= new UnitProcesses(this, this.proc, (pid) => this.deps.exits.isClaimed(pid)));
  }

  private get gone(): GoneWatch {
    return (this.goneRoom ??= new GoneWatch(this, this.procs, this.proc, this.deps.goneWaiters));
  }

  private get pidFile(): PidFile {
    return (this.pidFileRoom ??= new PidFile(this, this.procs, this.timers, this.now, this.deps.loadPidFile));
  }

  private get notify(): UnitNotify {
    return (this.notifyRoom ??= new UnitNotify(this, this.deps.notify, this.procs, this.timers));
  }

  private get runtimeDirs(): RuntimeDirectories {
    return (this.runtimeDirsRoom ??= new RuntimeDirectories(this, this.deps.runtimeRoot));
  }

  private get spawner(): Spawner {
    return (this.spawnerRoom ??= new Spawner(this, {
      launch: this.deps.launch,
      fdsFor: this.deps.fdsFor,
      run: () => ({ invocation: this.invocation, notifyPath: this.notify.path, credentialsDir: this.credentialsDir }),
      made: (pid) => {
        this.procs.spawned(pid);
        this.spawned.add(pid);
        this.claimed.add(pid);
        this.deps.exits.claim(pid, this.onExit);
      },
    }));
  }

  get name(): string {
    return this.config.name;
  }

  get log(): Logger {
    return this.deps.log;
  }

  /** This run's INVOCATION_ID ('' before its first start), the journal's _SYSTEMD_INVOCATION_ID. */
  get invocationId(): string {
    return this.invocation;
  }

  /** The last STATUS= the unit sent. */
  get statusText(): string | undefined {
    return this.notifyRoom?.statusText;
  }

  /** A new definition (hot reload): takes effect from the next start. */
  replaceConfig(config: UnitConfig): void {
    this.config = config;
    this.policyMade = undefined;
  }

  send(event: Event): void {
    this.queue.push(event);
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length) {
        const ev = this.queue.shift()!;
        const before = this.state;
        const { state, effects } = step(this.state, ev, this.policy, this.now());
        this.state = state;
        this.setupFailed = false;
        for (let i = 0; i < effects.length; i++) {
          const e = effects[i]!;
          // A run whose setup failed (no notify socket, no RuntimeDirectory) starts no process,
          // as systemd does; the queued setup-failed event fails the unit (or, for a passing
          // shortage, the machine sets it up again and then starts the command).
          if (this.setupFailed && e.type === 'spawn') continue;
          // A timer this step disarms again (the start timeout of a unit up at once: a timer,
          // a target) is never set: nothing in between can fire it.
          if (e.type === 'arm' && disarmedLater(effects, i)) continue;
          this.attempt(e);
        }
        this.claimTracked();
        this.watchForeignMain();
        if (before.sub !== state.sub) {
          // The journal has systemd's job lines for it instead (supervisor/job-messages.ts); the
          // line is made only for a console that shows it (a boot makes thousands of transitions).
          if (this.deps.log.writes?.('info') !== false) {
            this.deps.log.info({ unit: this.name, journal: false }, `${activeState(before)} (${before.sub}) -> ${activeState(state)} (${state.sub})`);
          }
          if (state.sub === 'failed') reportFailure(this, state.result, this.startedAt, this.deps.recentOutput);
          this.deps.onChange(this, before);
        }
        if (this.queue.length === 0) this.checkLiveness();
      }
    } finally {
      this.processing = false;
    }
  }

  /**
   * Carries out one effect. Whatever it throws becomes an event for the machine: tried
   * again for a passing shortage (EMFILE, ENFILE, ENOMEM, EAGAIN), else the unit fails
   * and says why. An effect never fails silently.
   */
  private attempt(e: Effect): void {
    try {
      this.execute(e);
    } catch (err) {
      if (e.type === 'setup') this.setupFailed = true;
      this.send({ type: 'effect-failed', effect: e, transient: isTransientError(err), message: errorText(err) });
    }
  }

  /** A timer's own work (the PID file read again, the foreign main process looked at) threw. */
  private timerFailed(name: string, err: unknown): void {
    if (name === 'main-alive') return this.watchForeignMain(); // looked at again at the next check
    const effect: Effect | undefined = name === 'pid-file' ? { type: 'read-pid-file' } : undefined;
    if (!effect) throw err;
    this.send({ type: 'effect-failed', effect, transient: isTransientError(err), message: errorText(err) });
  }

  /** What the edge holds for the unit, for the liveness invariant (liveness.ts). */
  waits(): EdgeWaits {
    return { timers: this.timers.armed(), awaitingGone: this.gone.waiting, readingPidFile: this.pidFile.pending() };
  }

  /**
   * The invariant, checked after every burst of events: a transitional state always has a
   * timer, a process or an answer of the edge to move it on. Should it ever not hold (a
   * fault of ts-init's), it is said, and the unit is moved on as at its timeout.
   */
  private checkLiveness(): void {
    // Settled (dead, failed, running, exited): nothing to move on, and no need to ask the edge.
    if (!isTransitional(this.state.sub)) return;
    const why = wedged(this.state, this.waits());
    if (!why) return;
    this.deps.log.error({ unit: this.name }, `internal error: ${this.name} is ${why}; moving it on as at its timeout`);
    this.send({ type: 'timer', timer: isRestartPending(this.state.sub) ? 'restart' : 'timeout' });
  }

  /**
   * Keeps the unit's claims in the exit channel equal to what it answers for: its
   * spawns, and the main and control pids the machine tracks, which need not be our
   * children (a forking daemon's main process reaches the reaper as an orphan).
   */
  private claimTracked(): void {
    // No process at all (a timer, a target; a service not started): nothing to claim or release.
    if (this.claimed.size === 0 && this.spawned.size === 0 && this.state.mainPid === undefined && this.state.controlPid === undefined) return;
    const wanted = new Set(this.spawned);
    if (this.state.mainPid !== undefined) wanted.add(this.state.mainPid);
    if (this.state.controlPid !== undefined) wanted.add(this.state.controlPid);
    for (const pid of this.claimed) {
      if (wanted.has(pid)) continue;
      this.deps.exits.release(pid, this.onExit);
      this.claimed.delete(pid);
    }
    for (const pid of wanted) {
      if (this.claimed.has(pid)) continue;
      this.deps.exits.claim(pid, this.onExit);
      this.claimed.add(pid);
    }
  }

  /**
   * A main pid from MAINPID= or a PID file need not be ours: if its own parent reaps it,
   * no exit ever reaches us. Such a main process is looked at every second; once it is
   * gone, the unit learns so (status unknown, taken as success, as systemd does when a
   * main process it cannot wait for vanishes).
   */
  private watchForeignMain(): void {
    const pid = this.state.mainPid;
    if (pid === undefined || this.spawned.has(pid)) return this.timerRoom?.disarm('main-alive');
    if (this.timers.has('main-alive')) return;
    this.timers.arm('main-alive', FOREIGN_MAIN_CHECK_MS, () => {
      if (this.state.mainPid !== pid) return this.watchForeignMain();
      if (this.procs.alive(pid)) return this.watchForeignMain();
      this.deps.log.warn({ unit: this.name }, `main PID ${pid} is gone without its exit reaching ts-init; its status is unknown`);
      this.deps.exits.release(pid, this.onExit);
      this.claimed.delete(pid);
      this.send({ type: 'exited', pid, exit: { code: 0 } });
    });
  }

  /**
   * Called after every change among ts-init's children while the machine waits for
   * the unit to be gone; index() gives the round's one shared scan of /proc.
   */
  checkGone(index?: () => SessionIndex): void {
    // Never asked to wait (never stopped with processes): nothing to look for.
    this.goneRoom?.checkGone(index);
  }

  /** Whether the process (with its session) is this unit's: its main or control process, or in one of its sessions (the journal's _SYSTEMD_UNIT). */
  ownsProcess(pid: number, session: number): boolean {
    return pid === this.state.mainPid || pid === this.state.controlPid || this.procsRoom?.hasSession(session) === true;
  }

  /** Every live process of the unit (for status and kill --kill-who=all). */
  processes(): number[] {
    return this.procs.processes();
  }

  /**
   * Signals the unit's main or control process, or all of its processes; returns the pids
   * reached. Asked by the control plane or the shutdown: when /proc cannot be read, the
   * main and control processes are still reached.
   */
  signal(who: 'main' | 'control' | 'all', signal: number): number[] {
    try {
      return this.signalOrThrow(who, signal);
    } catch (err) {
      this.deps.log.warn({ unit: this.name }, `cannot list the unit's processes (${errorText(err)}); signalling its main and control processes only`);
      return [...this.signalOrThrow('main', signal), ...this.signalOrThrow('control', signal)];
    }
  }

  /** signal(), but a failure to list the unit's processes is thrown (the kill effect's is the machine's to handle). */
  private signalOrThrow(who: 'main' | 'control' | 'all', signal: number): number[] {
    const targets = who === 'main' ? [this.state.mainPid] : who === 'control' ? [this.state.controlPid] : this.processes();
    // Never PID 1 or ts-init itself, whatever the unit's bookkeeping says.
    const self = (this.deps.proc ?? procProcessView).self;
    return targets.filter((pid): pid is number => pid !== undefined && pid > 1 && pid !== self && this.deps.kill(pid, signal));
  }

  private execute(e: Effect): void {
    switch (e.type) {
      case 'spawn':
        return this.spawner.spawn(e.phase, e.index, e.role);
      case 'kill': {
        const pids = this.signalOrThrow(e.who, e.signal);
        if (pids.length) this.deps.log.debug({ unit: this.name, pids }, `sent ${signalName(e.signal)} to ${e.who}`);
        return;
      }
      case 'arm':
        return this.timers.arm(e.timer, e.ms, () => this.send({ type: 'timer', timer: e.timer }));
      case 'disarm':
        return this.timers.disarm(e.timer);
      case 'read-pid-file':
        return this.pidFile.readPidFile(e.once ? 0 : this.now() + PID_FILE_WAIT_MS);
      case 'guess-main-pid': {
        const mine = (p: number): boolean => this.procs.mainPidProblem(p, false) === undefined && !this.deps.exits.isClaimed(p);
        const pid = guessMainPid([(p) => this.procs.isOwnProcess(p) && mine(p), mine]);
        if (pid === undefined) return;
        this.procs.adopt(pid);
        return this.send({ type: 'main-pid', pid });
      }
      case 'setup':
        return this.setup();
      case 'teardown':
        return this.teardown();
      case 'await-all-gone':
        return this.gone.start();
      case 'container-exit':
        return this.deps.onContainerExit(e.code, this.name);
      case 'log':
        this.deps.log[e.level]({ unit: this.name }, e.message);
        return;
    }
  }

  private setup(): void {
    // Rooms not made yet have nothing of an earlier run to forget.
    this.procsRoom?.reset();
    this.pidFileRoom?.reset();
    this.invocation = (this.deps.newInvocationId ?? invocationId)();
    this.startedAt = this.now();
    const owner = (this.deps.ownerOf ?? accountOwner)(this.config.user, this.config.group);
    const dirError = this.runtimeDirs.make(owner);
    if (dirError !== undefined) return this.failSetup(dirError);
    const execDirError = makeExecDirectories(this.config, owner);
    if (execDirError !== undefined) {
      if (isTransientError(execDirError)) return this.failSetup(execDirError);
      this.deps.log.error({ unit: this.name }, execDirError);
      return this.failSetup();
    }
    const creds = setupCredentials(this.config, this.deps.runtimeRoot, owner, process.env.CREDENTIALS_DIRECTORY);
    this.credentialsDir = creds.dir;
    if (creds.error !== undefined) {
      const line = `cannot set up the credentials: ${creds.error}`;
      if (isTransientError(creds.error)) return this.failSetup(line);
      this.deps.log.error({ unit: this.name }, line);
      return this.failSetup();
    }
    // What the unit's type holds while it is up (a socket's endpoints).
    const held = this.deps.room?.(this.config).activate(this.config);
    if (held) {
      if (isTransientError(held)) return this.failSetup(held);
      this.deps.log.error({ unit: this.name }, held);
      this.failSetup();
    }
    if (UnitNotify.wanted(this)) {
      try {
        this.notify.open();
      } catch (err) {
        if (isTransientError(err)) return this.failSetup(`cannot create the notify socket: ${errorText(err)}`);
        // Without its socket the unit could never say READY=1: fail it now, not at its start timeout.
        const error = (err as Error).message;
        this.deps.log.error({ unit: this.name }, `cannot create the notify socket: ${error}${readOnlyHint(this.deps.runtimeRoot)}`);
        this.failSetup();
      }
    }
  }

  /** No process of this run may start; a passing shortage (message names it) has the machine set it up again. */
  private failSetup(message?: string): void {
    this.setupFailed = true;
    if (message !== undefined && isTransientError(message)) {
      this.send({ type: 'effect-failed', effect: { type: 'setup' }, transient: true, message });
    } else {
      this.send({ type: 'setup-failed' });
    }
  }

  private teardown(): void {
    // Rooms not made yet hold nothing to cancel or close.
    this.pidFileRoom?.cancel();
    this.deps.room?.(this.config).deactivate(this.name);
    this.goneRoom?.cancel();
    this.notifyRoom?.close();
    if (this.credentialsDir) removeCredentials(this.deps.runtimeRoot, this.name);
    this.credentialsDir = undefined;
    this.runtimeDirs.teardown(isRestartPending(this.state.sub) || this.state.startQueued);
  }
}

/** Whether an effect after the i-th (an arm) disarms its timer. */
function disarmedLater(effects: readonly Effect[], i: number): boolean {
  const timer = (effects[i] as Extract<Effect, { type: 'arm' }>).timer;
  for (let j = i + 1; j < effects.length; j++) {
    const e = effects[j]!;
    if (e.type === 'disarm' && e.timer === timer) return true;
  }
  return false;
}
