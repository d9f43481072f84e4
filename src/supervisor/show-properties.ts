// A unit's properties as `systemctl show` prints them, in systemd 252's order and value forms:
// ExecStart={ path=... ; argv[]=... ; ... }, timespans as "1min 30s", Environment= shell-quoted,
// the transition timestamps. A property with several values (ExecStart=, Listen=) holds them
// one a line; the front prints each as its own NAME=value line, as systemctl does. Pure.
import type { ActiveState, UnitFileState } from '../control/manager';
import { shellMaybeQuote } from '../control/shell-words';
import { formatTimestamp, monotonicUs } from '../control/timestamp';
import type { ProcessExit } from '../process/process-exit';
import { signalName } from '../sys/signals';
import type { Listen, ListenKind } from '../units/listen-address';
import { formatTimespan } from '../units/timespan';
import type { ExecCommand, UnitConfig } from '../units/unit';
import type { State } from './lifecycle';

/** What the properties say beyond the definition and the machine's state. */
export interface ShowContext {
  activeState: ActiveState;
  subState: string;
  unitFileState: UnitFileState;
  statusText?: string;
  /** Units this one starts (a socket's service), and those that start it (a service's sockets). */
  triggers: string[];
  triggeredBy: string[];
  needDaemonReload: boolean;
  /** Its type may be isolated (a target). */
  canIsolate: boolean;
  /** Wall clock (ms) and CLOCK_MONOTONIC (µs) read once for all timestamps. */
  nowMs: number;
  nowMonoUs: bigint;
}

/** systemd's names of the exit statuses it gives meaning to (exit-status.h). */
const EXIT_STATUS_NAMES: Record<number, string> = {
  0: 'SUCCESS', 1: 'FAILURE', 2: 'INVALIDARGUMENT', 3: 'NOTIMPLEMENTED', 4: 'NOPERMISSION', 5: 'NOTINSTALLED',
  6: 'NOTCONFIGURED', 7: 'NOTRUNNING', 200: 'CHDIR', 201: 'NICE', 202: 'FDS', 203: 'EXEC', 204: 'MEMORY',
  205: 'LIMITS', 206: 'OOM_ADJUST', 207: 'SIGNAL_MASK', 208: 'STDIN', 209: 'STDOUT', 210: 'CHROOT', 211: 'IOPRIO',
  212: 'TIMERSLACK', 213: 'SECUREBITS', 214: 'SETSCHEDULER', 215: 'CPUAFFINITY', 216: 'GROUP', 217: 'USER',
  218: 'CAPABILITIES', 219: 'CGROUP', 220: 'SETSID', 221: 'CONFIRM', 222: 'STDERR', 224: 'PAM', 225: 'NETWORK',
  226: 'NAMESPACE', 227: 'NO_NEW_PRIVILEGES', 228: 'SECCOMP', 229: 'SELINUX_CONTEXT', 230: 'PERSONALITY',
  231: 'APPARMOR_PROFILE', 232: 'ADDRESS_FAMILIES', 233: 'RUNTIME_DIRECTORY', 235: 'CHOWN', 236: 'SMACK_PROCESS_LABEL',
  237: 'KEYRING', 238: 'STATE_DIRECTORY', 239: 'CACHE_DIRECTORY', 240: 'LOGS_DIRECTORY', 241: 'CONFIGURATION_DIRECTORY',
  242: 'NUMA_POLICY', 243: 'CREDENTIALS', 245: 'BPF',
};

/** "code=exited ; status=1/FAILURE", "code=killed ; status=15/TERM", "code=(null) ; status=0/0" when it has not ended. */
export function exitWords(exit: ProcessExit | undefined): { code: string; status: string } {
  if (!exit) return { code: '(null)', status: '0/0' };
  if (exit.signal !== undefined) return { code: exit.coreDumped ? 'dumped' : 'killed', status: `${exit.signal}/${signalName(exit.signal).replace(/^SIG/, '')}` };
  const code = exit.code ?? 0;
  const name = EXIT_STATUS_NAMES[code];
  return { code: 'exited', status: name ? `${code}/${name}` : String(code) };
}

