// What the control plane may ask of the running supervisor. The supervisor
// implements it; the control server, `ts-init ctl` and the systemctl front use it.
import type { LogLine } from '../output/log-ring';

export type ActiveState = 'active' | 'reloading' | 'inactive' | 'failed' | 'activating' | 'deactivating';
export type LoadState = 'loaded' | 'not-found' | 'bad-setting' | 'masked';
/** systemctl is-enabled words. */
export type UnitFileState = 'enabled' | 'disabled' | 'static' | 'masked' | 'alias' | 'generated';

export interface UnitStatus {
  name: string;
  description: string;
  loadState: LoadState;
  /** Why loading failed, with file:line, when loadState is not 'loaded'. */
  loadError?: string;
  activeState: ActiveState;
  subState: string;
  /** systemd's Result=: success, exit-code, signal, timeout, core-dump, watchdog, start-limit-hit, ... */
  result: string;
  unitFileState: UnitFileState;
  sourcePath?: string;
  mainPid?: number;
  /** Epoch ms of the last change of activeState. */
  stateChangedAt: number;
  /** Epoch ms the current run became active, when active. */
  activeSince?: number;
  restarts: number;
  lastExit?: { code?: number; signal?: number; at: number };
  /** STATUS= from sd_notify. */
  statusText?: string;
  cpuPercent?: number;
  rssBytes?: number;
  /** Extra systemd-style properties for `show -p`: e.g. Type, Restart, ExecMainPID, NRestarts. */
  properties: Record<string, string>;
  /** One of `properties`, made alone where it can be (a bus Get of Service.Type formats no other). */
  property?(name: string): string | undefined;
  /**
   * A timer's next elapse and last trigger, µs of the wall clock (list-timers, status, the bus);
   * for the bus also each clock's own next elapse and the last trigger's monotonic µs, as
   * systemd's Timer interface gives them (systemctl's list-timers asks for both clocks).
   */
  elapse?: { nextUs?: number; lastUs?: number; nextRealtimeUs?: number; nextMonotonicUs?: number; lastMonotonicUs?: number };
}

export type JobResult = {
  /** 'invalid': the job type does not apply to the unit (reload without ExecReload=); 'inactive': reload of a unit that is not running. */
  result: 'done' | 'failed' | 'canceled' | 'timeout' | 'dependency' | 'skipped' | 'invalid' | 'inactive' | 'masked' | 'not-found';
  message?: string;
};

export interface ReloadReport {
  added: string[];
  removed: string[];
  changed: string[];
  errors: string[];
}

/** What changing unit files did, in systemctl's words ("Created symlink ...", "Removed ..."). */
export interface UnitFileChange {
  changes: string[];
  error?: string;
  warning?: string;
}

/** Ways of changing a unit's files in /etc that need nothing but its name. */
export type UnitFileOp = 'mask' | 'unmask' | 'revert' | 'preset';

/** systemctl is-system-running's words (those a container can be in). */
export type SystemState = 'starting' | 'running' | 'degraded' | 'stopping';

export interface SystemStatus {
  state: SystemState;
  hostname: string;
  /** Units loaded, jobs running (units starting or stopping), failed units. */
  units: number;
  jobs: number;
  failed: number;
  /** Epoch ms the manager entered its current state (its start, for starting and running). */
  since: number;
}

/** A job as list-jobs shows it: a unit on its way up (start) or down (stop). */
export interface JobInfo {
  id: number;
  unit: string;
  type: 'start' | 'stop' | 'restart' | 'reload';
  state: 'running' | 'waiting';
}

/**
 * What a status carries beyond the unit's own state. cpuPercent and rssBytes are measured from
 * /proc (exec/process-stats.ts) for each main process: only for the callers that show them (`systemctl
 * status`, a unit's MemoryCurrent on the bus), not for a state or a list (the bus's change
 * signals, ListUnits), which a boot asks for at every unit change.
 */
export interface StatusOptions {
  processStats?: boolean;
}

export interface Manager {
  /** Async because CPU% and RSS are measured (/proc) when asked (by default). */
  listUnits(options?: StatusOptions): Promise<UnitStatus[]>;
  /** Unknown names come back with loadState 'not-found'. */
  status(names: readonly string[], options?: StatusOptions): Promise<UnitStatus[]>;
  /** Resolve when the job is finished (unit active/failed/inactive), like systemctl without --no-block. */
  start(name: string): Promise<JobResult>;
  stop(name: string): Promise<JobResult>;
  restart(name: string): Promise<JobResult>;
  reload(name: string): Promise<JobResult>;
  tryRestart(name: string): Promise<JobResult>;
  reloadOrRestart(name: string): Promise<JobResult>;
  kill(name: string, signal: number, who: 'main' | 'all'): JobResult;
  /** `warning`: nothing to do, and why (a unit without an [Install] section); not a failure. */
  enable(name: string): Promise<{ changes: string[]; error?: string; warning?: string }>;
  disable(name: string): Promise<{ changes: string[]; error?: string }>;
  /** Every installed service unit file, loaded or not. */
  listUnitFiles(): Array<{ name: string; state: UnitFileState }>;
  logs(name: string, lines: number): LogLine[] | undefined;
  follow(name: string, listener: (l: LogLine) => void): (() => void) | undefined;
  daemonReload(): Promise<ReloadReport>;
  /** systemd's ResetFailedUnit/ResetFailed: failed units become inactive (dead) with Result=success; no names: every unit. */
  resetFailed(names: readonly string[]): JobResult[];
  /** mask, unmask, revert or preset one unit's files in /etc (the caller asks for daemon-reload). */
  changeUnitFiles(op: UnitFileOp, name: string): Promise<UnitFileChange>;
  /** default.target's target, and pointing it elsewhere. */
  getDefault(): string;
  setDefault(target: string): UnitFileChange;
  /** The manager's environment, which every unit started from now on gets: NAME=VALUE, sorted. */
  environment(): string[];
  /** Each NAME=VALUE set, each NAME unset; the error names the first that is not a valid assignment/name. */
  setEnvironment(assignments: readonly string[]): { error?: string };
  unsetEnvironment(names: readonly string[]): { error?: string };
  systemStatus(): SystemStatus;
  listJobs(): JobInfo[];
  /** Begin stopping everything and exit, like SIGTERM to systemd. */
  shutdown(): void;
  /** Calls `listener` with a unit's name whenever its state changes (the bus front's signals); returns the way to stop. */
  onUnitChange?(listener: (name: string) => void): () => void;
}
