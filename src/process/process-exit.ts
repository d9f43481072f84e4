// How a process ended: the one type every exit travels as, whoever collected it
// (libuv for child_process children, the orphan reaper for everything else).
// The two collectors' raw forms are converted here and nowhere else.
import type { WaitStatus } from '../sys/libc';
import { parseSignal } from '../sys/signals';

export type ProcessExit =
  | { code: number; signal?: undefined; coreDumped?: undefined }
  | { code?: undefined; signal: number; coreDumped?: boolean };

/** The reaper's form: waitpid's decoded status (stopped/continued are not ends). */
export function exitFromWaitStatus(s: WaitStatus): ProcessExit | undefined {
  if (s.kind === 'exited') return { code: s.code };
  if (s.kind === 'signaled') return { signal: s.signal, coreDumped: s.coreDumped };
  return undefined;
}

/** libuv's form: child_process's 'exit' arguments (it does not say whether core was dumped). */
export function exitFromNode(code: number | null, signal: NodeJS.Signals | null): ProcessExit {
  if (signal) return { signal: parseSignal(signal)! };
  return { code: code ?? 0 };
}

/** Exit code as a shell reports it: the code, or 128+N when killed by signal N. */
export function exitCodeOf(exit: ProcessExit): number {
  return exit.signal === undefined ? exit.code : 128 + exit.signal;
}
