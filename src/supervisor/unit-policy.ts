// From a parsed unit to what the lifecycle machine needs. Pure.
import type { UnitConfig } from '../units/unit';
import type { Phase, Policy, PolicySetting } from './lifecycle';
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
    const list = commandsOf(u, ph);
    commands[ph] = list.length;
    ignoreFailure[ph] = list.map((c) => c.ignoreFailure);
  }
  const policy = { commands, ignoreFailure, hasPidFile: u.pidFile !== undefined } as Record<string, unknown>;
  for (const k of SETTING_NAMES) policy[k] = u[k];
  return policy as unknown as Policy;
}

/** Every setting the machine reads (the typecheck holds this to PolicySetting), copied as it is. */
const SETTINGS: Record<PolicySetting, true> = {
  type: true, remainAfterExit: true, restart: true, restartSecMs: true, restartMaxDelayMs: true, restartSteps: true,
  startLimitIntervalMs: true, startLimitBurst: true, timeoutStartMs: true, timeoutStopMs: true, watchdogMs: true,
  killMode: true, killSignal: true, restartKillSignal: true, finalKillSignal: true, sendSIGKILL: true, sendSIGHUP: true,
  successExitStatus: true, restartPreventExitStatus: true, restartForceExitStatus: true,
  failureAction: true, successAction: true, failureActionExitStatus: true, successActionExitStatus: true, guessMainPID: true,
  reloadSignal: true,
};

/** SETTINGS' names, listed once (every unit's runner makes a policy). */
const SETTING_NAMES = Object.keys(SETTINGS) as PolicySetting[];
