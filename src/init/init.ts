// PID 1's main sequence: become a reaper, catch signals, persist the environment,
// run the prestart hook, start the units, start the CMD and forward signals to it;
// when it ends (or an essential unit fails, or shutdown is asked for), stop the
// units in reverse order, end everything else, run the poststop hook, and exit
// with the CMD's status.
import type { InitOptions } from '../cli/options';
import { writeEnvironmentFiles } from '../hooks/env-file';
import { secureRunDirectory } from '../hooks/run-directory';
import { checkInitScript, EXIT_INITSCRIPT_UNUSABLE, runPoststop, runPrestart, type StopReason } from '../hooks/hooks';
import type { Logger } from '../log/logger';
import { isatty, isChildSubreaper, kill, setChildSubreaper, setParentDeathSignal } from '../sys/libc';
import { commandStarted } from '../sys/code-cache-training';
import { releaseMemory } from '../sys/memory';
import { SIGTERM, signalName } from '../sys/signals';
import { ChildWatch } from '../process/child-watch';
import { startCommand } from './command';
import { signalAction } from './signal-action';
import { finalExitCode } from '../process/exit-code';
import { exitCodeOf, type ProcessExit } from '../process/process-exit';
import { catchForwardableSignals } from '../process/forward-signals';
import { ProcessTable } from '../process/process-table';
import { terminateEverything } from '../process/terminate';
import { reapedZombieText, TINI_REAPER_WARNING, tiniWarn } from '../personality/tini';

/** The unit side of the sequence, supplied by the supervisor. */
export interface Services {
  /** Starts the enabled units; resolves when the CMD may start. */
  start(): Promise<void>;
  /** Stops every unit in reverse dependency order, each within its own timeout. */
  stopAll(): Promise<void>;
  /** Called when an essential unit (FailureAction=/SuccessAction=exit) ends the container. */
  onContainerExit(listener: (exitCode: number) => void): void;
}

export type ServicesFactory = (deps: { table: ProcessTable; watch: ChildWatch; log: Logger; requestShutdown: () => void }) => Services;

type Ending = { end: ProcessExit; reason: StopReason };

/** What the personality decided for this run (src/personality/rule.ts). */
export interface InitFace {
  /** tini: no subreaper unless -s/TINI_SUBREAPER, and tini's own warning lines. */
  face: 'tini' | 'ts-init';
  /** Write /etc/profile.d/ts-init-env.sh and /run/ts-init/env (the rich init as PID 1). */
  envFiles: boolean;
}

