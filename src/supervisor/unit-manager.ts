// The Manager the control plane talks to, on top of the Supervisor: status with
// systemd's words and properties, jobs that resolve when done, enablement,
// logs, and daemon-reload (also driven by the unit directory watcher).
import * as path from 'node:path';
import type { JobResult, Manager, ReloadReport, UnitFileState, UnitStatus } from '../control/manager';
import { processStats } from '../exec/process-stats';
import type { LogLine } from '../output/log-ring';
import type { ServiceOutput } from '../output/service-output';
import { formatDiagnostic } from '../units/diagnostic';
import { loadUnits } from '../units/load';
import * as os from 'node:os';
import { activeState, type State } from './lifecycle';
import { disableUnit, enableUnit } from './enablement';
import { BOOT_TARGETS, isSystemdInternal, startJobFinished, type Supervisor } from './supervisor';
import type { UnitRunner } from './unit-runner';
import type { Logger } from '../log/logger';

/** "cron" -> "cron.service", as systemctl completes names. */
export function unitName(name: string): string {
  return /\.[a-z]+$/.test(name) ? name : `${name}.service`;
}

export class UnitManager implements Manager {
  constructor(
    private readonly sup: Supervisor,
    private readonly output: ServiceOutput,
    private readonly log: Logger,
    private readonly requestShutdown: () => void,
  ) {}

  private resolve(name: string): UnitRunner | undefined {
    const n = unitName(name);
    return this.sup.runners.get(n) ?? this.sup.runners.get(this.sup.loaded?.aliases.get(n) ?? '');
  }

  private fileState(r: UnitRunner): UnitFileState {
    if (this.sup.loaded?.enabled.has(r.name)) return 'enabled';
    return r.config.wantedBy.length || r.config.requiredBy.length ? 'disabled' : 'static';
  }

  private describe(r: UnitRunner, stats?: { cpuPercent: number; rssBytes: number }): UnitStatus {
    const s = r.state;
    const c = r.config;
    const st: UnitStatus = {
      name: r.name,
      description: c.description || r.name,
      loadState: 'loaded',
      activeState: activeState(s),
      subState: s.sub,
      result: s.result,
      unitFileState: this.fileState(r),
      sourcePath: c.sourcePath,
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
      Type: c.type,
      Restart: c.restart,
      MainPID: String(s.mainPid ?? 0),
      ExecMainPID: String(s.mainPid ?? 0),
      ExecMainStatus: String(s.lastExit?.code ?? s.lastExit?.signal ?? 0),
      NRestarts: String(s.restarts),
      StatusText: r.statusText ?? '',
      KillMode: c.killMode,
      TimeoutStopUSec: Number.isFinite(c.timeoutStopMs) ? `${c.timeoutStopMs / 1000}s` : 'infinity',
      ActiveEnterTimestampMonotonic: String(s.readyAt ?? 0),
    };
    return st;
  }

  private notFound(name: string): UnitStatus {
    const n = unitName(name);
    const failed = this.sup.loaded?.failed.get(n);
    return {
      name: n,
      description: n,
      loadState: failed === 'bad-setting' ? 'bad-setting' : this.sup.loaded?.masked.has(n) ? 'masked' : 'not-found',
      loadError: failed === 'bad-setting' ? this.loadErrors(n) : undefined,
      activeState: 'inactive',
      subState: 'dead',
      result: 'success',
      unitFileState: this.sup.loaded?.masked.has(n) ? 'masked' : 'disabled',
      stateChangedAt: 0,
      restarts: 0,
      properties: { Id: n, LoadState: 'not-found', ActiveState: 'inactive', SubState: 'dead', UnitFileState: '' },
    };
  }

  private loadErrors(name: string): string {
    return (this.sup.loaded?.diagnostics ?? [])
      .filter((d) => d.severity === 'error' && path.basename(d.file).startsWith(name))
      .map(formatDiagnostic)
      .join('\n');
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
    if (!r) return Promise.resolve({ result: 'not-found', message: `Unit ${unitName(name)} not found.` });
    const before = r.state;
    send(r);
    return this.sup.waitFor(r.name, (s) => done(s, before)).then((s) => {
      if (s.sub === 'failed' || s.sub === 'auto-restart') return { result: 'failed', message: `${r.name}: ${s.result}` } as JobResult;
      return { result: 'done' } as JobResult;
    });
  }

  start(name: string): Promise<JobResult> {
    return this.job(name, (r) => this.sup.startUnit(r.name), startJobFinished);
  }

  stop(name: string): Promise<JobResult> {
    return this.job(name, (r) => r.send({ type: 'stop' }), (s) => s.sub === 'dead' || s.sub === 'failed').then((j) =>
      j.result === 'failed' ? { result: 'done' } : j,
    );
  }

