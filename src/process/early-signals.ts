// The first code of the executable to run when it is PID 1. The kernel drops a signal
// that PID 1 has no handler for, so a `docker stop` right after `docker run` would be
// lost until the init's own handlers exist (after the whole program has loaded). Here
// the shutdown signals get a handler at once and are held until the init takes them.
// Node itself catches SIGINT and SIGTERM from its start-up (a one-shot handler that
// restores the terminal and re-raises); one that fired before any of our code ran no
// longer shows in SigCgt of /proc/self/status, which is how such a signal is detected.
// Imports nothing heavier than node:fs: it runs before the rest of the bundle loads.
import * as fs from 'node:fs';

/** Named by Node, so they can be caught before anything else loads (SIGRTMIN+3 cannot). */
const EARLY: readonly [NodeJS.Signals, number][] = [
  ['SIGTERM', 15],
  ['SIGINT', 2],
  ['SIGHUP', 1],
  ['SIGQUIT', 3],
];
/** Node's own start-up handlers: their absence at our start means the signal came. */
const NODE_CAUGHT: readonly number[] = [15, 2];

const held: number[] = [];
const listeners = new Map<number, () => void>();

function caughtMask(): bigint | undefined {
  try {
    const m = /^SigCgt:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? BigInt(`0x${m[1]}`) : undefined;
  } catch {
    return undefined;
  }
}

/** Call first, before any other module loads. Only PID 1 is concerned. */
export function holdEarlySignals(): void {
  if (process.pid !== 1) return;
  const mask = caughtMask();
  if (mask !== undefined) {
    const fired = NODE_CAUGHT.filter((signum) => (mask & (1n << BigInt(signum - 1))) === 0n);
    // Both gone says nothing (a runtime that does not set them): only one missing is a signal.
    if (fired.length === 1) held.push(fired[0]!);
  }
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

holdEarlySignals();
