// Timers for any span a user can write. The runtime's timers hold at most 2^31-1 ms
// (about 24.8 days) and fire after 1 ms for anything longer; TimeoutStartSec=30d,
// WatchdogSec=30d or --hook-timeout 2592000 must wait what they say, and infinity
// must never fire.

/** The longest delay one runtime timer can hold. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimeout {
  clear(): void;
}

/**
 * Calls fire once after ms (chaining runtime timers for spans over MAX_TIMER_MS).
 * An infinite (or NaN) span never fires. ref: whether the timer keeps the event loop alive.
 */
export function setLongTimeout(fire: () => void, ms: number, ref = true): LongTimeout {
  let timer: NodeJS.Timeout | undefined;
  if (!(ms < Infinity)) return { clear: () => undefined };
  const deadline = Date.now() + Math.max(0, ms);
  const arm = (left: number): void => {
    timer = setTimeout(() => {
      const rest = deadline - Date.now();
      if (rest > 0 && left > MAX_TIMER_MS) arm(rest);
      else fire();
    }, Math.min(left, MAX_TIMER_MS));
    if (!ref) timer.unref();
  };
  arm(Math.max(0, ms));
  return { clear: () => clearTimeout(timer) };
}
