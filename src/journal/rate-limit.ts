// journald's RateLimitIntervalSec=/RateLimitBurst=: per sender (journald: per unit), at most
// `burst` messages in each interval; what is over is dropped and counted, and the first
// message of the next interval is preceded by "Suppressed N messages from UNIT". Bounded:
// at most MAX_KEYS senders are tracked (the oldest window is forgotten first). Pure: the
// caller gives the time.

export const DEFAULT_INTERVAL_MS = 30_000;
export const DEFAULT_BURST = 10_000;
const MAX_KEYS = 1024;

interface Window {
  startMs: number;
  count: number;
  suppressed: number;
}

export type RateDecision = { pass: true; suppressedBefore: number } | { pass: false };
/** The decisions that say nothing more, made once: test() runs for every line of a flood. */
const PASS: RateDecision = Object.freeze({ pass: true, suppressedBefore: 0 });
const REFUSE: RateDecision = Object.freeze({ pass: false });

export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    readonly intervalMs = DEFAULT_INTERVAL_MS,
    readonly burst = DEFAULT_BURST,
  ) {}

  /**
   * Whether a message of `key` would be dropped now: then it is counted as dropped, and the
   * caller need not even read it (a flood costs its receiving, not its parsing).
   */
  refuseIfOver(key: string, nowMs: number): boolean {
    const w = this.windows.get(key);
    if (!w || this.intervalMs <= 0 || this.burst <= 0 || nowMs - w.startMs >= this.intervalMs || w.count < this.burst) return false;
    w.suppressed++;
    return true;
  }

  /** Whether one message of `key` passes now; suppressedBefore: how many were dropped in its last window. */
  test(key: string, nowMs: number): RateDecision {
    if (this.intervalMs <= 0 || this.burst <= 0) return PASS;
    let w = this.windows.get(key);
    if (w && nowMs - w.startMs >= this.intervalMs) {
      const suppressed = w.suppressed;
      this.windows.delete(key);
      w = { startMs: nowMs, count: 1, suppressed: 0 };
      this.windows.set(key, w);
      return { pass: true, suppressedBefore: suppressed };
    }
    if (!w) {
      if (this.windows.size >= MAX_KEYS) this.windows.delete(this.windows.keys().next().value!);
      this.windows.set(key, { startMs: nowMs, count: 1, suppressed: 0 });
      return PASS;
    }
    if (w.count < this.burst) {
      w.count++;
      return PASS;
    }
    w.suppressed++;
    return REFUSE;
  }
}
