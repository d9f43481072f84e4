// The command line: tini's flags (so ts-init can replace it as `--init`), plus
// ts-init's own long options, each with an environment form for images whose
// ENTRYPOINT is fixed. Pure: returns options or a usage error, starts nothing.
import { parseSignal } from '../sys/signals';

export type LogFormat = 'text' | 'json';
/** What goes to PID 1's stdout, the container log, besides the CMD's own output (output/console-policy.ts). */
export type ConsoleMode = 'all' | 'units' | 'cmd';

/** syslog's levels, as journald.conf's MaxLevel*= take them by name. */
const LEVEL_NAMES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

export interface InitOptions {
  command: string[];
  subreaper: boolean;
  killProcessGroup: boolean;
  parentDeathSignal?: number;
  remapToZero: Set<number>;
  verbosity: number;
  warnOnReap: boolean;
  graceMs: number;
  logFormat: LogFormat;
  /** --log-console: which lines units and the journal add to the container log. */
  logConsole: ConsoleMode;
  /** --log-console-max-level: the least important level shown there (journald's MaxLevelConsole=), 0-7. */
  logConsoleMaxLevel: number;
  unitDirs: string[];
  noWait: boolean;
  noUnits: boolean;
  initScript?: string;
  initCmd?: string;
  postStop?: string;
  postStopCmd?: string;
  hookTimeoutMs: number;
  controlSocket: string;
  /** --rich / TS_INIT_RICH: true asks for the rich init, false forbids it; unset lets the name decide. */
  rich?: boolean;
  /** --unit-environment: which units' processes start with the whole container environment. */
  unitEnvironment: 'root' | 'all' | 'none';
  /**
   * --systemd-identity: the rich PID 1 of a container creates /run/systemd/system (sd_booted()),
   * so that the image's software takes it for systemd; 'no' keeps the directory absent.
   */
  systemdIdentity: boolean;
}

export type ParseResult =
  | { kind: 'run'; options: InitOptions }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'license' }
  | { kind: 'usage-error'; message: string };

export const DEFAULT_GRACE_MS = 10_000;
export const DEFAULT_HOOK_TIMEOUT_MS = 90_000;
export const DEFAULT_CONTROL_SOCKET = '/run/ts-init.sock';

class UsageError extends Error {}

function parseSeconds(flag: string, text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text)) throw new UsageError(`${flag} takes a number of seconds, not '${text}'`);
  return Math.round(Number(text) * 1000);
}

/** A boolean as systemd's parse_boolean() reads it. */
function parseYesNo(flag: string, text: string): boolean {
  if (/^(1|yes|y|true|t|on)$/i.test(text)) return true;
  if (/^(0|no|n|false|f|off)$/i.test(text)) return false;
  throw new UsageError(`${flag} takes 'yes' or 'no', not '${text}'`);
}

type LongOption = {
  name: string;
  env: string;
  apply: (o: InitOptions, value: string) => void;
  /** Flags take no value: on the command line they are just present. */
  flag?: boolean;
  /** A flag's environment form set to 0/no/false/off: undefined means "as if unset". */
  applyFalse?: (o: InitOptions) => void;
};

