// CPU% and resident memory of a unit's main process for status output, through
// pidusage (it reads /proc; nothing is polled in the background).
import pidusage from 'pidusage';

export interface ProcessStats {
  cpuPercent: number;
  rssBytes: number;
}

export async function processStats(pids: readonly number[]): Promise<Map<number, ProcessStats>> {
  const out = new Map<number, ProcessStats>();
  if (pids.length === 0) return out;
  try {
    const stats = await pidusage([...pids]);
    for (const [pid, s] of Object.entries(stats)) {
      if (s) out.set(Number(pid), { cpuPercent: Math.round(s.cpu * 10) / 10, rssBytes: s.memory });
    }
  } catch {
    // A process that just exited has no stats; status shows none rather than failing.
  }
  return out;
}
