// Starts one command of a unit (ExecStart=, ExecStartPre=, ...) the way systemd
// would: environment from the container plus Environment= and EnvironmentFile=,
// $VAR expansion, credentials, working directory, umask, nice, rlimits, and
// stdout/stderr to ts-init's tagged output. Failures before exec are reported
// with systemd's exit statuses (203/EXEC, 217/USER, 200/CHDIR, ...).
import type { ChildProcess, StdioOptions } from 'node:child_process';
import * as fs from 'node:fs';
import type { ServiceOutput } from '../output/service-output';
import { spawnErrorCode, type ProcessTable } from '../process/process-table';
import { helperArgv, type ExecSpec } from '../process/exec-spec';
import { EXEC_SEARCH_PATH, expandEnv, resolveExecPath } from '../units/exec-line';
import type { ExecCommand, OutputTarget, UnitConfig } from '../units/unit';
import { RLIMITS, type RlimitName } from '../units/rlimits';
import { CredentialError, readAccountFiles, resolveCredentials, type Credentials } from './account-db';
import { parseEnvironmentFile } from './environment-file';
import { openOutputFile, readRegularFile } from '../process/bounded-file';
import { TRANSIENT_ERRORS } from '../process/resource-errors';
import { planChain, type ChainTools, type LimitContext } from './exec-chain';
import { chainTools, limitContext } from './chain-context';
import { isExecutableFile } from '../sys/exec-path';
import { containerEnvironmentFor, type UnitEnvironmentPolicy } from './container-environment';
import type { ChildWatch } from '../process/child-watch';
import { errnoName } from '../sys/libc';

/** An EnvironmentFile= larger than this is refused (and said): it is read into PID 1. */
export const ENVIRONMENT_FILE_MAX_BYTES = 1024 * 1024;

export const EXIT_CHDIR = 200;
export const EXIT_EXEC = 203;
export const EXIT_GROUP = 216;
export const EXIT_USER = 217;
export const EXIT_STDOUT = 209;

/** Socket activation: the descriptors a service's main process gets from fd 3 on, and their names. */
export interface PassFds {
  fds: number[];
  names: string[];
  /** An Accept=yes instance's connection. */
  connection?: number;
}

/** How the command was started: itself, through the image's small programs (exec-chain.ts), or the exec helper. */
export type LaunchPath = 'direct' | 'chain' | 'helper';

export type LaunchResult =
  /** child: the runtime's handle, where the process was started through child_process (its output on PID 1's pipes). */
  | { ok: true; child?: ChildProcess; pid: number; via: LaunchPath }
  /** transient: the failure is a lack of resources (EMFILE, EAGAIN, ...) worth retrying. */
  | { ok: false; status: number; message: string; transient?: boolean };


const ERROR_TEXT: Record<string, string> = {
  E2BIG: 'argument list and environment too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EAGAIN: 'resource temporarily unavailable',
  ENOMEM: 'out of memory',
  EACCES: 'permission denied',
  ENOENT: 'no such file or directory',
};

function cannotExecute(file: string, code: string | undefined, detail?: string): LaunchResult {
  const why = code ? `${code}${ERROR_TEXT[code] ? ` (${ERROR_TEXT[code]})` : ''}` : (detail ?? 'unknown error');
  return { ok: false, status: EXIT_EXEC, message: `cannot execute ${file}: ${why}`, transient: code !== undefined && TRANSIENT_ERRORS.has(code) };
}

export interface LaunchContext {
  table: Pick<ProcessTable, 'spawn'>;
  output: Pick<ServiceOutput, 'attach'> & Partial<Pick<ServiceOutput, 'journalStream'>>;
  /** The container's environment: what systemd calls the manager environment. */
  baseEnv: NodeJS.ProcessEnv;
  /** Which units' processes get all of baseEnv (--unit-environment); 'root' unless given. */
  unitEnvironment?: UnitEnvironmentPolicy;
  warn: (message: string) => void;
  /** What planning an exec chain reads of the machine (chain-context.ts unless given). */
  chain?: { tools(): ChainTools; limits(): LimitContext };
  /** posix_spawn(3) for commands whose descriptors are all ts-init's own fds (no pipe of PID 1's); without it, child_process. */
  outside?: Pick<ChildWatch, 'spawnOutsideLibuv' | 'spawnsInDirectory'>;
}

/**
 * The child's descriptors as posix_spawn's file actions take them ('ignore': /dev/null), or
 * undefined when one is a pipe PID 1 reads (child_process makes those, and their streams).
 */
export function descriptorsOnly(stdio: readonly unknown[]): (number | null)[] | undefined {
  const out: (number | null)[] = [];
  for (const s of stdio) {
    if (typeof s === 'number') out.push(s);
    else if (s === 'ignore') out.push(null);
    else return undefined;
  }
  return out;
}

