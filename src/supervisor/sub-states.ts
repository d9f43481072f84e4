// A service's sub-states and what each means, in one table beside the lifecycle machine.
// Everything that asks "is it down", "is a start job over", "may it name a main process"
// asks this table: the table must classify every sub-state, or the typecheck fails. Pure.
import type { ActiveState } from '../control/manager';

export type SubState =
  | 'dead' | 'start-pre' | 'start' | 'start-post' | 'running' | 'exited' | 'reload'
  /** Type=notify-reload: ReloadSignal= sent, RELOADING=1 awaited; then READY=1 awaited. */
  | 'reload-signal' | 'reload-notify'
  | 'stop' | 'stop-sigterm' | 'stop-sigkill' | 'stop-post' | 'failed' | 'auto-restart';

/**
 * Where a run stands: 'down' (nothing runs: inactive or failed), 'restart-pending'
 * (down, the restart timer armed), 'starting', 'up', 'reloading', 'stopping'.
 */
export type Stage = 'down' | 'restart-pending' | 'starting' | 'up' | 'reloading' | 'stopping';

export interface SubStateMeaning {
  /** systemd's ActiveState= for it. */
  active: ActiveState;
  stage: Stage;
  /** The run has, or is getting, a main process that MAINPID= or PIDFile= may name. */
  mainProcess: boolean;
}

export const SUB_STATES = {
  dead: { active: 'inactive', stage: 'down', mainProcess: false },
  failed: { active: 'failed', stage: 'down', mainProcess: false },
  'auto-restart': { active: 'activating', stage: 'restart-pending', mainProcess: false },
  'start-pre': { active: 'activating', stage: 'starting', mainProcess: false },
  start: { active: 'activating', stage: 'starting', mainProcess: true },
  'start-post': { active: 'activating', stage: 'starting', mainProcess: true },
  running: { active: 'active', stage: 'up', mainProcess: true },
  exited: { active: 'active', stage: 'up', mainProcess: false },
  reload: { active: 'reloading', stage: 'reloading', mainProcess: true },
  'reload-signal': { active: 'reloading', stage: 'reloading', mainProcess: true },
  'reload-notify': { active: 'reloading', stage: 'reloading', mainProcess: true },
  stop: { active: 'deactivating', stage: 'stopping', mainProcess: false },
  'stop-sigterm': { active: 'deactivating', stage: 'stopping', mainProcess: false },
  'stop-sigkill': { active: 'deactivating', stage: 'stopping', mainProcess: false },
  'stop-post': { active: 'deactivating', stage: 'stopping', mainProcess: false },
} as const satisfies Record<SubState, SubStateMeaning>;

/** What systemctl shows as the unit's ActiveState=. */
export function activeState(s: { sub: SubState }): ActiveState {
  return SUB_STATES[s.sub].active;
}

/** Nothing runs and nothing will without a start: inactive or failed. */
export function isDown(sub: SubState): boolean {
  return SUB_STATES[sub].stage === 'down';
}

/** Down, or down with a restart pending: no run of the unit is under way. */
export function isIdle(sub: SubState): boolean {
  return isDown(sub) || isRestartPending(sub);
}

/** Up (active or reloading): systemd's "active" side of a transition. */
export function isUp(sub: SubState): boolean {
  const { stage } = SUB_STATES[sub];
  return stage === 'up' || stage === 'reloading';
}

/** A reload is under way (ExecReload=, or Type=notify-reload's signal and answer). */
export function isReloading(sub: SubState): boolean {
  return SUB_STATES[sub].stage === 'reloading';
}

/** A command of the start (or reload) is under way; the start timeout bounds it. */
export function isStarting(sub: SubState): boolean {
  const { stage } = SUB_STATES[sub];
  return stage === 'starting' || stage === 'reloading';
}

export function isStopping(sub: SubState): boolean {
  return SUB_STATES[sub].stage === 'stopping';
}

/** A start job is over once the unit has settled: up, finished, failed, or waiting to retry a failed try. */
export function startJobFinished(s: { sub: SubState }): boolean {
  const { stage } = SUB_STATES[s.sub];
  return stage !== 'starting' && stage !== 'stopping';
}

/** Down, the restart timer armed (Restart=). */
export function isRestartPending(sub: SubState): boolean {
  return SUB_STATES[sub].stage === 'restart-pending';
}

/** A job that ended here did not leave the unit up: failed, or waiting to restart after a failed try. */
export function jobFailed(sub: SubState): boolean {
  return SUB_STATES[sub].active === 'failed' || isRestartPending(sub);
}

/** MAINPID= or a PID file may name the main process now. */
export function takesMainPid(sub: SubState): boolean {
  return SUB_STATES[sub].mainProcess;
}
