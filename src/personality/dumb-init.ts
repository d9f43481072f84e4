// Installed as dumb-init (PouchContainer's rich mode puts `/usr/bin/dumb-init -- CMD` in
// front of the CMD), ts-init behaves as dumb-init 1.2.5: one child, in its own session by
// default; every signal 1..31 (after -r rewriting) passed on to the child's whole process
// group (to the child alone with -c or DUMB_INIT_SETSID=0); job-control stops passed on,
// then dumb-init stops itself; when the child ends, SIGTERM to what is left of its group
// and exit with the child's status (128+N for signal N). Nothing of the supervisor is loaded.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChildWatch } from '../process/child-watch';
import { helperArgv } from '../process/exec-spec';
import { exitCodeOf, type ProcessExit } from '../process/process-exit';
import { ProcessTable } from '../process/process-table';
import { onSignal } from '../process/signal-source';
import {
  canSpawnInDirectory,
  detachControllingTerminal,
  getsid,
  isatty,
  keepOpenOnExec,
  kill,
  preloadLibc,
  setThreadName,
  spawnProcess,
  strerror,
} from '../sys/libc';
import { SIGRTMAX, SIGRTMIN } from '../sys/signals';
import { MAXSIG, parseDumbInitArgs, type DumbInitOptions } from './dumb-init-cli';

const SIGHUP = 1;
const SIGKILL = 9;
const SIGTERM = 15;
const SIGCHLD = 17;
const SIGCONT = 18;
const SIGSTOP = 19;
const JOB_CONTROL_STOPS = new Set([20, 21, 22]); // SIGTSTP, SIGTTIN, SIGTTOU
const ENOTTY = 25;
/** dumb-init's status when the command cannot be executed. */
const EXIT_EXEC_FAILED = 2;

function printErr(text: string): void {
  try {
    fs.writeSync(2, `[dumb-init] ${text}\n`);
  } catch {
    // stderr closed: nothing to tell
  }
}

class DumbInit {
  private childPid = -1;
  /** Whether a SIGCHLD has reached the handler (dumb-init logs each it receives). */
  private sigchldSeen = false;
  /** One-time ignores: the SIGHUP and SIGCONT the kernel sends when we give up the terminal. */
  private readonly handOff = new Set<number>();

  constructor(private readonly o: DumbInitOptions) {}

  debug(text: string): void {
    if (this.o.debug) printErr(text);
  }

  private translate(signum: number): number {
    const to = this.o.rewrite.get(signum);
    if (to === undefined) return signum;
    this.debug(`Translating signal ${signum} to ${to}.`);
    return to;
  }

  private forward(received: number): void {
    const signum = this.translate(received);
    if (signum === 0) {
      // (dumb-init prints the rewritten number here, which is 0.)
      this.debug(`Not forwarding signal ${signum} to children (ignored).`);
      return;
    }
    try {
      kill(this.o.setsid ? -this.childPid : this.childPid, signum);
    } catch {
      // as kill(2) in dumb-init: an error changes nothing
    }
    this.debug(`Forwarded signal ${signum} to children.`);
  }

  handle(signum: number): void {
    if (signum === SIGCHLD) this.sigchldSeen = true;
    this.debug(`Received signal ${signum}.`);
    if (this.handOff.delete(signum)) {
      this.debug(`Ignoring tty hand-off signal ${signum}.`);
      return;
    }
    if (signum === SIGCHLD) return; // the child watch reaps, right after this
    this.forward(signum);
    if (JOB_CONTROL_STOPS.has(signum)) {
      this.debug('Suspending self due to TTY signal.');
      kill(process.pid, SIGSTOP);
    }
  }

  /** Every child that ends; the main one ends the run. */
  reaped(pid: number, exit: ProcessExit): void {
    const status = exitCodeOf(exit);
    // dumb-init finds an exit only when SIGCHLD wakes it, so that line always comes first.
    // Here a reaping round can collect the child before the runtime hands over the SIGCHLD
    // that the kernel has already sent: say it, as dumb-init would.
    if (pid === this.childPid && !this.sigchldSeen) this.debug(`Received signal ${SIGCHLD}.`);
    if (exit.signal === undefined) this.debug(`A child with PID ${pid} exited with exit status ${status}.`);
    else this.debug(`A child with PID ${pid} was terminated by signal ${exit.signal}.`);
    if (pid !== this.childPid) return;
    this.forward(SIGTERM); // what is left of the child's group
    this.debug(`Child exited with status ${status}. Goodbye.`);
    process.exit(status);
  }

