// PIDFile=: after a forking daemon's starter has exited, its PID file names the main
// process. Read again every PID_FILE_RETRY_MS until it does, for PID_FILE_WAIT_MS, unless
// nothing of the unit is left that could write it (then at once, as systemd does).
import { isTransientError } from '../../process/resource-errors';
import { loadPidFile, pidFileRefusal, type PidFileRead } from '../pid-file';
import type { UnitTimers } from './timers';
import type { UnitProcesses } from './unit-processes';
import type { UnitView } from './unit-view';

const PID_FILE_RETRY_MS = 50;
export const PID_FILE_WAIT_MS = 5_000;

/** Reads and judges the file (../pid-file.ts: walked safely, trusted or not). */
export type LoadPidFile = (file: string) => PidFileRead;

export class PidFile {
  private readonly said = new Set<string>();

  constructor(
    private readonly unit: UnitView,
    private readonly processes: UnitProcesses,
    private readonly timers: UnitTimers,
    private readonly now: () => number,
    private readonly load: LoadPidFile = loadPidFile,
  ) {}

  /** A new start: its warnings may be said again. */
  reset(): void {
    this.said.clear();
  }

  /** Stops reading (the run is over). */
  cancel(): void {
    this.timers.disarm('pid-file');
  }

  /** Whether a read is still to come (an answer for the machine is pending). */
  pending(): boolean {
    return this.timers.has('pid-file');
  }

  readPidFile(deadline: number): void {
    const starting = this.unit.state.sub === 'start';
    const found = this.judge(starting);
    if (typeof found === 'number') {
      this.processes.adopt(found);
      this.unit.send({ type: 'main-pid', pid: found });
      return;
    }
    if (starting && found === 'none' && this.nothingLeft()) {
      // As systemd, which stops waiting once the unit's control group is empty: nothing is left that could write it.
      this.warnOnce(`no process of the unit is left to write its PID file ${this.unit.config.pidFile}`);
      this.unit.send({ type: 'pid-file-missing' });
    } else if (starting && (this.now() < deadline || found === 'short')) {
      // A passing shortage (EMFILE) does not end the wait, nor start it anew: the deadline stays.
      this.timers.arm('pid-file', PID_FILE_RETRY_MS, () => this.readPidFile(deadline));
    } else {
      this.unit.send({ type: 'pid-file-missing' });
    }
  }

  /**
   * The pid the file names, if it may be the main process; 'short' when that cannot be told for
   * a passing shortage. Starting, the wait goes on with its deadline; else (the read once a main
   * process exited) what cannot be judged is thrown, for the machine to have it read again.
   */
  private judge(starting: boolean): number | 'short' | 'none' {
    const file = this.unit.config.pidFile!;
    const r = this.load(file);
    if (r.kind === 'error') {
      this.warnOnce(`cannot read PID file ${file}: ${r.message}`);
      return isTransientError(r.code ?? r.message) ? 'short' : 'none';
    }
    if (r.kind !== 'pid') return 'none';
    let problem: string | undefined;
    try {
      // Trusted to name a process outside the unit: a root-owned file reached safely, as in systemd.
      problem = this.processes.mainPidProblem(r.pid, r.trusted);
    } catch (err) {
      if (starting && isTransientError(err)) return 'short';
      throw err;
    }
    if (!problem) return r.pid;
    this.warnOnce(pidFileRefusal(file, r.pid, problem, r.distrust));
    return 'none';
  }

  /** The unit has no process left (a shortage that hides /proc is not "none"). */
  private nothingLeft(): boolean {
    try {
      return !this.processes.anyLeft();
    } catch {
      return false;
    }
  }

  /** Said once per start: the PID file is read again every PID_FILE_RETRY_MS. */
  private warnOnce(message: string): void {
    if (this.said.has(message)) return;
    this.said.add(message);
    this.unit.log.warn({ unit: this.unit.name }, message);
  }
}
