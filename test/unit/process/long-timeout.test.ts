import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS, setLongTimeout } from '../../../src/process/long-timeout';

const DAY = 86_400_000;

describe('setLongTimeout', () => {
  afterEach(() => vi.useRealTimers());

  it('30 days wait 30 days, chaining runtime timers past 2^31-1 ms', () => {
    vi.useFakeTimers();
    const fire = vi.fn();
    setLongTimeout(fire, 30 * DAY);
    vi.advanceTimersByTime(MAX_TIMER_MS + 1);
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(30 * DAY - MAX_TIMER_MS - 2);
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it('infinity never fires; clear() stops a long timer; short spans are plain timers', () => {
    vi.useFakeTimers();
    const never = vi.fn();
    setLongTimeout(never, Infinity);
    setLongTimeout(never, Number.NaN);
    const cleared = setLongTimeout(never, 40 * DAY);
    vi.advanceTimersByTime(MAX_TIMER_MS + 10);
    cleared.clear();
    vi.advanceTimersByTime(365 * DAY);
    expect(never).not.toHaveBeenCalled();
    const soon = vi.fn();
    setLongTimeout(soon, 50);
    vi.advanceTimersByTime(49);
    expect(soon).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(soon).toHaveBeenCalledTimes(1);
  });
});