const LONG_OPTIONS: readonly LongOption[] = [
  { name: 'grace', env: 'TS_INIT_GRACE', apply: (o, v) => (o.graceMs = parseSeconds('--grace', v)) },
  {
    name: 'log-format',
    env: 'TS_INIT_LOG_FORMAT',
    apply: (o, v) => {
      if (v !== 'text' && v !== 'json') throw new UsageError(`--log-format takes 'text' or 'json', not '${v}'`);
      o.logFormat = v;
    },
  },
  {
    name: 'log-console',
    env: 'TS_INIT_LOG_CONSOLE',
    apply: (o, v) => {
      if (v !== 'all' && v !== 'units' && v !== 'cmd') throw new UsageError(`--log-console takes 'all', 'units' or 'cmd', not '${v}'`);
      o.logConsole = v;
    },
  },
  {
    name: 'log-console-max-level',
    env: 'TS_INIT_LOG_CONSOLE_MAX_LEVEL',
    apply: (o, v) => {
      const level = /^[0-7]$/.test(v) ? Number(v) : LEVEL_NAMES.indexOf(v);
      if (level < 0) throw new UsageError(`--log-console-max-level takes a level (${LEVEL_NAMES.join(', ')} or 0-7), not '${v}'`);
      o.logConsoleMaxLevel = level;
    },
  },
  { name: 'units', env: 'TS_INIT_UNITS', apply: (o, v) => o.unitDirs.push(...v.split(':').filter(Boolean)) },
  { name: 'rich', env: 'TS_INIT_RICH', flag: true, apply: (o) => (o.rich = true), applyFalse: (o) => (o.rich = false) },
  { name: 'no-wait', env: 'TS_INIT_NO_WAIT', flag: true, apply: (o) => (o.noWait = true) },
  { name: 'no-units', env: 'TS_INIT_NO_UNITS', flag: true, apply: (o) => (o.noUnits = true) },
  { name: 'initscript', env: 'TS_INIT_INITSCRIPT', apply: (o, v) => (o.initScript = v) },
  { name: 'initcmd', env: 'TS_INIT_INITCMD', apply: (o, v) => (o.initCmd = v) },
  { name: 'poststop', env: 'TS_INIT_POSTSTOP', apply: (o, v) => (o.postStop = v) },
  { name: 'poststopcmd', env: 'TS_INIT_POSTSTOPCMD', apply: (o, v) => (o.postStopCmd = v) },
  { name: 'hook-timeout', env: 'TS_INIT_HOOK_TIMEOUT', apply: (o, v) => (o.hookTimeoutMs = parseSeconds('--hook-timeout', v)) },
  { name: 'control-socket', env: 'TS_INIT_CONTROL_SOCKET', apply: (o, v) => (o.controlSocket = v) },
  {
    name: 'unit-environment',
    env: 'TS_INIT_UNIT_ENVIRONMENT',
    apply: (o, v) => {
      if (v !== 'root' && v !== 'all' && v !== 'none') throw new UsageError(`--unit-environment takes 'root', 'all' or 'none', not '${v}'`);
      o.unitEnvironment = v;
    },
  },
  { name: 'systemd-identity', env: 'TS_INIT_SYSTEMD_IDENTITY', apply: (o, v) => (o.systemdIdentity = parseYesNo('--systemd-identity', v)) },
];

export const LONG_OPTION_NAMES: readonly string[] = LONG_OPTIONS.map((o) => o.name);

/** What other front ends (the OCI config editor) need to know of each long option. */
export interface LongOptionSpec {
  name: string;
  env: string;
  flag: boolean;
}

export const LONG_OPTION_SPECS: readonly LongOptionSpec[] = LONG_OPTIONS.map((o) => ({ name: o.name, env: o.env, flag: !!o.flag }));

/** Checks one value of a long option as the command line would; returns the usage error, if any. */
export function checkLongOption(name: string, value: string): string | undefined {
  const opt = LONG_OPTIONS.find((l) => l.name === name);
  if (!opt) return `unknown option '--${name}'`;
  try {
    opt.apply(defaults(), value);
    return undefined;
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
}

function defaults(): InitOptions {
  return {
    command: [],
    subreaper: false,
    killProcessGroup: false,
    remapToZero: new Set(),
    verbosity: 1,
    warnOnReap: false,
    graceMs: DEFAULT_GRACE_MS,
    logFormat: 'text',
    logConsole: 'all',
    logConsoleMaxLevel: 6,
    unitDirs: [],
    noWait: false,
    noUnits: false,
    hookTimeoutMs: DEFAULT_HOOK_TIMEOUT_MS,
    controlSocket: DEFAULT_CONTROL_SOCKET,
    unitEnvironment: 'root',
    systemdIdentity: true,
  };
}

function applyEnvironment(o: InitOptions, env: NodeJS.ProcessEnv): void {
  // tini: these two only need to be set, whatever the value.
  if (env.TINI_SUBREAPER !== undefined) o.subreaper = true;
  if (env.TINI_KILL_PROCESS_GROUP !== undefined) o.killProcessGroup = true;
  if (env.TINI_VERBOSITY !== undefined) {
    if (!/^\d+$/.test(env.TINI_VERBOSITY)) throw new UsageError(`TINI_VERBOSITY must be a whole number, not '${env.TINI_VERBOSITY}'`);
    o.verbosity = Number(env.TINI_VERBOSITY);
  }
  for (const opt of LONG_OPTIONS) {
    const value = env[opt.env];
    if (value === undefined || value === '') continue;
    if (opt.flag && /^(0|no|false|off)$/i.test(value)) {
      opt.applyFalse?.(o);
      continue;
    }
    opt.apply(o, value);
  }
}

function parseExitCode(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 255) throw new UsageError(`-e takes an exit code from 0 to 255, not '${text}'`);
  return Number(text);
}

