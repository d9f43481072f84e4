// The systemctl front: when the executable is invoked as `systemctl`, the common
// verbs and flags work with systemctl's words and exit codes, so package scripts
// and operators' habits keep working inside the container.
import * as fs from 'node:fs';
import * as tty from 'node:tty';
import type { JobResult, ReloadReport, UnitFileState, UnitStatus } from './manager';
import { AccessDenied, callResult, ConnectError, controlSocketPath, socketForCaller } from './client';
import { renderStatus, renderUnitTable } from './format';
import { SYSTEMD_COMPAT_VERSION, systemctlHelp, systemctlVersion } from './systemctl-help';
import { moreVerbs, ofTypes } from './systemctl-verbs';
import { VERSION } from '../version';
import type { LogLine } from '../output/log-ring';
import { unitName, type Verb } from './protocol';
import { fnmatch } from '../sys/fnmatch';
import { OUTPUT_MODES, type OutputMode } from '../journal/journalctl-args';
import { StatusJournal } from './status-tail';

/**
 * systemctl's exit codes (LSB): 0 ok, 1 failure, 3 not running (status verbs) or job type not
 * applicable (job verbs: LSB's "unimplemented feature"), 4 no such unit, 5 not loaded.
 */
export const EXIT = { OK: 0, FAILURE: 1, NOT_RUNNING: 3, NOT_APPLICABLE: 3, NO_SUCH_UNIT: 4, NO_PERMISSION: 4, NOT_LOADED: 5 } as const;

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  socket: string;
  /** The environment edit's editor is chosen from (the process's by default). */
  env?: NodeJS.ProcessEnv;
  /** Whether stdout and stderr are terminals (by default: asked of fds 1 and 2). */
  onTty?: boolean;
  /** Where status looks for the journal (tests); the machine's /run/log/journal and /var/log/journal by default. */
  journalDirs?: readonly string[];
}

interface Flags {
  quiet: boolean;
  now: boolean;
  legend: boolean;
  all: boolean;
  value: boolean;
  properties: string[];
  /** --state=: unit file states (list-unit-files) or load/active/sub states (list-units). */
  states: string[];
  signal?: string;
  killWho?: 'main' | 'all';
  lines: number;
  /** -o/--output: how status shows the unit's journal lines (journalctl's modes). */
  output: OutputMode;
  /** -t/--type: unit types the list verbs show. */
  types: string[];
  /** edit --full, edit --force, list-dependencies --reverse, --no-reload, edit --drop-in=NAME. */
  full: boolean;
  force: boolean;
  reverse: boolean;
  noReload: boolean;
  dropIn?: string;
  /** --help / --version: print and exit, whatever else was given (as systemctl does). */
  info?: 'help' | 'version';
}

export function parseSystemctlArgs(argv: readonly string[]): { verb?: string; args: string[]; flags: Flags; error?: string } {
  const flags: Flags = {
    quiet: false, now: false, legend: true, all: false, value: false, properties: [], states: [], lines: 10, output: 'short', types: [],
    full: false, force: false, reverse: false, noReload: false,
  };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      // deb-systemd-invoke and deb-systemd-helper end the options this way.
      positional.push(...argv.slice(i + 1));
      break;
    }
    const [name, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => inline ?? argv[++i] ?? '';
    switch (name) {
      case '-h':
      case '--help':
        flags.info = 'help';
        break;
      case '--version':
        flags.info ??= 'version';
        break;
      case '-q':
      case '--quiet':
        flags.quiet = true;
        break;
      case '--now':
        flags.now = true;
        break;
      case '--no-legend':
        flags.legend = false;
        break;
      case '-a':
      case '--all':
        flags.all = true;
        break;
      case '--value':
        flags.value = true;
        break;
      case '-p':
      case '--property':
        flags.properties.push(...value().split(',').filter(Boolean));
        break;
      case '-P': // systemctl 246+: --property=NAME --value
        flags.properties.push(...value().split(',').filter(Boolean));
        flags.value = true;
        break;
      case '-s':
      case '--signal':
        flags.signal = value();
        break;
      case '--kill-whom':
      case '--kill-who': {
        const w = value();
        flags.killWho = w === 'main' ? 'main' : 'all';
        break;
      }
      case '-n':
      case '--lines':
        flags.lines = Number(value()) || 0;
        break;
      case '-o':
      case '--output': {
        const mode = value();
        if (!(OUTPUT_MODES as readonly string[]).includes(mode)) return { args: [], flags, error: `Unknown output '${mode}'.` };
        flags.output = mode as OutputMode;
        break;
      }
      case '--state':
        flags.states.push(...value().split(',').filter(Boolean));
        break;
      case '--failed':
        flags.states.push('failed');
        break;
      case '-t':
      case '--type':
        // systemctl's unit types; a load or active state given here counts as --state=.
        for (const t of value().split(',').filter(Boolean)) (UNIT_TYPES.has(t) ? flags.types : flags.states).push(t);
        break;
      case '--full':
      case '-l':
        flags.full = true;
        break;
      case '--force':
      case '-f':
        flags.force = true;
        break;
      case '--reverse':
        flags.reverse = true;
        break;
      case '--no-reload':
        flags.noReload = true;
        break;
      case '--drop-in':
        flags.dropIn = value();
        break;
      case '--no-pager':
      case '--no-block':
      case '--no-ask-password':
      case '--plain':
      case '--system':
        break;
      default:
        if (a.startsWith('-') && a.length > 1) return { args: [], flags, error: `unrecognized option '${a}'` };
        positional.push(a);
    }
  }
  return { verb: positional[0], args: positional.slice(1), flags };
}

