// From a parsed unit to what the lifecycle machine needs. Pure.
import type { UnitConfig } from '../units/unit';
import type { Phase, Policy, PolicySetting } from './lifecycle';
import type { ExecCommand } from '../units/unit';

export function commandsOf(u: UnitConfig, phase: Phase): readonly ExecCommand[] {
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

/** A phase without commands has no failures to ignore: one shared list (the machine only reads it). */
const NONE: readonly boolean[] = Object.freeze([]);
const ignoring = (list: readonly ExecCommand[]): boolean[] => (list.length === 0 ? (NONE as boolean[]) : list.map((c) => c.ignoreFailure));

/**
 * Every setting the machine reads, copied as it is: one literal, which the typecheck holds to
 * PolicySetting (a name missing here is an error). Each unit's runner makes a policy; copied
 * name by name through a list, it was most of what a runner cost to make (a boot makes thousands).
 */
type PolicyLiteral = { [K in PolicySetting]-?: UnitConfig[K] } & Pick<Policy, 'commands' | 'ignoreFailure' | 'hasPidFile'>;

export function policyOf(u: UnitConfig): Policy {
  const policy: PolicyLiteral = {
    type: u.type, remainAfterExit: u.remainAfterExit, restart: u.restart, restartSecMs: u.restartSecMs,
    restartMaxDelayMs: u.restartMaxDelayMs, restartSteps: u.restartSteps, startLimitIntervalMs: u.startLimitIntervalMs,
    startLimitBurst: u.startLimitBurst, timeoutStartMs: u.timeoutStartMs, timeoutStopMs: u.timeoutStopMs, watchdogMs: u.watchdogMs,
    killMode: u.killMode, killSignal: u.killSignal, restartKillSignal: u.restartKillSignal, finalKillSignal: u.finalKillSignal,
    sendSIGKILL: u.sendSIGKILL, sendSIGHUP: u.sendSIGHUP, successExitStatus: u.successExitStatus,
    restartPreventExitStatus: u.restartPreventExitStatus, restartForceExitStatus: u.restartForceExitStatus,
    failureAction: u.failureAction, successAction: u.successAction, failureActionExitStatus: u.failureActionExitStatus,
    successActionExitStatus: u.successActionExitStatus, guessMainPID: u.guessMainPID, reloadSignal: u.reloadSignal,
    commands: {
      'start-pre': u.execStartPre.length, start: u.execStart.length, 'start-post': u.execStartPost.length,
      reload: u.execReload.length, stop: u.execStop.length, 'stop-post': u.execStopPost.length,
    },
    ignoreFailure: {
      'start-pre': ignoring(u.execStartPre), start: ignoring(u.execStart), 'start-post': ignoring(u.execStartPost),
      reload: ignoring(u.execReload), stop: ignoring(u.execStop), 'stop-post': ignoring(u.execStopPost),
    },
    hasPidFile: u.pidFile !== undefined,
  };
  return policy;
}
