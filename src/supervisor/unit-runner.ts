// The edge around one unit's lifecycle machine: it feeds events in, and carries
// the machine's effects out into the world (spawning commands, signals, timers,
// PID files, notify sockets, runtime directories).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LaunchResult, PassFds } from '../exec/unit-launch';
import type { ExitOwner, ExitRouter } from '../process/exit-router';
import { setLongTimeout, type LongTimeout } from '../process/long-timeout';
import { indexOnce, processesInSessions, readStat, type SessionIndex } from '../process/proc';
import type { Logger } from '../log/logger';
import type { NotifyMessage } from '../notify/notify-message';
import type { NotifySockets } from '../notify/notify-sockets';
import { signalName } from '../sys/signals';
import { notifiesReady, type ExecCommand, type UnitConfig } from '../units/unit';
import { readAccountFiles, resolveCredentials } from '../exec/account-db';
import { EXIT_FDS, withOpenFiles } from '../exec/open-files';
import { activeState, initialState, step, type Effect, type Event, type Policy, type State, type TimerName } from './lifecycle';
import { notifyRefusal } from './notify-access';
import { isRestartPending } from './sub-states';
import { loadPidFile, pidFileRefusal } from './pid-file';
import { makeRuntimeDirectory, removeRuntimeDirectory } from './runtime-directory';
import { removeCredentials, setupCredentials } from './credentials';
import { execDirectoryEnvironment, makeExecDirectories } from './exec-directories';
import { commandsOf, policyOf } from './unit-policy';

export interface RunnerDeps {
  /** Starts one of the unit's commands (exec/unit-launch.ts). */
  launch: (unit: UnitConfig, command: ExecCommand, extraEnv: Record<string, string>, passFds?: PassFds) => LaunchResult;
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
  recentOutput?: (unit: string, since: number, max: number) => Promise<string[]>;
  /** Socket units' endpoints, and the descriptors a service is handed (socket activation). */
  sockets?: {
    openFor: (unit: UnitConfig) => string | undefined;
    closeFor: (name: string) => void;
    fdsFor: (service: string) => { fds: number[]; names: string[]; connection?: number } | undefined;
  };
}

const PID_FILE_RETRY_MS = 50;
/** A spawn that failed for want of resources (EMFILE, EAGAIN) is tried again this often, within the phase's timeout. */
const SPAWN_RETRY_MS = 250;
/** A failed /proc scan while waiting for a unit's processes to be gone is tried again this often. */
const GONE_RETRY_MS = 200;
/** How often a main process that is not ts-init's child is checked for being gone. */
const FOREIGN_MAIN_CHECK_MS = 1000;
const PID_FILE_WAIT_MS = 5_000;
const FAILURE_LINES = 5;

/** 128 random bits in hex, like systemd's INVOCATION_ID (node:crypto costs start-up time). */
function invocationId(): string {
  const b = Buffer.alloc(16);
  const fd = fs.openSync('/dev/urandom', 'r');
  try {
    fs.readSync(fd, b, 0, 16, null);
  } finally {
    fs.closeSync(fd);
  }
  return b.toString('hex');
}

// Units told to stop together all start waiting for their processes to be gone in the
// same turn: check them in one batch that shares a single /proc scan, instead of one
// scan per unit (that made stopping N units cost N scans of /proc).
const goneChecks = new Set<UnitRunner>();
function queueGoneCheck(r: UnitRunner): void {
  if (goneChecks.size === 0) {
    setImmediate(() => {
      const index = indexOnce();
      const batch = [...goneChecks];
      goneChecks.clear();
      for (const runner of batch) runner.checkGone(index);
    });
  }
  goneChecks.add(r);
}

export class UnitRunner {
  state: State;
  policy: Policy;
  statusText?: string;
  private readonly sessions = new Set<number>();
  private readonly timers = new Map<TimerName | 'pid-file' | 'spawn-retry' | 'gone-retry' | 'main-alive', LongTimeout>();
  private readonly queue: Event[] = [];
  private processing = false;
  /** Set while executing a step's effects once its setup has failed. */
  private setupFailed = false;
  private awaitingGone = false;
  private notifyPath?: string;
  /** $CREDENTIALS_DIRECTORY of this run (credentials.ts). */
  private credentialsDir?: string;
  private invocation = '';
  /** Our spawns that have not exited yet: their exits are ours whatever the machine tracks. */
  private readonly spawned = new Set<number>();
  /** Pids claimed in the exit channel: the spawns plus the main and control pids. */
  private readonly claimed = new Set<number>();
  private readonly onExit: ExitOwner = (pid, exit) => {
    this.claimed.delete(pid);
    this.spawned.delete(pid);
    this.send({ type: 'exited', pid, exit });
  };
  /** When the current run was set up: its output lines are the ones a failure report quotes. */
  private startedAt = 0;
  /** When the first process of this start was made (clock ticks since boot, as /proc says). */
  private startTicks: number | undefined;
  private readonly said = new Set<string>();

