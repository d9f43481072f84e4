// Starts the container's CMD: in a new session when there is no terminal (so -g
// can signal its whole group), or through the exec helper when stdin is a
// terminal, so the CMD's group is the terminal's foreground and Ctrl-C reaches it.
import type { ChildEnd } from './exit-code';
import { endFromNode, spawnErrorExitCode, spawnErrorText } from './exit-code';
import { helperArgv } from './exec-spec';
import type { ProcessTable } from './process-table';

export type CommandRun =
  | { started: true; pid: number; ended: Promise<ChildEnd> }
  | { started: false; exitCode: number; message: string };

export function startCommand(
  table: ProcessTable,
  command: readonly string[],
  env: NodeJS.ProcessEnv,
  interactive: boolean,
): Promise<CommandRun> {
  const [file, ...args] = command as [string, ...string[]];
  const child = interactive
    ? table.spawn(
        process.execPath,
        helperArgv({ file, argv: [...command], env: env as Record<string, string>, foregroundProcessGroup: true }),
        { stdio: 'inherit', env },
      )
    : table.spawn(file, args, { stdio: 'inherit', detached: true, env });

  return new Promise((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (child.pid === undefined) {
        resolve({ started: false, exitCode: spawnErrorExitCode(err.code), message: spawnErrorText(file, err.code) });
      }
    });
    if (child.pid === undefined) return;
    const pid = child.pid;
    const ended = new Promise<ChildEnd>((done) => child.once('exit', (code, signal) => done(endFromNode(code, signal))));
    resolve({ started: true, pid, ended });
  });
}
