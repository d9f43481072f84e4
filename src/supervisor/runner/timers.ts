// A unit's named timers: the machine's (start/stop timeout, restart, watchdog, retry)
// and the edge's own polls. Arming a name again replaces it; an infinite span is no timer.
import { setLongTimeout, type LongTimeout } from '../../process/long-timeout';
import type { TimerName } from '../lifecycle';

export type RunnerTimer = TimerName | 'pid-file' | 'main-alive' | 'notify-retry';

/** Calls fire once after ms; returns how to cancel it (process/long-timeout.ts by default). */
export type Schedule = (fire: () => void, ms: number) => LongTimeout;

export class UnitTimers {
  private readonly timers = new Map<RunnerTimer, LongTimeout>();

  constructor(
    private readonly schedule: Schedule = setLongTimeout,
    /** What a timer's work threw: never lost, never an internal error of PID 1's loop. */
    private readonly onError: (name: RunnerTimer, err: unknown) => void = (_n, err) => {
      throw err;
    },
  ) {}

  arm(name: RunnerTimer, ms: number, fire: () => void): void {
    this.disarm(name);
    if (!Number.isFinite(ms)) return;
    this.timers.set(
      name,
      this.schedule(() => {
        this.timers.delete(name);
        try {
          fire();
        } catch (err) {
          this.onError(name, err);
        }
      }, ms),
    );
  }

  disarm(name: RunnerTimer): void {
    this.timers.get(name)?.clear();
    this.timers.delete(name);
  }

  has(name: RunnerTimer): boolean {
    return this.timers.has(name);
  }

  /** The names armed now. */
  armed(): RunnerTimer[] {
    return [...this.timers.keys()];
  }
}
