// What each [Unit], [Service], [Socket], [Timer] and [Install] directive does to the unit being built: one
// handler per directive name, applied in file order by build-unit.ts.

import { parseSignal, SIGHUP, SIGKILL, SIGTERM } from '../sys/signals';
import type { Diagnostic } from './diagnostic';
import { CONDITION_KINDS, takesPath } from './conditions';
import { parseExecLine, splitWords } from './exec-line';
import { expandSpecifiers, isValidUnitName } from './specifiers';
import type { SpecifierContext } from './specifiers';
import type { Assignment } from './syntax';
import { parseTimespan } from './timespan';
import { parseCalendar } from './calendar';
import { parseListenAddress, type ListenKind } from './listen-address';
import {
  DEFAULT_RESTART_SEC_MS, DEFAULT_START_LIMIT_BURST, DEFAULT_START_LIMIT_INTERVAL_MS, DEFAULT_TIMEOUT_MS, defaultSocketSettings,
  defaultTimerSettings, addTo, NO_EXIT_STATUSES, type ExecDirectorySettings, type SocketSettings, type TimerBase, type TimerSettings,
  type Condition, type EmergencyAction, type ExecDirectoryKind, type NotifyAccess, type OutputTarget, type RestartPolicy, type ServiceType, type UnitConfig,
} from './unit';
import {
  JOURNAL_LIKE, KILL_MODES, NOTIFY_ACCESS, parseBoolean, parseExitStatusWord, parseExtraField, parseLogFacility, parseLogLevel, parseMode, parseUnsigned,
  RESTART_POLICIES, SERVICE_TYPES,
} from './values';
import { parseLimit, RLIMITS, type RlimitName } from './rlimits';
import { parseLoadCredential, parseOpenFile, parseSetCredential } from './service-files';

export interface State {
  unit: UnitConfig;
  diagnostics: Diagnostic[];
  specCtx: SpecifierContext;
  typeSet: boolean;
  notifyAccessSet: boolean;
  /** undefined: StandardError= not set or "inherit" (same as stdout). */
  stderr?: OutputTarget;
  /** StandardOutput= was given (otherwise it follows StandardInput=socket). */
  stdoutSet?: boolean;
  /** Directives met that ts-init does not support (made at the first: most units have none). */
  unsupported?: Set<string>;
}

export type Handler = (value: string, a: Assignment, s: State) => void;

export function markUnsupported(s: State, directive: string): void {
  (s.unsupported ??= new Set()).add(directive);
}

function error(s: State, a: Assignment, message: string): void {
  s.diagnostics.push({ file: a.file, line: a.line, severity: 'error', message: `${a.key}: ${message}` });
}

/** SyslogLevel=, LogLevelMax=: a level name or number; empty puts the default back. */
function logLevel(field: 'syslogLevel' | 'logLevelMax'): Handler {
  return (v, a, s) => {
    const l = v === '' ? undefined : parseLogLevel(v);
    if (v !== '' && l === undefined) warn(s, a, `"${v}" is not a log level; ignored`);
    else if (l === undefined) delete s.unit[field];
    else s.unit[field] = l;
  };
}

function warn(s: State, a: Assignment, message: string): void {
  s.diagnostics.push({ file: a.file, line: a.line, severity: 'warning', message: `${a.key}: ${message}` });
}

function spec(s: State, a: Assignment, text: string): string {
  return expandSpecifiers(text, s.specCtx, (m) => warn(s, a, m));
}

