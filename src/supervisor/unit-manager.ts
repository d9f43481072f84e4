// The Manager the control plane talks to: it translates between the control
// plane's words (systemd's status, properties, jobs that resolve when done) and the
// registry (what is loaded, enablement, reload) and the supervisor (what runs).
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { JobInfo, JobResult, Manager, ReloadReport, StatusOptions, SystemStatus, UnitFileChange, UnitFileOp, UnitFileState, UnitStatus } from '../control/manager';
import { processStats } from '../exec/process-stats';
import type { LogLine } from '../output/log-ring';
import type { ServiceOutput } from '../output/service-output';
import { unitName } from '../control/protocol';
import type { State } from './lifecycle';
import { disableUnit, enableUnit } from './enablement';
import { presetAction, readPresetRules } from './preset';
import { restartsOnReload } from './reload-diff';
import { type ShowContext, UNIT_PROPERTY_NAMES, UNIT_TIMESTAMP_NAMES, unitProperties, unitTimestamps } from './show-properties';
import { activeState, isDown, isIdle, isReloading, isRestartPending, isStopping, jobFailed, startJobFinished } from './sub-states';
import { DEFAULT_TARGET_ALIAS } from '../units/builtin-targets';
import { defaultTarget, findUnitFile, maskUnit, revertUnit, setDefaultTarget, unmaskUnit } from './unit-file-ops';
import { environmentList, invalidAssignment, invalidName } from './manager-environment';
import type { Supervisor } from './supervisor';
import type { UnitRegistry } from './unit-registry';
import type { UnitRunner } from './unit-runner';
import type { UnitConfig } from '../units/unit';
import type { Logger } from '../log/logger';

/** How soon a reload deferred by a passing shortage (EMFILE) is tried again. */
const RELOAD_RETRY_MS = 500;

export class UnitManager implements Manager {
  constructor(
    private readonly registry: UnitRegistry,
    private readonly sup: Supervisor,
    private readonly output: ServiceOutput,
    private readonly log: Logger,
    private readonly requestShutdown: () => void,
  ) {}

  private regenerate: () => Promise<void> = () => Promise.resolve();
  /** The generators' run in progress (or the last one): their output directories are emptied and written again meanwhile. */
  private generating: Promise<void> = Promise.resolve();
  /** A reload deferred by a passing shortage, to be tried again. */
  private reloadRetry?: NodeJS.Timeout;

  /** What daemon-reload runs before re-reading the units: the generators, as systemd does. */
  beforeReload(f: () => Promise<void>): void {
    this.regenerate = f;
  }

  /** The runner of a loaded unit, by name or alias (loaded on demand if installed). */
  private resolve(name: string): UnitRunner | undefined {
    const unit = this.registry.get(unitName(name));
    return unit && this.sup.runners.get(unit.name);
  }

  private fileState(r: UnitRunner): UnitFileState {
    return this.registry.fileState(r.config);
  }

  /** A unit file or drop-in changed after the definition was read: systemd's NeedDaemonReload=. */
  private needsReload(c: UnitRunner['config']): boolean {
    const readAt = this.registry.definitionReadAt(c);
    if (readAt === undefined) return false;
    return [c.sourcePath, ...c.dropIns].some((f) => {
      try {
        return f !== '' && fs.statSync(f).mtimeMs > readAt;
      } catch {
        return true; // gone since
      }
    });
  }

  /** Which units each socket starts, and which sockets start each unit (Triggers=, TriggeredBy=). */
  private triggerLinks(): TriggerLinks {
    const triggers = new Map<string, string[]>();
    const triggeredBy = new Map<string, string[]>();
    for (const r of this.sup.runners.values()) {
      const started = this.sup.types[r.config.kind].triggers(r.config);
      if (started.length === 0) continue;
      triggers.set(r.name, started);
      for (const unit of started) triggeredBy.set(unit, [...(triggeredBy.get(unit) ?? []), r.name]);
    }
    return { triggers, triggeredBy };
  }

