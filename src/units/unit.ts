// The typed model of a service unit and its construction from parsed unit files (main
// file first, then drop-ins in order). Settings are applied in order, so later files win
// for single values, while list settings accumulate and an empty assignment ("Key=")
// resets what was gathered so far. Problems are returned as diagnostics; a unit with an
// error diagnostic is not loadable (systemd's "bad-setting").

import { parseSignal } from '../sys/signals';
import type { Diagnostic } from './diagnostic';
import { hasErrors } from './diagnostic';
import { isSilent, isUnsupported } from './directives';
import { parseExecLine, splitWords } from './exec-line';
import { expandSpecifiers, isValidUnitName, parseUnitName } from './specifiers';
import type { SpecifierContext } from './specifiers';
import type { Assignment, ParsedFile } from './syntax';
import { parseTimespan } from './timespan';

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

export type ServiceType = 'simple' | 'exec' | 'forking' | 'oneshot' | 'notify' | 'idle';
export type RestartPolicy = 'no' | 'on-success' | 'on-failure' | 'on-abnormal' | 'on-abort' | 'on-watchdog' | 'always';
export type OutputTarget = { kind: 'inherit' | 'null' | 'journal' } | { kind: 'file' | 'append' | 'truncate'; path: string };
export type EmergencyAction = 'none' | 'exit' | 'exit-force';
export type NotifyAccess = 'none' | 'main' | 'exec' | 'all';

export interface Condition {
  kind: 'PathExists' | 'PathIsDirectory' | 'FileNotEmpty';
  path: string;
  negate: boolean;
  /** Leading "|": a triggering condition (at least one of them must hold). */
  trigger: boolean;
  /** Assert*= rather than Condition*=: failing makes the start fail instead of skipping it. */
  assert: boolean;
}

export interface ExitStatusSet {
  codes: number[];
  signals: number[];
}

