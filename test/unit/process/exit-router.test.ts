import { describe, expect, it } from 'vitest';
import { ExitRouter } from '../../../src/process/exit-router';
import type { ProcessExit } from '../../../src/process/process-exit';

describe('the exit channel', () => {
  it('delivers an exit once, to the pid owner, whoever collected it', () => {
    const r = new ExitRouter();
    const got: Array<[string, number, ProcessExit]> = [];
    const orphans: number[] = [];
    r.onOrphanExit((pid) => orphans.push(pid));
    r.claim(10, (pid, exit) => got.push(['a', pid, exit]));
    r.claim(11, (pid, exit) => got.push(['b', pid, exit]));
    r.deliver(10, { code: 3 }, 'libuv');
    r.deliver(11, { signal: 9 }, 'reaper');
    expect(got).toEqual([
      ['a', 10, { code: 3 }],
      ['b', 11, { signal: 9 }],
    ]);
    expect(orphans).toEqual([]);
    expect(r.claimed).toBe(0);
    // The claim ended with the exit: a reused pid is an orphan unless claimed again.
    r.deliver(10, { code: 0 }, 'reaper');
    expect(orphans).toEqual([10]);
    expect(got).toHaveLength(2);
  });

  it('unclaimed: the reaper reports an orphan, libuv leaves it to the ChildProcess holder', () => {
    const r = new ExitRouter();
    const orphans: number[] = [];
    const stop = r.onOrphanExit((pid) => orphans.push(pid));
    r.deliver(5, { code: 0 }, 'libuv');
    r.deliver(6, { code: 0 }, 'reaper');
    stop();
    r.deliver(7, { code: 0 }, 'reaper');
    expect(orphans).toEqual([6]);
  });

  it('a later claim replaces an earlier one; a stale release does not undo it', () => {
    const r = new ExitRouter();
    const got: string[] = [];
    const a = (): void => void got.push('a');
    const b = (): void => void got.push('b');
    r.claim(20, a);
    r.claim(20, b);
    r.release(20, a);
    r.deliver(20, { code: 0 }, 'reaper');
    expect(got).toEqual(['b']);
    r.claim(21, a);
    r.release(21, a);
    r.deliver(21, { code: 0 }, 'reaper');
    expect(got).toEqual(['b']);
  });

  it('exitOf resolves with the exit', async () => {
    const r = new ExitRouter();
    const p = r.exitOf(30);
    r.deliver(30, { signal: 15 }, 'libuv');
    await expect(p).resolves.toEqual({ signal: 15 });
  });
});
