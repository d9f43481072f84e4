// The Manager the control plane talks to, on top of the Supervisor: status with
// systemd's words and properties, jobs that resolve when done, enablement,
// logs, and daemon-reload (also driven by the unit directory watcher).
import * as path from 'node:path';
import type { JobResult, Manager, ReloadReport, UnitFileState, UnitStatus } from '../control/manager';
import { processStats } from '../exec/process-stats';
import type { LogLine } from '../output/log-ring';
import type { ServiceOutput } from '../output/service-output';
import { formatDiagnostic } from '../units/diagnostic';
import { loadUnits, type LoadResult } from '../units/load';
import { unitName } from '../control/protocol';
import { parseUnitName } from '../units/specifiers';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { activeState, type State } from './lifecycle';
import { disableUnit, enableUnit } from './enablement';
import { BOOT_TARGETS, isSystemdInternal, startJobFinished, type Supervisor } from './supervisor';
import type { UnitRunner } from './unit-runner';
import type { Logger } from '../log/logger';

export class UnitManager implements Manager {
  constructor(
    private readonly sup: Supervisor,
    private readonly output: ServiceOutput,
    private readonly log: Logger,
    private readonly requestShutdown: () => void,
  ) {}

  private resolve(name: string): UnitRunner | undefined {
    const n = unitName(name);
    return this.sup.runners.get(n) ?? this.sup.runners.get(this.sup.loaded?.aliases.get(n) ?? '') ?? this.loadOnDemand(n);
  }

  /** Reads the unit directories afresh, loading `requested` too (see LoadOptions.requested). */
  private readUnits(requested: string[]): LoadResult {
    return loadUnits({ ...this.sup.unitDirectories(), targets: BOOT_TARGETS, hostname: os.hostname(), requested });
  }

  /**
   * A unit that was not loaded at start (installed, but neither enabled nor needed by an
   * enabled unit) is loaded when it is named, as systemd loads units on demand, and is not
   * started. A masked or broken name is recorded, so that status says so.
   */
  private loadOnDemand(name: string): UnitRunner | undefined {
    const loaded = this.sup.loaded;
    if (!loaded || parseUnitName(name)?.type !== 'service') return undefined;
    const fresh = this.readUnits([name]);
    if (fresh.masked.has(name)) loaded.masked.add(name);
    if (fresh.failed.get(name) === 'bad-setting' && !loaded.failed.has(name)) {
      loaded.failed.set(name, 'bad-setting');
      loaded.diagnostics.push(...fresh.diagnostics.filter((d) => d.severity === 'error' && path.basename(d.file).startsWith(name)));
    }
    const canonical = fresh.aliases.get(name) ?? name;
    const unit = fresh.units.get(canonical);
    if (!unit || isSystemdInternal(unit)) return undefined;
    for (const [n, u] of fresh.units) {
      // An enabled unit that is new on disk is for daemon-reload to add, and start.
      if (this.sup.runners.has(n) || isSystemdInternal(u) || (fresh.enabled.has(n) && n !== canonical)) continue;
      this.sup.addUnit(n, u);
      if (fresh.enabled.has(n)) loaded.enabled.add(n);
      for (const d of fresh.diagnostics) {
        if (path.basename(d.file).startsWith(n)) this.log[d.severity === 'error' ? 'error' : 'warn'](formatDiagnostic(d));
      }
    }
    for (const [alias, target] of fresh.aliases) if (!loaded.aliases.has(alias)) loaded.aliases.set(alias, target);
    return this.sup.runners.get(canonical);
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
    const masked = this.sup.loaded?.masked.has(n) ?? false;
    const loadState = failed === 'bad-setting' ? 'bad-setting' : masked ? 'masked' : 'not-found';
    return {
      name: n,
      description: n,
      loadState,
      loadError: failed === 'bad-setting' ? this.loadErrors(n) : undefined,
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
    return this.sup.loaded?.masked.has(n) ? { result: 'masked', message: `Unit ${n} is masked.` } : { result: 'not-found', message: `Unit ${n} not found.` };
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
    if (!r) return Promise.resolve(this.missing(name));
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
    // Stopping a masked unit, which cannot be running, succeeds as in systemd.
    return this.job(name, (r) => r.send({ type: 'stop' }), (s) => s.sub === 'dead' || s.sub === 'failed').then((j) =>
      j.result === 'failed' || j.result === 'masked' ? { result: 'done' } : j,
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
    if (!r) return { changes: [], error: this.noUnitFile(name) };
    const res = enableUnit(r.config);
    if (!res.error) this.sup.loaded.enabled.add(r.name);
    return res;
  }

  async disable(name: string): Promise<{ changes: string[]; error?: string }> {
    const r = this.resolve(name);
    if (!r) return { changes: [], error: this.noUnitFile(name) };
    const res = disableUnit(r.name);
    this.sup.loaded.enabled.delete(r.name);
    return res;
  }

  private noUnitFile(name: string): string {
    const n = unitName(name);
    return this.sup.loaded?.masked.has(n) ? `Unit file ${n} is masked.` : `Unit file ${n} does not exist.`;
  }

  /**
   * Every service unit file installed (templates and systemd's own units aside), loaded or
   * not, with its state, as systemctl list-unit-files shows them.
   */
  listUnitFiles(): Array<{ name: string; state: UnitFileState }> {
    const dirs = this.sup.unitDirectories();
    const names = new Set(this.sup.runners.keys());
    for (const dir of [...dirs.unitDirs, ...dirs.systemDirs]) {
      let entries: string[];
      try {
        entries = fs.readdirSync(dir);
      } catch {
        continue;
      }
      for (const f of entries) {
        const p = parseUnitName(f);
        if (p?.type === 'service' && p.instance !== '') names.add(f);
      }
    }
    const fresh = this.readUnits([...names]);
    const out: Array<{ name: string; state: UnitFileState }> = [];
    for (const n of [...names].sort()) {
      const r = this.sup.runners.get(n);
      if (r) {
        out.push({ name: n, state: this.fileState(r) });
      } else if (fresh.masked.has(n)) {
        out.push({ name: n, state: 'masked' });
      } else {
        const target = fresh.units.get(fresh.aliases.get(n) ?? n);
        if (!target || isSystemdInternal(target)) continue;
        const state = target.name !== n ? 'alias' : fresh.enabled.has(n) ? 'enabled' : target.wantedBy.length || target.requiredBy.length ? 'disabled' : 'static';
        out.push({ name: n, state });
      }
    }
    return out;
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
    // Units loaded on demand stay loaded while their files exist, as do enabled units that
    // were disabled: disabling is no reason to stop (or forget) a unit.
    const fresh = this.readUnits([...this.sup.runners.keys()]);
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
