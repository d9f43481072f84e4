// The typed model of a service unit: every setting ts-init acts on, and its defaults.
// build-unit.ts fills it from parsed unit files; values.ts and directive-handlers.ts
// parse the settings.

import { SIGHUP, SIGKILL, SIGTERM } from '../sys/signals';
import type { CalendarSpec } from './calendar';
import type { Diagnostic } from './diagnostic';
import type { Listen } from './listen-address';
import type { RlimitName } from './rlimits';
import { type CredentialSettings, NO_CREDENTIALS, type OpenFileSpec } from './service-files';

export type { Diagnostic } from './diagnostic';

export interface ExecCommand {
  /** Absolute path, or a plain name to look up in EXEC_SEARCH_PATH (see exec-line.ts). */
  path: string;
  argv: string[];
  ignoreFailure: boolean;
  argv0Override: boolean;
  privileged: boolean;
  noEnvExpand: boolean;
  raw: string;
  file: string;
  line: number;
}

export type ServiceType = 'simple' | 'exec' | 'forking' | 'oneshot' | 'notify' | 'notify-reload' | 'idle';

/** Types that say READY=1 on the notify socket (notify-reload is notify with a reload protocol). */
export function notifiesReady(type: ServiceType): boolean {
  return type === 'notify' || type === 'notify-reload';
}
export type RestartPolicy = 'no' | 'on-success' | 'on-failure' | 'on-abnormal' | 'on-abort' | 'on-watchdog' | 'always';
export type OutputTarget = { readonly kind: 'inherit' | 'null' | 'journal' | 'socket' } | { readonly kind: 'file' | 'append' | 'truncate'; readonly path: string };
export type EmergencyAction = 'none' | 'exit' | 'exit-force';
export type NotifyAccess = 'none' | 'main' | 'exec' | 'all';
/** The directories systemd makes for a service besides RuntimeDirectory=, by their setting's name. */
export type ExecDirectoryKind = 'state' | 'cache' | 'logs' | 'configuration';

/** StateDirectory= and its kin, with their mode. */
export interface ExecDirectorySettings {
  readonly names: readonly string[];
  readonly mode?: number;
}

export type KillMode = 'control-group' | 'process' | 'mixed' | 'none';

export type ConditionKind =
  | 'Architecture' | 'Firmware' | 'Virtualization' | 'Host' | 'KernelCommandLine' | 'KernelVersion' | 'Credential'
  | 'Environment' | 'Security' | 'Capability' | 'ACPower' | 'NeedsUpdate' | 'FirstBoot' | 'PathExists'
  | 'PathExistsGlob' | 'PathIsDirectory' | 'PathIsSymbolicLink' | 'PathIsMountPoint' | 'PathIsReadWrite'
  | 'PathIsEncrypted' | 'DirectoryNotEmpty' | 'FileNotEmpty' | 'FileIsExecutable' | 'User' | 'Group'
  | 'ControlGroupController' | 'Memory' | 'CPUs' | 'CPUFeature' | 'OSRelease' | 'MemoryPressure' | 'CPUPressure'
  | 'IOPressure';

export interface Condition {
  kind: ConditionKind;
  /** The parameter, specifiers expanded, without the leading "|" and "!". */
  value: string;
  negate: boolean;
  /** Leading "|": a triggering condition (at least one of them must hold). */
  trigger: boolean;
  /** Assert*= rather than Condition*=: failing makes the start fail instead of skipping it. */
  assert: boolean;
}

export interface ExitStatusSet {
  readonly codes: readonly number[];
  readonly signals: readonly number[];
}

