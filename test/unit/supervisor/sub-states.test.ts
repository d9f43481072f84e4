import { describe, expect, it } from 'vitest';
import { initialState, step, type Policy } from '../../../src/supervisor/lifecycle';
import {
  activeState,
  isDown,
  isIdle,
  isReloading,
  isStarting,
  isStopping,
  isUp,
  jobFailed,
  startJobFinished,
  SUB_STATES,
  takesMainPid,
  type SubState,
  type SubStateMeaning,
} from '../../../src/supervisor/sub-states';

const ALL = Object.keys(SUB_STATES) as SubState[];
const where = (f: (s: SubState) => boolean): SubState[] => ALL.filter(f).sort();

describe('the sub-state table', () => {
  it('classifies every sub-state: one left out fails the typecheck', () => {
    const { running: _left, ...missing } = SUB_STATES;
    // @ts-expect-error 'running' is not classified
    const incomplete = missing satisfies Record<SubState, SubStateMeaning>;
    expect(Object.keys(incomplete)).not.toContain('running');
    expect(ALL).toHaveLength(15);
  });

  it("maps sub-states to systemd's active states", () => {
    expect(Object.fromEntries(ALL.map((s) => [s, activeState({ sub: s })]))).toEqual({
      dead: 'inactive',
      failed: 'failed',
      'auto-restart': 'activating',
      'start-pre': 'activating',
      start: 'activating',
      'start-post': 'activating',
      running: 'active',
      exited: 'active',
      reload: 'reloading',
      'reload-signal': 'reloading',
      'reload-notify': 'reloading',
      stop: 'deactivating',
      'stop-sigterm': 'deactivating',
      'stop-sigkill': 'deactivating',
      'stop-post': 'deactivating',
    });
  });

  it('"down" and "up" agree with the active state', () => {
    for (const s of ALL) {
      const a = activeState({ sub: s });
      expect(isDown(s)).toBe(a === 'inactive' || a === 'failed');
      expect(isUp(s)).toBe(a === 'active' || a === 'reloading');
    }
  });

  it('says which states are idle, starting, stopping, settled, failed for a job, and take a main pid', () => {
    expect(where(isIdle)).toEqual(['auto-restart', 'dead', 'failed']);
    expect(where(isStarting)).toEqual(['reload', 'reload-notify', 'reload-signal', 'start', 'start-post', 'start-pre']);
    expect(where(isReloading)).toEqual(['reload', 'reload-notify', 'reload-signal']);
    expect(where(isStopping)).toEqual(['stop', 'stop-post', 'stop-sigkill', 'stop-sigterm']);
    expect(where((s) => startJobFinished({ sub: s }))).toEqual(['auto-restart', 'dead', 'exited', 'failed', 'reload', 'reload-notify', 'reload-signal', 'running']);
    expect(where(jobFailed)).toEqual(['auto-restart', 'failed']);
    expect(where(takesMainPid)).toEqual(['reload', 'reload-notify', 'reload-signal', 'running', 'start', 'start-post']);
  });

  it('the machine follows the table: MAINPID= is taken only where it says so', () => {
    const p: Policy = {
      type: 'notify', commands: { 'start-pre': 0, start: 1, 'start-post': 0, reload: 0, stop: 0, 'stop-post': 0 },
      ignoreFailure: { 'start-pre': [], start: [], 'start-post': [], reload: [], stop: [], 'stop-post': [] },
      remainAfterExit: false, hasPidFile: false, guessMainPID: true, restart: 'no', restartSecMs: 100, startLimitIntervalMs: 10_000, startLimitBurst: 5,
      timeoutStartMs: 1000, timeoutStopMs: 1000, watchdogMs: 0, killMode: 'control-group', killSignal: 15, finalKillSignal: 9,
      sendSIGKILL: true, sendSIGHUP: false, successExitStatus: { codes: [], signals: [] }, restartPreventExitStatus: { codes: [], signals: [] },
      restartForceExitStatus: { codes: [], signals: [] }, failureAction: 'none', successAction: 'none', reloadSignal: 1,
    };
    for (const sub of ALL) {
      const s = { ...initialState(0), sub, mainPid: 10 };
      const next = step(s, { type: 'main-pid', pid: 20 }, p, 1).state;
      expect(next.mainPid === 20, sub).toBe(takesMainPid(sub));
    }
  });
});
