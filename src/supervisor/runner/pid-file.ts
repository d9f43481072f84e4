// PIDFile=: after a forking daemon's starter has exited, its PID file names the main
// process. Read again every PID_FILE_RETRY_MS until it does, for PID_FILE_WAIT_MS.
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
    const file = this.unit.config.pidFile!;
    let pid: number | undefined;
    const r = this.load(file);
    if (r.kind === 'pid') {
      // Trusted to name a process outside the unit: a root-owned file reached safely, as in systemd.
      const problem = this.processes.mainPidProblem(r.pid, r.trusted);
      if (problem) this.warnOnce(pidFileRefusal(file, r.pid, problem, r.distrust));
      else pid = r.pid;
    } else if (r.kind === 'error') {
      this.warnOnce(`cannot read PID file ${file}: ${r.message}`);
    }
    if (pid !== undefined) {
      this.processes.adopt(pid);
      this.unit.send({ type: 'main-pid', pid });
    } else if ((this.now() < deadline || shortOf(r)) && this.unit.state.sub === 'start') {
      // A passing shortage (EMFILE) does not count against the wait: the phase's timeout bounds it.
      this.timers.arm('pid-file', PID_FILE_RETRY_MS, () => this.readPidFile(deadline));
    } else {
      this.unit.send({ type: 'pid-file-missing' });
    }
  }

  /** Said once per start: the PID file is read again every PID_FILE_RETRY_MS. */
  private warnOnce(message: string): void {
    if (this.said.has(message)) return;
    this.said.add(message);
    this.unit.log.warn({ unit: this.unit.name }, message);
  }
}

function shortOf(r: PidFileRead): boolean {
  return r.kind === 'error' && isTransientError(r.code ?? r.message);
}