/** child_process refuses a NUL byte in the file, an argument, a variable or the directory: so do we (C strings would cut it short). */
export function hasNulByte(file: string, argv: readonly string[], env: Readonly<Record<string, string | undefined>>, cwd: string | undefined): boolean {
  if (file.includes('\0') || cwd?.includes('\0') || argv.some((a) => a.includes('\0'))) return true;
  for (const k in env) if (k.includes('\0') || env[k]?.includes('\0')) return true;
  return false;
}

const NUL_BYTE = 'an argument or environment variable contains a NUL byte';

const MACHINE_CHAIN = { tools: chainTools, limits: limitContext };

/** Builds a unit's environment; extra holds NOTIFY_SOCKET, MAINPID and the like. */
export function unitEnvironment(
  unit: UnitConfig,
  baseEnv: NodeJS.ProcessEnv,
  extra: Record<string, string>,
  creds: Credentials | undefined,
  warn: (message: string) => void,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(baseEnv)) if (v !== undefined) env[k] = v;
  env.PATH ??= EXEC_SEARCH_PATH;
  if (creds) Object.assign(env, { USER: creds.user, LOGNAME: creds.user, HOME: creds.home, SHELL: creds.shell });
  for (const [k, v] of unit.environment) env[k] = v;
  // systemd: variables from EnvironmentFile= override Environment=.
  for (const f of unit.environmentFiles) {
    const r = readRegularFile(f.path, ENVIRONMENT_FILE_MAX_BYTES);
    if (!r.ok) {
      if (!f.optional || r.code !== 'ENOENT') warn(`${unit.name}: cannot read EnvironmentFile ${f.path}: ${r.message}`);
      continue;
    }
    const parsed = parseEnvironmentFile(r.text);
    for (const e of parsed.errors) warn(`${f.path}:${e.line}: ${e.message}`);
    for (const [k, v] of parsed.vars) env[k] = v;
  }
  for (const u of unit.unsetEnvironment) {
    const eq = u.indexOf('=');
    if (eq < 0) delete env[u];
    else if (env[u.slice(0, eq)] === u.slice(eq + 1)) delete env[u.slice(0, eq)];
  }
  Object.assign(env, extra);
  return env;
}

function stdioFor(target: OutputTarget, opened: number[], connection: number | undefined, journal: () => number | undefined): 'pipe' | 'ignore' | number {
  switch (target.kind) {
    case 'null':
      return 'ignore';
    case 'socket':
      return connection ?? 'ignore';
    case 'inherit':
    case 'journal': {
      // A connection to the journal's writer where it runs (as systemd connects journald's), else PID 1's pipe.
      const fd = journal();
      if (fd === undefined) return 'pipe';
      opened.push(fd);
      return fd;
    }
    default: {
      const fd = openOutputFile(target.path, target.kind);
      opened.push(fd);
      return fd;
    }
  }
}

