// The child side of a spawn that needs more than child_process offers. It runs
// as a short-lived copy of the executable, applies the ExecSpec, and replaces
// itself with the real program (same pid, so the parent's tracking holds).
import * as fs from 'node:fs';
import { isatty } from 'node:tty';
import * as sys from '../sys/libc';
import { decodeSpec, type ExecSpec } from './exec-spec';
import { setLimitClosest } from './rlimit';
import { EXIT_NOT_EXECUTABLE, spawnErrorExitCode, spawnErrorText } from './exit-code';
import { SIGPIPE, SIGTTOU, SIGXFSZ } from '../sys/signals';
import { DEFAULT_SEARCH_PATH, searchPath } from '../sys/exec-path';

/** execvp's search: a name without a slash is looked up in PATH. */
export function resolveExecutable(file: string, envPath: string | undefined): string | undefined {
  return searchPath(file, envPath ?? DEFAULT_SEARCH_PATH, (candidate) => {
    try {
      return fs.statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
}

function applySpec(spec: ExecSpec): void {
  if (spec.newSession) sys.setsid();
  if (spec.controllingTerminal && isatty(0)) sys.attachControllingTerminal(0);
  if (spec.foregroundProcessGroup) {
    sys.setpgid(0, 0);
    // tty.isatty, not process.stdin: creating the stdin handle would reopen fd 0 close-on-exec.
    if (isatty(0)) {
      // We are now a background group; tcsetpgrp from there raises SIGTTOU.
      sys.ignoreSignal(SIGTTOU);
      sys.tcsetpgrp(0, process.pid);
      sys.resetSignalDisposition(SIGTTOU);
    }
  }
  if (spec.nice !== undefined) sys.setpriority(0, spec.nice);
  for (const l of spec.rlimits ?? []) setLimitClosest(l.resource, l);
  if (spec.umask !== undefined) process.umask(spec.umask);
  if (spec.cwd) process.chdir(spec.cwd);
  if (spec.groups) sys.setgroups(spec.groups);
  if (spec.gid !== undefined) sys.setgid(spec.gid);
  if (spec.uid !== undefined) sys.setuid(spec.uid);
  // The program starts with default dispositions and an empty mask, not the runtime's.
  sys.resetSignalDisposition(SIGPIPE);
  sys.resetSignalDisposition(SIGXFSZ);
  sys.sigprocmask(sys.SIG_SETMASK, []);
  for (const fd of [0, 1, 2]) sys.keepOpenOnExec(fd);
  for (let fd = 3; fd < 3 + (spec.listenFds ?? 0); fd++) sys.keepOpenOnExec(fd);
}

function fail(text: string, code: number): never {
  try {
    fs.writeSync(2, `ts-init: ${text}\n`);
  } finally {
    process.exit(code);
  }
}

export function runExecHelper(encoded: string): never {
  const spec = decodeSpec(encoded);
  try {
    applySpec(spec);
  } catch (err) {
    fail(`cannot prepare '${spec.file}': ${(err as Error).message}`, EXIT_NOT_EXECUTABLE);
  }
  const resolved = resolveExecutable(spec.file, spec.env.PATH);
  // sd_listen_fds(3) checks LISTEN_PID against getpid(): this pid is the program's after execve.
  if (spec.listenFds) spec.env.LISTEN_PID = String(process.pid);
  const env = Object.entries(spec.env).map(([k, v]) => `${k}=${v}`);
  const errno = resolved ? sys.execve(resolved, spec.argv, env) : sys.ENOENT;
  if (spec.execFailure) {
    fs.writeSync(2, `${spec.execFailure.prefix}${spec.file}: ${sys.strerror(errno)}\n`);
    process.exit(spec.execFailure.exitCode);
  }
  const name = sys.errnoName(errno) ?? `errno ${errno}`;
  fail(spawnErrorText(spec.file, name), spawnErrorExitCode(name));
}
