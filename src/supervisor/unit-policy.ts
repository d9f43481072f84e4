// From a parsed unit to what the lifecycle machine needs. Pure.
import type { UnitConfig } from '../units/unit';
import type { Phase, Policy } from './lifecycle';
import type { ExecCommand } from '../units/unit';

export function commandsOf(u: UnitConfig, phase: Phase): ExecCommand[] {
  switch (phase) {
    case 'start-pre':
      return u.execStartPre;
    case 'start':
      return u.execStart;
    case 'start-post':
      return u.execStartPost;
    case 'reload':
      return u.execReload;
    case 'stop':
      return u.execStop;
    case 'stop-post':
      return u.execStopPost;
  }
}

const PHASES: Phase[] = ['start-pre', 'start', 'start-post', 'reload', 'stop', 'stop-post'];

export function policyOf(u: UnitConfig): Policy {
  const commands = {} as Policy['commands'];
  const ignoreFailure = {} as Policy['ignoreFailure'];
  for (const ph of PHASES) {
    commands[ph] = commandsOf(u, ph).length;
    ignoreFailure[ph] = commandsOf(u, ph).map((c) => c.ignoreFailure);
  }
  return {
    type: u.type,
    commands,
    ignoreFailure,
    remainAfterExit: u.remainAfterExit,
    hasPidFile: u.pidFile !== undefined,
    guessMainPid: u.guessMainPID,
    restart: u.restart,
    restartSecMs: u.restartSecMs,
    restartMaxDelayMs: u.restartMaxDelayMs,
    startLimitIntervalMs: u.startLimitIntervalMs,
    startLimitBurst: u.startLimitBurst,
    timeoutStartMs: u.timeoutStartMs,
    timeoutStopMs: u.timeoutStopMs,
    watchdogMs: u.watchdogMs,
    killMode: u.killMode,
    killSignal: u.killSignal,
    finalKillSignal: u.finalKillSignal,
    sendSIGKILL: u.sendSIGKILL,
    sendSIGHUP: u.sendSIGHUP,
    successExitStatus: u.successExitStatus,
    restartPreventExitStatus: u.restartPreventExitStatus,
    failureAction: u.failureAction,
    successAction: u.successAction,
    failureActionExitStatus: u.failureActionExitStatus,
    successActionExitStatus: u.successActionExitStatus,
  };
}
