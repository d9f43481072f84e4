// Starts the container's CMD. Without a terminal it is spawned straight through libc
// in a new session (so -g can signal its whole group), and its end comes from the
// orphan reaper like any other child that libuv does not own: the plain tini-style
// run never loads child_process. With a terminal on stdin it goes through the exec
// helper, so the CMD's group is the terminal's foreground and Ctrl-C reaches it.
import { errnoName, keepOpenOnExec, spawnInNewSession } from '../sys/libc';
import type { ChildWatch } from '../process/child-watch';
import { spawnErrorExitCode, spawnErrorText } from '../process/exit-code';
import { helperArgv } from '../process/exec-spec';
import type { ProcessExit } from '../process/process-exit';
import type { ProcessTable } from '../process/process-table';

export type CommandRun =
  | { started: true; pid: number; ended: Promise<ProcessExit> }
  | { started: false; exitCode: number; message: string };

export function startCommand(
  table: ProcessTable,
  watch: ChildWatch,
  command: readonly string[],
  env: NodeJS.ProcessEnv,
  interactive: boolean,
): Promise<CommandRun> {
  return Promise.resolve(interactive ? startThroughHelper(table, watch, command, env) : startDirectly(watch, command, env));
}

function startDirectly(watch: ChildWatch, command: readonly string[], env: NodeJS.ProcessEnv): CommandRun {
  const file = command[0]!;
  const pairs = Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
  // The CMD inherits ts-init's stdin, stdout and stderr, which the runtime marked close-on-exec.
  for (const fd of [0, 1, 2]) keepOpenOnExec(fd);
  const r = spawnInNewSession(file, command, pairs);
  if ('errno' in r) {
    const code = errnoName(r.errno);
    return { started: false, exitCode: spawnErrorExitCode(code), message: spawnErrorText(file, code) };
  }
  const pid = r.pid;
  // Signal listeners do not keep the event loop alive, and libuv knows nothing of this
  // child: a timer that never fires in practice (24.8 days) holds the loop open instead.
  const holdLoop = setInterval(() => undefined, 2 ** 31 - 1);
  // Reaped in a later SIGCHLD round, never before this claim is in place.
  const ended = watch.exits.exitOf(pid).then((exit) => {
    clearInterval(holdLoop);
    return exit;
  });
  return { started: true, pid, ended };
}

function startThroughHelper(
  table: ProcessTable,
  watch: ChildWatch,
  command: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<CommandRun> {
  const file = command[0]!;
  const child = table.spawn(
    process.execPath,
    helperArgv({ file, argv: [...command], env: env as Record<string, string>, foregroundProcessGroup: true }),
    { stdio: 'inherit', env },
  );
  return new Promise((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (child.pid === undefined) {
        resolve({ started: false, exitCode: spawnErrorExitCode(err.code), message: spawnErrorText(file, err.code) });
      }
    });
    if (child.pid === undefined) return;
    const pid = child.pid;
    resolve({ started: true, pid, ended: watch.exits.exitOf(pid) });
  });
}
