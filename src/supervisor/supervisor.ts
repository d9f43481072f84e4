// The supervisor: runs the loaded units. It starts the enabled ones in dependency
// order (independent ones in parallel, each waiting for what it is ordered after to
// be ready), gives each unit its runner (which claims the unit's processes in the
// exit channel and its notify socket), and stops everything in reverse order with
// per-unit timeouts. What is loaded is the registry's; the control plane talks to
// the Manager, which translates.
import { setLongTimeout } from '../process/long-timeout';
import * as path from 'node:path';
import type { InitOptions } from '../cli/options';
import type { ChildWatch } from '../process/child-watch';
import type { GoneWatch } from './runner/gone-watch';
import { indexOnce } from '../process/proc';
import type { ProcessTable } from '../process/process-table';
import type { Logger } from '../log/logger';
import { NotifySockets } from '../notify/notify-sockets';
import type { ServiceOutput } from '../output/service-output';
import type { UnitConfig } from '../units/unit';
import { hostFacts } from '../boot/host-facts';
import { checkConditions, type HostFacts } from '../units/conditions';
import type { State } from './lifecycle';
import { buildOrdering, failedRequirement, jobSet, startable, stoppable, type Ordering } from './ordering';
import { autoJobAllowed, propagatedJobs, reloadTargets, retroactiveStops, stateJobs, wentDown, type PropagatedJob, type UnitView } from './propagation';
import type { UnitRegistry } from './unit-registry';
import { type RunnerDeps, UnitRunner } from './unit-runner';
import { launchUnitCommand, type LaunchContext } from '../exec/unit-launch';
import { kill } from '../sys/libc';
import { SIGKILL } from '../sys/signals';
import { SocketUnits } from './socket-units';
import { unitTypeRooms, type UnitTypeRooms } from './types/unit-types';
import type { UnitTypeRoom } from './types/unit-type';
import { TimerUnits } from './timer-units';
import { activeState, isDown, startJobFinished } from './sub-states';
import { readAccountFiles, resolveCredentials } from '../exec/account-db';

export interface SupervisorDeps {
  table: ProcessTable;
  watch: ChildWatch;
  log: Logger;
  output: ServiceOutput;
  options: InitOptions;
  /** What is loaded; every unit it adds gets a runner. */
  registry: UnitRegistry;
  /** Where notify sockets and runtime directories live: /run normally. */
  runtimeRoot?: string;
  /** What conditions are tested against: this machine unless given. */
  facts?: HostFacts;
}

export class Supervisor {
  readonly runners = new Map<string, UnitRunner>();
  /** The units whose stop waits for their processes to be gone (runner/gone-watch.ts). */
  private readonly goneWaiters = new Set<GoneWatch>();
  private ordering: Ordering = { units: new Set(), waitsFor: new Map(), requiredBy: new Map(), chain: new Map(), warnings: [] };
  private readonly started = new Set<string>();
  private readonly finished = new Set<string>();
  /** Units whose last start job ended with the result "dependency" (their state left as it was). */
  private readonly dependencyFailed = new Set<string>();
  private readonly changeListeners = new Set<(r: UnitRunner) => void>();
  private exitListener: (code: number) => void = () => undefined;
  private readonly notify: NotifySockets;
  private readonly sockets: SocketUnits;
  /** Each unit type's room (types/): what the runners and the manager ask of a unit's type. */
  readonly types: UnitTypeRooms;
  /** The same rooms as a list: every unit's every change is told to each. */
  private readonly rooms: UnitTypeRoom[];
  private shuttingDown = false;
  readonly runtimeRoot: string;
  private readonly launchContext: LaunchContext;
  private readonly runnerWorld: RunnerDeps;
  readonly facts: HostFacts;
  /** systemd's manager environment: the container's, changed by set-/unset-environment; every unit started after a change gets it. */
  readonly environment: Record<string, string | undefined> = { ...process.env };