  /** links: Triggers= and TriggeredBy= of every unit, made once for a whole status and only if a show property is read. */
  private describe(r: UnitRunner, stats?: { cpuPercent: number; rssBytes: number }, links?: () => TriggerLinks): UnitStatus {
    const s = r.state;
    const c = r.config;
    const room = this.sup.types[c.kind];
    const st: UnitStatus = {
      name: r.name,
      description: c.description || r.name,
      loadState: 'loaded',
      activeState: activeState(s),
      // An active unit with no process: its type says (a target "active", a socket "listening").
      subState: s.sub === 'exited' ? room.idleSubState(r.name) : s.sub,
      result: s.result,
      unitFileState: 'static',
      sourcePath: c.generatedFrom ?? c.sourcePath,
      mainPid: s.mainPid,
      stateChangedAt: s.changedAt,
      activeSince: s.readyAt,
      restarts: s.restarts,
      lastExit: s.lastExit ? { code: s.lastExit.code, signal: s.lastExit.signal, at: s.lastExit.at } : undefined,
      statusText: r.statusText,
      cpuPercent: stats?.cpuPercent,
      rssBytes: stats?.rssBytes,
      properties: {},
    };
    const nowMs = Date.now();
    const nowMonoUs = process.hrtime.bigint() / 1000n;
    // What the show properties are made of, each part when first read: the unit's files are
    // stat'ed, its links looked for and every unit's triggers gathered only for the unit's own
    // properties, which a type's property (a bus Get of Service.Type) does not need.
    const manager = this;
    let context: ShowContext | undefined;
    const x = (): ShowContext =>
      (context ??= {
        activeState: st.activeState,
        subState: st.subState,
        get unitFileState() {
          return st.unitFileState;
        },
        statusText: r.statusText,
        get triggers() {
          return links?.().triggers.get(r.name) ?? [];
        },
        get triggeredBy() {
          return links?.().triggeredBy.get(r.name) ?? [];
        },
        get needDaemonReload() {
          return manager.needsReload(c);
        },
        canIsolate: room.canIsolate,
        nowMs,
        nowMonoUs,
      });
    let own: Record<string, string> | undefined;
    const ownProperties = (): Record<string, string> => (own ??= room.properties(c, s, x()));
    const show = (): Record<string, string> => unitProperties(c, s, x(), ownProperties());
    // The show properties are made when first read (of this state and config, on the clocks read
    // now): most of a status's cost (every property formatted, the unit's files stat'ed for
    // NeedDaemonReload), which a state or a list never reads (the bus's ListUnits and manager
    // properties, a Get of one property: node-exporter asks for these at every scrape).
    let properties: Record<string, string> | undefined;
    // The unit file state too (its [Install] links looked for in every unit directory): a state,
    // a list or a Get of another property never reads it.
    let fileState: UnitFileState | undefined;
    Object.defineProperty(st, 'unitFileState', {
      enumerable: true,
      configurable: true,
      get: () => (fileState ??= this.fileState(r)),
      set: (v: UnitFileState) => (fileState = v),
    });
    Object.defineProperty(st, 'properties', {
      enumerable: true,
      configurable: true,
      get: () => (properties ??= show()),
      set: (v: Record<string, string>) => (properties = v),
    });
    // One property: a type's own, or one of the unit's timestamps (every PropertiesChanged of a
    // boot carries them), is made without the unit's other properties.
    let timestamps: Record<string, string> | undefined;
    st.property = (name) => {
      if (properties === undefined) {
        if (UNIT_TIMESTAMP_NAMES.has(name)) return (timestamps ??= unitTimestamps(s, nowMs, nowMonoUs))[name];
        if (!UNIT_PROPERTY_NAMES.has(name)) return ownProperties()[name];
      }
      return st.properties[name];
    };
    if (room.elapse && activeState(s) !== 'inactive') st.elapse = room.elapse(r.name);
    return st;
  }

