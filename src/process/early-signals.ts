// The first code of the executable to run when it is PID 1. The kernel drops a signal
// that PID 1 has no handler for, so a `docker stop` right after `docker run` would be
// lost until the init's own handlers exist (after the whole program has loaded). Here
// the shutdown signals get a handler at once and are held until the init takes them.
// One that hit the Node.js runtime's own start-up handler before we ran is noticed too
// (startup-signals.ts). Imports nothing heavy: it runs before the rest of the bundle loads.
import { HELD_SIGNALS_VAR, firedStartupSignals } from './startup-signals';

/** Named by Node, so they can be caught before anything else loads (SIGRTMIN+3 cannot). */
const EARLY: readonly [NodeJS.Signals, number][] = [
  ['SIGTERM', 15],
  ['SIGINT', 2],
  ['SIGHUP', 1],
  ['SIGQUIT', 3],
];
const held: number[] = [];
const listeners = new Map<number, () => void>();

/** Call first, before any other module loads. Only PID 1 is concerned. */
export function holdEarlySignals(): void {
  if (process.pid !== 1) return;
  const carried = process.env[HELD_SIGNALS_VAR];
  if (carried !== undefined) {
    delete process.env[HELD_SIGNALS_VAR];
    for (const n of carried.split(',')) if (/^\d+$/.test(n)) held.push(Number(n));
  }
  held.push(...firedStartupSignals());
  for (const [name, signum] of EARLY) {
    const listener = (): void => void held.push(signum);
    listeners.set(signum, listener);
    process.on(name, listener);
  }
}

/**
 * Stops holding signum and says how many times it arrived so far; call once the real
 * handler for it is installed, so that PID 1 is never without one.
 */
export function releaseEarlySignal(signum: number): number {
  const listener = listeners.get(signum);
  if (listener) {
    listeners.delete(signum);
    const name = EARLY.find(([, n]) => n === signum)?.[0];
    if (name) process.off(name, listener);
  }
  let count = 0;
  for (let i = held.length - 1; i >= 0; i--) {
    if (held[i] === signum) {
      held.splice(i, 1);
      count++;
    }
  }
  return count;
}

/** For a re-exec: the environment entry that hands the held signals on, if any. */
export function heldSignalsEntry(): string | undefined {
  return held.length ? `${HELD_SIGNALS_VAR}=${held.join(',')}` : undefined;
}

holdEarlySignals();