/** The unit types systemctl knows (-t). */
const UNIT_TYPES: ReadonlySet<string> = new Set(['service', 'mount', 'swap', 'socket', 'target', 'device', 'automount', 'timer', 'path', 'slice', 'scope']);

/** Shell-style patterns (`*`, `?`, `[...]`) as systemctl's list verbs take them; no patterns match all. */
export function matchesAny(patterns: readonly string[], name: string): boolean {
  return patterns.length === 0 || patterns.some((p) => fnmatch(p, name, { noEscape: true }));
}

function result<T>(io: Io, verb: Verb, params: Record<string, unknown>): Promise<T> {
  return callResult<T>(verb, params, { socket: io.socket });
}

/** What systemctl 252 says when the manager refuses a caller (no polkit: "Access denied"), and its exit code. */
function denied(io: Io, verb: string, units: readonly string[]): number {
  const job = JOB_WORDS[verb] ?? (verb === 'condrestart' ? 'try-restart' : verb === 'force-reload' ? 'reload-or-restart' : undefined);
  if (job) {
    for (const u of units) io.err(`Failed to ${job} ${u}: Access denied\nSee system logs and 'systemctl status ${u}' for details.\n`);
    return EXIT.NO_PERMISSION;
  }
  const perUnit: Record<string, string> = { kill: 'kill unit', 'reset-failed': 'reset failed state of unit' };
  if (perUnit[verb] && units.length) {
    for (const u of units) io.err(`Failed to ${perUnit[verb]} ${u}: Access denied\n`);
    return EXIT.FAILURE;
  }
  const calls: Record<string, string> = { poweroff: 'PowerOff', halt: 'Halt', reboot: 'Reboot' };
  const said: Record<string, string> = {
    'daemon-reload': 'Reload daemon failed',
    'daemon-reexec': 'Reexecution failed',
    'reset-failed': 'Failed to execute operation',
    'show-environment': 'Failed to get environment',
    'set-environment': 'Failed to set environment',
    'unset-environment': 'Failed to unset environment',
    'set-default': 'Failed to set default target',
  };
  io.err(`${calls[verb] ? `Call to ${calls[verb]} failed` : (said[verb] ?? `Failed to ${verb} unit`)}: Access denied\n`);
  return EXIT.FAILURE;
}

const JOB_WORDS: Record<string, string> = {
  start: 'start',
  stop: 'stop',
  restart: 'restart',
  reload: 'reload',
  'try-restart': 'try-restart',
  'reload-or-restart': 'reload-or-restart',
};

async function jobs(io: Io, verb: Verb, units: string[]): Promise<number> {
  const results = await result<JobResult[]>(io, verb, { units });
  let code: number = EXIT.OK;
  results.forEach((r, i) => {
    const u = unitName(units[i]!);
    if (r.result === 'not-found') {
      io.err(`Failed to ${JOB_WORDS[verb]} ${u}: Unit ${u} ${verb === 'stop' ? 'not loaded' : 'not found'}.\n`);
      code = Math.max(code, EXIT.NOT_LOADED);
    } else if (r.result === 'invalid') {
      io.err(`Failed to ${JOB_WORDS[verb]} ${u}: ${r.message ?? r.result}\n`);
      code = Math.max(code, EXIT.NOT_APPLICABLE);
    } else if (r.result === 'inactive') {
      io.err(`${r.message ?? `${u} is not active.`}\n`);
      code = Math.max(code, EXIT.FAILURE);
    } else if (r.result === 'failed') {
      io.err(
        `Job for ${u} failed because the control process exited with error code.\nSee "systemctl status ${u}" and "journalctl -xeu ${u}" for details.\n`,
      );
      code = Math.max(code, EXIT.FAILURE);
    } else if (r.result === 'dependency') {
      io.err(`A dependency job for ${u} failed. See 'journalctl -xe' for details.\n`);
      code = Math.max(code, EXIT.FAILURE);
    } else if (r.result !== 'done') {
      io.err(`Failed to ${JOB_WORDS[verb]} ${u}: ${r.message ?? r.result}\n`);
      code = Math.max(code, EXIT.FAILURE);
    }
  });
  return code;
}