  private notFound(name: string): UnitStatus {
    const n = unitName(name);
    const { loadState, loadError } = this.registry.notLoaded(n);
    const masked = loadState === 'masked' || this.registry.isMasked(n);
    return {
      name: n,
      description: n,
      loadState,
      loadError,
      activeState: 'inactive',
      subState: 'dead',
      result: 'success',
      unitFileState: masked ? 'masked' : 'disabled',
      stateChangedAt: 0,
      restarts: 0,
      properties: { Id: n, LoadState: loadState, ActiveState: 'inactive', SubState: 'dead', UnitFileState: masked ? 'masked' : '' },
    };
  }

  /** The answer to a job for a unit that is not loaded: it is masked, or there is no such unit. */
  private missing(name: string): JobResult {
    const n = unitName(name);
    return this.registry.isMasked(n) ? { result: 'masked', message: `Unit ${n} is masked.` } : { result: 'not-found', message: `Unit ${n} not found.` };
  }

  async listUnits(options?: StatusOptions): Promise<UnitStatus[]> {
    return this.status([...this.sup.runners.keys()].sort(), options);
  }

  async status(names: readonly string[], { processStats: measured = true }: StatusOptions = {}): Promise<UnitStatus[]> {
    const runners = names.map((n) => this.resolve(n));
    const pids = measured ? runners.map((r) => r?.state.mainPid).filter((p): p is number => p !== undefined) : [];
    const stats = await processStats(pids);
    let links: TriggerLinks | undefined;
    const linksOnce = (): TriggerLinks => (links ??= this.triggerLinks());
    return names.map((n, i) => {
      const r = runners[i];
      return r ? this.describe(r, r.state.mainPid !== undefined ? stats.get(r.state.mainPid) : undefined, linksOnce) : this.notFound(n);
    });
  }

  private runJob(r: UnitRunner, send: (r: UnitRunner) => void, done: (s: State, before: State) => boolean): Promise<JobResult> {
    const before = r.state;
    send(r);
    return this.sup.waitFor(r.name, (s) => done(s, before)).then((s) => jobResult(r.name, s));
  }

  /** A start job with what it pulls in; over once the unit's own start is (after those it is ordered after). */
  start(name: string): Promise<JobResult> {
    const r = this.resolve(name);
    if (!r) return Promise.resolve(this.missing(name));
    return this.sup
      .startWithDependencies(r.name)
      .then((): JobResult => (this.sup.startFailedOnDependency(r.name) ? { result: 'dependency', message: `${r.name}: a required unit failed` } : jobResult(r.name, r.state)));
  }

  stop(name: string): Promise<JobResult> {
    // Stopping a masked unit, which cannot be running, succeeds as in systemd.
    const r = this.resolve(name);
    const job = r ? this.stopJob(r) : Promise.resolve(this.missing(name));
    return job.then((j) => (j.result === 'failed' || j.result === 'masked' ? { result: 'done' } : j));
  }

  /**
   * A stop job, and the stops it brings on others (PartOf=, BindsTo=, Requires=, PropagatesStopTo=).
   * Over once the unit is down, or once a start queued behind the stop (a start or restart that
   * came while it stopped) has begun the next run: the machine goes from stopping straight to
   * starting then, never down, and the job is canceled as systemd cancels a stop job a
   * conflicting start job replaces. Waiting for "down" alone, it waited for the next stop.
   * untilDown: a removed unit's stop, which is forgotten after it, waits for down whatever comes.
   */
  private stopJob(r: UnitRunner, untilDown = false): Promise<JobResult> {
    const before = r.state;
    r.send({ type: 'stop' });
    this.sup.propagate(r.name, 'stop');
    return this.sup
      .waitFor(r.name, (s) => isDown(s.sub) || (!untilDown && nextRunBegun(before, s)))
      .then((s) => (isDown(s.sub) ? jobResult(r.name, s) : { result: 'canceled', message: `Job for ${r.name} canceled.` }));
  }

  restart(name: string): Promise<JobResult> {
    const r = this.resolve(name);
    return r ? this.restartJob(r, true) : Promise.resolve(this.missing(name));
  }