type ListKey = 'after' | 'before' | 'requires' | 'wants' | 'bindsTo' | 'partOf' | 'conflicts' | 'upholds'
  | 'propagatesReloadTo' | 'reloadPropagatedFrom' | 'propagatesStopTo' | 'stopPropagatedFrom'
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
      if (!s.unit[key].includes(name)) addTo(s.unit, key, name);
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
    if (parsed.errors.length > 0) {
      for (const e of parsed.errors) error(s, a, e);
      return;
    }
    // Indexed: a for-of makes an iterator per line when interpreted (a thousand services).
    for (let i = 0; i < parsed.commands.length; i++) {
      const c = parsed.commands[i]!;
      addTo(s.unit, key, {
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

type SignalKey = 'killSignal' | 'finalKillSignal' | 'reloadSignal';

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

/** StateDirectory= and its kin: relative paths ("NAME[:SYMLINK]"; the symlink part is not made). */
function execDirectory(kind: ExecDirectoryKind): Handler {
  return (v, a, s) => {
    const old = s.unit.execDirectories[kind];
    const names: string[] = [];
    if (v !== '') {
      names.push(...old.names);
      for (const word of spec(s, a, v).split(/\s+/)) {
        const d = word.split(':')[0]!;
        if (d.startsWith('/') || d.split('/').some((c) => c === '..' || c === '.' || c === '')) warn(s, a, `"${d}" is not a relative path; ignored`);
        else if (!names.includes(d)) names.push(d);
      }
    }
    // A new value, never a change to the old: every unit starts with the same (NO_EXEC_DIRECTORIES).
    setExecDirectory(s, kind, old.mode === undefined ? { names } : { names, mode: old.mode });
  };
}

function execDirectoryMode(kind: ExecDirectoryKind): Handler {
  return (v, a, s) => {
    const { names } = s.unit.execDirectories[kind];
    if (v === '') {
      setExecDirectory(s, kind, { names });
      return;
    }
    const m = parseMode(v);
    if (m === undefined) warn(s, a, `"${v}" is not an octal mode; ignored`);
    else setExecDirectory(s, kind, { names, mode: m });
  };
}

function setExecDirectory(s: State, kind: ExecDirectoryKind, settings: ExecDirectorySettings): void {
  s.unit.execDirectories = { ...s.unit.execDirectories, [kind]: settings };
}

/** LoadCredentialEncrypted=/SetCredentialEncrypted=: recorded as "Directive=ID"; the start refuses them. */
function encrypted(value: string, a: Assignment, s: State): void {
  if (value === '') {
    s.unit.credentials = { ...s.unit.credentials, encrypted: s.unit.credentials.encrypted.filter((e) => !e.startsWith(`${a.key}=`)) };
    return;
  }
  s.unit.credentials = { ...s.unit.credentials, encrypted: [...s.unit.credentials.encrypted, `${a.key}=${value.split(':')[0]}`] };
}

type StatusKey = 'successExitStatus' | 'restartPreventExitStatus' | 'restartForceExitStatus';

function exitStatus(key: StatusKey): Handler {
  return (value, a, s) => {
    if (value === '') {
      s.unit[key] = NO_EXIT_STATUSES;
      return;
    }
    // A new set, never a change to the old: every unit starts with the same (NO_EXIT_STATUSES).
    const codes = [...s.unit[key].codes];
    const signals = [...s.unit[key].signals];
    for (const word of value.split(/\s+/)) {
      const st = parseExitStatusWord(word);
      if (!st) warn(s, a, `"${word}" is neither an exit status nor a signal; ignored`);
      else if ('code' in st) {
        if (!codes.includes(st.code)) codes.push(st.code);
      } else if (!signals.includes(st.signal)) signals.push(st.signal);
    }
    s.unit[key] = { codes, signals };
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
    const v = spec(s, a, rest);
    if (takesPath(kind) && !v.startsWith('/')) {
      warn(s, a, `path "${v}" is not absolute; ignored`);
      return;
    }
    addTo(s.unit, 'conditions', { kind, value: v, negate, trigger, assert });
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
  if (value === 'socket') return { kind: 'socket' };
  if (value.startsWith('fd:')) {
    warn(s, a, `"${value}" is not supported by ts-init; ignored`);
    return undefined;
  }
  error(s, a, `unknown output "${value}"`);
  return undefined;
}

const ENV_NAME = /^[^=\s\x00-\x1f]+$/;

const UNIT_HANDLERS: Readonly<Record<string, Handler>> = {
  DefaultDependencies: (v, a, s) => {
    const b = v === '' ? true : parseBoolean(v);
    if (b === undefined) warn(s, a, `"${v}" is not a boolean; ignored`);
    else s.unit.defaultDependencies = b;
  },
  Description: (v, a, s) => {
    s.unit.description = spec(s, a, v);
  },
  After: unitList('after'),
  Before: unitList('before'),
  Requires: unitList('requires'),
  Wants: unitList('wants'),
  BindsTo: unitList('bindsTo'),
  PartOf: unitList('partOf'),
  Upholds: unitList('upholds'),
  PropagatesReloadTo: unitList('propagatesReloadTo'),
  ReloadPropagatedFrom: unitList('reloadPropagatedFrom'),
  PropagatesStopTo: unitList('propagatesStopTo'),
  StopPropagatedFrom: unitList('stopPropagatedFrom'),
  Conflicts: unitList('conflicts'),
  StartLimitIntervalSec: time(['startLimitIntervalMs'], DEFAULT_START_LIMIT_INTERVAL_MS),
  StartLimitInterval: time(['startLimitIntervalMs'], DEFAULT_START_LIMIT_INTERVAL_MS),
  StartLimitBurst: (v, a, s) => {
    const n = v === '' ? DEFAULT_START_LIMIT_BURST : parseUnsigned(v);
    if (n === undefined) error(s, a, `"${v}" is not a non-negative integer`);
    else s.unit.startLimitBurst = n;
  },
  ...Object.fromEntries(
    CONDITION_KINDS.flatMap((k) => [
      [`Condition${k}`, condition(k, false)],
      [`Assert${k}`, condition(k, true)],
    ]),
  ),
  SourcePath: (v, _a, s) => {
    s.unit.generatedFrom = v === '' ? undefined : v;
  },
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
  ReloadSignal: signal('reloadSignal', SIGHUP),
  RestartMode: (v, a, s) => {
    if (v === '' || v === 'normal' || v === 'direct') s.unit.restartMode = v === 'direct' ? 'direct' : 'normal';
    else error(s, a, `unknown restart mode "${v}"`);
  },
  OpenFile: (v, a, s) => {
    if (v === '') {
      s.unit.openFiles = [];
      return;
    }
    const r = parseOpenFile(spec(s, a, v));
    if (typeof r === 'string') error(s, a, r);
    else addTo(s.unit, 'openFiles', r);
  },
  SetCredential: (v, a, s) => {
    if (v === '') {
      s.unit.credentials = { ...s.unit.credentials, set: [] };
      return;
    }
    const r = parseSetCredential(spec(s, a, v));
    if (typeof r === 'string') error(s, a, r);
    else s.unit.credentials = { ...s.unit.credentials, set: [...s.unit.credentials.set.filter((c) => c.id !== r.id), r] };
  },
  LoadCredential: (v, a, s) => {
    if (v === '') {
      s.unit.credentials = { ...s.unit.credentials, load: [] };
      return;
    }
    const r = parseLoadCredential(spec(s, a, v));
    if (typeof r === 'string') error(s, a, r);
    else s.unit.credentials = { ...s.unit.credentials, load: [...s.unit.credentials.load.filter((c) => c.id !== r.id), r] };
  },
  ImportCredential: (v, a, s) => {
    if (v === '') s.unit.credentials = { ...s.unit.credentials, import: [] };
    else if (v.includes('/')) error(s, a, `invalid credential glob "${v}"`);
    else if (!s.unit.credentials.import.includes(v)) s.unit.credentials = { ...s.unit.credentials, import: [...s.unit.credentials.import, spec(s, a, v)] };
  },
  // Accepted, so the unit loads; its start is refused with a clear message (no TPM2 or host key to decrypt with).
  LoadCredentialEncrypted: encrypted,
  SetCredentialEncrypted: encrypted,
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
      addTo(s.unit, 'environment', [name, text.slice(eq + 1)]);
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
    else addTo(s.unit, 'environmentFiles', { path, optional });
  },
  PassEnvironment: (v, a, s) => {
    if (v === '') {
      s.unit.passEnvironment = [];
      return;
    }
    for (const name of spec(s, a, v).split(/\s+/)) {
      if (!ENV_NAME.test(name)) warn(s, a, `invalid variable name "${name}"; ignored`);
      else if (!s.unit.passEnvironment.includes(name)) addTo(s.unit, 'passEnvironment', name);
    }
  },
  UnsetEnvironment: (v, a, s) => {
    if (v === '') {
      s.unit.unsetEnvironment = [];
      return;
    }
    // Specifiers per word after unquoting, as for Environment=.
    for (const w of splitWords(v, { cunescape: true, relax: true }).words) {
      addTo(s.unit, 'unsetEnvironment', spec(s, a, w.text));
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
      else if (!s.unit.supplementaryGroups.includes(g)) addTo(s.unit, 'supplementaryGroups', g);
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
      } else if (!s.unit.runtimeDirectory.includes(d)) addTo(s.unit, 'runtimeDirectory', d);
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
  StateDirectory: execDirectory('state'),
  CacheDirectory: execDirectory('cache'),
  LogsDirectory: execDirectory('logs'),
  ConfigurationDirectory: execDirectory('configuration'),
  StateDirectoryMode: execDirectoryMode('state'),
  CacheDirectoryMode: execDirectoryMode('cache'),
  LogsDirectoryMode: execDirectoryMode('logs'),
  ConfigurationDirectoryMode: execDirectoryMode('configuration'),
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
    if (v === 'socket') {
      s.unit.standardInput = 'socket';
    } else if (v === '' || v === 'null') {
      s.unit.standardInput = 'null';
    } else {
      warn(s, a, `"${v}" is not supported by ts-init; standard input is /dev/null`);
      markUnsupported(s, 'StandardInput');
    }
  },
  StandardOutput: (v, a, s) => {
    if (v === '') {
      s.unit.standardOutput = { kind: 'journal' };
      return;
    }
    const t = parseOutput(v, a, s);
    if (t !== undefined) s.unit.standardOutput = t === 'inherit' ? { kind: 'inherit' } : t;
    if (t !== undefined) s.stdoutSet = true;
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
  SyslogFacility: (v, a, s) => {
    const f = v === '' ? undefined : parseLogFacility(v);
    if (v !== '' && f === undefined) warn(s, a, `"${v}" is not a syslog facility; ignored`);
    else if (f === undefined) delete s.unit.syslogFacility;
    else s.unit.syslogFacility = f;
  },
  SyslogLevel: logLevel('syslogLevel'),
  SyslogLevelPrefix: (v, a, s) => {
    const b = v === '' ? true : parseBoolean(v);
    if (b === undefined) warn(s, a, `"${v}" is not a boolean; ignored`);
    else s.unit.syslogLevelPrefix = b;
  },
  LogLevelMax: logLevel('logLevelMax'),
  LogExtraFields: (v, a, s) => {
    if (v === '') {
      delete s.unit.logExtraFields;
      return;
    }
    for (const { text } of splitWords(spec(s, a, v), { cunescape: true, relax: true }).words) {
      const f = parseExtraField(text);
      if (!f) warn(s, a, `"${text}" is not a FIELD=VALUE assignment a unit may set; ignored`);
      else (s.unit.logExtraFields ??= []).push(f);
    }
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
  ...Object.fromEntries(
    (Object.keys(RLIMITS) as RlimitName[]).map((name): [string, Handler] => [
      `Limit${name}`,
      (v, a, s) => {
        // A new set of limits, never a change to the old: every unit starts with the same (NO_LIMITS).
        if (v === '') {
          const { [name]: _, ...rest } = s.unit.limits;
          s.unit.limits = rest;
          return;
        }
        const l = parseLimit(v, name);
        if (!l) warn(s, a, `"${v}" is not a limit ("N", "SOFT:HARD" or "infinity"); ignored`);
        else s.unit.limits = { ...s.unit.limits, [name]: l };
      },
    ]),
  ),
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

/** The [Socket] settings of the unit being built (always there for a .socket unit). */
function sock(s: State): SocketSettings {
  s.unit.socket ??= defaultSocketSettings();
  return s.unit.socket;
}

function listen(kind: ListenKind): Handler {
  return (v, a, s) => {
    if (v === '') {
      sock(s).listen = [];
      return;
    }
    const text = spec(s, a, v);
    const address = parseListenAddress(kind, text);
    if (typeof address === 'string') error(s, a, address);
    else sock(s).listen.push({ kind, text, address });
  };
}

function socketMode(key: 'socketMode' | 'directoryMode'): Handler {
  return (v, a, s) => {
    const m = parseMode(v);
    if (m === undefined) warn(s, a, `"${v}" is not an octal mode; ignored`);
    else sock(s)[key] = m;
  };
}

const SOCKET_HANDLERS: Readonly<Record<string, Handler>> = {
  ListenStream: listen('stream'),
  ListenDatagram: listen('datagram'),
  ListenSequentialPacket: listen('seqpacket'),
  ListenFIFO: listen('fifo'),
  Accept: (v, a, s) => {
    const b = parseBoolean(v);
    if (b === undefined) warn(s, a, `"${v}" is not a boolean; ignored`);
    else sock(s).accept = b;
  },
  Service: (v, a, s) => {
    const name = spec(s, a, v);
    if (!name.endsWith('.service') || !isValidUnitName(name)) error(s, a, `"${name}" is not a service unit name`);
    else sock(s).service = name;
  },
  FileDescriptorName: (v, a, s) => {
    if (v === '') delete sock(s).fileDescriptorName;
    else if (v.length > 255 || /[:\s]/.test(v) || !/^[\x21-\x7e]+$/.test(v)) warn(s, a, `"${v}" is not a valid file descriptor name; ignored`);
    else sock(s).fileDescriptorName = v;
  },
  SocketMode: socketMode('socketMode'),
  DirectoryMode: socketMode('directoryMode'),
  SocketUser: (v, a, s) => {
    if (v === '') delete sock(s).socketUser;
    else sock(s).socketUser = spec(s, a, v);
  },
  SocketGroup: (v, a, s) => {
    if (v === '') delete sock(s).socketGroup;
    else sock(s).socketGroup = spec(s, a, v);
  },
  Backlog: (v, a, s) => {
    const n = parseUnsigned(v);
    if (n === undefined) warn(s, a, `"${v}" is not a number; ignored`);
    else sock(s).backlog = n;
  },
  MaxConnections: (v, a, s) => {
    const n = parseUnsigned(v);
    if (n === undefined || n === 0) warn(s, a, `"${v}" is not a positive number; ignored`);
    else sock(s).maxConnections = n;
  },
  RemoveOnStop: (v, a, s) => {
    const b = parseBoolean(v);
    if (b === undefined) warn(s, a, `"${v}" is not a boolean; ignored`);
    else sock(s).removeOnStop = b;
  },
};

/** The [Timer] settings of the unit being built (always there for a .timer unit). */
function tmr(s: State): TimerSettings {
  s.unit.timer ??= defaultTimerSettings();
  return s.unit.timer;
}

/** OnActiveSec= and its kin: a span added to the list; an empty value clears every timer value, as in systemd. */
function timerSpan(base: TimerBase): Handler {
  return (v, a, s) => {
    if (v === '') {
      tmr(s).values = [];
      return;
    }
    const ms = parseTimespan(spec(s, a, v));
    if (ms === undefined || !Number.isFinite(ms)) warn(s, a, `"${v}" is not a time span; ignored`);
    else tmr(s).values.push({ base, ms });
  };
}

function timerBool(key: 'persistent' | 'fixedRandomDelay' | 'remainAfterElapse' | 'onClockChange' | 'onTimezoneChange' | 'wakeSystem'): Handler {
  return (v, a, s) => {
    const b = parseBoolean(v);
    if (b === undefined) warn(s, a, `"${v}" is not a boolean; ignored`);
    else tmr(s)[key] = b;
  };
}

function timerDelay(key: 'accuracyMs' | 'randomizedDelayMs'): Handler {
  return (v, a, s) => {
    const ms = parseTimespan(v);
    if (ms === undefined) warn(s, a, `"${v}" is not a time span; ignored`);
    // systemd: AccuracySec=0 means 1 µs; an infinite delay is no delay it could wait.
    else tmr(s)[key] = key === 'accuracyMs' ? Math.max(ms, 0.001) : Number.isFinite(ms) ? ms : 0;
  };
}

const TIMER_HANDLERS: Readonly<Record<string, Handler>> = {
  OnActiveSec: timerSpan('OnActiveSec'),
  OnBootSec: timerSpan('OnBootSec'),
  OnStartupSec: timerSpan('OnStartupSec'),
  OnUnitActiveSec: timerSpan('OnUnitActiveSec'),
  OnUnitInactiveSec: timerSpan('OnUnitInactiveSec'),
  OnCalendar: (v, a, s) => {
    if (v === '') {
      tmr(s).values = [];
      return;
    }
    const text = spec(s, a, v);
    const parsed = parseCalendar(text);
    // As systemd: a bad expression is ignored (a timer left with no value is refused as a whole).
    if (!parsed.ok) warn(s, a, `cannot parse calendar specification "${text}" (${parsed.error}); ignored`);
    else tmr(s).values.push({ base: 'OnCalendar', spec: parsed.spec, text });
  },
  Unit: (v, a, s) => {
    const name = spec(s, a, v);
    if (!isValidUnitName(name) || name.endsWith('.timer')) error(s, a, `"${name}" is not a unit a timer can start`);
    else tmr(s).unit = name;
  },
  Persistent: timerBool('persistent'),
  AccuracySec: timerDelay('accuracyMs'),
  RandomizedDelaySec: timerDelay('randomizedDelayMs'),
  FixedRandomDelay: timerBool('fixedRandomDelay'),
  RemainAfterElapse: timerBool('remainAfterElapse'),
  OnClockChange: timerBool('onClockChange'),
  OnTimezoneChange: timerBool('onTimezoneChange'),
  WakeSystem: timerBool('wakeSystem'),
};

export const SECTIONS: Readonly<Record<string, Readonly<Record<string, Handler>>>> = {
  Unit: UNIT_HANDLERS,
  Service: SERVICE_HANDLERS,
  Socket: SOCKET_HANDLERS,
  Timer: TIMER_HANDLERS,
  Install: INSTALL_HANDLERS,
};
