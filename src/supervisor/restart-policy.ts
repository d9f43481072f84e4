// systemd's Restart= table and its notion of a clean exit. Pure.
import type { ProcessExit } from '../process/process-exit';
import { SIGHUP, SIGINT, SIGPIPE, SIGTERM } from '../sys/signals';
import type { Result } from './result';
import type { ExitStatusSet, UnitConfig } from '../units/unit';

/** SIGHUP, SIGINT, SIGTERM and SIGPIPE count as clean terminations, like exit 0. */
const CLEAN_SIGNALS = [SIGHUP, SIGINT, SIGTERM, SIGPIPE];

export function isCleanExit(exit: ProcessExit, success: ExitStatusSet): boolean {
  if (exit.signal !== undefined) return CLEAN_SIGNALS.includes(exit.signal) || success.signals.includes(exit.signal);
  return exit.code === 0 || success.codes.includes(exit.code ?? -1);
}

/** The main process's exit is one of the set's codes or signals. */
function inSet(exit: ProcessExit | undefined, set: ExitStatusSet): boolean {
  if (!exit) return false;
  return exit.signal !== undefined ? set.signals.includes(exit.signal) : set.codes.includes(exit.code ?? -1);
}

export type RestartSettings = Pick<UnitConfig, 'restart' | 'restartPreventExitStatus' | 'restartForceExitStatus' | 'successExitStatus'>;

/**
 * The table in systemd.service(5), "Restart=": rows are the reasons a service
 * stopped, columns the settings. As systemd's service_shall_restart: never after a
 * start limit or a failed dependency; RestartPreventExitStatus= wins, then
 * RestartForceExitStatus= restarts whatever Restart= says.
 */
export function shouldRestart(settings: RestartSettings, result: Result, exit: ProcessExit | undefined): boolean {
  const { restart: policy, successExitStatus: success } = settings;
  if (result === 'start-limit-hit' || result === 'dependency') return false;
  if (inSet(exit, settings.restartPreventExitStatus)) return false;
  if (inSet(exit, settings.restartForceExitStatus)) return true;
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
