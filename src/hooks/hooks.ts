// The rich-container hooks: a prestart hook (--initscript PATH or --initcmd CMD)
// before units and CMD, and a poststop hook after everything has stopped. Each
// reads the container state as JSON on stdin and is bounded by a timeout.
import * as fs from 'node:fs';
import type { InitOptions } from '../cli/options';
import type { Logger } from '../log/logger';
import { kill } from '../sys/libc';
import { SIGKILL, signalName } from '../sys/signals';
import { containerState } from './container-state';
import { spawnErrorExitCode, spawnErrorText } from '../process/exit-code';
import { exitCodeOf, type ProcessExit } from '../process/process-exit';
import type { ChildWatch } from '../process/child-watch';
import type { ProcessTable } from '../process/process-table';
import { setLongTimeout } from '../process/long-timeout';

/** ts-init's own status when the --initscript it was given cannot be run at all. */
export const EXIT_INITSCRIPT_UNUSABLE = 120;
/** A hook that outlived --hook-timeout, like timeout(1). */
export const EXIT_HOOK_TIMEOUT = 124;

type Hook = { label: string; file: string; args: string[] };

function prestartHook(o: InitOptions): Hook | undefined {
  if (o.initScript) return { label: `initscript ${o.initScript}`, file: o.initScript, args: [] };
  if (o.initCmd) return { label: 'initcmd', file: '/bin/sh', args: ['-c', o.initCmd] };
  return undefined;
}

function poststopHook(o: InitOptions): Hook | undefined {
  if (o.postStop) return { label: `poststop ${o.postStop}`, file: o.postStop, args: [] };
  if (o.postStopCmd) return { label: 'poststopcmd', file: '/bin/sh', args: ['-c', o.postStopCmd] };
  return undefined;
}

/** Checks --initscript before anything starts: it must be in this filesystem and executable. */
export function checkInitScript(o: InitOptions): string | undefined {
  if (!o.initScript) return undefined;
  const file = o.initScript;
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return `initscript ${file} does not exist in the container's filesystem`;
  }
  if (!st.isFile()) return `initscript ${file} is not a regular file`;
  try {
    fs.accessSync(file, fs.constants.X_OK);
  } catch {
    return `initscript ${file} is not executable (chmod +x it)`;
  }
  if ((st.mode & 0o111) === 0) return `initscript ${file} is not executable (chmod +x it)`;
  return undefined;
}

async function runHook(
  table: ProcessTable,
  watch: ChildWatch,
  hook: Hook,
  stdin: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  log: Logger,
): Promise<{ end: ProcessExit; timedOut: boolean } | { spawnError: number; message: string }> {
  const child = table.spawn(hook.file, hook.args, { stdio: ['pipe', 'inherit', 'inherit'], env, detached: true });
  if (child.pid === undefined) {
    const err = await new Promise<NodeJS.ErrnoException>((r) => child.once('error', r));
    return { spawnError: spawnErrorExitCode(err.code), message: spawnErrorText(hook.file, err.code) };
  }
  const pid = child.pid;
  const ended = watch.exits.exitOf(pid);
  // A hook that does not read its stdin is fine (EPIPE; the SIGPIPE stays with ts-init).
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(stdin);
  let timedOut = false;
  const timer = setLongTimeout(() => {
    timedOut = true;
    log.error(`${hook.label} still running after ${timeoutMs} ms; killing it`);
    kill(-pid, SIGKILL);
  }, timeoutMs);
  const end = await ended;
  timer.clear();
  return { end, timedOut };
}

export type PrestartOutcome = { ok: true } | { ok: false; exitCode: number };

export async function runPrestart(table: ProcessTable, watch: ChildWatch, o: InitOptions, log: Logger): Promise<PrestartOutcome> {
  const hook = prestartHook(o);
  if (!hook) return { ok: true };
  log.info(`running ${hook.label}`);
  const state = JSON.stringify(containerState('creating', process.env));
  const r = await runHook(table, watch, hook, state, process.env, o.hookTimeoutMs, log);
  if ('spawnError' in r) {
    log.error(`${hook.label}: ${r.message}`);
    return { ok: false, exitCode: r.spawnError };
  }
  const code = r.timedOut ? EXIT_HOOK_TIMEOUT : exitCodeOf(r.end);
  if (code === 0) return { ok: true };
  log.error(`${hook.label} failed with status ${code}${r.timedOut ? ' (timed out)' : ''}; not starting anything`);
  return { ok: false, exitCode: code };
}

export type StopReason = 'exited' | 'signaled' | 'unit-failure' | 'spawn-failed' | 'prestart-failed' | 'shutdown';

export async function runPoststop(
  table: ProcessTable,
  watch: ChildWatch,
  o: InitOptions,
  log: Logger,
  outcome: { exitCode: number; signal?: number; reason: StopReason },
): Promise<void> {
  const hook = poststopHook(o);
  if (!hook) return;
  log.info(`running ${hook.label}`);
  const env = {
    ...process.env,
    TS_INIT_EXIT_CODE: String(outcome.exitCode),
    TS_INIT_EXIT_SIGNAL: outcome.signal === undefined ? '' : signalName(outcome.signal),
    TS_INIT_REASON: outcome.reason,
  };
  const r = await runHook(table, watch, hook, JSON.stringify(containerState('stopped', process.env)), env, o.hookTimeoutMs, log);
  if ('spawnError' in r) log.error(`${hook.label}: ${r.message}`);
  else if (r.timedOut || exitCodeOf(r.end) !== 0) log.warn(`${hook.label} ended with status ${exitCodeOf(r.end)}`);
}
