// Which unit a process belongs to, for the journal's _SYSTEMD_UNIT (journald reads it from
// the cgroup; without one, the supervisor's own knowledge): the unit whose main or control
// process it is, or in one of whose sessions it runs, else that of its nearest ancestor
// that is (a daemon that made a session of its own). One /proc stat read per ancestor;
// the journal caches the answer per sender (sinks/sender-context.ts).
import type { ProcessStat } from './runner/process-view';

export interface ProcessOwner {
  ownsProcess(pid: number, session: number): boolean;
}

export function unitOfProcess(units: ReadonlyMap<string, ProcessOwner>, pid: number, readStat: (pid: number) => Pick<ProcessStat, 'ppid' | 'session'> | undefined): string | undefined {
  let cur = pid;
  for (let depth = 0; depth < 16 && cur > 1; depth++) {
    const st = readStat(cur);
    if (!st) return undefined;
    for (const [name, r] of units) if (r.ownsProcess(cur, st.session)) return name;
    cur = st.ppid;
  }
  return undefined;
}
