// The Restart= table of systemd.service(5), row by row.
import { describe, expect, it } from 'vitest';
import type { ProcessExit } from '../../../src/process/process-exit';
import { isCleanExit, shouldRestart } from '../../../src/supervisor/restart-policy';
import type { Result } from '../../../src/supervisor/lifecycle';

const none = { codes: [], signals: [] };
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
      expect(columns.map((c) => shouldRestart(c, result, exit, none, none))).toEqual(table[row]);
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
    expect(shouldRestart('always', 'exit-code', { code: 3 }, { codes: [3], signals: [] }, none)).toBe(false);
    expect(shouldRestart('always', 'start-limit-hit', undefined, none, none)).toBe(false);
  });
});