  constructor(private readonly deps: SupervisorDeps) {
    this.runtimeRoot = deps.runtimeRoot ?? '/run';
    this.facts = deps.facts ?? hostFacts();
    this.launchContext = {
      table: deps.table,
      output: deps.output,
      baseEnv: this.environment,
      unitEnvironment: deps.options.unitEnvironment,
      warn: (m) => deps.log.warn(m),
      outside: deps.watch,
    };
    this.notify = new NotifySockets(path.join(this.runtimeRoot, 'ts-init/notify'));
    this.sockets = new SocketUnits({
      log: deps.log,
      startUnit: (name) => {
        const r = this.runners.get(name);
        if (!r) return 'not-loaded';
        if (this.shuttingDown) return 'shutting-down';
        this.startUnit(name);
        return r.state.sub === 'failed' && r.state.result === 'start-limit-hit' ? 'refused' : 'started';
      },
      failUnit: (name, result) => this.runners.get(name)?.send({ type: 'setup-failed', result }),
      startInstance: (name) => {
        if (this.shuttingDown || !this.deps.registry.get(name) || !this.runners.has(name)) return false;
        this.startUnit(name);
        return true;
      },
      forgetUnit: (name) => {
        // After the change listeners of this round have seen the end of the instance.
        setImmediate(() => {
          const r = this.runners.get(name);
          if (r && isDown(r.state.sub)) {
            this.runners.delete(name);
            this.deps.registry.forget(name);
            this.deps.output.forget(name);
          }
        });
      },
      owner: (user, group) => {
        try {
          return user === undefined && group === undefined ? undefined : resolveCredentials(user ?? 'root', group, [], readAccountFiles());
        } catch {
          return undefined;
        }
      },
    });
    this.types = unitTypeRooms({ sockets: this.sockets, timers: this.timerUnits() });
    this.rooms = Object.values(this.types);
    deps.watch.onRound(() => {
      // Only the units waiting for their processes to be gone, not every runner at every exit;
      // stopping many units at once: one /proc scan per round, not one per unit.
      if (this.goneWaiters.size === 0) return;
      const index = indexOnce();
      for (const w of [...this.goneWaiters]) w.checkGone(index);
    });
    this.runnerWorld = this.world();
    for (const unit of deps.registry.all().values()) this.ensureRunner(unit.name, unit);
    deps.registry.onAdded((unit) => this.ensureRunner(unit.name, unit));
  }

  /** The timer units' edge: what a timer starts, and what it reads of the machine. */
  private timerUnits(): TimerUnits {
    return new TimerUnits({
      log: this.deps.log,
      startUnit: (name) => {
        // Named now: an installed unit not loaded yet is loaded on demand (and gets its runner).
        if (!this.runners.has(name)) this.deps.registry.get(name);
        const r = this.runners.get(name);
        if (!r) return 'not-loaded';
        if (this.shuttingDown) return 'shutting-down';
        // Its start limit holds for a timer, as systemd's: an operator's start clears a lockout
        // (lifecycle.ts), a timer's must not, or OnUnitInactiveSec=0 would run it without end.
        if (startLimited(r)) return 'refused';
        // A start job as systemctl start makes it: what the unit requires comes up first.
        void this.startWithDependencies(name);
        return r.state.sub === 'failed' && r.state.result === 'start-limit-hit' ? 'refused' : 'started';
      },
      isLoaded: (name) => this.runners.has(name) || (this.deps.registry.get(name) !== undefined && this.runners.has(name)),
      stopTimer: (name) => this.runners.get(name)?.send({ type: 'stop' }),
      failTimer: (name) => this.runners.get(name)?.send({ type: 'setup-failed' }),
      unitState: (name) => this.runners.get(name)?.state,
      machineId: () => this.facts.machineId(),
      inContainer: this.facts.container() !== undefined,
    });
  }

  /** A new definition from daemon-reload: the runner takes it from its next start; a type that is not restarted for it (a timer) takes it on now. */
  replaceConfig(unit: UnitConfig): void {
    const r = this.runners.get(unit.name);
    r?.replaceConfig(unit);
    if (r && !isDown(r.state.sub)) this.types[unit.kind].redefined?.(unit);
  }

