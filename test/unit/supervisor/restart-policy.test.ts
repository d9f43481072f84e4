// The Restart= table of systemd.service(5), row by row.
import { describe, expect, it } from 'vitest';
import type { ProcessExit } from '../../../src/process/process-exit';
import { isCleanExit, shouldRestart, type RestartSettings } from '../../../src/supervisor/restart-policy';
import type { Result } from '../../../src/supervisor/lifecycle';
import type { ExitStatusSet } from '../../../src/units/unit';

const none: ExitStatusSet = { codes: [], signals: [] };
const settings = (restart: RestartSettings['restart'], prevent = none, force = none): RestartSettings => ({
  restart,
  restartPreventExitStatus: prevent,
  restartForceExitStatus: force,
  successExitStatus: none,
});
const rows: Array<[string, Result, ProcessExit | undefined]> = [
  ['clean exit code or signal', 'success', { code: 0 }],
  ['unclean exit code', 'exit-code', { code: 1 }],
  ['unclean signal', 'signal', { signal: 9 }],
  ['timeout', 'timeout', undefined],
  ['watchdog', 'watchdog', { signal: 6 }],
];
// Columns: no, always, on-success, on-failure, on-abnormal, on-abort, on-watchdog
const table: Record<string, boolean[]> = {
  'clean exit code or signal': [false, true, true, false, false, false, false],
  'unclean exit code': [false, true, false, true, false, false, false],
  'unclean signal': [false, true, false, true, true, true, false],
  timeout: [false, true, false, true, true, false, false],
  watchdog: [false, true, false, true, true, false, true],
};
const columns = ['no', 'always', 'on-success', 'on-failure', 'on-abnormal', 'on-abort', 'on-watchdog'] as const;

describe('Restart= table', () => {
  for (const [row, result, exit] of rows) {
    it(row, () => {
      expect(columns.map((c) => shouldRestart(settings(c), result, exit))).toEqual(table[row]);
    });
  }

  it('SIGTERM, SIGHUP, SIGINT, SIGPIPE and SuccessExitStatus= are clean', () => {
    for (const signal of [1, 2, 13, 15]) expect(isCleanExit({ signal }, none)).toBe(true);
    expect(isCleanExit({ signal: 9 }, none)).toBe(false);
    expect(isCleanExit({ code: 143 }, none)).toBe(false);
    expect(isCleanExit({ code: 143 }, { codes: [143], signals: [] })).toBe(true);
    expect(isCleanExit({ signal: 10 }, { codes: [], signals: [10] })).toBe(true);
  });

  it('RestartPreventExitStatus= wins; a start-limit-hit never restarts', () => {
    expect(shouldRestart(settings('always', { codes: [3], signals: [] }), 'exit-code', { code: 3 })).toBe(false);
    expect(shouldRestart(settings('always'), 'start-limit-hit', undefined)).toBe(false);
  });

  it('RestartForceExitStatus= restarts whatever Restart= says, but not past RestartPreventExitStatus= or a start limit', () => {
    const force = { codes: [42], signals: [10] };
    for (const policy of columns) {
      expect(shouldRestart(settings(policy, none, force), 'exit-code', { code: 42 })).toBe(true);
      expect(shouldRestart(settings(policy, none, force), 'signal', { signal: 10 })).toBe(true);
      // A clean exit named there restarts too (systemd tests the status before the policy).
      expect(shouldRestart(settings(policy, none, { codes: [0], signals: [] }), 'success', { code: 0 })).toBe(true);
    }
    expect(shouldRestart(settings('no', none, force), 'exit-code', { code: 43 })).toBe(false);
    expect(shouldRestart(settings('no', force, force), 'exit-code', { code: 42 })).toBe(false);
    expect(shouldRestart(settings('always', none, force), 'start-limit-hit', { code: 42 })).toBe(false);
    expect(shouldRestart(settings('no', none, force), 'timeout', undefined)).toBe(false);
  });
});
