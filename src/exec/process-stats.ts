// CPU% and resident memory of a unit's main process for status output, from /proc/PID/stat, as
// pidusage measured them: the CPU share since the last look at the same process (within a
// minute; 0 at the first), the resident set in bytes. pidusage learnt the clock tick and page
// size by running getconf twice through child_process: two forks of PID 1 and the exec modules
// compiled, inside the rich boot (a SysV script's `systemctl show` asks for MemoryCurrent).
import * as fs from 'node:fs';
import { readStatUsage } from '../process/proc';
import { procUnits } from '../sys/libc';

export interface ProcessStats {
  cpuPercent: number;
  rssBytes: number;
}

/** A process's CPU time and the clock when it was last looked at (ms), and when that was (Date.now()). */
export interface LastLook {
  cpuMs: number;
  uptimeMs: number;
  at: number;
}

/** How long a look counts for the next one's CPU share, and how many processes are remembered. */
export const LOOK_KEPT_MS = 60_000;
const MAX_LOOKS = 1024;
const looks = new Map<number, LastLook>();

/** The CPU share (%) since the last look, within LOOK_KEPT_MS of it; 0 without one (pidusage's first answer). */
export function cpuPercentSince(last: LastLook | undefined, cpuMs: number, uptimeMs: number, now: number): number {
  if (!last || now - last.at > LOOK_KEPT_MS) return 0;
  const elapsed = Math.abs(uptimeMs - last.uptimeMs);
  return elapsed > 0 ? ((cpuMs - last.cpuMs) / elapsed) * 100 : 0;
}

export async function processStats(pids: readonly number[]): Promise<Map<number, ProcessStats>> {
  const out = new Map<number, ProcessStats>();
  if (pids.length === 0) return out;
  let uptimeMs: number;
  let units: { clockTicks: number; pageBytes: number };
  try {
    uptimeMs = Number.parseFloat(fs.readFileSync('/proc/uptime', 'latin1')) * 1000;
    units = procUnits();
  } catch {
    return out;
  }
  const now = Date.now();
  for (const pid of new Set(pids)) {
    const stat = readStatUsage(pid);
    // A process that just exited has no stats; status shows none rather than failing.
    if (!stat) continue;
    const cpuMs = (stat.cpuTicks * 1000) / units.clockTicks;
    const cpu = cpuPercentSince(looks.get(pid), cpuMs, uptimeMs, now);
    looks.delete(pid);
    looks.set(pid, { cpuMs, uptimeMs, at: now });
    if (looks.size > MAX_LOOKS) looks.delete(looks.keys().next().value!);
    out.set(pid, { cpuPercent: Math.round(cpu * 10) / 10, rssBytes: stat.rssPages * units.pageBytes });
  }
  return out;
}
