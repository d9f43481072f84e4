// Turns SIGCHLD into reaping plus a notification that the set of children changed,
// and routes every exit, whoever collected it, through the one exit channel.
// No timers: everything here runs because the kernel said a child changed state.
import { setLongTimeout } from './long-timeout';
import { onSignal } from './signal-source';
import { ExitRouter } from './exit-router';
import { OrphanReaper } from './reaper';
import type { ProcessTable } from './process-table';
import { SIGCHLD } from '../sys/signals';
import { canSpawnInDirectory, spawnProcess } from '../sys/libc';

/** What spawnOutsideLibuv is given; argv[0] is the program's name for itself. */
export interface OutsideSpawn {
  file: string;
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** fds 0..n-1 of the child: a descriptor of ours, or null for /dev/null. */
  stdio: readonly (number | null)[];
  /** setsid(): child_process's `detached`. */
  newSession: boolean;
  cwd?: string;
}

export class ChildWatch {
  readonly reaper: OrphanReaper;
  /** pid -> owner: where each exit goes. */
  readonly exits = new ExitRouter();
  private readonly listeners = new Set<() => void>();
  private roundQueued = false;
  /** Children spawned outside libuv that have not ended; while there are any, the loop is held. */
  private readonly outside = new Set<number>();
  private holdLoop: NodeJS.Timeout | undefined;

  constructor(table: ProcessTable) {
    this.reaper = new OrphanReaper(table, (pid, exit) => {
      this.exits.deliver(pid, exit, 'reaper');
      if (this.outside.delete(pid) && this.outside.size === 0) {
        clearInterval(this.holdLoop);
        this.holdLoop = undefined;
      }
    });
    onSignal(SIGCHLD, () => this.round());
    table.onOwnedExit((pid, exit) => {
      this.exits.deliver(pid, exit, 'libuv');
      // libuv reaps its own children in the same SIGCHLD round; if the reaper had
      // stopped at one of them, look again once libuv has taken it. Many children
      // ending together give one exit event each: one round for them all.
      if (this.roundQueued) return;
      this.roundQueued = true;
      setImmediate(() => {
        this.roundQueued = false;
        this.round();
      });
    });
  }

  /**
   * Starts a process with posix_spawn(3) instead of libuv's fork: PID 1 does not copy its page
   * tables for every unit it starts. libuv knows nothing of it, so the orphan reaper collects
   * it and its exit comes through the exit channel like any other's: the caller claims the pid
   * (before the next SIGCHLD round, which never runs before the caller returns). Returns the
   * errno when nothing was started (a failed exec included, as glibc reports it).
   */
  spawnOutsideLibuv(s: OutsideSpawn): { pid: number } | { errno: number } {
    // A plain loop: this runs interpreted for every unit start, where entries() and flatMap cost twice as much.
    const env: string[] = [];
    for (const k in s.env) {
      const v = s.env[k];
      if (v !== undefined) env.push(`${k}=${v}`);
    }
    const r = spawnProcess(s.file, s.argv, env, { newSession: s.newSession, cwd: s.cwd, stdio: s.stdio });
    if ('pid' in r) {
      this.outside.add(r.pid);
      // Signal listeners do not keep the event loop alive, and libuv knows nothing of this
      // child: a timer that never fires in practice (24.8 days) holds the loop open instead.
      this.holdLoop ??= setInterval(() => undefined, 2 ** 31 - 1);
    }
    return r;
  }

  /** Whether spawnOutsideLibuv can start a process in another directory (glibc 2.29 and later). */
  spawnsInDirectory(): boolean {
    return canSpawnInDirectory();
  }

  /** Reap what can be reaped, then tell everyone waiting that children changed. */
  round(): void {
    this.reaper.reap();
    for (const l of [...this.listeners]) l();
  }

  /** Called after every round: something about the children changed. */
  onRound(listener: () => void): void {
    this.listeners.add(listener);
  }

  /** Resolves true once check() holds (tested now and after every child change), false after timeoutMs. */
  until(check: () => boolean, timeoutMs: number): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const listener = (): void => {
        if (!check()) return;
        finish(true);
      };
      const timer = setLongTimeout(() => finish(false), timeoutMs);
      const finish = (ok: boolean): void => {
        this.listeners.delete(listener);
        timer.clear();
        resolve(ok);
      };
      this.listeners.add(listener);
    });
  }
}
