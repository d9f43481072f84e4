// A main process's CPU share and resident set, as pidusage gave them (without its getconf runs).
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cpuPercentSince, LOOK_KEPT_MS, processStats } from '../../../src/exec/process-stats';
import { statUsage } from '../../../src/process/proc';

describe('process stats', () => {
  it('the CPU share since the last look within a minute; 0 without one, or after it, as pidusage answers the first time', () => {
    expect(cpuPercentSince(undefined, 500, 10_000, 0)).toBe(0);
    expect(cpuPercentSince({ cpuMs: 400, uptimeMs: 9_000, at: 0 }, 900, 10_000, 1000)).toBe(50);
    expect(cpuPercentSince({ cpuMs: 400, uptimeMs: 10_000, at: 0 }, 900, 10_000, 1000)).toBe(0);
    expect(cpuPercentSince({ cpuMs: 400, uptimeMs: 9_000, at: 0 }, 900, 10_000, LOOK_KEPT_MS + 1)).toBe(0);
  });

  it('reads utime + stime and the resident pages after the command name, whatever it holds', () => {
    const stat = '42 (a) b (c) S 1 42 42 0 -1 4194560 100 0 0 0 7 5 0 0 20 0 1 0 123 4096000 321 18446744073709551615';
    expect(statUsage(stat)).toEqual({ cpuTicks: 12, rssPages: 321 });
  });

  it('measures a live process (its memory at once, its CPU from the second look) and leaves out one that is gone', async () => {
    const child = spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const first = await processStats([child.pid!, 2 ** 22 + 1]);
      expect([...first.keys()]).toEqual([child.pid]);
      expect(first.get(child.pid!)!.cpuPercent).toBe(0);
      expect(first.get(child.pid!)!.rssBytes).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 300));
      const second = await processStats([child.pid!]);
      expect(second.get(child.pid!)!.cpuPercent).toBeGreaterThan(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