  /** Where the manager stands: the boot's start jobs under way, done, or stopping everything. */
  phase(): 'starting' | 'up' | 'stopping' {
    if (this.shuttingDown) return 'stopping';
    return this.startingDone() ? 'up' : 'starting';
  }

  /** A unit whose file is gone, once it has stopped. */
  forget(name: string): void {
    this.runners.delete(name);
    this.autoJobs.delete(name);
    this.autoJobsRefused.delete(name);
    // A start job still waiting for it is over: the unit is gone.
    for (const w of this.jobWaiters.get(name) ?? []) w();
    this.jobWaiters.delete(name);
  }

  /** What every runner is given: one object for all of them (a boot makes thousands of runners). */
  private world(): RunnerDeps {
    return {
      launch: (u, command, extraEnv, passFds) => launchUnitCommand(this.launchContext, u, command, extraEnv, passFds),
      kill,
      exits: this.deps.watch.exits,
      log: this.deps.log,
      notify: this.notify,
      runtimeRoot: this.runtimeRoot,
      onChange: (runner, before) => this.onUnitChange(runner, before),
      goneWaiters: this.goneWaiters,
      // A failure report quotes the last lines, which may still be in the pipes after the exit.
      recentOutput: (u, since, max) => this.deps.output.recentLines(u, since, max),
      room: (u) => this.types[u.kind],
      fdsFor: (service) => this.sockets.fdsFor(service),
      onContainerExit: (code, unitName) => {
        this.deps.log.error({ unit: unitName }, `essential unit ended; the container exits with status ${code}`);
        this.exitListener(code);
      },
    };
  }

  private ensureRunner(name: string, unit: UnitConfig): void {
    if (this.runners.has(name)) return;
    this.runners.set(name, new UnitRunner(unit, this.runnerWorld));
  }

  onContainerExit(listener: (exitCode: number) => void): void {
    this.exitListener = listener;
  }

