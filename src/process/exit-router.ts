// The one process-exit channel: a pid -> owner table. Whoever collected an exit
// (libuv for child_process children, the orphan reaper for the rest) hands it
// here, and it is delivered once, to the pid's owner. Owners claim the pids they
// answer for: their own spawns, and processes that are not their children (a
// forking daemon's main pid from its PID file, MAINPID=), whose exit reaches
// PID 1 (or the subreaper) as an orphan's. An exit the reaper collected that no
// one claimed is an orphan's, for the orphan listeners (tini's -w warning).
import type { ProcessExit } from './process-exit';

export type ExitOwner = (pid: number, exit: ProcessExit) => void;
export type Collector = 'libuv' | 'reaper';

export class ExitRouter {
  private readonly owners = new Map<number, ExitOwner>();
  private readonly orphanListeners = new Set<ExitOwner>();

  /** From now on pid's exit goes to owner (a later claim by another owner replaces it). */
  claim(pid: number, owner: ExitOwner): void {
    this.owners.set(pid, owner);
  }

  /** Gives up a claim, unless someone else has claimed the pid since. */
  /** Whether someone has claimed pid's exit (its spawner, its unit, the CMD). */
  isClaimed(pid: number): boolean {
    return this.owners.has(pid);
  }

  release(pid: number, owner: ExitOwner): void {
    if (this.owners.get(pid) === owner) this.owners.delete(pid);
  }

  /** The pid's exit, once: a claim that resolves. */
  exitOf(pid: number): Promise<ProcessExit> {
    return new Promise((resolve) => this.claim(pid, (_pid, exit) => resolve(exit)));
  }

  /** An exit that no one claimed and the reaper collected; returns the way to stop listening. */
  onOrphanExit(listener: ExitOwner): () => void {
    this.orphanListeners.add(listener);
    return () => this.orphanListeners.delete(listener);
  }

  /** Called by the collectors, once per exit. The claim ends with the exit (the pid may be reused). */
  deliver(pid: number, exit: ProcessExit, by: Collector): void {
    const owner = this.owners.get(pid);
    if (owner) {
      this.owners.delete(pid);
      owner(pid, exit);
      return;
    }
    // An unclaimed child_process child is heard by whoever holds its ChildProcess (a library).
    if (by === 'reaper') for (const l of [...this.orphanListeners]) l(pid, exit);
  }

  /** Pids claimed now (for tests and status). */
  get claimed(): number {
    return this.owners.size;
  }
}
