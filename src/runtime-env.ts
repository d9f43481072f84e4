// The container's environment is the CMD's. Node reads some NODE_* variables
// itself; those must not change what ts-init does. NODE_OPTIONS is already
// ignored by the executable (execArgvExtension "none"), NODE_EXTRA_CA_CERTS is
// only read when TLS is used (never here), NODE_DEBUG is undone in place, and the
// few that the runtime acts on before any of our code runs make ts-init re-exec
// itself once without them; the CMD still gets every one unchanged.
import * as fs from 'node:fs';
import { heldSignalsEntry } from './process/early-signals';
import { execve, keepOpenOnExec, SIG_BLOCK, SIG_UNBLOCK, sigprocmask } from './sys/libc';

/** Acted on by the runtime at start-up: debug output, coverage or cache files, an IPC channel. */
export const RUNTIME_ACTED_VARS = [
  'NODE_DEBUG_NATIVE',
  'NODE_V8_COVERAGE',
  'NODE_COMPILE_CACHE',
  'NODE_ICU_DATA',
  'NODE_CHANNEL_FD',
  'NODE_CHANNEL_SERIALIZATION_MODE',
  'NODE_REDIRECT_WARNINGS',
  'NODE_UNIQUE_ID',
];

/** Carries the set-aside variables across the re-exec. */
export const SAVED_ENV_VAR = 'TS_INIT_SAVED_NODE_ENV';

function isSingleExecutable(): boolean {
  try {
    return (require('node:sea') as { isSea(): boolean }).isSea();
  } catch {
    return false;
  }
}

/** Whether isolateRuntimeEnvironment() is going to replace the process. */
export function willReexec(): boolean {
  return process.env[SAVED_ENV_VAR] === undefined && RUNTIME_ACTED_VARS.some((k) => process.env[k] !== undefined) && isSingleExecutable();
}

/**
 * Call first thing. Returns normally with process.env holding the application's
 * environment exactly as it was given; may instead replace the process (same pid).
 */
export function isolateRuntimeEnvironment(): void {
  const saved = process.env[SAVED_ENV_VAR];
  if (saved !== undefined) {
    delete process.env[SAVED_ENV_VAR];
    Object.assign(process.env, JSON.parse(Buffer.from(saved, 'base64').toString()) as Record<string, string>);
  } else if (willReexec()) {
    reexecWithout(RUNTIME_ACTED_VARS.filter((k) => process.env[k] !== undefined));
  }
  if (process.env.NODE_DEBUG) {
    const debuglog = process.getBuiltinModule?.('internal/util/debuglog') as
      | { initializeDebugEnv(v: string | undefined): void }
      | undefined;
    debuglog?.initializeDebugEnv(undefined);
  }
}

function reexecWithout(names: string[]): void {
  const setAside: Record<string, string> = {};
  const env: string[] = [];
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (names.includes(k)) setAside[k] = v;
    else env.push(`${k}=${v}`);
  }
  env.push(`${SAVED_ENV_VAR}=${Buffer.from(JSON.stringify(setAside)).toString('base64')}`);
  for (const fd of [0, 1, 2]) keepOpenOnExec(fd);
  // Blocked across the exec, a shutdown signal stays pending until the new runtime
  // catches it instead of being dropped while it starts (PID 1 has no handler then);
  // one held so far is handed on by name.
  const shutdown = [1, 2, 3, 15];
  sigprocmask(SIG_BLOCK, shutdown);
  const held = heldSignalsEntry();
  if (held) env.push(held);
  // The same argv[0]: the name it was started by decides what it is (tini, dumb-init, ...).
  const errno = execve(process.execPath, [process.argv0, ...process.argv.slice(2)], env);
  // Could not re-exec (should not happen): carry on with the variables in effect.
  sigprocmask(SIG_UNBLOCK, shutdown);
  fs.writeSync(2, `ts-init: warning: could not restart without ${names.join(', ')} (errno ${errno})\n`);
}
