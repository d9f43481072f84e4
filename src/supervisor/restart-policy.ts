// systemd's Restart= table and its notion of a clean exit. Pure.
import type { ProcessExit } from '../process/process-exit';
import { SIGHUP, SIGINT, SIGPIPE, SIGTERM } from '../sys/signals';
import type { Result } from './result';

/** SIGHUP, SIGINT, SIGTERM and SIGPIPE count as clean terminations, like exit 0. */
const CLEAN_SIGNALS = [SIGHUP, SIGINT, SIGTERM, SIGPIPE];

export function isCleanExit(exit: ProcessExit, success: { codes: number[]; signals: number[] }): boolean {
  if (exit.signal !== undefined) return CLEAN_SIGNALS.includes(exit.signal) || success.signals.includes(exit.signal);
  return exit.code === 0 || success.codes.includes(exit.code ?? -1);
}

/**
 * The table in systemd.service(5), "Restart=": rows are the reasons a service
 * stopped, columns the settings.
 */
export function shouldRestart(
  policy: 'no' | 'on-success' | 'on-failure' | 'on-abnormal' | 'on-abort' | 'on-watchdog' | 'always',
  result: Result,
  exit: ProcessExit | undefined,
  prevent: { codes: number[]; signals: number[] },
  success: { codes: number[]; signals: number[] },
): boolean {
  if (result === 'start-limit-hit' || result === 'dependency') return false;
  if (exit && (exit.signal !== undefined ? prevent.signals.includes(exit.signal) : prevent.codes.includes(exit.code ?? -1))) return false;
  const cleanExit = result === 'success' && (exit === undefined || isCleanExit(exit, success));
  const uncleanCode = result === 'exit-code';
  const uncleanSignal = result === 'signal' || result === 'core-dump';
  const timeout = result === 'timeout';
  const watchdog = result === 'watchdog';
  switch (policy) {
    case 'no':
      return false;
    case 'always':
      return true;
    case 'on-success':
      return cleanExit;
    case 'on-failure':
      return uncleanCode || uncleanSignal || timeout || watchdog || (!cleanExit && result !== 'success');
    case 'on-abnormal':
      return uncleanSignal || timeout || watchdog;
    case 'on-abort':
      return uncleanSignal;
    case 'on-watchdog':
      return watchdog;
  }
}