/** "enabled" when /etc/rc[2-5].d holds an S link for the script, as systemd-sysv-install is-enabled says. */
export function sysvEnabled(script: string, rcRoot = '/etc'): 'enabled' | 'disabled' {
  const name = script.slice(script.lastIndexOf('/') + 1);
  for (const level of ['2', '3', '4', '5']) {
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(`${rcRoot}/rc${level}.d`);
    } catch {
      continue;
    }
    if (entries.some((e) => /^S\d\d/.test(e) && e.slice(3) === name)) return 'enabled';
  }
  return 'disabled';
}

const ENABLED_LIKE: ReadonlySet<UnitFileState> = new Set(['enabled', 'static', 'alias', 'generated']);

export async function systemctl(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseSystemctlArgs(argv);
  try {
    return await systemctlVerb(parsed, io);
  } catch (err) {
    if (err instanceof AccessDenied) return denied(io, parsed.verb ?? 'list-units', parsed.args.map(unitName));
    throw err;
  }
}

async function systemctlVerb(parsed: ReturnType<typeof parseSystemctlArgs>, io: Io): Promise<number> {
  const { verb, args, flags, error } = parsed;
  if (error) {
    io.err(`systemctl: ${error}\nSee 'systemctl --help'.\n`);
    return EXIT.FAILURE;
  }
  if (flags.info) {
    io.out(flags.info === 'help' ? systemctlHelp() : systemctlVersion());
    return EXIT.OK;
  }
  const units = args.map(unitName);
  const needUnits = (): boolean => {
    if (units.length) return true;
    io.err(`Too few arguments.\n`);
    return false;
  };
  switch (verb ?? 'list-units') {
    case 'start':
    case 'stop':
    case 'restart':
    case 'reload':
    case 'try-restart':
    case 'reload-or-restart':
      if (!needUnits()) return EXIT.FAILURE;
      return jobs(io, verb as Verb, units);
    case 'condrestart':
      return needUnits() ? jobs(io, 'try-restart', units) : EXIT.FAILURE;
    case 'force-reload':
      return needUnits() ? jobs(io, 'reload-or-restart', units) : EXIT.FAILURE;
    case 'is-active': {
      if (!needUnits()) return EXIT.FAILURE;
      const st = await result<UnitStatus[]>(io, 'status', { units });
      if (!flags.quiet) io.out(st.map((s) => `${s.activeState}\n`).join(''));
      return st.some((s) => s.activeState === 'active' || s.activeState === 'reloading') ? EXIT.OK : EXIT.NOT_RUNNING;
    }
    case 'is-failed': {
      if (!needUnits()) return EXIT.FAILURE;
      const st = await result<UnitStatus[]>(io, 'status', { units });
      if (!flags.quiet) io.out(st.map((s) => `${s.activeState}\n`).join(''));
      return st.some((s) => s.activeState === 'failed') ? EXIT.OK : EXIT.FAILURE;
    }
    case 'is-enabled': {
      if (!needUnits()) return EXIT.FAILURE;
      const st = await result<UnitStatus[]>(io, 'status', { units });
      let ok = false;
      for (const [i, s] of st.entries()) {
        // Like systemctl, the first unit without a file ends the answer, with a failure.
        if (s.loadState === 'not-found') {
          io.err(`Failed to get unit file state for ${s.name}: No such file or directory\n`);
          return EXIT.FAILURE;
        }
        // Asked by another name of the unit (sshd for ssh.service): that file is an alias.
        // A unit made from a SysV script is enabled by its rc?.d links, as systemctl asks systemd-sysv-install.
        const sysv = s.properties.SourcePath?.startsWith('/etc/init.d/') ? sysvEnabled(s.properties.SourcePath) : undefined;
        const state = s.name !== units[i] && s.loadState === 'loaded' ? 'alias' : (sysv ?? s.unitFileState);
        if (!flags.quiet) io.out(`${state}\n`);
        if (ENABLED_LIKE.has(state as UnitFileState)) ok = true;
      }
      return ok ? EXIT.OK : EXIT.FAILURE;
    }
    case 'status': {
      if (!units.length) return moreVerbs('system-status', front(io, flags, units, args))!;
      const st = await result<UnitStatus[]>(io, 'status', { units });
      let code: number = EXIT.OK;
      // The unit's journal lines are read here, from the files, as systemctl reads them (not by PID 1).
      const journal = flags.lines > 0 ? StatusJournal.find(io.journalDirs) : undefined;
      let shown = false;
      for (const s of st) {
        if (s.loadState === 'not-found') {
          io.err(`Unit ${s.name} could not be found.\n`);
          code = Math.max(code, EXIT.NO_SUCH_UNIT);
          continue;
        }
        if (shown) io.out('\n'); // a blank line between units, as systemctl's show_one
        shown = true;
        const wanted = flags.lines > 0 && s.loadState === 'loaded';
        if (wanted && journal) {
          const tail = journal.tail(s.name, { lines: flags.lines, mode: flags.output, all: flags.all, notBeforeMonotonicUsec: Number(s.properties.InactiveExitTimestampMonotonic) || 0, quiet: flags.quiet });
          io.out(renderStatus(s) + (tail && `\n${tail}`));
        } else {
          // No journal on this machine: the lines PID 1 keeps. Another user sees none, as systemctl shows none from a journal it may not read.
          const logs = wanted
            ? await result<LogLine[]>(io, 'logs', { units: [s.name], lines: flags.lines }).catch((err: Error) => {
                if (err instanceof AccessDenied) return [];
                throw err;
              })
            : [];
          io.out(renderStatus(s, logs));
        }
        if (s.activeState !== 'active' && s.activeState !== 'reloading') code = Math.max(code, EXIT.NOT_RUNNING);
      }
      journal?.close();
      return code;
    }
    case 'show': {
      if (!needUnits()) return EXIT.FAILURE;
      const st = await result<UnitStatus[]>(io, 'status', { units });
      st.forEach((s, i) => {
        // Named properties show even when empty; otherwise empty ones only with --all (as systemctl).
        const props = Object.entries(s.properties).filter(([k, v]) => (flags.properties.length ? flags.properties.includes(k) : flags.all || v !== ''));
        if (i > 0) io.out('\n');
        for (const [k, v] of props) {
          // A property with several values (ExecStart=, Listen=) is one line per value.
          for (const line of v === '' ? [''] : v.split('\n')) io.out(flags.value ? `${line}\n` : `${k}=${line}\n`);
        }
      });
      return EXIT.OK;
    }
    case 'list-units': {
      const all = await result<UnitStatus[]>(io, 'list-units', {});
      const shown = all.filter(
        (u) =>
          (flags.all || flags.states.length > 0 || u.activeState !== 'inactive') &&
          matchesAny(args, u.name) &&
          ofTypes(flags.types, u.name) &&
          (flags.states.length === 0 || [u.loadState, u.activeState, u.subState].some((s) => flags.states.includes(s))),
      );
      io.out(renderUnitTable(shown, flags.legend));
      return EXIT.OK;
    }
    case 'list-unit-files': {
      const all = await result<Array<{ name: string; state: string }>>(io, 'list-unit-files', {});
      const files = all.filter((f) => matchesAny(args, f.name) && ofTypes(flags.types, f.name) && (flags.states.length === 0 || flags.states.includes(f.state)));
      const w = Math.max(9, ...files.map((f) => f.name.length));
      const body = files.map((f) => `${f.name.padEnd(w)} ${f.state}\n`).join('');
      io.out(flags.legend ? `${'UNIT FILE'.padEnd(w)} STATE\n${body}\n${files.length} unit files listed.\n` : body);
      // systemctl fails when nothing matched.
      return files.length > 0 ? EXIT.OK : EXIT.FAILURE;
    }
    case 'enable':
    case 'disable': {
      if (!needUnits()) return EXIT.FAILURE;
      const res = await result<Array<{ changes: string[]; error?: string; warning?: string }>>(io, verb as Verb, { units });
      let code: number = EXIT.OK;
      for (const r of res) {
        for (const c of r.changes) if (!flags.quiet) io.err(`${c}\n`);
        if (r.warning && !flags.quiet) io.err(`${r.warning}\n`);
        if (r.error) {
          io.err(`Failed to ${verb} unit: ${r.error}\n`);
          code = EXIT.FAILURE;
        }
      }
      if (flags.now && code === EXIT.OK) return jobs(io, verb === 'enable' ? 'start' : 'stop', units);
      return code;
    }
    case 'kill': {
      if (!needUnits()) return EXIT.FAILURE;
      const res = await result<JobResult[]>(io, 'kill', { units, signal: flags.signal ?? 'SIGTERM', who: flags.killWho ?? 'all' });
      let code: number = EXIT.OK;
      res.forEach((r, i) => {
        if (r.result === 'done') return;
        io.err(`Failed to kill unit ${units[i]}: ${r.result === 'not-found' ? `Unit ${units[i]} not loaded.` : (r.message ?? r.result)}\n`);
        code = EXIT.FAILURE;
      });
      return code;
    }
    case 'daemon-reload': {
      const rep = await result<ReloadReport>(io, 'daemon-reload', {});
      for (const e of rep.errors) io.err(`${e}\n`);
      return EXIT.OK;
    }
    case 'daemon-reexec':
      return EXIT.OK;
    case 'poweroff':
    case 'halt':
    case 'reboot':
      await result(io, 'shutdown', {});
      return EXIT.OK;
    default: {
      const more = moreVerbs(verb ?? 'list-units', front(io, flags, units, args));
      if (more) return more;
      io.err(`Unknown command verb '${verb}'.\n`);
      return EXIT.FAILURE;
    }
  }
}