  /** A restart; an operator's (propagate) also try-restarts what is PartOf=/BindsTo=/Requires= it. */
  private restartJob(r: UnitRunner, propagate = false): Promise<JobResult> {
    return this.runJob(
      r,
      (x) => {
        x.send({ type: 'restart' });
        if (propagate) this.sup.propagate(x.name, 'restart');
      },
      // From dead, failed or a pending auto-restart the restart is a plain start.
      (s, before) =>
        (s.restarts > before.restarts || isIdle(before.sub)) && startJobFinished(s),
    );
  }

  reload(name: string): Promise<JobResult> {
    const r = this.resolve(name);
    if (!r) return Promise.resolve(this.missing(name));
    // A unit that cannot reload itself but passes reloads on (a target with PropagatesReloadTo=) can reload, as systemd's unit_can_reload says.
    const passesOn = this.sup.passesReloadOn(r.name);
    if (!canReload(r.config) && !passesOn) return Promise.resolve({ result: 'invalid', message: `Job type reload is not applicable for unit ${r.name}.` });
    if (activeState(r.state) !== 'active') return Promise.resolve({ result: 'inactive', message: `${r.name} is not active, cannot reload.` });
    // PropagatesReloadTo= / ReloadPropagatedFrom=: the others that are up reload too.
    if (!canReload(r.config)) {
      this.sup.propagate(r.name, 'reload');
      return Promise.resolve({ result: 'done' });
    }
    // Stamped on the clock MONOTONIC_USEC= speaks (libuv's hrtime is CLOCK_MONOTONIC).
    r.send({ type: 'reload', monotonicUsec: Number(process.hrtime.bigint() / 1000n) });
    this.sup.propagate(r.name, 'reload');
    // The job is over once no reload runs; it failed if the reload did (timed out, ExecReload= failed).
    return this.sup.waitFor(r.name, (s) => !isReloading(s.sub)).then((s) =>
      s.reloadResult !== undefined && s.reloadResult !== 'success' ? { result: 'failed', message: `${r.name}: ${s.reloadResult}` } : { result: 'done' },
    );
  }

  async tryRestart(name: string): Promise<JobResult> {
    const r = this.resolve(name);
    if (!r) return this.missing(name);
    return activeState(r.state) === 'active' ? this.restart(name) : { result: 'done' };
  }

  async reloadOrRestart(name: string): Promise<JobResult> {
    const r = this.resolve(name);
    if (!r) return this.missing(name);
    if (canReload(r.config) && activeState(r.state) === 'active') return this.reload(name);
    return this.restart(name);
  }

  kill(name: string, signal: number, who: 'main' | 'all'): JobResult {
    const r = this.resolve(name);
    if (!r) return this.missing(name);
    const reached = r.signal(who, signal);
    return reached.length ? { result: 'done' } : { result: 'failed', message: `No process to kill in ${r.name}.` };
  }

  async enable(name: string): Promise<{ changes: string[]; error?: string; warning?: string }> {
    const r = this.resolve(name);
    return r ? this.registry.enable(r.config) : { changes: [], error: this.noUnitFile(name) };
  }

  async disable(name: string): Promise<{ changes: string[]; error?: string }> {
    const r = this.resolve(name);
    return r ? this.registry.disable(r.name) : { changes: [], error: this.noUnitFile(name) };
  }

  private noUnitFile(name: string): string {
    const n = unitName(name);
    return this.registry.isMasked(n) ? `Unit file ${n} is masked.` : `Unit file ${n} does not exist.`;
  }

  listUnitFiles(): Array<{ name: string; state: UnitFileState }> {
    return this.registry.listUnitFiles();
  }

  logs(name: string, lines: number): LogLine[] | undefined {
    const r = this.resolve(name);
    return r ? this.output.ring(r.name).tail(lines) : undefined;
  }

