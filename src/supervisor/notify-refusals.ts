// What a unit says about notify messages it refuses (NotifyAccess=, MAINPID=). Anyone
// can send to the unit's socket: a sender outside the unit is logged at debug level
// only, and the unit's own processes at most NOTIFY_WARN_BURST warnings per interval,
// then one line with how many were held back. Bounded whatever a user sends.
import type { Logger } from '../log/logger';
import { RateLimit } from '../log/rate-limit';

export const NOTIFY_WARN_BURST = 5;
export const NOTIFY_WARN_INTERVAL_MS = 10_000;

export class NotifyRefusals {
  private readonly limit: RateLimit;

  constructor(
    private readonly log: Logger,
    private readonly unit: string,
    now?: () => number,
  ) {
    this.limit = new RateLimit(NOTIFY_WARN_BURST, NOTIFY_WARN_INTERVAL_MS, now);
  }

  report(level: 'debug' | 'warn', message: string): void {
    if (level === 'debug') {
      this.log.debug({ unit: this.unit }, message);
      return;
    }
    const turn = this.limit.take();
    if (turn.suppressed > 0) this.log.warn({ unit: this.unit }, `suppressed ${turn.suppressed} more refused notify messages`);
    if (turn.allowed) this.log.warn({ unit: this.unit }, message);
  }
}