/** The flags of ExecStartEx= and the like: the exec line's prefixes in systemd's words. */
function execFlags(c: ExecCommand): string {
  return [c.ignoreFailure && 'ignore-failure', c.privileged && 'privileged', c.noEnvExpand && 'no-env-expand'].filter(Boolean).join(' ');
}

interface Run {
  pid?: number;
  startedAt?: number;
  exit?: ProcessExit & { at?: number };
}

/** ExecStart= (ex: ExecStartEx=) values, one line per command. */
export function execProperty(commands: readonly ExecCommand[], ex: boolean, run: Run = {}): string {
  return commands
    .map((c, i) => {
      // What is known of a run belongs to the command that runs as the main process (the last ExecStart=).
      const r = i === commands.length - 1 ? run : {};
      const { code, status } = exitWords(r.exit);
      const when = (ms: number | undefined): string => (ms ? formatTimestamp(ms) : 'n/a');
      const middle = ex ? `flags=${execFlags(c)}` : `ignore_errors=${c.ignoreFailure ? 'yes' : 'no'}`;
      return (
        `{ path=${c.path} ; argv[]=${c.argv.join(' ')} ; ${middle} ; start_time=[${when(r.startedAt)}] ; ` +
        `stop_time=[${when(r.exit?.at)}] ; pid=${r.pid ?? 0} ; code=${code} ; status=${status} }`
      );
    })
    .join('\n');
}

const LISTEN_TYPES: Record<ListenKind, string> = { stream: 'Stream', datagram: 'Datagram', seqpacket: 'SequentialPacket', fifo: 'FIFO' };

/** A listening address as systemd prints it: a path, "[::]:80", "127.0.0.1:80". */
export function listenAddress(l: Listen): string {
  const a = l.address;
  return a.family === 'unix' ? a.path : a.family === 'ipv6' ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** Listen= values: "ADDRESS (Stream)", one line each. */
export function listenProperty(listen: readonly Listen[]): string {
  return listen.map((l) => `${listenAddress(l)} (${LISTEN_TYPES[l.kind]})`).join('\n');
}

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');
const span = (ms: number): string => formatTimespan(ms);

/** NameTimestamp= and NameTimestampMonotonic= for each moment (process.hrtime reads CLOCK_MONOTONIC). */
export function timestampProperties(moments: Record<string, number | undefined>, wall: number, mono: bigint): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, ms] of Object.entries(moments)) {
    out[`${name}Timestamp`] = formatTimestamp(ms);
    out[`${name}TimestampMonotonic`] = monotonicUs(ms, wall, mono);
  }
  return out;
}

function workingDirectory(c: UnitConfig): string {
  const w = c.workingDirectory;
  if (!w) return '';
  return `${w.optional ? '!' : ''}${w.home ? '~' : w.path}`;
}

