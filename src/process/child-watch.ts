// Turns SIGCHLD into reaping plus a notification that the set of children changed.
// No timers: everything here runs because the kernel said a child changed state.
import { onSignal } from './signal-source';
import { OrphanReaper, type ExitedStatus } from './reaper';
import type { ProcessTable } from './process-table';
import { SIGCHLD } from '../sys/signals';


export class ChildWatch {
  readonly reaper: OrphanReaper;
  private readonly listeners = new Set<() => void>();
  private readonly reapedListeners = new Set<(s: ExitedStatus) => void>();

  constructor(table: ProcessTable) {
    this.reaper = new OrphanReaper(table, (s) => {
      for (const l of this.reapedListeners) l(s);
    });
    onSignal(SIGCHLD, () => this.round());
    // libuv reaps its own children in the same SIGCHLD round; if the reaper had
    // stopped at one of them, look again once libuv has taken it.
    table.onOwnedExit(() => setImmediate(() => this.round()));
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

  /** Every child reaped here (not libuv's); returns the way to stop listening. */
  onOrphanReaped(listener: (s: ExitedStatus) => void): () => void {
    this.reapedListeners.add(listener);
    return () => this.reapedListeners.delete(listener);
  }

  /** Resolves true once check() holds (tested now and after every child change), false after timeoutMs. */
  until(check: () => boolean, timeoutMs: number): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const listener = (): void => {
        if (!check()) return;
        finish(true);
      };
      const timer = Number.isFinite(timeoutMs) ? setTimeout(() => finish(false), timeoutMs) : undefined;
      const finish = (ok: boolean): void => {
        this.listeners.delete(listener);
        if (timer) clearTimeout(timer);
        resolve(ok);
      };
      this.listeners.add(listener);
    });
  }
}
