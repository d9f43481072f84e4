import { describe, expect, it } from 'vitest';
import { calendarReport } from '../../../src/control/systemd-analyze';

// Mon 2026-12-07 14:14:11 UTC
const NOW = Date.UTC(2026, 11, 7, 14, 14, 11) * 1000;

describe('systemd-analyze calendar', () => {
  it("prints 252's blocks: forms, the next elapses in UTC and local time, from now; a bad expression on stderr, and on", () => {
    const r = calendarReport(['*:0/15', 'Feb 30', '2020-01-01', 'daily'], NOW, 2, false);
    expect(r.ok).toBe(false);
    expect(r.err).toBe("Failed to parse calendar specification 'Feb 30': Invalid argument\n");
    // One blank line before each expression after the first, even one refused (its error went to stderr).
    const blocks = r.out.split('\n\n');
    expect(blocks.length).toBe(3);
    expect(blocks[0]).toMatch(
      /^ {2}Original form: \*:0\/15\nNormalized form: \*-\*-\* \*:00\/15:00\n {4}Next elapse: .+\n {7}\(in UTC\): Mon 2026-12-07 14:15:00 UTC\n {7}From now: 49s left\n {7}Iter\. #2: .+\n {7}\(in UTC\): Mon 2026-12-07 14:30:00 UTC\n {7}From now: 15min left$/,
    );
    expect(blocks[1]).toBe('\n  Original form: 2020-01-01\nNormalized form: 2020-01-01 00:00:00\n    Next elapse: never');
    expect(calendarReport(['daily'], NOW, 1, true).out).toMatch(/^ {2}Original form: daily\nNormalized form: \*-\*-\* 00:00:00\n {4}Next elapse: .+\n {7}From now: 9h left\n$/);
  });
});
