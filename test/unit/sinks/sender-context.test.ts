// What the journal reads of a sender's /proc/PID/status: CapEff as journald writes it, Uid, Gid.
import { describe, expect, it } from 'vitest';
import { readProcContext, SenderContexts, statusFields } from '../../../src/sinks/sender-context';

describe('statusFields', () => {
  it('takes CapEff without its leading zeros, and the real uid and gid', () => {
    const text = 'Name:\tsshd\nUid:\t0\t0\t0\t0\nGid:\t110\t110\t110\t110\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n';
    expect(statusFields(text)).toEqual({ capEffective: '1ffffffffff', uid: 0, gid: 110 });
    expect(statusFields('CapEff:\t0000000000000000\n').capEffective).toBe('0');
  });

  it("reads this process's own", () => {
    const ctx = readProcContext(process.pid);
    expect(ctx.uid).toBe(process.getuid!());
    expect(ctx.gid).toBe(process.getgid!());
    expect(ctx.capEffective).toMatch(/^[0-9a-f]+$/);
  });
});

describe('SenderContexts', () => {
  it("finds the unit of a sender gone after its first read, from what that read saw (its parent)", () => {
    const alive = new Set([7, 100]);
    const parents: Record<number, number> = { 7: 100 };
    const contexts = new SenderContexts<{ ppid: number }>(
      (pid, first) => {
        const ppid = first?.ppid ?? (alive.has(pid) ? parents[pid] : undefined);
        return ppid === 100 ? 'ssh.service' : undefined;
      },
      () => {
        alive.delete(7); // the sender exits while its /proc is being read
        return {};
      },
      Date.now,
      (pid) => (alive.has(pid) ? { ppid: parents[pid]! } : undefined),
    );
    expect(contexts.get(7).unit).toBe('ssh.service');
  });
});

describe('SenderContexts.readEarly', () => {
  it("keeps the /proc read made on arrival for the get() once the unit is known (the sender gone by then)", () => {
    let alive = true;
    let reads = 0;
    const contexts = new SenderContexts(
      () => 'talker.service',
      () => {
        reads++;
        return alive ? { comm: 'logger' } : {};
      },
    );
    contexts.readEarly(7);
    contexts.readEarly(7); // read once
    alive = false;
    expect(contexts.get(7)).toEqual({ comm: 'logger', unit: 'talker.service' });
    expect(reads).toBe(1);
    contexts.readEarly(7); // cached: nothing read
    expect(reads).toBe(1);
  });
});