export interface UnitConfig {
  name: string;
  sourcePath: string;
  dropIns: string[];
  description: string;
  after: string[];
  before: string[];
  requires: string[];
  wants: string[];
  bindsTo: string[];
  partOf: string[];
  conflicts: string[];
  conditions: Condition[];
  type: ServiceType;
  execStartPre: ExecCommand[];
  execStart: ExecCommand[];
  execStartPost: ExecCommand[];
  execReload: ExecCommand[];
  execStop: ExecCommand[];
  execStopPost: ExecCommand[];
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
  killMode: 'control-group' | 'process' | 'mixed' | 'none';
  killSignal: number;
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
  environment: [string, string][];
  environmentFiles: { path: string; optional: boolean }[];
  /** PassEnvironment=: names copied from ts-init's own environment. */
  passEnvironment: string[];
  /** UnsetEnvironment=: names ("NAME") or exact assignments ("NAME=value") removed at the end. */
  unsetEnvironment: string[];
  workingDirectory?: { path: string; optional: boolean; home: boolean };
  user?: string;
  group?: string;
  supplementaryGroups: string[];
  umask?: number;
  runtimeDirectory: string[];
  runtimeDirectoryMode?: number;
  /** True for RuntimeDirectoryPreserve=yes; see runtimeDirectoryPreserveMode for "restart". */
  runtimeDirectoryPreserve: boolean;
  runtimeDirectoryPreserveMode: 'no' | 'yes' | 'restart';
  /** "journal", "syslog", "kmsg" and their "+console" forms all mean ts-init's own stdout. */
  standardOutput: OutputTarget;
  /** Defaults to (and "inherit" means) the same target as standardOutput. */
  standardError: OutputTarget;
  syslogIdentifier?: string;
  nice?: number;
  limitNOFILE?: { soft: number; hard: number };
  failureAction: EmergencyAction;
  successAction: EmergencyAction;
  failureActionExitStatus?: number;
  successActionExitStatus?: number;
  wantedBy: string[];
  requiredBy: string[];
  alias: string[];
  also: string[];
  defaultInstance?: string;
  /** Directives understood but not supported (each already reported as a warning). */
  unsupported: string[];
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
const SIGTERM = 15;
const SIGKILL = 9;

/** A service unit with every setting at its default. */
export function defaultUnitConfig(name: string, sourcePath = ''): UnitConfig {
  return {
    name,
    sourcePath,
    dropIns: [],
    description: '',
    after: [],
    before: [],
    requires: [],
    wants: [],
    bindsTo: [],
    partOf: [],
    conflicts: [],
    conditions: [],
    type: 'simple',
    execStartPre: [],
    execStart: [],
    execStartPost: [],
    execReload: [],
    execStop: [],
    execStopPost: [],
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
    sendSIGKILL: true,
    sendSIGHUP: false,
    ignoreSIGPIPE: true,
    successExitStatus: { codes: [], signals: [] },
    restartPreventExitStatus: { codes: [], signals: [] },
    restartForceExitStatus: { codes: [], signals: [] },
    environment: [],
    environmentFiles: [],
    passEnvironment: [],
    unsetEnvironment: [],
    supplementaryGroups: [],
    runtimeDirectory: [],
    runtimeDirectoryPreserve: false,
    runtimeDirectoryPreserveMode: 'no',
    standardOutput: { kind: 'journal' },
    standardError: { kind: 'journal' },
    failureAction: 'none',
    successAction: 'none',
    wantedBy: [],
    requiredBy: [],
    alias: [],
    also: [],
    unsupported: [],
  };
}

// ---------------------------------------------------------------------------------------
// Value parsers (exported for reuse and tests)

/** systemd booleans: 1/yes/y/true/t/on and 0/no/n/false/f/off, case-insensitive. */
export function parseBoolean(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (['1', 'yes', 'y', 'true', 't', 'on'].includes(t)) return true;
  if (['0', 'no', 'n', 'false', 'f', 'off'].includes(t)) return false;
  return undefined;
}

/** An octal mode such as "0755" or "022" (at most 07777). */
export function parseMode(text: string): number | undefined {
  const t = text.trim();
  if (!/^[0-7]{1,5}$/.test(t)) return undefined;
  const n = parseInt(t, 8);
  return n <= 0o7777 ? n : undefined;
}

function parseUnsigned(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Symbolic exit status names systemd accepts in *ExitStatus= lists. */
const EXIT_STATUS_NAMES: Readonly<Record<string, number>> = {
  SUCCESS: 0, FAILURE: 1, INVALIDARGUMENT: 2, NOTIMPLEMENTED: 3, NOPERMISSION: 4, NOTINSTALLED: 5,
  NOTCONFIGURED: 6, NOTRUNNING: 7, USAGE: 64, DATAERR: 65, NOINPUT: 66, NOUSER: 67, NOHOST: 68,
  UNAVAILABLE: 69, SOFTWARE: 70, OSERR: 71, OSFILE: 72, CANTCREAT: 73, IOERR: 74, TEMPFAIL: 75,
  PROTOCOL: 76, NOPERM: 77, CONFIG: 78,
};

/**
 * One word of SuccessExitStatus= and friends: an exit code 0..255, an exit status name
 * ("TEMPFAIL") or a signal name ("SIGKILL", "KILL").
 */
export function parseExitStatusWord(word: string): { code: number } | { signal: number } | undefined {
  if (/^\d+$/.test(word)) {
    const n = Number(word);
    return n <= 255 ? { code: n } : undefined;
  }
  const named = EXIT_STATUS_NAMES[word.toUpperCase()];
  if (named !== undefined) return { code: named };
  if (!/^[A-Za-z]/.test(word)) return undefined;
  const signal = parseSignal(word);
  return signal === undefined ? undefined : { signal };
}

/** "1024", "1024:4096", "infinity", "infinity:infinity" for LimitNOFILE=. */
export function parseLimit(text: string): { soft: number; hard: number } | undefined {
  const one = (t: string) => (t === 'infinity' ? Infinity : parseUnsigned(t));
  const parts = text.trim().split(':');
  if (parts.length > 2) return undefined;
  const soft = one(parts[0]!.trim());
  const hard = parts.length === 2 ? one(parts[1]!.trim()) : soft;
  if (soft === undefined || hard === undefined || soft > hard) return undefined;
  return { soft, hard };
}

const SERVICE_TYPES: readonly ServiceType[] = ['simple', 'exec', 'forking', 'oneshot', 'notify', 'idle'];
const RESTART_POLICIES: readonly RestartPolicy[] = [
  'no', 'on-success', 'on-failure', 'on-abnormal', 'on-abort', 'on-watchdog', 'always',
];
const KILL_MODES: readonly UnitConfig['killMode'][] = ['control-group', 'process', 'mixed', 'none'];
const NOTIFY_ACCESS: readonly NotifyAccess[] = ['none', 'main', 'exec', 'all'];
const JOURNAL_LIKE = new Set(['journal', 'syslog', 'kmsg', 'journal+console', 'syslog+console', 'kmsg+console']);

// ---------------------------------------------------------------------------------------
// Building

interface State {
  unit: UnitConfig;
  diagnostics: Diagnostic[];
  specCtx: SpecifierContext;
  typeSet: boolean;
  notifyAccessSet: boolean;
  /** undefined: StandardError= not set or "inherit" (same as stdout). */
  stderr?: OutputTarget;
  unsupported: Set<string>;
}

type Handler = (value: string, a: Assignment, s: State) => void;

function error(s: State, a: Assignment, message: string): void {
  s.diagnostics.push({ file: a.file, line: a.line, severity: 'error', message: `${a.key}: ${message}` });
}

function warn(s: State, a: Assignment, message: string): void {
  s.diagnostics.push({ file: a.file, line: a.line, severity: 'warning', message: `${a.key}: ${message}` });
}

function spec(s: State, a: Assignment, text: string): string {
  return expandSpecifiers(text, s.specCtx, (m) => warn(s, a, m));
}

type ListKey = 'after' | 'before' | 'requires' | 'wants' | 'bindsTo' | 'partOf' | 'conflicts'
  | 'wantedBy' | 'requiredBy' | 'alias' | 'also';

/** Space-separated unit names; empty resets; duplicates dropped. */
function unitList(key: ListKey): Handler {
  return (value, a, s) => {
    if (value === '') {
      s.unit[key] = [];
      return;
    }
    for (const word of value.split(/\s+/)) {
      const name = spec(s, a, word);
      if (!isValidUnitName(name)) {
        warn(s, a, `"${name}" is not a valid unit name; ignored`);
        continue;
      }
      if (!s.unit[key].includes(name)) s.unit[key].push(name);
    }
  };
}

type ExecKey = 'execStartPre' | 'execStart' | 'execStartPost' | 'execReload' | 'execStop' | 'execStopPost';

function execList(key: ExecKey): Handler {
  return (value, a, s) => {
    if (value === '') {
      s.unit[key] = [];
      return;
    }
    const parsed = parseExecLine(value, (w) => spec(s, a, w));
    for (const e of parsed.errors) error(s, a, e);
    if (parsed.errors.length > 0) return;
    for (const c of parsed.commands) {
      s.unit[key].push({
        path: c.path,
        argv: c.argv,
        ignoreFailure: c.ignoreFailure,
        argv0Override: c.argv0Override,
        privileged: c.privileged,
        noEnvExpand: c.noEnvExpand,
        raw: c.raw,
        file: a.file,
        line: a.line,
      });
    }
  };
}

type BoolKey = 'remainAfterExit' | 'guessMainPID' | 'sendSIGKILL' | 'sendSIGHUP' | 'ignoreSIGPIPE';

function bool(key: BoolKey, fallback: boolean): Handler {
  return (value, a, s) => {
    if (value === '') {
      s.unit[key] = fallback;
      return;
    }
    const b = parseBoolean(value);
    if (b === undefined) warn(s, a, `"${value}" is not a boolean; ignored`);
    else s.unit[key] = b;
  };
}

type TimeKey = 'restartSecMs' | 'startLimitIntervalMs' | 'timeoutStartMs' | 'timeoutStopMs' | 'watchdogMs';

/** A time span setting; `zeroIsInfinity` for the start/stop timeouts. */
function time(keys: TimeKey[], fallback: number, zeroIsInfinity = false): Handler {
  return (value, a, s) => {
    let ms = value === '' ? fallback : parseTimespan(value);
    if (ms === undefined) {
      error(s, a, `invalid time span "${value}"`);
      return;
    }
    if (zeroIsInfinity && ms === 0) ms = Infinity;
    for (const k of keys) s.unit[k] = ms;
  };
}

type SignalKey = 'killSignal' | 'finalKillSignal';

function signal(key: SignalKey, fallback: number): Handler {
  return (value, a, s) => {
    if (value === '') {
      s.unit[key] = fallback;
      return;
    }
    const n = parseSignal(value);
    if (n === undefined) error(s, a, `unknown signal "${value}"`);
    else s.unit[key] = n;
  };
}

type StatusKey = 'successExitStatus' | 'restartPreventExitStatus' | 'restartForceExitStatus';

function exitStatus(key: StatusKey): Handler {
  return (value, a, s) => {
    if (value === '') {
      s.unit[key] = { codes: [], signals: [] };
      return;
    }
    const set = s.unit[key];
    for (const word of value.split(/\s+/)) {
      const st = parseExitStatusWord(word);
      if (!st) warn(s, a, `"${word}" is neither an exit status nor a signal; ignored`);
      else if ('code' in st) {
        if (!set.codes.includes(st.code)) set.codes.push(st.code);
      } else if (!set.signals.includes(st.signal)) set.signals.push(st.signal);
    }
  };
}

function condition(kind: Condition['kind'], assert: boolean): Handler {
  return (value, a, s) => {
    if (value === '') {
      s.unit.conditions = s.unit.conditions.filter((c) => c.assert !== assert);
      return;
    }
    let rest = value;
    let trigger = false;
    let negate = false;
    if (rest.startsWith('|')) {
      trigger = true;
      rest = rest.slice(1).trimStart();
    }
    if (rest.startsWith('!')) {
      negate = true;
      rest = rest.slice(1).trimStart();
    }
    const path = spec(s, a, rest);
    if (!path.startsWith('/')) {
      warn(s, a, `path "${path}" is not absolute; ignored`);
      return;
    }
    s.unit.conditions.push({ kind, path, negate, trigger, assert });
  };
}

function emergencyAction(key: 'failureAction' | 'successAction'): Handler {
  return (value, a, s) => {
    if (value === '' || value === 'none') {
      s.unit[key] = 'none';
      return;
    }
    if (value === 'exit' || value === 'exit-force') {
      s.unit[key] = value;
      return;
    }
    const m = /^(?:soft-reboot|reboot|poweroff|halt|kexec)(-force|-immediate)?$/.exec(value);
    if (!m) {
      error(s, a, `unknown action "${value}"`);
      return;
    }
    const mapped: EmergencyAction = m[1] ? 'exit-force' : 'exit';
    s.unit[key] = mapped;
    warn(s, a, `"${value}" is not supported by ts-init; "${mapped}" (leave the container) is used instead`);
  };
}

function actionExitStatus(key: 'failureActionExitStatus' | 'successActionExitStatus'): Handler {
  return (value, a, s) => {
    if (value === '') {
      delete s.unit[key];
      return;
    }
    const n = parseUnsigned(value);
    if (n === undefined || n > 255) warn(s, a, `"${value}" is not an exit status 0..255; ignored`);
    else s.unit[key] = n;
  };
}

function parseOutput(value: string, a: Assignment, s: State): OutputTarget | 'inherit' | undefined {
  if (value === 'inherit') return 'inherit';
  if (value === 'null') return { kind: 'null' };
  if (JOURNAL_LIKE.has(value)) return { kind: 'journal' };
  if (value === 'tty') {
    warn(s, a, `"tty" is not supported by ts-init; ts-init's own output is used`);
    return 'inherit';
  }
  const m = /^(file|append|truncate):(.*)$/s.exec(value);
  if (m) {
    const path = spec(s, a, m[2]!);
    if (!path.startsWith('/')) {
      error(s, a, `path "${path}" is not absolute`);
      return undefined;
    }
    return { kind: m[1] as 'file' | 'append' | 'truncate', path };
  }
  if (value === 'socket' || value.startsWith('fd:')) {
    warn(s, a, `"${value}" is not supported by ts-init; ignored`);
    return undefined;
  }
  error(s, a, `unknown output "${value}"`);
  return undefined;
}

const ENV_NAME = /^[^=\s\x00-\x1f]+$/;

const UNIT_HANDLERS: Readonly<Record<string, Handler>> = {
  Description: (v, a, s) => {
    s.unit.description = spec(s, a, v);
  },
  After: unitList('after'),
  Before: unitList('before'),
  Requires: unitList('requires'),
  Wants: unitList('wants'),
  BindsTo: unitList('bindsTo'),
  PartOf: unitList('partOf'),
  Conflicts: unitList('conflicts'),
  StartLimitIntervalSec: time(['startLimitIntervalMs'], DEFAULT_START_LIMIT_INTERVAL_MS),
  StartLimitInterval: time(['startLimitIntervalMs'], DEFAULT_START_LIMIT_INTERVAL_MS),
  StartLimitBurst: (v, a, s) => {
    const n = v === '' ? DEFAULT_START_LIMIT_BURST : parseUnsigned(v);
    if (n === undefined) error(s, a, `"${v}" is not a non-negative integer`);
    else s.unit.startLimitBurst = n;
  },
  ConditionPathExists: condition('PathExists', false),
  ConditionPathIsDirectory: condition('PathIsDirectory', false),
  ConditionFileNotEmpty: condition('FileNotEmpty', false),
  AssertPathExists: condition('PathExists', true),
  AssertPathIsDirectory: condition('PathIsDirectory', true),
  AssertFileNotEmpty: condition('FileNotEmpty', true),
  FailureAction: emergencyAction('failureAction'),
  SuccessAction: emergencyAction('successAction'),
  FailureActionExitStatus: actionExitStatus('failureActionExitStatus'),
  SuccessActionExitStatus: actionExitStatus('successActionExitStatus'),
};

const SERVICE_HANDLERS: Readonly<Record<string, Handler>> = {
  Type: (v, a, s) => {
    if (v === '') {
      s.typeSet = false;
      return;
    }
    if ((SERVICE_TYPES as readonly string[]).includes(v)) {
      s.unit.type = v as ServiceType;
      s.typeSet = true;
    } else if (v === 'dbus') {
      s.unit.type = 'simple';
      s.typeSet = true;
      warn(s, a, `Type=dbus is not supported by ts-init; the service is treated as Type=simple`);
    } else if (v === 'notify-reload') {
      s.unit.type = 'notify';
      s.typeSet = true;
      warn(s, a, `Type=notify-reload is not supported by ts-init; the service is treated as Type=notify`);
    } else {
      error(s, a, `unknown service type "${v}"`);
    }
  },
  ExecStartPre: execList('execStartPre'),
  ExecStart: execList('execStart'),
  ExecStartPost: execList('execStartPost'),
  ExecReload: execList('execReload'),
  ExecStop: execList('execStop'),
  ExecStopPost: execList('execStopPost'),
  RemainAfterExit: bool('remainAfterExit', false),
  GuessMainPID: bool('guessMainPID', true),
  SendSIGKILL: bool('sendSIGKILL', true),
  SendSIGHUP: bool('sendSIGHUP', false),
  IgnoreSIGPIPE: bool('ignoreSIGPIPE', true),
  PIDFile: (v, a, s) => {
    if (v === '') {
      delete s.unit.pidFile;
      return;
    }
    const p = spec(s, a, v);
    s.unit.pidFile = p.startsWith('/') ? p : `/run/${p}`;
  },
  Restart: (v, a, s) => {
    if (v === '') s.unit.restart = 'no';
    else if ((RESTART_POLICIES as readonly string[]).includes(v)) s.unit.restart = v as RestartPolicy;
    else error(s, a, `unknown restart policy "${v}"`);
  },
  RestartSec: time(['restartSecMs'], DEFAULT_RESTART_SEC_MS),
  RestartMaxDelaySec: (v, a, s) => {
    if (v === '') {
      delete s.unit.restartMaxDelayMs;
      return;
    }
    const ms = parseTimespan(v);
    if (ms === undefined) error(s, a, `invalid time span "${v}"`);
    else s.unit.restartMaxDelayMs = ms;
  },
  RestartSteps: (v, a, s) => {
    if (v === '') {
      delete s.unit.restartSteps;
      return;
    }
    const n = parseUnsigned(v);
    if (n === undefined || n > 3600) error(s, a, `"${v}" is not an integer 0..3600`);
    else s.unit.restartSteps = n;
  },
  TimeoutStartSec: time(['timeoutStartMs'], DEFAULT_TIMEOUT_MS, true),
  TimeoutStopSec: time(['timeoutStopMs'], DEFAULT_TIMEOUT_MS, true),
  TimeoutSec: time(['timeoutStartMs', 'timeoutStopMs'], DEFAULT_TIMEOUT_MS, true),
  WatchdogSec: (v, a, s) => {
    const ms = v === '' ? 0 : parseTimespan(v);
    if (ms === undefined) error(s, a, `invalid time span "${v}"`);
    else s.unit.watchdogMs = ms === Infinity ? 0 : ms;
  },
  // The old names of the [Unit] start rate limit settings.
  StartLimitInterval: time(['startLimitIntervalMs'], DEFAULT_START_LIMIT_INTERVAL_MS),
  StartLimitBurst: UNIT_HANDLERS.StartLimitBurst!,
  NotifyAccess: (v, a, s) => {
    if (v === '') s.notifyAccessSet = false;
    else if ((NOTIFY_ACCESS as readonly string[]).includes(v)) {
      s.unit.notifyAccess = v as NotifyAccess;
      s.notifyAccessSet = true;
    } else warn(s, a, `unknown value "${v}"; ignored`);
  },
  SuccessExitStatus: exitStatus('successExitStatus'),
  RestartPreventExitStatus: exitStatus('restartPreventExitStatus'),
  RestartForceExitStatus: exitStatus('restartForceExitStatus'),
  KillMode: (v, a, s) => {
    if (v === '') s.unit.killMode = 'control-group';
    else if ((KILL_MODES as readonly string[]).includes(v)) s.unit.killMode = v as UnitConfig['killMode'];
    else error(s, a, `unknown kill mode "${v}"`);
  },
  KillSignal: signal('killSignal', SIGTERM),
  FinalKillSignal: signal('finalKillSignal', SIGKILL),
  RestartKillSignal: (v, a, s) => {
    if (v === '') {
      delete s.unit.restartKillSignal;
      return;
    }
    const n = parseSignal(v);
    if (n === undefined) error(s, a, `unknown signal "${v}"`);
    else s.unit.restartKillSignal = n;
  },
  Environment: (v, a, s) => {
    if (v === '') {
      s.unit.environment = [];
      return;
    }
    // As in systemd, words are split and unquoted first and specifiers expanded in each
    // word, so a value such as %I is neither split at blanks nor unescaped again.
    const { words } = splitWords(v, { cunescape: true, relax: true });
    for (const w of words) {
      const text = spec(s, a, w.text);
      const eq = text.indexOf('=');
      const name = eq > 0 ? text.slice(0, eq) : '';
      if (!ENV_NAME.test(name)) {
        warn(s, a, `invalid environment assignment "${text}"; ignored`);
        continue;
      }
      s.unit.environment.push([name, text.slice(eq + 1)]);
    }
  },
  EnvironmentFile: (v, a, s) => {
    if (v === '') {
      s.unit.environmentFiles = [];
      return;
    }
    const optional = v.startsWith('-');
    const path = spec(s, a, optional ? v.slice(1) : v);
    if (!path.startsWith('/')) warn(s, a, `path "${path}" is not absolute; ignored`);
    else s.unit.environmentFiles.push({ path, optional });
  },
  PassEnvironment: (v, a, s) => {
    if (v === '') {
      s.unit.passEnvironment = [];
      return;
    }
    for (const name of spec(s, a, v).split(/\s+/)) {
      if (!ENV_NAME.test(name)) warn(s, a, `invalid variable name "${name}"; ignored`);
      else if (!s.unit.passEnvironment.includes(name)) s.unit.passEnvironment.push(name);
    }
  },
  UnsetEnvironment: (v, a, s) => {
    if (v === '') {
      s.unit.unsetEnvironment = [];
      return;
    }
    // Specifiers per word after unquoting, as for Environment=.
    for (const w of splitWords(v, { cunescape: true, relax: true }).words) {
      s.unit.unsetEnvironment.push(spec(s, a, w.text));
    }
  },
  WorkingDirectory: (v, a, s) => {
    if (v === '') {
      delete s.unit.workingDirectory;
      return;
    }
    const optional = v.startsWith('-');
    const path = spec(s, a, optional ? v.slice(1) : v);
    if (path === '~') s.unit.workingDirectory = { path: '~', optional, home: true };
    else if (path.startsWith('/')) s.unit.workingDirectory = { path, optional, home: false };
    else error(s, a, `path "${path}" is neither absolute nor "~"`);
  },
  User: (v, a, s) => {
    if (v === '') {
      delete s.unit.user;
      return;
    }
    const name = spec(s, a, v);
    if (!/^(?:\d+|[A-Za-z_][A-Za-z0-9_.-]*\$?)$/.test(name)) error(s, a, `invalid user name "${name}"`);
    else s.unit.user = name;
  },
  Group: (v, a, s) => {
    if (v === '') {
      delete s.unit.group;
      return;
    }
    const name = spec(s, a, v);
    if (!/^(?:\d+|[A-Za-z_][A-Za-z0-9_.-]*\$?)$/.test(name)) error(s, a, `invalid group name "${name}"`);
    else s.unit.group = name;
  },
  SupplementaryGroups: (v, a, s) => {
    if (v === '') {
      s.unit.supplementaryGroups = [];
      return;
    }
    for (const g of spec(s, a, v).split(/\s+/)) {
      if (!/^(?:\d+|[A-Za-z_][A-Za-z0-9_.-]*\$?)$/.test(g)) warn(s, a, `invalid group name "${g}"; ignored`);
      else if (!s.unit.supplementaryGroups.includes(g)) s.unit.supplementaryGroups.push(g);
    }
  },
  UMask: (v, a, s) => {
    if (v === '') {
      delete s.unit.umask;
      return;
    }
    const m = parseMode(v);
    if (m === undefined || m > 0o777) warn(s, a, `"${v}" is not an octal umask; ignored`);
    else s.unit.umask = m;
  },
  RuntimeDirectory: (v, a, s) => {
    if (v === '') {
      s.unit.runtimeDirectory = [];
      return;
    }
    for (const d of spec(s, a, v).split(/\s+/)) {
      if (d.startsWith('/') || d.split('/').some((c) => c === '..' || c === '.' || c === '')) {
        warn(s, a, `"${d}" is not a relative path below /run; ignored`);
      } else if (!s.unit.runtimeDirectory.includes(d)) s.unit.runtimeDirectory.push(d);
    }
  },
  RuntimeDirectoryMode: (v, a, s) => {
    if (v === '') {
      delete s.unit.runtimeDirectoryMode;
      return;
    }
    const m = parseMode(v);
    if (m === undefined) warn(s, a, `"${v}" is not an octal mode; ignored`);
    else s.unit.runtimeDirectoryMode = m;
  },
  RuntimeDirectoryPreserve: (v, a, s) => {
    let mode: UnitConfig['runtimeDirectoryPreserveMode'] | undefined;
    if (v === '') mode = 'no';
    else if (v === 'restart') mode = 'restart';
    else {
      const b = parseBoolean(v);
      if (b !== undefined) mode = b ? 'yes' : 'no';
    }
    if (mode === undefined) {
      warn(s, a, `"${v}" is not yes, no or restart; ignored`);
      return;
    }
    s.unit.runtimeDirectoryPreserveMode = mode;
    s.unit.runtimeDirectoryPreserve = mode === 'yes';
  },
  StandardInput: (v, a, s) => {
    if (v !== '' && v !== 'null') {
      warn(s, a, `"${v}" is not supported by ts-init; standard input is /dev/null`);
      s.unsupported.add('StandardInput');
    }
  },
  StandardOutput: (v, a, s) => {
    if (v === '') {
      s.unit.standardOutput = { kind: 'journal' };
      return;
    }
    const t = parseOutput(v, a, s);
    if (t !== undefined) s.unit.standardOutput = t === 'inherit' ? { kind: 'inherit' } : t;
  },
  StandardError: (v, a, s) => {
    if (v === '') {
      delete s.stderr;
      return;
    }
    const t = parseOutput(v, a, s);
    if (t === 'inherit') delete s.stderr;
    else if (t !== undefined) s.stderr = t;
  },
  SyslogIdentifier: (v, a, s) => {
    if (v === '') delete s.unit.syslogIdentifier;
    else s.unit.syslogIdentifier = spec(s, a, v);
  },
  Nice: (v, a, s) => {
    if (v === '') {
      delete s.unit.nice;
      return;
    }
    const n = /^[+-]?\d+$/.test(v.trim()) ? Number(v) : NaN;
    if (!(n >= -20 && n <= 19)) warn(s, a, `"${v}" is not a nice level -20..19; ignored`);
    else s.unit.nice = n;
  },
  LimitNOFILE: (v, a, s) => {
    if (v === '') {
      delete s.unit.limitNOFILE;
      return;
    }
    const l = parseLimit(v);
    if (!l) warn(s, a, `"${v}" is not a limit ("N", "SOFT:HARD" or "infinity"); ignored`);
    else s.unit.limitNOFILE = l;
  },
};

const INSTALL_HANDLERS: Readonly<Record<string, Handler>> = {
  WantedBy: unitList('wantedBy'),
  RequiredBy: unitList('requiredBy'),
  Alias: unitList('alias'),
  Also: unitList('also'),
  DefaultInstance: (v, a, s) => {
    if (v === '') delete s.unit.defaultInstance;
    else s.unit.defaultInstance = spec(s, a, v);
  },
};

const SECTIONS: Readonly<Record<string, Readonly<Record<string, Handler>>>> = {
  Unit: UNIT_HANDLERS,
  Service: SERVICE_HANDLERS,
  Install: INSTALL_HANDLERS,
};

/**
 * Build a service unit from its parsed files: `main` first, then `dropIns` in the order
 * they apply. `name` is the unit's full name (for a template instance, the instance
 * name: "getty@tty1.service" even when read from "getty@.service").
 */
export function buildUnit(name: string, main: ParsedFile, dropIns: readonly ParsedFile[], options: BuildOptions): BuildResult {
  const unit = defaultUnitConfig(name, main.file);
  unit.dropIns = dropIns.map((d) => d.file);
  const state: State = {
    unit,
    diagnostics: [...main.diagnostics, ...dropIns.flatMap((d) => d.diagnostics)],
    specCtx: {
      unitName: name,
      hostname: options.hostname,
      sourcePath: main.file,
      ...(options.machineId !== undefined && { machineId: options.machineId }),
      ...(options.bootId !== undefined && { bootId: options.bootId }),
      ...(options.kernelRelease !== undefined && { kernelRelease: options.kernelRelease }),
      ...(options.architecture !== undefined && { architecture: options.architecture }),
    },
    typeSet: false,
    notifyAccessSet: false,
    unsupported: new Set(),
  };

  const parts = parseUnitName(name);
  if (!parts || parts.type !== 'service') {
    state.diagnostics.push({
      file: main.file,
      severity: 'error',
      message: `"${name}" is not a service unit name; ts-init only runs .service units`,
    });
  }

  for (const file of [main, ...dropIns]) {
    for (const section of file.sections) {
      const handlers = SECTIONS[section.name];
      if (!handlers) {
        if (!section.name.startsWith('X-')) {
          state.diagnostics.push({
            file: section.file,
            line: section.line,
            severity: 'warning',
            message: `unknown section [${section.name}]; ignored`,
          });
        }
        continue;
      }
      for (const a of section.entries) applyAssignment(state, handlers, a);
    }
  }

  finish(state, main.file);
  unit.unsupported = [...state.unsupported];
  return { unit, diagnostics: state.diagnostics, loadable: !hasErrors(state.diagnostics) };
}

function applyAssignment(s: State, handlers: Readonly<Record<string, Handler>>, a: Assignment): void {
  const handler = Object.prototype.hasOwnProperty.call(handlers, a.key) ? handlers[a.key] : undefined;
  if (handler) {
    handler(a.value, a, s);
    return;
  }
  if (isSilent(a.section, a.key)) return;
  if (isUnsupported(a.section, a.key)) {
    s.unsupported.add(a.key);
    s.diagnostics.push({
      file: a.file,
      line: a.line,
      severity: 'warning',
      message: `${a.key} is not supported by ts-init; ignored`,
    });
    return;
  }
  s.diagnostics.push({
    file: a.file,
    line: a.line,
    severity: 'warning',
    message: `unknown directive ${a.key} in section [${a.section}]`,
  });
}

/** Defaults that depend on other settings, and whole-unit validation. */
function finish(s: State, file: string): void {
  const u = s.unit;
  const fail = (message: string) => s.diagnostics.push({ file, severity: 'error', message });
  if (!s.typeSet) u.type = u.execStart.length > 0 ? 'simple' : 'oneshot';
  if (!s.notifyAccessSet) u.notifyAccess = u.type === 'notify' || u.watchdogMs > 0 ? 'main' : 'none';
  u.standardError = s.stderr ?? { ...u.standardOutput };

  if (u.type !== 'oneshot') {
    if (u.execStart.length === 0) {
      fail(`service has no ExecStart= setting, which is only allowed for Type=oneshot services`);
    } else if (u.execStart.length > 1) {
      fail(`service has more than one ExecStart= command, which is only allowed for Type=oneshot services`);
    }
  } else {
    if (u.execStart.length === 0 && u.execStop.length === 0 && u.successAction === 'none') {
      fail(`service has no ExecStart=, ExecStop= or SuccessAction= setting`);
    }
    if (u.restart === 'always' || u.restart === 'on-success') {
      fail(`Restart=${u.restart} is not allowed for Type=oneshot services`);
    }
  }
}
