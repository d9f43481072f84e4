// Which signals ts-init catches and passes on. Like tini: everything except the
// synchronous fault signals (a fault in ts-init itself must not be forwarded)
// and SIGCHLD (ts-init's own reaping trigger). Catching them is also what makes
// PID 1 react at all: the kernel drops default-action signals sent to an init
// that has no handler.
import { SIGCHLD, SIGKILL, SIGNALS, SIGRTMIN, SIGRTMAX, SIGSTOP } from '../sys/signals';
import { isOwnSigpipe } from '../sys/own-sigpipe';
import { onSignal } from './signal-source';

const NOT_FORWARDED = new Set([
  ...['SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGSEGV', 'SIGSYS'].map((n) => SIGNALS[n]!),
  SIGKILL, // cannot be caught
  SIGSTOP, // cannot be caught
  SIGCHLD,
]);

export function forwardableSignals(): number[] {
  const out: number[] = [];
  for (let s = 1; s <= 31; s++) if (!NOT_FORWARDED.has(s)) out.push(s);
  for (let s = SIGRTMIN; s <= SIGRTMAX; s++) out.push(s);
  return out;
}

/**
 * Installs one handler for every forwardable signal; returns those that could not be
 * caught. A SIGPIPE that ts-init's own write raised is not passed on.
 */
export function catchForwardableSignals(handler: (signum: number) => void): number[] {
  const forward = (signum: number): void => {
    if (!isOwnSigpipe(signum)) handler(signum);
  };
  return forwardableSignals().filter((s) => !onSignal(s, forward));
}
