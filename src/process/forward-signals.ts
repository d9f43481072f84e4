// Which signals ts-init catches and passes on. Like tini: everything except the
// synchronous fault signals (a fault in ts-init itself must not be forwarded)
// and SIGCHLD (ts-init's own reaping trigger). Catching them is also what makes
// PID 1 react at all: the kernel drops default-action signals sent to an init
// that has no handler.
import { SIGRTMIN, SIGRTMAX } from '../sys/signals';
import { onSignal } from './signal-source';

const NOT_FORWARDED = new Set([
  4, // SIGILL
  5, // SIGTRAP
  6, // SIGABRT
  7, // SIGBUS
  8, // SIGFPE
  9, // SIGKILL (cannot be caught)
  11, // SIGSEGV
  17, // SIGCHLD
  19, // SIGSTOP (cannot be caught)
  31, // SIGSYS
]);

export function forwardableSignals(): number[] {
  const out: number[] = [];
  for (let s = 1; s <= 31; s++) if (!NOT_FORWARDED.has(s)) out.push(s);
  for (let s = SIGRTMIN; s <= SIGRTMAX; s++) out.push(s);
  return out;
}

/** Installs one handler for every forwardable signal; returns those that could not be caught. */
export function catchForwardableSignals(handler: (signum: number) => void): number[] {
  return forwardableSignals().filter((s) => !onSignal(s, handler));
}
