import { describe, expect, it } from 'vitest';
import { mainPidVerdict, notifyRefusal, refusalLevel } from '../../../src/supervisor/notify-access';

const from = (pid: number | undefined, inUnit = false) => ({ pid, mainPid: 10, controlPid: 20, inUnit });

describe('NotifyAccess=', () => {
  it('none refuses everyone; main only the main pid; exec main and control', () => {
    expect(notifyRefusal('none', from(10))).toMatch(/reception is disabled/);
    expect(notifyRefusal('main', from(10))).toBeUndefined();
    expect(notifyRefusal('main', from(20))).toBe('got notification message from PID 20, but reception only permitted for main PID 10');
    expect(notifyRefusal('exec', from(20))).toBeUndefined();
    expect(notifyRefusal('exec', from(30, true))).toMatch(/main PID and control PID which are currently 10 and 20/);
  });
  it('all takes any process of the unit, not others; no credentials, no message', () => {
    expect(notifyRefusal('all', from(30, true))).toBeUndefined();
    expect(notifyRefusal('all', from(10))).toBeUndefined();
    expect(notifyRefusal('all', from(30))).toMatch(/cannot find unit for notify message of PID 30/);
    expect(notifyRefusal('all', from(undefined, true))).toMatch(/without credentials/);
  });
});

describe('MAINPID= (systemd\'s service_notify_message)', () => {
  it('a process of the unit is taken from any sender, and its session joins the unit', () => {
    expect(mainPidVerdict({ senderUid: 1000, problem: undefined, ownProcess: true })).toEqual({ accept: true, adoptSession: true });
    expect(mainPidVerdict({ senderUid: 0, problem: undefined, ownProcess: true })).toEqual({ accept: true, adoptSession: true });
  });
  it('a process outside the unit only from root, and its session stays its own', () => {
    expect(mainPidVerdict({ senderUid: 0, problem: undefined, ownProcess: false })).toEqual({ accept: true, adoptSession: false });
    for (const senderUid of [1, 65534, undefined]) {
      expect(mainPidVerdict({ senderUid, problem: undefined, ownProcess: false })).toEqual({
        accept: false,
        reason: 'does not belong to the unit, and only root may name a process outside it',
      });
    }
  });
  it('a pid that can never be a main process is refused, even from root', () => {
    expect(mainPidVerdict({ senderUid: 0, problem: 'is the manager', ownProcess: false })).toEqual({ accept: false, reason: 'is the manager' });
    expect(mainPidVerdict({ senderUid: 0, problem: 'is the control process', ownProcess: true })).toEqual({ accept: false, reason: 'is the control process' });
  });
});

describe('how a refused message is logged', () => {
  it('a sender outside the unit (or without credentials) at debug level, the unit\'s own processes as warnings', () => {
    expect(refusalLevel(from(30))).toBe('debug');
    expect(refusalLevel(from(undefined))).toBe('debug');
    expect(refusalLevel(from(30, true))).toBe('warn');
    expect(refusalLevel(from(10))).toBe('warn');
    expect(refusalLevel(from(20))).toBe('warn');
  });
});
