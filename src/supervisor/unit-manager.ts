// The Manager the control plane talks to: it translates between the control
// plane's words (systemd's status, properties, jobs that resolve when done) and the
// registry (what is loaded, enablement, reload) and the supervisor (what runs).
import type { JobResult, Manager, ReloadReport, UnitFileState, UnitStatus } from '../control/manager';
import { processStats } from '../exec/process-stats';
import type { LogLine } from '../output/log-ring';
import type { ServiceOutput } from '../output/service-output';
import { unitName } from '../control/protocol';
import { formatTimestamp, monotonicUs } from '../control/timestamp';
import type { State } from './lifecycle';
import { activeState, isDown, isIdle, jobFailed, startJobFinished } from './sub-states';
import type { Supervisor } from './supervisor';
import type { UnitRegistry } from './unit-registry';
import type { UnitRunner } from './unit-runner';
import type { Logger } from '../log/logger';

export class UnitManager implements Manager {
  constructor(
    private readonly registry: UnitRegistry,
    private readonly sup: Supervisor,
    private readonly output: ServiceOutput,
    private readonly log: Logger,
    private readonly requestShutdown: () => void,
  ) {}

  private regenerate: () => Promise<void> = () => Promise.resolve();

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

  private describe(r: UnitRunner, stats?: { cpuPercent: number; rssBytes: number }): UnitStatus {
    const s = r.state;
    const c = r.config;
    const st: UnitStatus = {
      name: r.name,
      description: c.description || r.name,
      loadState: 'loaded',
      activeState: activeState(s),
      // A started target has no process: systemd calls its sub-state "active"; a socket's is
      // "listening", or "running" while its service has it.
      subState: c.kind !== 'service' && s.sub === 'exited' ? (c.kind === 'socket' ? this.sup.socketSubState(r.name) : 'active') : s.sub,
      result: s.result,
      unitFileState: this.fileState(r),
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
    st.properties = {
      Id: r.name,
      Names: r.name,
      Description: st.description,
      LoadState: 'loaded',
      ActiveState: st.activeState,
      SubState: st.subState,
      Result: st.result,
      UnitFileState: st.unitFileState,
      FragmentPath: c.sourcePath,
      SourcePath: c.generatedFrom ?? '',
      Type: c.type,
      Restart: c.restart,
      CanReload: c.execReload.length ? 'yes' : 'no',
      MainPID: String(s.mainPid ?? 0),
      ExecMainPID: String(s.mainPid ?? 0),
      ExecMainStatus: String(s.lastExit?.code ?? s.lastExit?.signal ?? 0),
      NRestarts: String(s.restarts),
      StatusText: r.statusText ?? '',
      KillMode: c.killMode,
      TimeoutStopUSec: Number.isFinite(c.timeoutStopMs) ? `${c.timeoutStopMs / 1000}s` : 'infinity',
      Requires: c.requires.join(' '),
      Wants: c.wants.join(' '),
      Conflicts: c.conflicts.join(' '),
      Before: c.before.join(' '),
      After: c.after.join(' '),
      ...timestampProperties({
        ExecMainStart: s.mainStartedAt,
        StateChange: s.changedAt,
        InactiveExit: s.inactiveExitAt,
        ActiveEnter: s.readyAt,
        ActiveExit: s.activeExitAt,
        InactiveEnter: s.inactiveEnterAt,
      }),
    };
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

  async listUnits(): Promise<UnitStatus[]> {
    return this.status([...this.sup.runners.keys()].sort());
  }

  async status(names: readonly string[]): Promise<UnitStatus[]> {
    const runners = names.map((n) => this.resolve(n));
    const pids = runners.map((r) => r?.state.mainPid).filter((p): p is number => p !== undefined);
    const stats = await processStats(pids);
    return names.map((n, i) => {
      const r = runners[i];
      return r ? this.describe(r, r.state.mainPid !== undefined ? stats.get(r.state.mainPid) : undefined) : this.notFound(n);
    });
  }

  private job(name: string, send: (r: UnitRunner) => void, done: (s: State, before: State) => boolean): Promise<JobResult> {
    const r = this.resolve(name);
    return r ? this.runJob(r, send, done) : Promise.resolve(this.missing(name));
  }

  private runJob(r: UnitRunner, send: (r: UnitRunner) => void, done: (s: State, before: State) => boolean): Promise<JobResult> {
    const before = r.state;
    send(r);
    return this.sup.waitFor(r.name, (s) => done(s, before)).then((s) => {
      if (jobFailed(s.sub)) return { result: 'failed', message: `${r.name}: ${s.result}` } as JobResult;
      return { result: 'done' } as JobResult;
    });
  }

  start(name: string): Promise<JobResult> {
    return this.job(name, (r) => this.sup.startUnit(r.name), startJobFinished);
  }

  stop(name: string): Promise<JobResult> {
    // Stopping a masked unit, which cannot be running, succeeds as in systemd.
    const r = this.resolve(name);
    const job = r ? this.stopJob(r) : Promise.resolve(this.missing(name));
    return job.then((j) => (j.result === 'failed' || j.result === 'masked' ? { result: 'done' } : j));
  }

  private stopJob(r: UnitRunner): Promise<JobResult> {
    return this.runJob(r, (x) => x.send({ type: 'stop' }), (s) => isDown(s.sub));
  }

  restart(name: string): Promise<JobResult> {
    const r = this.resolve(name);
    return r ? this.restartJob(r) : Promise.resolve(this.missing(name));
  }

  private restartJob(r: UnitRunner): Promise<JobResult> {
    return this.runJob(
      r,
      (x) => x.send({ type: 'restart' }),
      // From dead, failed or a pending auto-restart the restart is a plain start.
      (s, before) =>
        (s.restarts > before.restarts || isIdle(before.sub)) && startJobFinished(s),
    );
  }

  reload(name: string): Promise<JobResult> {
    const r = this.resolve(name);
    if (!r) return Promise.resolve(this.missing(name));
    if (r.config.execReload.length === 0) return Promise.resolve({ result: 'invalid', message: `Job type reload is not applicable for unit ${r.name}.` });
    if (activeState(r.state) !== 'active') return Promise.resolve({ result: 'inactive', message: `${r.name} is not active, cannot reload.` });
    return this.job(name, (x) => x.send({ type: 'reload' }), (s) => s.sub !== 'reload');
  }

  async tryRestart(name: string): Promise<JobResult> {
    const r = this.resolve(name);
    if (!r) return this.missing(name);
    return activeState(r.state) === 'active' ? this.restart(name) : { result: 'done' };
  }

  async reloadOrRestart(name: string): Promise<JobResult> {
    const r = this.resolve(name);
    if (!r) return this.missing(name);
    if (r.config.execReload.length && activeState(r.state) === 'active') return this.reload(name);
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
   */
  async daemonReload(o: { generators?: boolean } = {}): Promise<ReloadReport> {
    if (o.generators !== false) await this.regenerate();
    const { diff, errors } = this.registry.reload();
    const jobs: Promise<unknown>[] = [];
    for (const name of diff.added) if (diff.next.enabled.has(name)) jobs.push(this.start(name));
    for (const name of diff.changed) {
      const r = this.sup.runners.get(name)!;
      this.sup.replaceConfig(diff.next.units.get(name)!);
      if (activeState(r.state) === 'active' || activeState(r.state) === 'activating') jobs.push(this.restartJob(r));
    }
    for (const name of diff.removed) {
      const r = this.sup.runners.get(name);
      if (r) jobs.push(this.stopJob(r).then(() => this.sup.forget(name)));
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

  shutdown(): void {
    this.requestShutdown();
  }

  onUnitChange(listener: (name: string) => void): () => void {
    return this.sup.onChange((r) => listener(r.name));
  }
}

/** NameTimestamp= and NameTimestampMonotonic= for each moment (process.hrtime reads CLOCK_MONOTONIC). */
function timestampProperties(moments: Record<string, number | undefined>): Record<string, string> {
  const wall = Date.now();
  const mono = process.hrtime.bigint() / 1000n;
  const out: Record<string, string> = {};
  for (const [name, ms] of Object.entries(moments)) {
    out[`${name}Timestamp`] = formatTimestamp(ms);
    out[`${name}TimestampMonotonic`] = monotonicUs(ms, wall, mono);
  }
  return out;
}
