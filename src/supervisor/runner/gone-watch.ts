// Waiting for a stopping unit's processes to be gone: looked at once the stop's signals
// are sent, and again after every change among ts-init's children (ChildWatch.onRound).
import type { SessionIndex } from '../../process/proc';
import type { ProcessView } from './process-view';
import { errorText, isTransientError } from '../../process/resource-errors';
import type { UnitProcesses } from './unit-processes';
import type { UnitView } from './unit-view';

// Units told to stop together all start waiting for their processes to be gone in the
// same turn: check them in one batch that shares a single /proc scan, instead of one
// scan per unit (that made stopping N units cost N scans of /proc).
const goneChecks = new Set<GoneWatch>();
function queueGoneCheck(w: GoneWatch, proc: ProcessView): void {
  if (goneChecks.size === 0) {
    setImmediate(() => {
      const index = proc.indexOnce();
      const batch = [...goneChecks];
      goneChecks.clear();
      for (const watch of batch) watch.checkGone(index);
    });
  }
  goneChecks.add(w);
}

export class GoneWatch {
  private awaitingGone = false;

  constructor(
    private readonly unit: UnitView,
    private readonly processes: UnitProcesses,
    private readonly proc: ProcessView,
    /** The owner's set of the watches that wait, so that a change among its children checks those alone. */
    private readonly waiters?: Set<GoneWatch>,
  ) {}

  /** Whether the machine waits for the unit's processes to be gone. */
  get waiting(): boolean {
    return this.awaitingGone;
  }

  start(): void {
    this.awaitingGone = true;
    this.waiters?.add(this);
    // Nothing to look for (a target): answered now, not a turn of the loop and a scan of /proc
    // later. A shutdown's layers of targets (graphical, multi-user, nss-lookup, ...) each waited
    // for that before the units ordered before them could stop.
    if (this.processes.nothingToWaitFor()) this.checkGone(() => new Map());
    else queueGoneCheck(this, this.proc);
  }

  cancel(): void {
    this.awaitingGone = false;
    this.waiters?.delete(this);
  }

  /**
   * Called after every change among ts-init's children while the machine waits for
   * the unit to be gone; index() gives the round's one shared scan of /proc.
   */
  checkGone(index: () => SessionIndex = this.proc.indexOnce()): void {
    if (!this.awaitingGone) return;
    let live: number[];
    try {
      live = this.processes.liveProcesses(index);
    } catch (err) {
      // /proc could not be read (EMFILE, ENOMEM): the machine has it looked at again
      // shortly rather than wait for a child change that may never come, which would wedge the unit.
      this.unit.send({ type: 'effect-failed', effect: { type: 'await-all-gone' }, transient: isTransientError(err), message: errorText(err) });
      return;
    }
    if (live.length === 0) {
      this.awaitingGone = false;
      this.waiters?.delete(this);
      this.unit.send({ type: 'all-gone' });
    }
  }
}