export function launchUnitCommand(
  ctx: LaunchContext,
  unit: UnitConfig,
  command: ExecCommand,
  extraEnv: Record<string, string>,
  /**
   * Socket activation: descriptors for fd 3 on, announced in LISTEN_FDS/LISTEN_FDNAMES; for an
   * Accept=yes instance, the connection (also its stdin/stdout with StandardInput=socket).
   */
  passFds?: PassFds,
): LaunchResult {
  let creds: Credentials | undefined;
  try {
    creds = command.privileged ? undefined : resolveCredentials(unit.user, unit.group, unit.supplementaryGroups, readAccountFiles);
  } catch (err) {
    if (err instanceof CredentialError) return { ok: false, status: err.kind === 'USER' ? EXIT_USER : EXIT_GROUP, message: err.message };
    throw err;
  }
  const base = containerEnvironmentFor(ctx.baseEnv, ctx.unitEnvironment ?? 'root', creds?.uid, unit.passEnvironment);
  const env = unitEnvironment(unit, base, extraEnv, creds, ctx.warn);
  for (const k of ['LISTEN_PID', 'LISTEN_FDS', 'LISTEN_FDNAMES']) delete env[k];
  if (passFds) Object.assign(env, { LISTEN_FDS: String(passFds.fds.length), LISTEN_FDNAMES: passFds.names.join(':') });
  const argv = command.noEnvExpand ? command.argv : expandEnv(command.argv, env);
  const file = command.path.startsWith('/') ? command.path : resolveExecPath(command.path, isExecutableFile);
  if (!file) return { ok: false, status: EXIT_EXEC, message: `${command.path}: not found in ${EXEC_SEARCH_PATH}` };

  let cwd: string | undefined;
  const wd = unit.workingDirectory;
  if (wd) {
    cwd = wd.home ? (creds?.home ?? '/root') : wd.path;
    if (!fs.existsSync(cwd)) {
      if (!wd.optional) return { ok: false, status: EXIT_CHDIR, message: `WorkingDirectory ${cwd} does not exist` };
      cwd = undefined;
    }
  }

  const opened: number[] = [];
  const streams: Array<{ started(pid: number | undefined): void }> = [];
  const journal = (stream: 'stdout' | 'stderr') => (): number | undefined => {
    const h = ctx.output.journalStream?.(unit.name, stream, unit.syslogIdentifier);
    if (h) streams.push(h);
    return h?.fd;
  };
  let stdio: StdioOptions;
  try {
    const conn = passFds?.connection;
    stdio = [
      unit.standardInput === 'socket' && conn !== undefined ? conn : 'ignore',
      stdioFor(unit.standardOutput, opened, conn, journal('stdout')),
      stdioFor(unit.standardError, opened, conn, journal('stderr')),
      ...(passFds?.fds ?? []),
    ];
  } catch (err) {
    for (const fd of opened) fs.closeSync(fd);
    for (const s of streams) s.started(undefined);
    return { ok: false, status: EXIT_STDOUT, message: `cannot open output file: ${(err as Error).message}` };
  }

  const needsHelper =
    creds !== undefined || unit.umask !== undefined || unit.nice !== undefined || Object.keys(unit.limits).length > 0 || passFds !== undefined;
  // One of the two is set: the process libc started (or its errno), or child_process's handle.
  let child!: ChildProcess;
  let spawned: { pid: number } | { errno: number } | undefined;
  let via: LaunchPath = 'direct';
  // The process to start, as child_process takes it; through libc where it can be.
  let start: { file: string; argv: string[]; env: Record<string, string | undefined>; cwd?: string; newSession: boolean };
  try {
    if (needsHelper) {
      const spec: ExecSpec = {
        file,
        argv,
        env,
        newSession: true,
        uid: creds?.uid,
        gid: creds?.gid,
        groups: creds?.groups,
        umask: unit.umask,
        nice: unit.nice,
        rlimits: Object.entries(unit.limits).map(([name, l]) => ({ resource: RLIMITS[name as RlimitName], ...l })),
        cwd,
        ...(passFds && { listenFds: passFds.fds.length }),
      };
      // The image's own small programs when they can set it all, else a copy of ts-init.
      const machine = ctx.chain ?? MACHINE_CHAIN;
      const chain = planChain(spec, machine.tools(), machine.limits());
      // A chain of no links (every limit already as asked) is the program itself.
      via = !chain ? 'helper' : chain.file === file && chain.args.length === argv.length - 1 ? 'direct' : 'chain';
      start = chain
        ? { file: chain.file, argv: [chain.file, ...chain.args], env, cwd, newSession: true }
        : { file: process.execPath, argv: [argv[0]!, ...helperArgv(spec)], env: ctx.baseEnv, newSession: false };
    } else {
      start = { file, argv, env, cwd, newSession: true };
    }
    const fds = ctx.outside && descriptorsOnly(stdio);
    if (fds && start.file.startsWith('/') && (start.cwd === undefined || ctx.outside!.spawnsInDirectory())) {
      if (hasNulByte(start.file, start.argv, start.env, start.cwd)) return cannotExecute(file, undefined, NUL_BYTE);
      spawned = ctx.outside!.spawnOutsideLibuv({ ...start, stdio: fds });
    } else {
      const [argv0, ...args] = start.argv;
      child = ctx.table.spawn(start.file, args, { stdio, env: start.env, cwd: start.cwd, detached: start.newSession, argv0 });
    }
  } catch (err) {
    // The runtime throws for what it cannot even try (a NUL byte in an argument or a
    // variable, E2BIG): this unit's command fails, nothing else.
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ERR_INVALID_ARG_VALUE' || code === 'ERR_INVALID_ARG_TYPE'
      ? cannotExecute(file, undefined, NUL_BYTE)
      : cannotExecute(file, code?.startsWith('E') ? code : undefined, (err as Error).message);
  } finally {
    for (const fd of opened) fs.closeSync(fd);
  }
  if (spawned) {
    for (const s of streams) s.started('pid' in spawned ? spawned.pid : undefined);
    return 'pid' in spawned ? { ok: true, pid: spawned.pid, via } : cannotExecute(file, errnoName(spawned.errno));
  }
  child.on('error', () => undefined); // reported through the missing pid below, or the exit
  for (const s of streams) s.started(child.pid);
  if (child.pid === undefined) return cannotExecute(file, spawnErrorCode(child));
  const tag = { identifier: unit.syslogIdentifier };
  if (child.stdout) ctx.output.attach(unit.name, 'stdout', child.stdout, tag);
  if (child.stderr) ctx.output.attach(unit.name, 'stderr', child.stderr, tag);
  return { ok: true, child, pid: child.pid, via };
}
