// Turns SIGCHLD into reaping plus a notification that the set of children changed,
// and routes every exit, whoever collected it, through the one exit channel.
// No timers: everything here runs because the kernel said a child changed state.
import { setLongTimeout } from './long-timeout';
import { onSignal } from './signal-source';
import { ExitRouter } from './exit-router';
import { OrphanReaper } from './reaper';
import type { ProcessTable } from './process-table';
import { SIGCHLD } from '../sys/signals';

export class ChildWatch {
  readonly reaper: OrphanReaper;
  /** pid -> owner: where each exit goes. */
  readonly exits = new ExitRouter();
  private readonly listeners = new Set<() => void>();
  private roundQueued = false;

  constructor(table: ProcessTable) {
    this.reaper = new OrphanReaper(table, (pid, exit) => this.exits.deliver(pid, exit, 'reaper'));
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
