// The one place ts-init starts processes through child_process. It records each
// pid libuv owns until libuv has reaped it, which is what keeps the orphan reaper
// away from those pids.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export type ExitInfo = { code: number | null; signal: NodeJS.Signals | null };

export class ProcessTable {
  private readonly owned = new Set<number>();
  private readonly exitListeners: Array<(pid: number) => void> = [];

  has(pid: number): boolean {
    return this.owned.has(pid);
  }

  get size(): number {
    return this.owned.size;
  }

  /** Called after libuv has reaped one of ours (the reaper may have been waiting on it). */
  onOwnedExit(listener: (pid: number) => void): void {
    this.exitListeners.push(listener);
  }

  /** child_process.spawn, tracked. 'error' with no pid means nothing was started. */
  spawn(file: string, args: readonly string[], options: SpawnOptions): ChildProcess {
    const child = spawn(file, args, options);
    const pid = child.pid;
    if (pid !== undefined) {
      this.owned.add(pid);
      child.once('exit', () => {
        this.owned.delete(pid);
        for (const l of this.exitListeners) l(pid);
      });
    }
    return child;
  }
}