  /** Setsid mode: let go of the terminal so the child's new session can take it. */
  detachTerminal(): void {
    const errno = detachControllingTerminal(0);
    if (errno !== 0) {
      this.debug(`Unable to detach from controlling tty (errno=${errno} ${strerror(errno)}).`);
      return;
    }
    if (getsid(0) === process.pid) {
      this.debug('Detached from controlling tty, ignoring the first SIGHUP and SIGCONT we receive.');
      this.handOff.add(SIGHUP);
      this.handOff.add(SIGCONT);
    } else {
      this.debug('Detached from controlling tty, but was not session leader.');
    }
  }

  start(table: ProcessTable, watch: ChildWatch): void {
    const [file, ...rest] = this.o.command;
    const argv = [file!, ...rest];
    const env = Object.entries(process.env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
    const tty = isatty(0);
    // The child keeps the directory it was started in; dumb-init holds on to none.
    let chdirFailed: NodeJS.ErrnoException | undefined;
    let pid: number;
    if (this.o.setsid && tty) {
      // A terminal: the child must make it its controlling terminal after setsid(),
      // which only a process of its own can do: the exec helper, then the command.
      const child = table.spawn(
        process.execPath,
        helperArgv({
          file: file!,
          argv,
          env: process.env as Record<string, string>,
          newSession: true,
          controllingTerminal: true,
          execFailure: { prefix: '[dumb-init] ', exitCode: EXIT_EXEC_FAILED },
        }),
        { stdio: 'inherit' },
      );
      if (child.pid === undefined) {
        printErr('Unable to fork. Exiting.');
        process.exit(1);
      }
      pid = child.pid;
    } else {
      for (const fd of [0, 1, 2]) keepOpenOnExec(fd);
      // Leave the directory first where the child can be told to go back to it.
      const cwd = process.cwd();
      const away = cwd !== '/' && canSpawnInDirectory() && (chdirFailed = chdirRoot()) === undefined;
      const r = spawnProcess(file!, argv, env, { newSession: this.o.setsid, cwd: away ? cwd : undefined });
      if ('errno' in r) {
        printErr(`${file}: ${strerror(r.errno)}`);
        process.exit(EXIT_EXEC_FAILED);
      }
      pid = r.pid;
    }
    this.childPid = pid;
    // Claimed before the loop runs again: its exit cannot be collected before this. libuv
    // reports the helper's end before the SIGCHLD listener runs: wait a turn, so
    // "Received signal 17." comes first, as in dumb-init.
    const viaLibuv = this.o.setsid && tty;
    watch.exits.claim(pid, (p, exit) => (viaLibuv ? setImmediate(() => this.reaped(p, exit)) : this.reaped(p, exit)));
    if (process.cwd() !== '/') chdirFailed = chdirRoot();
    this.debug(`Child spawned with PID ${pid}.`);
    if (this.o.setsid) {
      if (!tty) this.debug(`Unable to attach to controlling tty (errno=${ENOTTY} ${strerror(ENOTTY)}).`);
      this.debug('setsid complete.');
    }
    if (chdirFailed) {
      const errno = -(chdirFailed.errno ?? 0);
      this.debug(`Unable to chdir("/") (errno=${errno} ${strerror(errno)})`);
    }
  }
}

function chdirRoot(): NodeJS.ErrnoException | undefined {
  try {
    process.chdir('/');
    return undefined;
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
}

export function dumbInitMain(argv: string[]): void {
  const parsed = parseDumbInitArgs(process.argv0, argv, process.env);
  if (parsed.kind === 'exit') {
    fs.writeSync(2, parsed.stderr);
    process.exit(parsed.code);
  }
  const o = parsed.options;
  for (const line of o.debugLines) printErr(line);
  try {
    preloadLibc();
  } catch (err) {
    printErr(`${(err as Error).message}`);
    process.exit(1);
  }
  try {
    // ps and pgrep show the name it was started by, not the runtime's "MainThread".
    setThreadName(path.basename(process.argv0));
  } catch {
    // cosmetic only
  }
  const init = new DumbInit(o);
  // Every signal dumb-init waits for: 1..31 but the two that cannot be caught, and the
  // real-time ones, passed on unchanged. SIGCHLD first, so its line comes before the reaping's.
  for (let s = 1; s <= MAXSIG; s++) if (s !== SIGKILL && s !== SIGSTOP) onSignal(s, (n) => init.handle(n));
  for (let s = SIGRTMIN; s <= SIGRTMAX; s++) onSignal(s, (n) => init.handle(n));
  const table = new ProcessTable();
  const watch = new ChildWatch(table);
  watch.exits.onOrphanExit((pid, exit) => init.reaped(pid, exit));
  if (o.setsid) init.detachTerminal();
  init.start(table, watch);
  // Signal handles do not keep the loop alive, and the child may not be libuv's.
  setInterval(() => undefined, 2 ** 31 - 1);
}
