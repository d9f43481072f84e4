// SIGPIPE that ts-init raised itself. A write to a pipe or socket whose reader is gone
// (a hook that exits without reading its stdin, a control client that hangs up) fails
// with EPIPE and makes the kernel send SIGPIPE to ts-init. ts-init catches SIGPIPE to
// forward it, but that one is ts-init's own and must never reach the CMD. The EPIPE is
// reported to JavaScript before the signal's callback runs (the signal is read from
// the runtime's signal pipe in a later round of the event loop), so the writer notes
// it and the forwarder drops the next SIGPIPE.
import { SIGPIPE } from './signals';

/** A SIGPIPE this long after an own EPIPE is taken as someone else's. */
const WINDOW_MS = 1000;

let pending = 0;
let notedAt = 0;

/** Call when one of ts-init's own writes failed with EPIPE. */
export function noteOwnBrokenPipe(err?: NodeJS.ErrnoException): void {
  if (err && err.code !== 'EPIPE') return;
  pending++;
  notedAt = Date.now();
}

/** True (once per noted EPIPE) for a SIGPIPE that ts-init caused itself. */
export function isOwnSigpipe(signum: number): boolean {
  if (signum !== SIGPIPE || pending === 0) return false;
  if (Date.now() - notedAt > WINDOW_MS) {
    pending = 0;
    return false;
  }
  pending--;
  return true;
}
