// Which face of the executable a run is: the exec helper, a client named by the name it
// was started under (systemctl, journalctl, ... by symlink) or by its first argument
// (`ts-init ctl`, ...), else the init. Pure and small: the executable's first script
// (sea-main.ts) asks it which of the two bundles to compile, before anything else loads.
import * as path from 'node:path';
import { JOURNAL_WRITER_ARG } from './journal/journal-writer-arg';
import { TINI_NAMES } from './personality/rule';
import { EXEC_HELPER_ARG } from './process/exec-spec';

/** systemd-sysv's links to systemctl. */
export const SYSVINIT_NAMES: readonly string[] = ['shutdown', 'halt', 'poweroff', 'reboot', 'runlevel', 'telinit'];
/**
 * Names the executable answers to by symlink: a runtime handler's BinaryName, the podman hook, systemd's clients,
 * the settings fronts, dumb-init; and systemd-tmpfiles, the name PID 1 runs it under for systemd-tmpfiles-clean.service.
 */
const CLIENT_NAMES: readonly string[] = [
  'ts-init-runtime', 'oci-precreate', 'systemctl', 'journalctl', 'systemd-analyze', 'service', 'hostnamectl', 'timedatectl',
  'localectl', 'dumb-init', 'systemd-tmpfiles', ...SYSVINIT_NAMES,
];
/** `ts-init COMMAND ...`; the journal's writer process is one, started by PID 1 (journal-start.ts). */
const CLIENT_COMMANDS: readonly string[] = ['ctl', 'oci-runtime', 'oci-precreate', 'install-host', JOURNAL_WRITER_ARG];

export type Face =
  | { kind: 'exec-helper' }
  | { kind: 'init' }
  /** Started under another program's name. */
  | { kind: 'named'; name: string }
  /** `ts-init COMMAND ...`. */
  | { kind: 'command'; command: string };

export type ClientFace = Extract<Face, { kind: 'named' | 'command' }>;

/** argv0: the name the executable was started under; argv: its arguments. */
export function faceOf(argv0: string, argv: readonly string[]): Face {
  if (argv[0] === EXEC_HELPER_ARG) return { kind: 'exec-helper' };
  const name = path.basename(argv0);
  if (CLIENT_NAMES.includes(name)) return { kind: 'named', name };
  if (argv[0] !== undefined && CLIENT_COMMANDS.includes(argv[0])) return { kind: 'command', command: argv[0] };
  return { kind: 'init' };
}

/** Whether the face is in PID 1's bundle (the init and the exec helper PID 1 starts) or in the clients'. */
export function isPid1Face(face: Face): face is Extract<Face, { kind: 'exec-helper' | 'init' }> {
  return face.kind === 'exec-helper' || face.kind === 'init';
}

const FALSE_WORDS = /^(0|no|false|off)$/i;

/**
 * Whether an init run will most likely be the rich init (personality/rule.ts decides, much
 * later): which of PID 1's two code caches the executable's first script compiles the bundle
 * with. The rich cache also holds the supervisor's start-up (some 450 KB more to read), which
 * a plain `ts-init -- CMD` would pay for with some 2 ms of CPU at every start. A wrong guess
 * only costs compiling: both caches are for the same bundle. Reads argv before `--` and env.
 */
export function likelyRich(argv0: string, argv: readonly string[], env: NodeJS.ProcessEnv, isPid1: boolean): boolean {
  const end = argv.indexOf('--');
  const options = end < 0 ? argv : argv.slice(0, end);
  const has = (name: string): boolean => options.some((a) => a === name || a.startsWith(`${name}=`));
  const envSet = (name: string): boolean | undefined => (env[name] ? !FALSE_WORDS.test(env[name]!) : undefined);
  if (has('--no-units') || envSet('TS_INIT_NO_UNITS')) return false;
  if (has('--units') || env.TS_INIT_UNITS) return true;
  if (!isPid1) return false;
  if (has('--rich')) return true;
  const rich = envSet('TS_INIT_RICH');
  if (rich !== undefined) return rich;
  return !TINI_NAMES.has(path.basename(argv0));
}
