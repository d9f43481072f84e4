import { describe, expect, it } from 'vitest';
import { notifyRefusal } from '../../../src/supervisor/notify-access';

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