/** The unit types ts-init loads: services run, sockets listen, targets synchronise, timers start units when due (each one room: units/unit-types.ts, supervisor/types/). */
export const UNIT_KINDS = ['service', 'socket', 'target', 'timer'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

export function isUnitKind(type: string): type is UnitKind {
  return (UNIT_KINDS as readonly string[]).includes(type);
}

/** A socket unit's [Socket] settings (systemd.socket(5)). */
export interface SocketSettings {
  listen: Listen[];
  /** Accept=yes: one service instance per connection, which gets the connection. */
  accept: boolean;
  /** Service= (default: the socket's own name, or its template for Accept=yes). */
  service?: string;
  /** FileDescriptorName= (default: the socket unit's name), for LISTEN_FDNAMES. */
  fileDescriptorName?: string;
  socketMode: number;
  directoryMode: number;
  socketUser?: string;
  socketGroup?: string;
  backlog: number;
  removeOnStop: boolean;
  maxConnections: number;
}

export function defaultSocketSettings(): SocketSettings {
  return { listen: [], accept: false, socketMode: 0o666, directoryMode: 0o755, backlog: 4096, removeOnStop: false, maxConnections: 64 };
}

/** What a timer's value counts from (systemd.timer(5)); OnCalendar= is the wall clock's. */
export type TimerBase = 'OnActiveSec' | 'OnBootSec' | 'OnStartupSec' | 'OnUnitActiveSec' | 'OnUnitInactiveSec';

export type TimerValue = { base: TimerBase; ms: number } | { base: 'OnCalendar'; spec: CalendarSpec; text: string };

/** A timer unit's [Timer] settings (systemd.timer(5)). */
export interface TimerSettings {
  values: TimerValue[];
  /** Unit= (default: the service of the timer's name). */
  unit?: string;
  /** Persistent=: the last trigger is kept in /var/lib/systemd/timers/stamp-NAME, so a missed run is caught up. */
  persistent: boolean;
  /** AccuracySec= (1 min by default): how late a wake-up may be so that several are coalesced. */
  accuracyMs: number;
  randomizedDelayMs: number;
  /** FixedRandomDelay=: the random delay is a hash of the machine ID and the timer's name, the same every time. */
  fixedRandomDelay: boolean;
  remainAfterElapse: boolean;
  onClockChange: boolean;
  onTimezoneChange: boolean;
  /** WakeSystem=: accepted; a container cannot wake its machine. */
  wakeSystem: boolean;
}

export function defaultTimerSettings(): TimerSettings {
  return {
    values: [],
    persistent: false,
    accuracyMs: 60_000,
    randomizedDelayMs: 0,
    fixedRandomDelay: false,
    remainAfterElapse: true,
    onClockChange: false,
    onTimezoneChange: false,
    wakeSystem: false,
  };
}

export interface UnitConfig {
  name: string;
  kind: UnitKind;
  /** DefaultDependencies= (yes by default): the implicit ordering against the boot targets. */
  defaultDependencies: boolean;
  /** Socket units only. */
  socket?: SocketSettings;
  /** Timer units only. */
  timer?: TimerSettings;
  sourcePath: string;
  /** SourcePath=: the file a generator made this unit from (/etc/init.d/NAME for SysV scripts). */
  generatedFrom?: string;
  dropIns: readonly string[];
  description: string;
  after: readonly string[];
  before: readonly string[];
  requires: readonly string[];
  wants: readonly string[];
  bindsTo: readonly string[];
  partOf: readonly string[];
  /** Upholds= (and NAME.upholds/): started again whenever found inactive while this unit is up. */
  upholds: readonly string[];
  /** PropagatesReloadTo= / ReloadPropagatedFrom=: a reload of one reaches the other (load.ts makes each the other's inverse). */
  propagatesReloadTo: readonly string[];
  reloadPropagatedFrom: readonly string[];
  /** PropagatesStopTo= / StopPropagatedFrom=: a stop (or restart) of one stops the other. */
  propagatesStopTo: readonly string[];
  stopPropagatedFrom: readonly string[];
  conflicts: readonly string[];
  conditions: readonly Condition[];
  type: ServiceType;
  execStartPre: readonly ExecCommand[];
  execStart: readonly ExecCommand[];
  execStartPost: readonly ExecCommand[];
  execReload: readonly ExecCommand[];
  execStop: readonly ExecCommand[];
  execStopPost: readonly ExecCommand[];
  remainAfterExit: boolean;
  pidFile?: string;
  guessMainPID: boolean;
  restart: RestartPolicy;
  restartSecMs: number;
  restartMaxDelayMs?: number;
  restartSteps?: number;
  startLimitIntervalMs: number;
  startLimitBurst: number;
  /** Infinity when disabled; TimeoutSec= sets both; 90 s by default. */
  timeoutStartMs: number;
  timeoutStopMs: number;
  /** 0 = off. */
  watchdogMs: number;
  notifyAccess: NotifyAccess;
  killMode: KillMode;
  killSignal: number;
  /** ReloadSignal= (Type=notify-reload): what `reload` sends the main process; SIGHUP by default. */
  reloadSignal: number;
  /**
   * RestartMode= (systemd 254): "direct" skips the failed state on an automatic restart.
   * ts-init's auto-restart never passes through failed, so both read the same.
   */
  restartMode: 'normal' | 'direct';
  /** OpenFile=: files opened for the main process, passed after the sockets with their names. */
  openFiles: readonly OpenFileSpec[];
  /** LoadCredential=, SetCredential=, ImportCredential=: $CREDENTIALS_DIRECTORY's content. */
  credentials: CredentialSettings;
  /** RestartKillSignal=; undefined means killSignal. */
  restartKillSignal?: number;
  finalKillSignal: number;
  sendSIGKILL: boolean;
  sendSIGHUP: boolean;
  /** IgnoreSIGPIPE= (default yes): start processes with SIGPIPE ignored. */
  ignoreSIGPIPE: boolean;
  successExitStatus: ExitStatusSet;
  restartPreventExitStatus: ExitStatusSet;
  restartForceExitStatus: ExitStatusSet;
  /** Ordered; a later assignment of the same name wins at use time. */
  environment: readonly [string, string][];
  environmentFiles: readonly { path: string; optional: boolean }[];
  /** PassEnvironment=: names copied from ts-init's own environment. */
  passEnvironment: readonly string[];
  /** UnsetEnvironment=: names ("NAME") or exact assignments ("NAME=value") removed at the end. */
  unsetEnvironment: readonly string[];
  workingDirectory?: { path: string; optional: boolean; home: boolean };
  user?: string;
  group?: string;
  supplementaryGroups: readonly string[];
  umask?: number;
  runtimeDirectory: readonly string[];
  runtimeDirectoryMode?: number;
  /**
   * StateDirectory=, CacheDirectory=, LogsDirectory=, ConfigurationDirectory=: names below
   * /var/lib, /var/cache, /var/log, /etc, made when missing (never removed), with their modes.
   */
  execDirectories: Readonly<Record<ExecDirectoryKind, ExecDirectorySettings>>;
  /** True for RuntimeDirectoryPreserve=yes; see runtimeDirectoryPreserveMode for "restart". */
  runtimeDirectoryPreserve: boolean;
  runtimeDirectoryPreserveMode: 'no' | 'yes' | 'restart';
  /** StandardInput=: /dev/null, or the connection of an Accept=yes socket. */
  standardInput: 'null' | 'socket';
  /** "journal", "syslog", "kmsg" and their "+console" forms all mean ts-init's own stdout. */
  standardOutput: OutputTarget;
  /** Defaults to (and "inherit" means) the same target as standardOutput. */
  standardError: OutputTarget;
  syslogIdentifier?: string;
  /** SyslogFacility= (the facility number; the journal's default: daemon). */
  syslogFacility?: number;
  /** SyslogLevel= (the journal's default: info). */
  syslogLevel?: number;
  /** SyslogLevelPrefix= (default yes: a `<N>` at a line's start is its level). */
  syslogLevelPrefix?: boolean;
  /** LogLevelMax=: the journal drops the unit's entries less important than this. */
  logLevelMax?: number;
  /** LogExtraFields=: fields added to every journal entry of the unit. */
  logExtraFields?: Array<[string, string]>;
  nice?: number;
  /** Limit*= by resource name (NOFILE, NPROC, CORE, ...); Infinity means unlimited. */
  limits: Readonly<Partial<Record<RlimitName, { soft: number; hard: number }>>>;
  failureAction: EmergencyAction;
  successAction: EmergencyAction;
  failureActionExitStatus?: number;
  successActionExitStatus?: number;
  wantedBy: readonly string[];
  requiredBy: readonly string[];
  alias: readonly string[];
  also: readonly string[];
  defaultInstance?: string;
  /** Directives understood but not supported (each already reported as a warning). */
  unsupported: readonly string[];
}

export interface BuildOptions {
  hostname: string;
  machineId?: string;
  bootId?: string;
  kernelRelease?: string;
  architecture?: string;
}

export interface BuildResult {
  unit: UnitConfig;
  diagnostics: Diagnostic[];
  /** False when any diagnostic is an error. */
  loadable: boolean;
}

export const DEFAULT_TIMEOUT_MS = 90_000;
export const DEFAULT_RESTART_SEC_MS = 100;
export const DEFAULT_START_LIMIT_INTERVAL_MS = 10_000;
export const DEFAULT_START_LIMIT_BURST = 5;

/**
 * The empty list each list of a new unit starts as: most stay empty, and a boot builds thousands
 * of units (some forty arrays each were a third of the load's garbage). Frozen: a list is added
 * to through addTo, which gives the unit a list of its own first.
 */
export const NO_ITEMS: readonly never[] = Object.freeze([]);

/** The settings of a new unit that are objects, one frozen value each shared by all (see NO_ITEMS): a setting is changed by a new value. */
export const NO_EXIT_STATUSES: ExitStatusSet = Object.freeze({ codes: NO_ITEMS, signals: NO_ITEMS });
const NO_EXEC_DIRECTORY: ExecDirectorySettings = Object.freeze({ names: NO_ITEMS });
const NO_EXEC_DIRECTORIES: UnitConfig['execDirectories'] = Object.freeze({
  state: NO_EXEC_DIRECTORY,
  cache: NO_EXEC_DIRECTORY,
  logs: NO_EXEC_DIRECTORY,
  configuration: NO_EXEC_DIRECTORY,
});
const TO_JOURNAL: OutputTarget = Object.freeze({ kind: 'journal' });
const NO_LIMITS: UnitConfig['limits'] = Object.freeze({});

/** The names of UnitConfig's lists. */
export type UnitListKey = { [K in keyof UnitConfig]-?: UnitConfig[K] extends readonly unknown[] ? K : never }[keyof UnitConfig];
type ItemOf<K extends UnitListKey> = UnitConfig[K] extends readonly (infer T)[] ? T : never;

/** Adds an item to one of the unit's lists, the unit's own list from then on (see NO_ITEMS). */
export function addTo<K extends UnitListKey>(unit: UnitConfig, key: K, item: ItemOf<K>): void {
  const list = unit[key] as readonly unknown[];
  if (list === NO_ITEMS) (unit as unknown as Record<K, ItemOf<K>[]>)[key] = [item];
  else (list as ItemOf<K>[]).push(item);
}

/** A service unit with every setting at its default. */
export function defaultUnitConfig(name: string, sourcePath = ''): UnitConfig {
  const type = name.slice(name.lastIndexOf('.') + 1);
  // One literal, the type's settings added after: spreads in the literal made each unit's
  // object field by field (a boot builds thousands of them).
  const unit: UnitConfig = {
    name,
    kind: isUnitKind(type) ? type : 'service',
    defaultDependencies: true,
    sourcePath,
    dropIns: NO_ITEMS,
    description: '',
    after: NO_ITEMS,
    before: NO_ITEMS,
    requires: NO_ITEMS,
    wants: NO_ITEMS,
    bindsTo: NO_ITEMS,
    partOf: NO_ITEMS,
    upholds: NO_ITEMS,
    propagatesReloadTo: NO_ITEMS,
    reloadPropagatedFrom: NO_ITEMS,
    propagatesStopTo: NO_ITEMS,
    stopPropagatedFrom: NO_ITEMS,
    conflicts: NO_ITEMS,
    conditions: NO_ITEMS,
    type: 'simple',
    execStartPre: NO_ITEMS,
    execStart: NO_ITEMS,
    execStartPost: NO_ITEMS,
    execReload: NO_ITEMS,
    execStop: NO_ITEMS,
    execStopPost: NO_ITEMS,
    remainAfterExit: false,
    guessMainPID: true,
    restart: 'no',
    restartSecMs: DEFAULT_RESTART_SEC_MS,
    startLimitIntervalMs: DEFAULT_START_LIMIT_INTERVAL_MS,
    startLimitBurst: DEFAULT_START_LIMIT_BURST,
    timeoutStartMs: DEFAULT_TIMEOUT_MS,
    timeoutStopMs: DEFAULT_TIMEOUT_MS,
    watchdogMs: 0,
    notifyAccess: 'none',
    killMode: 'control-group',
    killSignal: SIGTERM,
    finalKillSignal: SIGKILL,
    reloadSignal: SIGHUP,
    restartMode: 'normal',
    openFiles: NO_ITEMS,
    credentials: NO_CREDENTIALS,
    sendSIGKILL: true,
    sendSIGHUP: false,
    ignoreSIGPIPE: true,
    successExitStatus: NO_EXIT_STATUSES,
    restartPreventExitStatus: NO_EXIT_STATUSES,
    restartForceExitStatus: NO_EXIT_STATUSES,
    environment: NO_ITEMS,
    environmentFiles: NO_ITEMS,
    passEnvironment: NO_ITEMS,
    unsetEnvironment: NO_ITEMS,
    supplementaryGroups: NO_ITEMS,
    limits: NO_LIMITS,
    runtimeDirectory: NO_ITEMS,
    runtimeDirectoryPreserve: false,
    execDirectories: NO_EXEC_DIRECTORIES,
    runtimeDirectoryPreserveMode: 'no',
    standardInput: 'null',
    standardOutput: TO_JOURNAL,
    standardError: TO_JOURNAL,
    failureAction: 'none',
    successAction: 'none',
    wantedBy: NO_ITEMS,
    requiredBy: NO_ITEMS,
    alias: NO_ITEMS,
    also: NO_ITEMS,
    unsupported: NO_ITEMS,
  };
  if (type === 'socket') unit.socket = defaultSocketSettings();
  if (type === 'timer') unit.timer = defaultTimerSettings();
  return unit;
}