  follow(name: string, listener: (l: LogLine) => void): (() => void) | undefined {
    const r = this.resolve(name);
    return r ? this.output.ring(r.name).follow(listener) : undefined;
  }

  /**
   * Re-reads every unit: new ones are added (and started when enabled), changed
   * ones take the new definition (restarted if running), removed ones are
   * stopped; a unit whose new file is broken keeps running on its old definition.
   * Every path that reloads comes here (daemon-reload, the unit watcher, and so
   * enable --now and the generators' new units): it queues the jobs and returns,
   * so that no job, however long it waits, holds back the next reload.
   */
  async daemonReload(o: { generators?: boolean } = {}): Promise<ReloadReport> {
    // Every reload (the watcher's too) waits for a generators' run in progress: read half
    // written, the generated units would seem removed, and be stopped, then added again.
    if (o.generators !== false) this.generating = this.generating.then(() => this.regenerate()).catch((err: Error) => this.log.error({ err }, 'generators failed'));
    await this.generating;
    const read = this.registry.reload();
    if ('deferred' in read) {
      // Tried again until the shortage passes: a change the watcher saw must not be lost.
      this.log.warn(`reload deferred, the unit files could not all be read: ${read.deferred}; trying again in ${RELOAD_RETRY_MS} ms`);
      this.reloadRetry ??= setTimeout(() => {
        this.reloadRetry = undefined;
        void this.daemonReload({ generators: false });
      }, RELOAD_RETRY_MS);
      return { added: [], removed: [], changed: [], errors: [`reload deferred: ${read.deferred}`] };
    }
    const { diff, errors, loadedOnDemand } = read;
    const jobs: Promise<unknown>[] = [];
    // New to this reload: added, or new on disk, enabled, and loaded on demand since the last
    // one (named before the reload found it) and not started since.
    const fresh = [...diff.added, ...loadedOnDemand.filter((n) => !diff.removed.includes(n) && this.sup.runners.get(n)?.state.inactiveExitAt === undefined)];
    for (const name of fresh) if (diff.next.enabled.has(name)) jobs.push(this.start(name));
    for (const name of diff.changed) {
      const r = this.sup.runners.get(name)!;
      const next = diff.next.units.get(name)!;
      this.sup.replaceConfig(next);
      if (restartsOnReload(next.kind, activeState(r.state))) jobs.push(this.restartJob(r));
    }
    for (const name of diff.removed) {
      const r = this.sup.runners.get(name);
      if (r) jobs.push(this.stopJob(r, true).then(() => this.sup.forget(name)));
    }
    // The definitions are in place now; the jobs run on. Waiting for them here would hold
    // the next reload (the watcher's) behind a unit that waits for its readiness.
    void Promise.all(jobs).catch((err: Error) => this.log.error({ err }, 'reload job failed'));
    for (const e of errors) this.log.error(`reload: ${e}`);
    const report: ReloadReport = { added: diff.added, removed: diff.removed, changed: diff.changed, errors };
    if (report.added.length + report.changed.length + report.removed.length) {
      this.log.info({ added: report.added, changed: report.changed, removed: report.removed }, 'unit definitions reloaded');
    }
    return report;
  }

  resetFailed(names: readonly string[]): JobResult[] {
    const runners = names.length ? names.map((n) => this.resolve(n)) : [...this.sup.runners.values()];
    return runners.map((r, i) => {
      if (!r) return this.missing(names[i]!);
      r.send({ type: 'reset-failed' });
      return { result: 'done' };
    });
  }

  async changeUnitFiles(op: UnitFileOp, name: string): Promise<UnitFileChange> {
    const n = unitName(name);
    try {
      if (op === 'mask') return maskUnit(n);
      if (op === 'unmask') return unmaskUnit(n);
      if (op === 'revert') return revertUnit(n);
      const r = this.resolve(n);
      if (!r) return { changes: [], error: this.noUnitFile(n) };
      return presetAction(readPresetRules(), r.name) === 'enable' ? enableUnit(r.config) : disableUnit(r.name);
    } catch (err) {
      return { changes: [], error: (err as Error).message };
    }
  }

