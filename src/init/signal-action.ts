// What PID 1 does with a signal it caught, decided purely (tini's rules plus the
// halt signal): with the CMD running, pass it on; without one, the usual "please
// stop" signals shut down and the rest are ignored. SIGRTMIN+3 is how `podman stop`
// (and systemd itself) asks an init to halt: it is never passed on, it stops the CMD.
import { SIGHUP, SIGINT, SIGQUIT, SIGRTMIN, SIGTERM } from '../sys/signals';

export const HALT_SIGNAL = SIGRTMIN + 3;
const SHUTDOWN_SIGNALS = new Set([SIGHUP, SIGINT, SIGQUIT, SIGTERM, HALT_SIGNAL]);

export type SignalAction =
  /** Pass the signal on to the CMD (or its process group, with -g). */
  | { kind: 'forward' }
  /** Halt while the CMD runs: SIGTERM it; its end ends the run. */
  | { kind: 'stop-command' }
  /** No CMD: end the run as if it had been killed by `as`. */
  | { kind: 'shut-down'; as: number }
  | { kind: 'ignore' };

export function signalAction(signum: number, commandRunning: boolean): SignalAction {
  if (commandRunning) return signum === HALT_SIGNAL ? { kind: 'stop-command' } : { kind: 'forward' };
  if (SHUTDOWN_SIGNALS.has(signum)) return { kind: 'shut-down', as: signum === HALT_SIGNAL ? SIGTERM : signum };
  return { kind: 'ignore' };
}
