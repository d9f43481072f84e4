// A burst of lines per interval, then silence with a count, as journald's rate limit
// does ("Suppressed N messages"): what anyone can make PID 1 say stays bounded.
// Pure apart from the clock, which the caller may pass.

export interface RateLimitTurn {
  /** Whether this line may be said. */
  allowed: boolean;
  /** Lines held back in the interval that has just ended: say so once, before this one. */
  suppressed: number;
}

export class RateLimit {
  private windowStart = Number.NEGATIVE_INFINITY;
  private said = 0;
  private held = 0;

  constructor(
    readonly burst: number,
    readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(): RateLimitTurn {
    const t = this.now();
    let suppressed = 0;
    if (t - this.windowStart >= this.intervalMs) {
      suppressed = this.held;
      this.windowStart = t;
      this.said = 0;
      this.held = 0;
    }
    if (this.said < this.burst) {
      this.said++;
      return { allowed: true, suppressed };
    }
    this.held++;
    return { allowed: false, suppressed };
  }
}