/** A service's own properties, in systemd's order (printed before the unit's). */
export function serviceProperties(c: UnitConfig, s: State, x: ShowContext): Record<string, string> {
  return {
    Type: c.type,
    ExitType: 'main',
    Restart: c.restart,
    PIDFile: c.pidFile ?? '',
    NotifyAccess: c.notifyAccess,
    RestartUSec: span(c.restartSecMs),
    TimeoutStartUSec: span(c.timeoutStartMs),
    TimeoutStopUSec: span(c.timeoutStopMs),
    TimeoutAbortUSec: span(c.timeoutStopMs),
    TimeoutStartFailureMode: 'terminate',
    TimeoutStopFailureMode: 'terminate',
    RuntimeMaxUSec: 'infinity',
    WatchdogUSec: span(c.watchdogMs),
    RemainAfterExit: yesNo(c.remainAfterExit),
    GuessMainPID: yesNo(c.guessMainPID),
    MainPID: String(s.mainPid ?? 0),
    ControlPID: String(s.controlPid ?? 0),
    StatusText: x.statusText ?? '',
    Result: s.result,
    NRestarts: String(s.restarts),
    ...timestampProperties({ ExecMainStart: s.mainStartedAt, ExecMainExit: s.lastExit?.at }, x.nowMs, x.nowMonoUs),
    ExecMainPID: String(s.mainPid ?? 0),
    ExecMainCode: String(s.lastExit ? (s.lastExit.signal !== undefined ? 2 : 1) : 0),
    ExecMainStatus: String(s.lastExit?.code ?? s.lastExit?.signal ?? 0),
    ExecStartPre: execProperty(c.execStartPre, false),
    ExecStartPreEx: execProperty(c.execStartPre, true),
    ExecStart: execProperty(c.execStart, false, { pid: s.mainPid, startedAt: s.mainStartedAt, exit: s.mainPid ? undefined : s.lastExit }),
    ExecStartEx: execProperty(c.execStart, true, { pid: s.mainPid, startedAt: s.mainStartedAt, exit: s.mainPid ? undefined : s.lastExit }),
    ExecStartPost: execProperty(c.execStartPost, false),
    ExecStartPostEx: execProperty(c.execStartPost, true),
    ExecReload: execProperty(c.execReload, false),
    ExecReloadEx: execProperty(c.execReload, true),
    ExecStop: execProperty(c.execStop, false),
    ExecStopEx: execProperty(c.execStop, true),
    ExecStopPost: execProperty(c.execStopPost, false),
    ExecStopPostEx: execProperty(c.execStopPost, true),
    Environment: c.environment.map(([k, v]) => shellMaybeQuote(`${k}=${v}`)).join(' '),
    EnvironmentFiles: c.environmentFiles.map((f) => `${f.path} (ignore_errors=${yesNo(f.optional)})`).join('\n'),
    PassEnvironment: c.passEnvironment.join(' '),
    UnsetEnvironment: c.unsetEnvironment.map((u) => shellMaybeQuote(u)).join(' '),
    UMask: (c.umask ?? 0o022).toString(8).padStart(4, '0'),
    WorkingDirectory: workingDirectory(c),
    Nice: String(c.nice ?? 0),
    StandardInput: c.standardInput,
    SyslogIdentifier: c.syslogIdentifier ?? '',
    User: c.user ?? '',
    Group: c.group ?? '',
    SupplementaryGroups: c.supplementaryGroups.join(' '),
    RuntimeDirectoryPreserve: c.runtimeDirectoryPreserveMode,
    RuntimeDirectory: c.runtimeDirectory.join(' '),
    KillMode: c.killMode,
    KillSignal: String(c.killSignal),
    RestartKillSignal: String(c.restartKillSignal ?? c.killSignal),
    FinalKillSignal: String(c.finalKillSignal),
    SendSIGKILL: yesNo(c.sendSIGKILL),
    SendSIGHUP: yesNo(c.sendSIGHUP),
  };
}

/** A socket unit's own properties. */
export function socketProperties(c: UnitConfig, s: State): Record<string, string> {
  const sock = c.socket;
  if (!sock) return {};
  return {
    Accept: yesNo(sock.accept),
    Backlog: String(sock.backlog),
    SocketMode: sock.socketMode.toString(8).padStart(4, '0'),
    DirectoryMode: sock.directoryMode.toString(8).padStart(4, '0'),
    MaxConnections: String(sock.maxConnections),
    RemoveOnStop: yesNo(sock.removeOnStop),
    Listen: listenProperty(sock.listen),
    FileDescriptorName: sock.fileDescriptorName ?? c.name.replace(/\.socket$/, ''),
    SocketUser: sock.socketUser ?? '',
    SocketGroup: sock.socketGroup ?? '',
    Result: s.result,
  };
}