  restart(name: string): Promise<JobResult> {
    return this.job(
      name,
      (r) => r.send({ type: 'restart' }),
      (s, before) => (s.restarts > before.restarts || before.sub === 'dead' || before.sub === 'failed') && startJobFinished(s),
    );
  }

  reload(name: string): Promise<JobResult> {
    const r = this.resolve(name);
    if (!r) return Promise.resolve({ result: 'not-found', message: `Unit ${unitName(name)} not found.` });
    if (r.config.execReload.length === 0) return Promise.resolve({ result: 'invalid', message: `Job type reload is not applicable for unit ${r.name}.` });
    if (activeState(r.state) !== 'active') return Promise.resolve({ result: 'invalid', message: `Unit ${r.name} is not active.` });
    return this.job(name, (x) => x.send({ type: 'reload' }), (s) => s.sub !== 'reload');
  }

  async tryRestart(name: string): Promise<JobResult> {
    const r = this.resolve(name);
    if (!r) return { result: 'not-found', message: `Unit ${unitName(name)} not found.` };
    return activeState(r.state) === 'active' ? this.restart(name) : { result: 'done' };
  }

  async reloadOrRestart(name: string): Promise<JobResult> {
    const r = this.resolve(name);
    if (!r) return { result: 'not-found', message: `Unit ${unitName(name)} not found.` };
    if (r.config.execReload.length && activeState(r.state) === 'active') return this.reload(name);
    return this.restart(name);
  }

  kill(name: string, signal: number, who: 'main' | 'all'): JobResult {
    const r = this.resolve(name);
    if (!r) return { result: 'not-found', message: `Unit ${unitName(name)} not found.` };
    const reached = r.signal(who, signal);
    return reached.length ? { result: 'done' } : { result: 'failed', message: `No process to kill in ${r.name}.` };
  }

  async enable(name: string): Promise<{ changes: string[]; error?: string }> {
    const r = this.resolve(name);
    if (!r) return { changes: [], error: `Unit file ${unitName(name)} does not exist.` };
    const res = enableUnit(r.config);
    if (!res.error) this.sup.loaded.enabled.add(r.name);
    return res;
  }

  async disable(name: string): Promise<{ changes: string[]; error?: string }> {
    const r = this.resolve(name);
    if (!r) return { changes: [], error: `Unit file ${unitName(name)} does not exist.` };
    const res = disableUnit(r.name);
    this.sup.loaded.enabled.delete(r.name);
    return res;
  }

  listUnitFiles(): Array<{ name: string; state: UnitFileState }> {
    return [...this.sup.runners.values()].map((r) => ({ name: r.name, state: this.fileState(r) })).sort((a, b) => a.name.localeCompare(b.name));
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
  async daemonReload(): Promise<ReloadReport> {
    const report: ReloadReport = { added: [], removed: [], changed: [], errors: [] };
    const fresh = loadUnits({ ...this.sup.unitDirectories(), targets: BOOT_TARGETS, hostname: os.hostname() });
    for (const [name, unit] of fresh.units) if (isSystemdInternal(unit)) fresh.units.delete(name);
    for (const d of fresh.diagnostics) if (d.severity === 'error') report.errors.push(formatDiagnostic(d));
    const jobs: Promise<unknown>[] = [];
    for (const [name, unit] of fresh.units) {
      const r = this.sup.runners.get(name);
      if (!r) {
        report.added.push(name);
        this.sup.addUnit(name, unit);
        if (fresh.enabled.has(name)) jobs.push(this.start(name));
      } else if (JSON.stringify(r.config) !== JSON.stringify(unit)) {
        report.changed.push(name);
        r.replaceConfig(unit);
        if (activeState(r.state) === 'active' || activeState(r.state) === 'activating') jobs.push(this.restart(name));
      }
    }
    for (const [name, r] of [...this.sup.runners]) {
      if (fresh.units.has(name)) continue;
      if (fresh.failed.get(name) === 'bad-setting') {
        report.errors.push(`${name}: the new definition is broken; the running one is kept`);
        fresh.units.set(name, r.config);
        if (this.sup.loaded.enabled.has(name)) fresh.enabled.add(name);
        continue;
      }
      report.removed.push(name);
      jobs.push(this.stop(name).then(() => this.sup.runners.delete(name)));
    }
    this.sup.loaded = fresh;
    await Promise.all(jobs);
    for (const e of report.errors) this.log.error(`reload: ${e}`);
    if (report.added.length + report.changed.length + report.removed.length) {
      this.log.info({ added: report.added, changed: report.changed, removed: report.removed }, 'unit definitions reloaded');
    }
    return report;
  }

  shutdown(): void {
    this.requestShutdown();
  }
}
