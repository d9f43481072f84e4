// Listening for any signal number. Node names only the classic signals; the
// real-time ones (SIGRTMIN..SIGRTMAX, e.g. SIGRTMIN+3 which `podman stop` sends to
// systemd images) are reached through Node's own signal binding, which the
// executable exposes with --expose-internals.
import { sigprocmask, SIG_UNBLOCK } from '../sys/libc';
import { signalName } from '../sys/signals';
import { releaseEarlySignal } from './early-signals';

type SignalHandle = { onsignal: (signum: number) => void; start(signum: number): number; unref(): void; close(): void };
type SignalBinding = { Signal: new () => SignalHandle };

function internalSignalBinding(): SignalBinding | undefined {
  try {
    const mod = process.getBuiltinModule?.('internal/test/binding') as
      | { internalBinding(name: string): SignalBinding }
      | undefined;
    return mod?.internalBinding('signal_wrap');
  } catch {
    return undefined;
  }
}


/**
 * Calls handler on every delivery of signum. Returns false when this runtime
 * cannot listen for that signal. The handle does not keep the event loop alive.
 */
export function onSignal(signum: number, handler: (signum: number) => void): boolean {
  // A signal handle of our own, for every signal: its callback is the handler itself.
  // process.on() would go through process.emit and EventEmitter on every delivery,
  // which is on the path of every forwarded signal (latency the CMD sees).
  const binding = internalSignalBinding();
  if (binding) {
    const h = new binding.Signal();
    h.onsignal = handler;
    if (h.start(signum) !== 0) return false;
    h.unref(); // like Node's own signal handles: listening does not keep ts-init alive
  } else {
    // Without the binding, only the signals Node names (1-31) can be listened for.
    if (signum < 1 || signum > 31) return false;
    process.on(signalName(signum) as NodeJS.Signals, () => handler(signum));
  }
  // --disable-sigusr1 leaves SIGUSR1 blocked in the main thread; unblock it now that
  // a handler (not the inspector) owns it.
  if (signum === 10) sigprocmask(SIG_UNBLOCK, [10]);
  // What came while the program was loading is handled now, once the caller is set up.
  for (let n = releaseEarlySignal(signum); n > 0; n--) setImmediate(() => handler(signum));
  return true;
}
