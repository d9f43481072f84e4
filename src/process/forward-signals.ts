// Which signals ts-init catches and passes on. Like tini: everything except the
// synchronous fault signals (a fault in ts-init itself must not be forwarded)
// and SIGCHLD (ts-init's own reaping trigger). Catching them is also what makes
// PID 1 react at all: the kernel drops default-action signals sent to an init
// that has no handler.
import { sigprocmask, SIG_BLOCK } from '../sys/libc';
import { SIGCHLD, SIGKILL, SIGNALS, SIGRTMIN, SIGRTMAX, SIGSTOP } from '../sys/signals';
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
 * caught. A SIGPIPE that ts-init's own write raised never arrives (keepOwnSigpipe).
 */
export function catchForwardableSignals(handler: (signum: number) => void): number[] {
  const uncaught = forwardableSignals().filter((s) => !onSignal(s, handler));
  keepOwnSigpipe();
  return uncaught;
}

/**
 * A SIGPIPE that ts-init raises itself (a write to a closed pipe: a control client
 * gone, a hook that did not read its stdin, stdout's reader gone) is directed at the
 * writing thread; a SIGPIPE someone sends with kill() is directed at the process. With
 * SIGPIPE blocked in the main thread (and so in the I/O pool threads it creates later)
 * the first kind stays pending there, never delivered, and the write just fails with
 * EPIPE (whatever thread wrote, and however the loop orders the EPIPE and the signal;
 * no window in which a SIGPIPE from outside could be taken for ts-init's); the second kind is delivered to one of the runtime's other threads, which
 * leave it unblocked, and is forwarded like any signal.
 */
function keepOwnSigpipe(): void {
  sigprocmask(SIG_BLOCK, [SIGNALS.SIGPIPE!]);
}
