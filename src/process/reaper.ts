// Reaps orphans without ever touching a pid that libuv (child_process) owns.
// libuv reaps its own children with waitpid(pid); if anyone reaps one of those
// first, libuv sees ECHILD and the 'exit' event is lost. So the reaper only
// peeks at zombies (waitid WNOWAIT) and reaps those whose pid is not owned.
import { peekZombieChild, waitpidNoHang } from '../sys/libc';
import { exitFromWaitStatus, type ProcessExit } from './process-exit';

export interface OwnedPids {
  has(pid: number): boolean;
}

export class OrphanReaper {
  /** Set when a zombie owned by libuv blocks the peek; libuv's exit event clears it. */
  private blockedBy: number | undefined;

  constructor(
    private readonly owned: OwnedPids,
    private readonly onReaped: (pid: number, exit: ProcessExit) => void,
  ) {}

  /**
   * Reaps every orphan zombie it can see now. waitid returns the first zombie in the
   * children list; when that one is libuv's, libuv reaps it in the same SIGCHLD round
   * and its exit event calls reap() again, which then sees past it.
   */
  reap(): number {
    let count = 0;
    this.blockedBy = undefined;
    for (;;) {
      const pid = peekZombieChild();
      if (pid === undefined) return count;
      if (this.owned.has(pid)) {
        this.blockedBy = pid;
        return count;
      }
      const status = waitpidNoHang(pid);
      const exit = status && exitFromWaitStatus(status);
      if (exit) {
        count++;
        this.onReaped(pid, exit);
      }
    }
  }

  /** The libuv-owned zombie the last round stopped at, if any. */
  get waitingOn(): number | undefined {
    return this.blockedBy;
  }
}
