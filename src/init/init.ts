// PID 1's main sequence: become a reaper, catch signals, start the CMD, forward
// signals to it, and when it ends, end everything else and exit with its status.
import { isatty } from 'node:tty';
import type { InitOptions } from '../cli/options';
import type { Logger } from '../log/logger';
import { kill, setChildSubreaper, setParentDeathSignal } from '../sys/libc';
import { signalName } from '../sys/signals';
import { ChildWatch } from './child-watch';
import { startCommand } from './command';
import { exitCodeOf, finalExitCode } from './exit-code';
import { catchForwardableSignals } from './forward-signals';
import { ProcessTable } from './process-table';
import { terminateEverything } from './terminate';

export async function runInit(o: InitOptions, log: Logger): Promise<number> {
  const isPid1 = process.pid === 1;
  if (!isPid1) {
    setChildSubreaper();
    if (!o.subreaper) {
      log.warn(`not running as PID 1 (pid ${process.pid}); registered as a child subreaper so orphans are still reaped`);
    }
  }
  if (o.parentDeathSignal !== undefined) setParentDeathSignal(o.parentDeathSignal);

  const table = new ProcessTable();
  const watch = new ChildWatch(table);
  watch.onOrphanReaped((s) => {
    const how = s.kind === 'exited' ? `code ${s.code}` : `signal ${signalName(s.signal)}`;
    if (o.warnOnReap) log.warn({ pid: s.pid }, `reaped zombie process (${how})`);
    else log.debug({ pid: s.pid }, `reaped zombie process (${how})`);
  });

  let commandPid: number | undefined;
  const uncaught = catchForwardableSignals((signum) => {
    if (commandPid === undefined) {
      log.debug(`received ${signalName(signum)} with no command running`);
      return;
    }
    const target = o.killProcessGroup ? -commandPid : commandPid;
    log.debug({ target }, `forwarding ${signalName(signum)}`);
    kill(target, signum);
  });
  if (uncaught.length) log.warn(`cannot catch ${uncaught.map(signalName).join(', ')}; they will not be forwarded`);

  const run = await startCommand(table, o.command, process.env, isatty(0));
  let exitCode: number;
  if (run.started) {
    commandPid = run.pid;
    log.info({ pid: run.pid, command: o.command }, 'started command');
    const end = await run.ended;
    commandPid = undefined;
    exitCode = finalExitCode(end, o.remapToZero);
    log.info({ status: exitCodeOf(end), exitCode }, 'command exited');
  } else {
    log.error(run.message);
    exitCode = run.exitCode;
  }
  await terminateEverything(watch, { graceMs: o.graceMs, isPid1, log });
  return exitCode;
}