  onChange(listener: (r: UnitRunner) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private onUnitChange(r: UnitRunner, before: State): void {
    for (let i = 0; i < this.rooms.length; i++) this.rooms[i]!.unitChanged(r.name, r.state);
    if (!isDown(r.state.sub)) this.dependencyFailed.delete(r.name);
    if (this.started.has(r.name) && !this.finished.has(r.name) && startJobFinished(r.state)) {
      this.finish(r.name);
      this.deps.log.debug({ unit: r.name }, 'start job finished');
      if (!this.shuttingDown) this.startWhatCan();
    }
    if (!this.shuttingDown) this.followDependencies(r, before);
    if (this.changeListeners.size > 0) for (const l of [...this.changeListeners]) l(r);
  }

  // ---- propagation between units (PartOf=, BindsTo=, Upholds=, ...; decided in propagation.ts) ----

  private readonly autoJobs = new Map<string, number[]>();
  private readonly autoJobsRefused = new Set<string>();
  private stateCheckQueued = false;

  /** What the propagation decisions see of a unit. */
  private view(name: string): UnitView | undefined {
    const r = this.runners.get(name);
    if (!r) return undefined;
    const active = activeState(r.state);
    const queued = this.ordering.units.has(name) && !this.started.has(name);
    return { active, busy: queued || active === 'activating' || active === 'deactivating' || active === 'reloading', reloadCommand: r.config.execReload.length > 0 };
  }

  /** Sends the jobs a stop, restart or reload of `name` brings on other units; returns how many. */
  propagate(name: string, job: 'stop' | 'restart' | 'reload'): number {
    if (this.shuttingDown) return 0;
    if (job === 'stop') this.cancelQueuedStart(name);
    const jobs = propagatedJobs(this.runnerDeps(), name, job, (n) => this.view(n));
    for (const j of jobs) this.sendJob(j, `${job} of ${name}`);
    return jobs.length;
  }

  /** Whether a reload of the unit reaches others (PropagatesReloadTo=, or their ReloadPropagatedFrom=). */
  passesReloadOn(name: string): boolean {
    return reloadTargets(this.runnerDeps(), name).length > 0;
  }

  private sendJob(j: PropagatedJob, why: string): void {
    const r = this.runners.get(j.unit);
    if (!r) return;
    this.deps.log.info({ unit: j.unit }, `${j.job} of ${j.unit} (${j.because}; ${why})`);
    if (j.job === 'stop') this.cancelQueuedStart(j.unit);
    if (j.job === 'start') this.startUnit(j.unit);
    else r.send({ type: j.job });
  }

  /** A stop replaces a start still waiting for its turn, as a stop job replaces a start job in systemd. */
  private cancelQueuedStart(name: string): void {
    if (!this.ordering.units.has(name) || this.started.has(name)) return;
    this.started.add(name);
    this.finish(name);
    this.startWhatCan();
  }

  /**
   * A unit's state changed: what is bound to it stops if it went down by itself; then, once
   * this turn's changes are in, what BindsTo= and Upholds= ask of the units' states now.
   */
  private followDependencies(r: UnitRunner, before: State): void {
    if (wentDown(activeState(before), activeState(r.state)) && !r.state.stopRequested) {
      for (const j of retroactiveStops(this.runnerDeps(), r.name, (n) => this.view(n))) this.sendAuto(j, `${r.name} went down`);
    }
    if (this.stateCheckQueued) return;
    this.stateCheckQueued = true;
    setImmediate(() => {
      this.stateCheckQueued = false;
      if (this.shuttingDown) return;
      for (const j of stateJobs(this.runnerDeps(), (n) => this.view(n))) this.sendAuto(j, 'state check');
    });
  }

  /** An automatic job, rate-limited per unit as systemd's are (a unit that keeps failing does not loop). */
  private sendAuto(j: PropagatedJob, why: string): void {
    const now = Date.now();
    const { allowed, history } = autoJobAllowed(this.autoJobs.get(j.unit) ?? [], now);
    this.autoJobs.set(j.unit, history);
    if (!allowed) {
      // Said once until a job is allowed again: every unit's change asks anew.
      if (!this.autoJobsRefused.has(j.unit)) this.deps.log.warn({ unit: j.unit }, `not acting on ${j.because} for ${j.unit}: its automatic start/stop rate limit was hit`);
      this.autoJobsRefused.add(j.unit);
      return;
    }
    this.autoJobsRefused.delete(j.unit);
    this.sendJob(j, why);
  }

  /**
   * A start job with what it pulls in (Requires=, Wants=, BindsTo=, Upholds=, and the units
   * linked from its own .wants/ and .requires/), each started once what it is ordered after
   * has finished, as in systemd's transaction. Units already up count as started.
   */
  startWithDependencies(name: string): Promise<void> {
    if (!this.runners.has(name) || this.shuttingDown) return Promise.resolve();
    const deps = this.runnerDeps();
    const warnings: string[] = [];
    const pulled = jobSet(deps, [name], warnings);
    pulled.add(name);
    for (const n of pulled) {
      const a = activeState(this.runners.get(n)!.state);
      if (a === 'inactive' || a === 'failed' || a === 'deactivating' || (n === name && a === 'activating')) {
        this.started.delete(n);
        this.finished.delete(n);
        this.dependencyFailed.delete(n);
      } else if (n === name) {
        // Up already: its start job is over as soon as it is asked for.
        this.started.add(n);
        this.finished.add(n);
      }
    }
    const done = this.finished.has(name) ? Promise.resolve() : new Promise<void>((resolve) => this.jobWaiters.set(name, [...(this.jobWaiters.get(name) ?? []), resolve]));
    const said = new Set(this.ordering.warnings);
    this.ordering = buildOrdering(deps, new Set([...this.ordering.units, ...pulled]));
    for (const w of [...warnings, ...this.ordering.warnings]) if (!said.has(w)) this.deps.log.warn(w);
    this.startWhatCan();
    return done;
  }

  /** Sends a unit its start, unless a condition says no. */
  startUnit(name: string): void {
    const r = this.runners.get(name);
    if (!r) return;
    const verdict = checkConditions(r.config.conditions, this.facts);
    if (!verdict.ok) {
      this.deps.log.info({ unit: name }, `${verdict.assert ? 'assertion' : 'condition'} failed: ${verdict.failed}; not starting`);
      r.send({ type: verdict.assert ? 'dependency-failed' : 'condition-failed' });
      return;
    }
    r.send({ type: 'start' });
  }

  private starting = false;
  private startAgain = false;

  /** Starts every unit whose turn has come; re-entered when a start finishes at once. */
  private startWhatCan(): void {
    if (this.starting) {
      this.startAgain = true;
      return;
    }
    this.starting = true;
    try {
      do {
        this.startAgain = false;
        for (const name of startable(this.ordering, this.finished, this.started)) this.startOne(name);
      } while (this.startAgain);
    } finally {
      this.starting = false;
    }
    if (this.startingDone()) for (const w of this.startWaiters.splice(0)) w();
  }

  private startOne(name: string): void {
    this.started.add(name);
    const r = this.runners.get(name)!;
    const failedDep = failedRequirement(this.ordering, name, (d) => this.runners.get(d)?.state.sub === 'failed' || this.dependencyFailed.has(d));
    if (failedDep) {
      // The start job fails, the unit does not: it stays as it was (inactive, or failed from before).
      this.deps.log.error({ unit: name }, `not starting: required unit ${failedDep} failed (job result: dependency)`);
      this.dependencyFailed.add(name);
    } else {
      this.startUnit(name);
    }
    if (startJobFinished(r.state)) {
      this.finish(name);
      this.startAgain = true;
    }
  }

  /** Whether the unit's last start job ended with the result "dependency": a unit it requires failed to start. */
  startFailedOnDependency(name: string): boolean {
    return this.dependencyFailed.has(name);
  }

  private startWaiters: Array<() => void> = [];
  /** Start jobs asked for by name (startWithDependencies), resolved once the unit's start job is over. */
  private readonly jobWaiters = new Map<string, Array<() => void>>();

  private finish(name: string): void {
    this.finished.add(name);
    const waiting = this.jobWaiters.get(name);
    this.jobWaiters.delete(name);
    for (const w of waiting ?? []) w();
  }

  private startingDone(): boolean {
    return [...this.ordering.units].every((u) => this.finished.has(u));
  }

  /** Starts the enabled units; resolves when every start job is over (ready, failed or skipped). */
  start(): Promise<void> {
    if (!this.deps.registry.loaded) this.deps.registry.load();
    const warnings: string[] = [];
    // The boot target's graph (sysinit, sockets, basic, multi-user) and every enabled unit.
    const boot = this.deps.registry.bootTargets().filter((t) => this.runners.has(t));
    const deps = this.runnerDeps();
    const units = jobSet(deps, [...this.deps.registry.enabledUnits(), ...boot], warnings);
    // A start asked for before this one (through the control socket) stays in the job set.
    this.ordering = buildOrdering(deps, new Set([...this.ordering.units, ...units]));
    for (const w of [...warnings, ...this.ordering.warnings]) this.deps.log.warn(w);
    if (units.size) this.deps.log.info(`starting ${units.size} units: ${[...units].sort().join(', ')}`);
    const done = new Promise<void>((resolve) => this.startWaiters.push(resolve));
    this.startWhatCan();
    if (this.startingDone()) for (const w of this.startWaiters.splice(0)) w();
    if (this.deps.options.noWait) return Promise.resolve();
    return done;
  }

  runnerDeps(): Map<string, UnitConfig> {
    const deps = new Map<string, UnitConfig>();
    this.runners.forEach((r, n) => deps.set(n, r.config));
    return deps;
  }

  /** Resolves once the unit's state satisfies check. */
  waitFor(name: string, check: (s: State) => boolean): Promise<State> {
    const r = this.runners.get(name);
    if (!r) return Promise.reject(new Error(`unknown unit ${name}`));
    if (check(r.state)) return Promise.resolve(r.state);
    return new Promise((resolve) => {
      const off = this.onChange((changed) => {
        if (changed === r && check(r.state)) {
          off();
          resolve(r.state);
        }
      });
    });
  }

  /**
   * Stops every unit in reverse dependency order, as systemd's stop jobs run: each unit as soon
   * as every unit ordered after it has stopped, independent ones in parallel (a slow stop holds
   * back only what is ordered before it). Each stop is bounded by the unit's own stop timeouts;
   * past that its processes get SIGKILL and it counts as stopped.
   */
  async stopAll(): Promise<void> {
    this.shuttingDown = true;
    const t0 = Date.now();
    const isUp = (s: State): boolean => !isDown(s.sub);
    const all = buildOrdering(this.runnerDeps(), new Set(this.runners.keys()));
    // Units not stopped yet (stopping ones included: they hold back what is ordered before them).
    const pending = new Set([...this.runners.values()].filter((r) => isUp(r.state)).map((r) => r.name));
    const sent = new Set<string>();
    await new Promise<void>((allStopped) => {
      const done = (n: string): void => {
        if (!pending.delete(n)) return;
        next();
      };
      const next = (): void => {
        if (pending.size === 0) return allStopped();
        let now = stoppable(all, pending).filter((n) => !sent.has(n));
        // A cycle cannot survive buildOrdering; should one appear anyway, never hang on it.
        if (now.length === 0 && [...pending].every((n) => sent.has(n) === false)) now = [...pending];
        if (now.length === 0) return;
        // Down by itself meanwhile: nothing to stop.
        const down = now.filter((n) => !isUp(this.runners.get(n)!.state));
        if (down.length) {
          for (const n of down) pending.delete(n);
          return next();
        }
        this.deps.log.info(`stopping ${now.sort().join(', ')}`);
        for (const n of now) {
          sent.add(n);
          this.stopOne(n, isUp).then(() => done(n));
        }
      };
      next();
    });
    this.notify.closeAll();
    for (const room of Object.values(this.types)) room.closeAll();
    if (this.runners.size) this.deps.log.info({ ms: Date.now() - t0 }, 'all units stopped');
  }

  /** One unit's stop job: resolves once it is down, or once its stop budget ran out (then SIGKILL). */
  private async stopOne(n: string, isUp: (s: State) => boolean): Promise<void> {
    const r = this.runners.get(n)!;
    const t = Date.now();
    const budget = this.stopBudgetMs(r.config);
    r.send({ type: 'stop' });
    const inTime = await Promise.race([this.waitFor(n, (s) => !isUp(s)).then(() => true), delay(budget).then(() => false)]);
    if (inTime) {
      this.deps.log.info({ unit: n, ms: Date.now() - t }, `stopped ${n}`);
      return;
    }
    this.deps.log.error({ unit: n }, `${n} still stopping after ${budget} ms; sending SIGKILL and moving on`);
    r.signal('all', SIGKILL);
  }

  private stopBudgetMs(u: UnitConfig): number {
    const stop = Number.isFinite(u.timeoutStopMs) ? u.timeoutStopMs : 300_000;
    // ExecStop, SIGTERM and SIGKILL each get TimeoutStopSec=, ExecStopPost too.
    return stop * 4 + 1000;
  }
}

/** A unit whose start limit was hit and whose window is still full. */
function startLimited(r: UnitRunner): boolean {
  const s = r.state;
  if (s.sub !== 'failed' || s.result !== 'start-limit-hit') return false;
  const since = Date.now() - r.policy.startLimitIntervalMs;
  return s.startTimes.filter((t) => t > since).length >= r.policy.startLimitBurst;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setLongTimeout(() => r(), ms, false));
}