/** The unit's transition timestamps (StateChangeTimestamp=, ...Monotonic=, ...), of its state alone. */
export function unitTimestamps(s: State, nowMs: number, nowMonoUs: bigint): Record<string, string> {
  return timestampProperties(
    { StateChange: s.changedAt, InactiveExit: s.inactiveExitAt, ActiveEnter: s.readyAt, ActiveExit: s.activeExitAt, InactiveEnter: s.inactiveEnterAt },
    nowMs,
    nowMonoUs,
  );
}

/** Their names: a bus subscriber's PropertiesChanged carries them for every unit change of a boot. */
export const UNIT_TIMESTAMP_NAMES: ReadonlySet<string> = new Set(
  ['StateChange', 'InactiveExit', 'ActiveEnter', 'ActiveExit', 'InactiveEnter'].flatMap((n) => [`${n}Timestamp`, `${n}TimestampMonotonic`]),
);

/**
 * The names unitProperties gives every unit itself, whatever its type (a type's own property of
 * the same name is replaced by it): a type's own property of another name is read from the type's
 * properties alone, without the unit's (a bus Get of Service.Type need not stat the unit's files).
 */
export const UNIT_PROPERTY_NAMES: ReadonlySet<string> = new Set([
  'Id', 'Names', 'Requires', 'Wants', 'BindsTo', 'PartOf', 'RequiredBy', 'WantedBy', 'Conflicts', 'Before', 'After',
  'Triggers', 'TriggeredBy', 'Description', 'LoadState', 'ActiveState', 'FreezerState', 'SubState', 'FragmentPath',
  'SourcePath', 'DropInPaths', 'UnitFileState', ...UNIT_TIMESTAMP_NAMES, 'CanStart', 'CanStop', 'CanReload', 'CanIsolate', 'NeedDaemonReload', 'DefaultDependencies', 'StartLimitIntervalUSec',
  'StartLimitBurst', 'StartLimitAction', 'FailureAction', 'SuccessAction', 'Transient', 'Perpetual', 'CollectMode',
]);

/**
 * Every property systemd 252's `systemctl show` prints that ts-init knows, in systemd's order:
 * the type's own (`own`, from its room in types/), then the unit's (UNIT_PROPERTY_NAMES).
 */
export function unitProperties(c: UnitConfig, s: State, x: ShowContext, own: Record<string, string>): Record<string, string> {
  return {
    ...own,
    Id: c.name,
    Names: [c.name, ...c.alias].join(' '),
    Requires: c.requires.join(' '),
    Wants: c.wants.join(' '),
    BindsTo: c.bindsTo.join(' '),
    PartOf: c.partOf.join(' '),
    RequiredBy: c.requiredBy.join(' '),
    WantedBy: c.wantedBy.join(' '),
    Conflicts: c.conflicts.join(' '),
    Before: c.before.join(' '),
    After: c.after.join(' '),
    Triggers: x.triggers.join(' '),
    TriggeredBy: x.triggeredBy.join(' '),
    Description: c.description || c.name,
    LoadState: 'loaded',
    ActiveState: x.activeState,
    FreezerState: 'running',
    SubState: x.subState,
    FragmentPath: c.sourcePath,
    SourcePath: c.generatedFrom ?? '',
    DropInPaths: c.dropIns.join(' '),
    UnitFileState: x.unitFileState,
    ...unitTimestamps(s, x.nowMs, x.nowMonoUs),
    CanStart: 'yes',
    CanStop: 'yes',
    CanReload: yesNo(c.execReload.length > 0),
    CanIsolate: yesNo(x.canIsolate),
    NeedDaemonReload: yesNo(x.needDaemonReload),
    DefaultDependencies: yesNo(c.defaultDependencies),
    StartLimitIntervalUSec: span(c.startLimitIntervalMs),
    StartLimitBurst: String(c.startLimitBurst),
    StartLimitAction: 'none',
    FailureAction: c.failureAction,
    SuccessAction: c.successAction,
    Transient: 'no',
    Perpetual: 'no',
    CollectMode: 'inactive',
  };
}