export async function runInit(
  o: InitOptions,
  log: Logger,
  makeServices?: ServicesFactory,
  how: InitFace = { face: 'ts-init', envFiles: process.pid === 1 },
): Promise<number> {
  const isPid1 = process.pid === 1;
  const asTini = how.face === 'tini';
  // tini registers only when asked (and is content with a subreaper bit kept across
  // exec); ts-init always registers, so orphans are never lost.
  const inherited = !isPid1 && asTini && !o.subreaper && isChildSubreaper();
  if (!isPid1 && (o.subreaper || !asTini)) setChildSubreaper();
  // Said once the CMD has been started: the first log line loads the logger, which
  // would otherwise delay the CMD by several milliseconds.
  let notPid1Unsaid = !isPid1 && !o.subreaper && !inherited;
  const warnNotPid1 = (): void => {
    if (!notPid1Unsaid) return;
    notPid1Unsaid = false;
    if (asTini) tiniWarn(TINI_REAPER_WARNING, o.verbosity);
    else log.warn(`not running as PID 1 (pid ${process.pid}); registered as a child subreaper so orphans are still reaped`);
  };
  if (o.parentDeathSignal !== undefined) setParentDeathSignal(o.parentDeathSignal);

  const unusable = checkInitScript(o);
  if (unusable) {
    warnNotPid1();
    log.error(unusable);
    return EXIT_INITSCRIPT_UNUSABLE;
  }

  const table = new ProcessTable();
  const watch = new ChildWatch(table);
  let commandPid: number | undefined;
  // The CMD's end goes to its own claim, a unit's processes to their unit: what is
  // left is an orphan's.
  watch.exits.onOrphanExit((pid, exit) => {
    if (o.warnOnReap && asTini) tiniWarn(reapedZombieText(pid), o.verbosity);
    else if (o.warnOnReap) log.warn(reapedZombieText(pid));
    else log.debug({ status: exit.signal === undefined ? `code ${exit.code}` : `signal ${signalName(exit.signal)}` }, reapedZombieText(pid));
  });

  // Whatever ends the run first decides the exit status.
  let finish!: (e: Ending) => void;
  const ended = new Promise<Ending>((resolve) => (finish = resolve));

  // A signal kill() cannot deliver is counted and said at most once a second, never
  // thrown: a flood must not turn into a flood of errors.
  let undelivered = 0;
  let undeliveredSaidAt = 0;
  const signalCommand = (signum: number): void => {
    if (commandPid === undefined) return;
    try {
      kill(o.killProcessGroup ? -commandPid : commandPid, signum);
    } catch (err) {
      undelivered++;
      if (Date.now() - undeliveredSaidAt < 1000) return;
      undeliveredSaidAt = Date.now();
      log.warn(`cannot forward ${signalName(signum)}: ${(err as Error).message} (${undelivered} signals not delivered so far)`);
    }
  };
  const uncaught = catchForwardableSignals((signum) => {
    const action = signalAction(signum, commandPid !== undefined);
    switch (action.kind) {
      case 'forward':
        signalCommand(signum); // first: the log line is not on the signal's way to the CMD
        log.debug({ target: o.killProcessGroup ? -commandPid! : commandPid }, `forwarded ${signalName(signum)}`);
        return;
      case 'stop-command':
        log.info(`received ${signalName(signum)}; shutting down`);
        return signalCommand(SIGTERM);
      case 'shut-down':
        log.info(`received ${signalName(signum)}; shutting down`);
        return finish({ end: { signal: action.as }, reason: 'shutdown' });
      case 'ignore':
        log.debug(`received ${signalName(signum)} with no command running`);
        return;
    }
  });
  if (uncaught.length) log.warn(`cannot catch ${uncaught.map(signalName).join(', ')}; they will not be forwarded`);

  // Only the rich init of a container speaks for the container; as the engine's plain
  // --init, or on someone's own root, ts-init leaves those files alone.
  // /run is checked first: the environment file, the control and notify sockets go there.
  if (isPid1 && how.envFiles) {
    const run = secureRunDirectory();
    if (run) log[run.level](run.message);
    for (const p of writeEnvironmentFiles(process.env)) log[p.level](p.message);
  }

  const prestart = await Promise.race([runPrestart(table, watch, o, log), ended.then(() => undefined)]);
  if (prestart && !prestart.ok) {
    warnNotPid1();
    await terminateEverything(watch, { graceMs: o.graceMs, isPid1, log });
    await runPoststop(table, watch, o, log, { exitCode: prestart.exitCode, reason: 'prestart-failed' });
    return prestart.exitCode;
  }

  const services = makeServices?.({ table, watch, log, requestShutdown: () => finish({ end: { code: 0 }, reason: 'shutdown' }) });
  services?.onContainerExit((code) => finish({ end: { code }, reason: 'unit-failure' }));
  if (services && prestart) await Promise.race([services.start(), ended]);

  let spawnFailed: number | undefined;
  if (prestart && !(await isSettled(ended))) {
    const run = await startCommand(table, watch, o.command, process.env, isatty(0));
    warnNotPid1();
    if (run.started) {
      commandPid = run.pid;
      log.info({ pid: run.pid, command: o.command }, 'started command');
      // Start-up is over: what it allocated and freed can go back to the kernel.
      setTimeout(releaseMemory, 100).unref();
      void run.ended.then((end) => {
        commandPid = undefined;
        finish({ end, reason: end.signal === undefined ? 'exited' : 'signaled' });
      });
    } else {
      log.error(run.message);
      spawnFailed = run.exitCode;
      finish({ end: { code: run.exitCode }, reason: 'spawn-failed' });
    }
  }

  commandStarted();
  const { end, reason } = await ended;
  warnNotPid1();
  const exitCode = spawnFailed ?? finalExitCode(end, o.remapToZero);
  log.info({ status: exitCodeOf(end), exitCode, reason }, 'shutting down');
  signalCommand(SIGTERM);
  await services?.stopAll();
  await terminateEverything(watch, { graceMs: o.graceMs, isPid1, log });
  await runPoststop(table, watch, o, log, { exitCode, signal: end.signal, reason });
  await terminateEverything(watch, { graceMs: Math.min(o.graceMs, 2000), isPid1, log });
  return exitCode;
}

async function isSettled(p: Promise<unknown>): Promise<boolean> {
  const marker = Symbol();
  return (await Promise.race([p, Promise.resolve(marker)])) !== marker;
}
