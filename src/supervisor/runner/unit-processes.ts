// Which processes are a unit's: without cgroups, the sessions its spawns made (and the
// sessions of main processes it was told about), plus its main and control pids. Also
// who may become its main process (MAINPID=, PIDFile=).
import type { SessionIndex } from '../../process/proc';
import type { ProcessStat, ProcessView } from './process-view';
import type { UnitView } from './unit-view';

export class UnitProcesses {
  /** The sessions of this run's processes. */
  private readonly sessions = new Set<number>();
  /** When the first process of this start was made (clock ticks since boot, as /proc says). */
  private startTicks: number | undefined;

  constructor(
    private readonly unit: UnitView,
    private readonly proc: ProcessView,
    /** Whether someone (ts-init's own spawns, the CMD, any unit) has claimed the pid's exit. */
    private readonly isClaimed: (pid: number) => boolean,
  ) {}

  /** A new run: none of the last run's sessions count any more. */
  reset(): void {
    this.sessions.clear();
    this.startTicks = undefined;
  }

  /** One of our spawns: its session is the unit's, and the first one dates the run. */
  spawned(pid: number): void {
    this.sessions.add(pid);
    this.startTicks ??= this.statIfReadable(pid)?.startTicks;
  }

  /** A main process from MAINPID= or a PID file: its session is the unit's too. */
  adopt(pid: number): void {
    const st = this.statIfReadable(pid);
    if (st) this.sessions.add(st.session);
  }

  /** For bookkeeping only: a stat that cannot be read now (EMFILE) must not lose the process it is about. */
  private statIfReadable(pid: number): ProcessStat | undefined {
    try {
      return this.proc.readStat(pid);
    } catch {
      return undefined;
    }
  }

  /** Whether the session is one of this run's (no /proc read). */
  hasSession(session: number): boolean {
    return this.sessions.has(session);
  }

  alive(pid: number): boolean {
    return this.proc.readStat(pid) !== undefined;
  }

  /** Every live process of the unit (for status and kill --kill-who=all). */
  processes(): number[] {
    const s = this.unit.state;
    return [...new Set([s.mainPid, s.controlPid].filter((p): p is number => p !== undefined).concat(this.proc.inSessions(this.sessions)))];
  }

  /**
   * Whether this run has nothing the stop could wait for, known without a look at /proc: no
   * session, no main or control process (a target, a socket without commands), or KillMode=none.
   */
  nothingToWaitFor(): boolean {
    const s = this.unit.state;
    if (this.unit.policy.killMode === 'none') return true;
    return this.sessions.size === 0 && s.mainPid === undefined && s.controlPid === undefined;
  }

  /** The processes the stop sequence waits for, by KillMode=; throws when /proc cannot be read. */
  liveProcesses(index: () => SessionIndex): number[] {
    const s = this.unit.state;
    // Main and control count until their exit has been seen (so the exit status is never lost).
    const own = [s.mainPid, s.controlPid].filter((p): p is number => p !== undefined && this.proc.readStat(p) !== undefined);
    const killMode = this.unit.policy.killMode;
    if (killMode === 'none') return [];
    if (killMode === 'process') return own;
    return [...new Set([...own, ...this.proc.inSessions(this.sessions, index())])];
  }

  /**
   * Whether anything of this run may still be alive (systemd: its control group is not empty):
   * a process in one of its sessions, or one of ts-init's children that is the unit's by the
   * looser rule (a daemon in a session of its own whose starter exited). Throws when /proc cannot tell.
   */
  anyLeft(): boolean {
    if (this.proc.inSessions(this.sessions).length > 0) return true;
    return this.proc.children().some((pid) => !this.isClaimed(pid) && this.mainPidProblem(pid, false) === undefined);
  }

  /** A live process in one of the unit's sessions (how its processes are told apart without cgroups). */
  isOwnProcess(pid: number): boolean {
    const st = this.proc.readStat(pid);
    return st !== undefined && (this.sessions.has(st.session) || this.sessions.has(pid));
  }

  /**
   * Why pid cannot become the unit's main process (MAINPID=, PIDFile=), after systemd's
   * service_is_suitable_main_pid: never PID 1 or ts-init itself (stopping the unit would
   * signal the container's init), nor the control process, nor a dead process; and it
   * must be one of the unit's processes unless trusted (a root-owned PID file).
   */
  mainPidProblem(pid: number, trusted: boolean): string | undefined {
    if (!Number.isSafeInteger(pid) || pid <= 0) return 'is not a process id';
    if (pid === 1 || pid === this.proc.self) return 'is the manager';
    if (pid === this.unit.state.controlPid) return 'is the control process';
    const st = this.proc.readStat(pid);
    if (!st || st.state === 'Z') return 'does not exist or is a zombie';
    if (trusted || pid === this.unit.state.mainPid || this.belongsToUnit(pid, st)) return undefined;
    return 'does not belong to the unit';
  }

  /**
   * In one of the unit's sessions, or descended from one of its processes. Without a
   * cgroup, a daemon that made its own session and whose parent then exited (pg_ctl's
   * postmaster) shows no tie to the unit but this: it was adopted by ts-init and started
   * after this start's first process, and nobody claims it (ts-init's own spawns, the
   * CMD's and every unit's tracked processes are claimed).
   */
  private belongsToUnit(pid: number, st: ProcessStat): boolean {
    const own = new Set([this.unit.state.mainPid, this.unit.state.controlPid]);
    const since = this.startTicks;
    let curPid = pid;
    let cur: ProcessStat | undefined = st;
    for (let depth = 0; cur && depth < 64; depth++) {
      if (this.sessions.has(cur.session)) return true;
      if (cur.ppid === this.proc.self) return since !== undefined && cur.startTicks >= since && !this.isClaimed(curPid);
      if (cur.ppid <= 1) return false;
      if (own.has(cur.ppid)) return true;
      curPid = cur.ppid;
      cur = this.proc.readStat(curPid);
    }
    return false;
  }
}