  private unitDirs(): string[] {
    return [...this.registry.dirs.unitDirs, ...this.registry.dirs.systemDirs];
  }

  /** default.target's link; without one, the target ts-init boots when the image has none. */
  getDefault(): string {
    return defaultTarget(this.unitDirs()) ?? DEFAULT_TARGET_ALIAS.target;
  }

  setDefault(target: string): UnitFileChange {
    // Looked up as files: the standard targets are systemd's own units, which are not loaded.
    const file = findUnitFile(target, this.unitDirs());
    if (!file) return { changes: [], error: `Unit file ${target} does not exist.` };
    try {
      return setDefaultTarget(file);
    } catch (err) {
      return { changes: [], error: (err as Error).message };
    }
  }

  environment(): string[] {
    return environmentList(this.sup.environment);
  }

  setEnvironment(assignments: readonly string[]): { error?: string } {
    if (assignments.some(invalidAssignment)) return { error: 'Invalid environment assignments' };
    for (const a of assignments) this.sup.environment[a.slice(0, a.indexOf('='))] = a.slice(a.indexOf('=') + 1);
    return {};
  }

  unsetEnvironment(names: readonly string[]): { error?: string } {
    if (names.some((n) => (n.includes('=') ? invalidAssignment(n) : invalidName(n)))) {
      return { error: 'Invalid environment variable names or assignments' };
    }
    const env = this.sup.environment;
    for (const n of names) {
      const eq = n.indexOf('=');
      // NAME=VALUE unsets NAME only while it has that value, as systemd does.
      if (eq < 0) delete env[n];
      else if (env[n.slice(0, eq)] === n.slice(eq + 1)) delete env[n.slice(0, eq)];
    }
    return {};
  }

  systemStatus(): SystemStatus {
    const runners = [...this.sup.runners.values()];
    const failed = runners.filter((r) => activeState(r.state) === 'failed').length;
    const phase = this.sup.phase();
    const state = phase === 'stopping' ? 'stopping' : phase === 'starting' ? 'starting' : failed ? 'degraded' : 'running';
    return {
      state,
      hostname: os.hostname(),
      units: runners.length,
      jobs: this.listJobs().length,
      failed,
      since: Math.round(Date.now() - process.uptime() * 1000),
    };
  }

  listJobs(): JobInfo[] {
    const jobs: JobInfo[] = [];
    // Unit names in strcmp's order, as systemd compares them: localeCompare would build an ICU
    // collator, some 15 ms of PID 1's CPU the first time (a status query during the boot).
    for (const r of [...this.sup.runners.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const a = activeState(r.state);
      // A restart pending is a timer, not a job, until it fires.
      if (isRestartPending(r.state.sub)) continue;
      const type = a === 'activating' ? 'start' : a === 'deactivating' ? (r.state.startQueued ? 'restart' : 'stop') : a === 'reloading' ? 'reload' : undefined;
      if (type) jobs.push({ id: jobs.length + 1, unit: r.name, type, state: 'running' });
    }
    return jobs;
  }

  shutdown(): void {
    this.requestShutdown();
  }

  onUnitChange(listener: (name: string) => void): () => void {
    return this.sup.onChange((r) => listener(r.name));
  }
}

/** A run after the one `before` saw has begun (the machine counts a start queued behind a stop as a restart). */
function nextRunBegun(before: State, s: State): boolean {
  return !isStopping(s.sub) && s.restarts > before.restarts;
}

function jobResult(name: string, s: State): JobResult {
  return jobFailed(s.sub) ? { result: 'failed', message: `${name}: ${s.result}` } : { result: 'done' };
}

/** systemd's CanReload=: ExecReload=, or Type=notify-reload's signal. */
function canReload(u: UnitConfig): boolean {
  return u.execReload.length > 0 || u.type === 'notify-reload';
}

interface TriggerLinks {
  triggers: Map<string, string[]>;
  triggeredBy: Map<string, string[]>;
}
