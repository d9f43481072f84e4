import { describe, expect, it } from 'vitest';
import { unitOfProcess } from '../../../src/supervisor/process-units';

describe("a sender's unit (the journal's _SYSTEMD_UNIT)", () => {
  // pid -> [ppid, session]
  const procs = new Map<number, [number, number]>([
    [10, [1, 10]], // ssh.service's main process
    [11, [10, 10]], // its child, same session
    [20, [10, 20]], // a child that made its own session
    [21, [20, 20]],
    [30, [1, 30]], // nobody's
  ]);
  const stat = (pid: number) => {
    const p = procs.get(pid);
    return p && { ppid: p[0], session: p[1] };
  };
  const units = new Map([
    ['ssh.service', { ownsProcess: (pid: number, session: number) => pid === 10 || session === 10 }],
    ['cron.service', { ownsProcess: () => false }],
  ]);

  it('by main pid, by session, and through the nearest ancestor that is one', () => {
    expect(unitOfProcess(units, 10, stat)).toBe('ssh.service');
    expect(unitOfProcess(units, 11, stat)).toBe('ssh.service');
    expect(unitOfProcess(units, 21, stat)).toBe('ssh.service');
  });

  it("none for a process no unit owns, or one that is gone", () => {
    expect(unitOfProcess(units, 30, stat)).toBeUndefined();
    expect(unitOfProcess(units, 99, stat)).toBeUndefined();
  });
});