/** Parses argv (without the program name). Stops at the first non-option, like tini's getopt("+..."). */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ParseResult {
  const o = defaults();
  try {
    applyEnvironment(o, env);
    // Repeated options on the command line accumulate; a list from the environment is replaced.
    const envUnits = o.unitDirs.length;
    let cliUnits = false;
    let i = 0;
    for (; i < argv.length; i++) {
      const arg = argv[i]!;
      if (arg === '--') {
        i++;
        if (argv[i] === '--') throw new UsageError("'--' given twice: nothing after the first '--' is read as an option");
        break;
      }
      if (arg === '--version') return { kind: 'version' };
      if (arg === '--help') return { kind: 'help' };
      if (arg.startsWith('--')) {
        const eq = arg.indexOf('=');
        const name = arg.slice(2, eq < 0 ? undefined : eq);
        const opt = LONG_OPTIONS.find((l) => l.name === name);
        if (!opt) throw new UsageError(`unknown option '--${name}'`);
        if (opt.flag) {
          if (eq >= 0) throw new UsageError(`--${name} takes no value`);
          opt.apply(o, '');
          continue;
        }
        const value: string | undefined = eq < 0 ? argv[++i] : arg.slice(eq + 1);
        if (value === undefined) throw new UsageError(`--${name} needs a value`);
        if (name === 'units' && !cliUnits) {
          o.unitDirs.splice(0, envUnits);
          cliUnits = true;
        }
        opt.apply(o, value);
        continue;
      }
      if (!arg.startsWith('-') || arg === '-') break;
      // A cluster of short flags: -vvv, -sg, -e3, -p SIGKILL.
      for (let j = 1; j < arg.length; j++) {
        const c = arg[j]!;
        const takeValue = (): string => {
          const rest = arg.slice(j + 1);
          j = arg.length;
          if (rest) return rest;
          const next = argv[++i];
          if (next === undefined) throw new UsageError(`-${c} needs a value`);
          return next;
        };
        switch (c) {
          case 'h':
            return { kind: 'help' };
          case 'l':
            return { kind: 'license' };
          case 's':
            o.subreaper = true;
            break;
          case 'g':
            o.killProcessGroup = true;
            break;
          case 'w':
            o.warnOnReap = true;
            break;
          case 'v':
            o.verbosity++;
            break;
          case 'e':
            o.remapToZero.add(parseExitCode(takeValue()));
            break;
          case 'p': {
            const text = takeValue();
            const sig = parseSignal(text);
            if (sig === undefined) throw new UsageError(`-p takes a signal name or number, not '${text}'`);
            o.parentDeathSignal = sig;
            break;
          }
          default:
            throw new UsageError(`unknown option '-${c}'${j === 1 ? ' (put -- before a command that starts with -)' : ''}`);
        }
      }
    }
    o.command = argv.slice(i);
    if (o.command.length === 0) throw new UsageError('no command given to run');
    return { kind: 'run', options: o };
  } catch (err) {
    if (err instanceof UsageError) return { kind: 'usage-error', message: err.message };
    throw err;
  }
}