  constructor(
    public config: UnitConfig,
    private readonly deps: RunnerDeps,
  ) {
    this.state = initialState(Date.now());
    this.policy = policyOf(config);
  }

  get name(): string {
    return this.config.name;
  }

  /** A new definition (hot reload): takes effect from the next start. */
  replaceConfig(config: UnitConfig): void {
    this.config = config;
    this.policy = policyOf(config);
  }

  send(event: Event): void {
    this.queue.push(event);
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length) {
        const ev = this.queue.shift()!;
        const before = this.state;
        const { state, effects } = step(this.state, ev, this.policy, Date.now());
        this.state = state;
        this.setupFailed = false;
        for (const e of effects) {
          // A run whose setup failed (no notify socket, no RuntimeDirectory) starts no process,
          // as systemd does; the queued setup-failed event fails the unit.
          if (this.setupFailed && e.type === 'spawn') continue;
          this.execute(e);
        }
        this.claimTracked();
        this.watchForeignMain();
        if (before.sub !== state.sub) {
          this.deps.log.info({ unit: this.name }, `${activeState(before)} (${before.sub}) -> ${activeState(state)} (${state.sub})`);
          if (state.sub === 'failed') this.reportFailure(state.result);
          this.deps.onChange(this, before);
        }
      }
    } finally {
      this.processing = false;
    }
  }

  /**
   * Keeps the unit's claims in the exit channel equal to what it answers for: its
   * spawns, and the main and control pids the machine tracks, which need not be our
   * children (a forking daemon's main process reaches the reaper as an orphan).
   */
  private claimTracked(): void {
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
   * Says once, at the default verbosity, that the unit failed, with its last lines of
   * this run, once its pipes have ended (the last lines may still be in them after the exit).
   */
  private reportFailure(result: string): void {
    const since = this.startedAt;
    const lines = this.deps.recentOutput?.(this.name, since, FAILURE_LINES) ?? Promise.resolve([]);
    void lines.then((l) => {
      this.deps.log.error({ unit: this.name, result, ...(l.length > 0 && { lastLines: l }) }, `${this.name} failed (Result: ${result})`);
    });
  }

  /**
   * A main pid from MAINPID= or a PID file need not be ours: if its own parent reaps it,
   * no exit ever reaches us. Such a main process is looked at every second; once it is
   * gone, the unit learns so (status unknown, taken as success, as systemd does when a
   * main process it cannot wait for vanishes).
   */
  private watchForeignMain(): void {
    const pid = this.state.mainPid;
    if (pid === undefined || this.spawned.has(pid)) return this.disarm('main-alive');
    if (this.timers.has('main-alive')) return;
    this.arm('main-alive', FOREIGN_MAIN_CHECK_MS, () => {
      if (this.state.mainPid !== pid) return this.watchForeignMain();
      if (readStat(pid) !== undefined) return this.watchForeignMain();
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
  checkGone(index: () => SessionIndex = indexOnce()): void {
    if (!this.awaitingGone) return;
    let live: number[];
    try {
      live = this.liveProcesses(index);
    } catch (err) {
      // /proc could not be read (EMFILE, ENOMEM): look again shortly rather than wait
      // for a child change that may never come, which would wedge the unit.
      this.deps.log.warn({ unit: this.name }, `cannot scan /proc (${(err as Error).message}); retrying`);
      this.arm('gone-retry', GONE_RETRY_MS, () => this.checkGone());
      return;
    }
    if (live.length === 0) {
      this.awaitingGone = false;
      this.send({ type: 'all-gone' });
    }
  }

  /** The processes the stop sequence waits for, by KillMode=. */
  private liveProcesses(index: () => SessionIndex): number[] {
    // Main and control count until their exit has been seen (so the exit status is never lost).
    const own = [this.state.mainPid, this.state.controlPid].filter((p): p is number => p !== undefined && readStat(p) !== undefined);
    if (this.policy.killMode === 'none') return [];
    if (this.policy.killMode === 'process') return own;
    return [...new Set([...own, ...processesInSessions(this.sessions, index())])];
  }

  /** Every live process of the unit (for status and kill --kill-who=all). */
  processes(): number[] {
    return [...new Set([this.state.mainPid, this.state.controlPid].filter((p): p is number => p !== undefined).concat(processesInSessions(this.sessions)))];
  }

  /** Signals the unit's main or control process, or all of its processes; returns the pids reached. */
  signal(who: 'main' | 'control' | 'all', signal: number): number[] {
    const targets =
      who === 'main' ? [this.state.mainPid] : who === 'control' ? [this.state.controlPid] : this.processes();
    // Never PID 1 or ts-init itself, whatever the unit's bookkeeping says.
    return targets.filter((pid): pid is number => pid !== undefined && pid > 1 && pid !== process.pid && this.deps.kill(pid, signal));
  }

  private execute(e: Effect): void {
    switch (e.type) {
      case 'spawn':
        return this.spawn(e.phase, e.index, e.role);
      case 'kill': {
        const pids = this.signal(e.who, e.signal);
        if (pids.length) this.deps.log.debug({ unit: this.name, pids }, `sent ${signalName(e.signal)} to ${e.who}`);
        return;
      }
      case 'arm':
        return this.arm(e.timer, e.ms, () => this.send({ type: 'timer', timer: e.timer }));
      case 'disarm':
        return this.disarm(e.timer);
      case 'read-pid-file':
        return this.readPidFile(Date.now() + PID_FILE_WAIT_MS);
      case 'setup':
        return this.setup();
      case 'teardown':
        return this.teardown();
      case 'await-all-gone':
        this.awaitingGone = true;
        queueGoneCheck(this);
        return;
      case 'container-exit':
        return this.deps.onContainerExit(e.code, this.name);
      case 'log':
        this.deps.log[e.level]({ unit: this.name }, e.message);
        return;
    }
  }

  private arm(name: TimerName | 'pid-file' | 'spawn-retry' | 'gone-retry' | 'main-alive', ms: number, fire: () => void): void {
    this.disarm(name);
    if (!Number.isFinite(ms)) return;
    this.timers.set(
      name,
      setLongTimeout(() => {
        this.timers.delete(name);
        fire();
      }, ms),
    );
  }

  private disarm(name: TimerName | 'pid-file' | 'spawn-retry' | 'gone-retry' | 'main-alive'): void {
    this.timers.get(name)?.clear();
    this.timers.delete(name);
  }

  private spawn(phase: Parameters<typeof commandsOf>[1], index: number, role: 'main' | 'control'): void {
    const command = commandsOf(this.config, phase)[index]!;
    const extra: Record<string, string> = { INVOCATION_ID: this.invocation };
    if (this.notifyPath) extra.NOTIFY_SOCKET = this.notifyPath;
    if (this.credentialsDir) extra.CREDENTIALS_DIRECTORY = this.credentialsDir;
    Object.assign(extra, execDirectoryEnvironment(this.config));
    if (this.state.mainPid !== undefined) extra.MAINPID = String(this.state.mainPid);
    if (this.policy.watchdogMs > 0) extra.WATCHDOG_USEC = String(this.policy.watchdogMs * 1000);
    // LISTEN_FDS: the sockets go to the main process only, as in systemd.
    const sockets = phase === 'start' ? this.deps.sockets?.fdsFor(this.name) : undefined;
    const files = withOpenFiles(sockets, phase === 'start' ? this.config.openFiles : [], (why) => this.deps.log.info({ unit: this.name }, `${why}; skipped (graceful)`));
    if (files.error) {
      this.deps.log.error({ unit: this.name }, `${phase} command failed to start (status ${EXIT_FDS}): ${files.error}`);
      this.send({ type: 'spawn-failed', role, status: EXIT_FDS });
      return;
    }
    const r = this.deps.launch(this.config, command, extra, files.pass);
    files.close();
    if (!r.ok && r.transient) {
      // A passing shortage must not fail (or wedge) the unit: try again while the
      // machine still waits for this very command; its phase timeout bounds the wait.
      this.deps.log.warn({ unit: this.name }, `${phase} command cannot start yet: ${r.message}; retrying`);
      const { sub } = this.state;
      this.arm('spawn-retry', SPAWN_RETRY_MS, () => {
        if (this.state.sub === sub && this.state.phase === phase && this.state.index === index) this.spawn(phase, index, role);
      });
      return;
    }
    if (!r.ok) {
      this.deps.log.error({ unit: this.name }, `${phase} command failed to start (status ${r.status}): ${r.message} [${command.file}:${command.line}]`);
      this.send({ type: 'spawn-failed', role, status: r.status });
      return;
    }
    this.deps.log.debug({ unit: this.name, pid: r.pid, via: r.via }, `${phase} command started`);
    this.sessions.add(r.pid);
    this.startTicks ??= readStat(r.pid)?.startTicks;
    this.spawned.add(r.pid);
    this.claimed.add(r.pid);
    this.deps.exits.claim(r.pid, this.onExit);
    this.send({ type: 'spawned', role, pid: r.pid });
  }

  private readPidFile(deadline: number): void {
    const file = this.config.pidFile!;
    let pid: number | undefined;
    const r = loadPidFile(file);
    if (r.kind === 'pid') {
      // Trusted to name a process outside the unit: a root-owned file reached safely, as in systemd.
      const problem = this.mainPidProblem(r.pid, r.trusted);
      if (problem) this.warnOnce(pidFileRefusal(file, r.pid, problem, r.distrust));
      else pid = r.pid;
    } else if (r.kind === 'error') {
      this.warnOnce(`cannot read PID file ${file}: ${r.message}`);
    }
    if (pid !== undefined) {
      const st = readStat(pid);
      if (st) this.sessions.add(st.session);
      this.send({ type: 'main-pid', pid });
    } else if (Date.now() < deadline && this.state.sub === 'start') {
      this.arm('pid-file', PID_FILE_RETRY_MS, () => this.readPidFile(deadline));
    } else {
      this.send({ type: 'pid-file-missing' });
    }
  }

  /** Said once per start: the PID file is read again every PID_FILE_RETRY_MS. */
  private warnOnce(message: string): void {
    if (this.said.has(message)) return;
    this.said.add(message);
    this.deps.log.warn({ unit: this.name }, message);
  }

  /**
   * Why pid cannot become the unit's main process (MAINPID=, PIDFile=), after systemd's
   * service_is_suitable_main_pid: never PID 1 or ts-init itself (stopping the unit would
   * signal the container's init), nor the control process, nor a dead process; and it
   * must be one of the unit's processes unless trusted (a root-owned PID file).
   */
  private mainPidProblem(pid: number, trusted: boolean): string | undefined {
    if (!Number.isSafeInteger(pid) || pid <= 0) return 'is not a process id';
    if (pid === 1 || pid === process.pid) return 'is the manager';
    if (pid === this.state.controlPid) return 'is the control process';
    const st = readStat(pid);
    if (!st || st.state === 'Z') return 'does not exist or is a zombie';
    if (trusted || pid === this.state.mainPid || this.belongsToUnit(pid, st)) return undefined;
    return 'does not belong to the unit';
  }

  /**
   * In one of the unit's sessions, or descended from one of its processes. Without a
   * cgroup, a daemon that made its own session and whose parent then exited (pg_ctl's
   * postmaster) shows no tie to the unit but this: it was adopted by ts-init and started
   * after this start's first process, and nobody claims it (ts-init's own spawns, the
   * CMD's and every unit's tracked processes are claimed).
   */
  private belongsToUnit(pid: number, st: { ppid: number; session: number; startTicks: number }): boolean {
    const own = new Set([this.state.mainPid, this.state.controlPid]);
    const since = this.startTicks;
    let curPid = pid;
    let cur: { ppid: number; session: number; startTicks: number } | undefined = st;
    for (let depth = 0; cur && depth < 64; depth++) {
      if (this.sessions.has(cur.session)) return true;
      if (cur.ppid === process.pid) return since !== undefined && cur.startTicks >= since && !this.deps.exits.isClaimed(curPid);
      if (cur.ppid <= 1) return false;
      if (own.has(cur.ppid)) return true;
      curPid = cur.ppid;
      cur = readStat(curPid);
    }
    return false;
  }

  private runtimeDirs(): string[] {
    return this.config.runtimeDirectory.map((d) => path.join(this.deps.runtimeRoot, d));
  }

  private setup(): void {
    this.sessions.clear();
    this.startTicks = undefined;
    this.said.clear();
    this.invocation = invocationId();
    this.startedAt = Date.now();
    let owner: { uid: number; gid: number } | undefined;
    try {
      owner = resolveCredentials(this.config.user, this.config.group, [], readAccountFiles());
    } catch {
      owner = undefined; // the spawn reports the bad user with its own status
    }
    for (const dir of this.runtimeDirs()) {
      const error = makeRuntimeDirectory(dir, this.config.runtimeDirectoryMode ?? 0o755, owner);
      if (error) {
        // systemd fails the unit (status 233/RUNTIME_DIRECTORY) rather than start it without.
        this.deps.log.error({ unit: this.name }, `cannot create RuntimeDirectory ${dir}: ${error}${readOnlyHint(this.deps.runtimeRoot)}`);
        this.failSetup();
        return;
      }
    }
    const dirError = makeExecDirectories(this.config, owner);
    if (dirError) {
      this.deps.log.error({ unit: this.name }, dirError);
      this.failSetup();
      return;
    }
    const creds = setupCredentials(this.config, this.deps.runtimeRoot, owner, process.env.CREDENTIALS_DIRECTORY);
    this.credentialsDir = creds.dir;
    if (creds.error) {
      this.deps.log.error({ unit: this.name }, `cannot set up the credentials: ${creds.error}`);
      this.failSetup();
      return;
    }
    if (this.config.kind === 'socket' && this.deps.sockets) {
      const error = this.deps.sockets.openFor(this.config);
      if (error) {
        this.deps.log.error({ unit: this.name }, error);
        this.failSetup();
      }
    }
    if (notifiesReady(this.config.type) || this.policy.watchdogMs > 0) {
      try {
        this.notifyPath = this.deps.notify.open(this.name, (m, pid) => this.onNotify(m, pid));
      } catch (err) {
        // Without its socket the unit could never say READY=1: fail it now, not at its start timeout.
        const error = (err as Error).message;
        this.deps.log.error({ unit: this.name }, `cannot create the notify socket: ${error}${readOnlyHint(this.deps.runtimeRoot)}`);
        this.failSetup();
      }
    }
  }

  private failSetup(): void {
    this.setupFailed = true;
    this.send({ type: 'setup-failed' });
  }

  private teardown(): void {
    this.disarm('pid-file');
    if (this.config.kind === 'socket') this.deps.sockets?.closeFor(this.name);
    this.disarm('spawn-retry');
    this.awaitingGone = false;
    if (this.notifyPath) this.deps.notify.close(this.name);
    this.notifyPath = undefined;
    if (this.credentialsDir) removeCredentials(this.deps.runtimeRoot, this.name);
    this.credentialsDir = undefined;
    const preserve = this.config.runtimeDirectoryPreserveMode;
    const restarting = isRestartPending(this.state.sub) || this.state.startQueued;
    if (preserve === 'yes' || (preserve === 'restart' && restarting)) return;
    for (const dir of this.runtimeDirs()) {
      try {
        removeRuntimeDirectory(dir);
      } catch (err) {
        // A read-only root (Kubernetes readOnlyRootFilesystem) keeps the image's own copy.
        const e = err as NodeJS.ErrnoException;
        this.deps.log.warn({ unit: this.name }, `cannot remove RuntimeDirectory ${dir}: ${e.code === 'EROFS' ? 'read-only file system' : e.message}`);
      }
    }
  }

  /** A live process in one of the unit's sessions (how its processes are told apart without cgroups). */
  private isOwnProcess(pid: number): boolean {
    const st = readStat(pid);
    return st !== undefined && (this.sessions.has(st.session) || this.sessions.has(pid));
  }

  private onNotify(m: NotifyMessage, senderPid: number | undefined): void {
    const refusal = notifyRefusal(this.config.notifyAccess, {
      pid: senderPid,
      mainPid: this.state.mainPid,
      controlPid: this.state.controlPid,
      inUnit: senderPid !== undefined && this.isOwnProcess(senderPid),
    });
    if (refusal) {
      this.deps.log.warn({ unit: this.name }, refusal);
      return;
    }
    if (m.status !== undefined) this.statusText = m.status;
    if (m.mainPid !== undefined && m.mainPid !== this.state.mainPid) {
      // The message came on the unit's own socket, whose path only the unit was given:
      // like systemd for a privileged sender, a live process outside the unit is accepted.
      const problem = this.mainPidProblem(m.mainPid, true);
      if (problem) {
        this.deps.log.warn({ unit: this.name }, `new main PID ${m.mainPid} ${problem}; refusing it`);
      } else {
        const st = readStat(m.mainPid);
        if (st) this.sessions.add(st.session);
        this.send({ type: 'main-pid', pid: m.mainPid });
      }
    }
    if (m.reloading) this.send({ type: 'reloading', monotonicUsec: m.monotonicUsec });
    if (m.ready) this.send({ type: 'ready' });
    if (m.stopping) this.send({ type: 'stopping' });
    if (m.watchdog) this.send({ type: 'watchdog-ping' });
    if (m.extendTimeoutUsec !== undefined) this.send({ type: 'extend-timeout', ms: Math.ceil(m.extendTimeoutUsec / 1000) });
  }
}

/** What to do about /run on a read-only root (Kubernetes readOnlyRootFilesystem, docker --read-only). */
function readOnlyHint(root: string): string {
  try {
    fs.accessSync(root, fs.constants.W_OK);
    return '';
  } catch {
    return ` (${root} is not writable: give the container a tmpfs on ${root})`;
  }
}