function front(io: Io, flags: Flags, units: string[], args: string[]): Parameters<typeof moreVerbs>[1] {
  return {
    out: io.out,
    err: io.err,
    ask: (verb, params) => result(io, verb, params),
    units,
    args,
    flags,
    env: io.env ?? process.env,
    version: `${SYSTEMD_COMPAT_VERSION} (ts-init ${VERSION})`,
    onTty: io.onTty ?? (tty.isatty(1) && tty.isatty(2)),
  };
}

/** Entry point for the `systemctl` name. */
export function systemctlMain(argv: readonly string[]): void {
  const io: Io = {
    out: (s) => fs.writeSync(1, s),
    err: (s) => fs.writeSync(2, s),
    socket: socketForCaller(controlSocketPath()),
  };
  systemctl(argv, io).then(
    (code) => process.exit(code),
    (err: NodeJS.ErrnoException) => {
      // A reader that went away (`| head`): systemctl ends on SIGPIPE, silently.
      if (err.code === 'EPIPE') process.exit(EXIT.FAILURE);
      if (err instanceof ConnectError) {
        io.err(`System has not been booted with ts-init as init system (PID 1). Can't operate.\nFailed to connect to bus: Host is down\n`);
      } else {
        io.err(`Failed: ${err.message}\n`);
      }
      process.exit(EXIT.FAILURE);
    },
  );
}

/** Debian's `service` (init-system-helpers): its usage line and the version it answers as. */
export const SERVICE_USAGE = 'Usage: service < option > | --status-all | [ service_name [ command | --full-restart ] ]';
const SERVICE_VERSION = '1.65.2';

/**
 * What `service ARGS` asks for, as Debian's script reads them: --help/--version (on stderr,
 * exit 0, as the script prints them), --status-all, or NAME ACTION [OPTIONS], which the
 * front turns into `systemctl ACTION NAME`. Pure.
 */
export function parseServiceArgs(argv: readonly string[]):
  | { kind: 'say'; text: string; code: number }
  | { kind: 'systemctl'; argv: string[] } {
  const first = argv[0];
  if (first === undefined) return { kind: 'say', text: `${SERVICE_USAGE}\n`, code: 1 };
  if (first === '-h' || first.startsWith('--h')) return { kind: 'say', text: `${SERVICE_USAGE}\n`, code: 0 };
  if (first === '--version' || first === '-V') return { kind: 'say', text: `service ver. ${SERVICE_VERSION} (ts-init ${VERSION})\n`, code: 0 };
  if (first === '--status-all' && argv.length === 1) return { kind: 'systemctl', argv: ['list-units', '--all'] };
  const [name, action, ...rest] = argv;
  if (name!.startsWith('-')) return { kind: 'say', text: `service: unrecognized option '${name}'\n${SERVICE_USAGE}\n`, code: 1 };
  if (!action) return { kind: 'say', text: `service: ${name}: no command given (start, stop, restart, reload, status, ...)\n${SERVICE_USAGE}\n`, code: 1 };
  return { kind: 'systemctl', argv: [action === '--full-restart' ? 'restart' : action, name!, ...rest] };
}

/** `service NAME ACTION`: the sysvinit front, mapped onto the same verbs. */
export function serviceMain(argv: readonly string[]): void {
  const r = parseServiceArgs(argv);
  if (r.kind === 'systemctl') return systemctlMain(r.argv);
  fs.writeSync(2, r.text);
  process.exit(r.code);
}
