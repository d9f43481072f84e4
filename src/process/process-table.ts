// Every process this process starts through child_process, by any code (ours or a
// library's), is recorded here until libuv has
// reaped it. That record is what keeps the orphan reaper away from those pids:
// reaping one of them first would make libuv lose its exit status.
// child_process is loaded on first need: a plain tini-style run, whose CMD is spawned
// through libc, never pays its start-up time and memory.
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { exitFromNode, type ProcessExit } from './process-exit';

type Listener = (pid: number, exit: ProcessExit) => void;

let installed: ProcessTable | undefined;

/** The errno of a spawn that started nothing (its 'error' event comes a tick later). */
const spawnErrors = new WeakMap<ChildProcess, number>();

/** The error code ('EMFILE', 'ENOENT', ...) of a spawn that started no process, if known. */
export function spawnErrorCode(child: ChildProcess): string | undefined {
  const errno = spawnErrors.get(child);
  return errno === undefined ? undefined : (require('node:util') as typeof import('node:util')).getSystemErrorName(errno);
}

export class ProcessTable {
  private readonly owned = new Set<number>();
  private readonly exitListeners: Listener[] = [];
  private hooked = false;

  constructor() {
    if (installed) throw new Error('one ProcessTable per process: it hooks child_process');
    installed = this;
  }

  /**
   * Hooks child_process so every spawn through it is recorded. Call before anything
   * (a library included) may spawn; spawn() calls it too.
   */
  hookChildProcess(): typeof import('node:child_process') {
    const cp = require('node:child_process') as typeof import('node:child_process');
    if (this.hooked) return cp;
    this.hooked = true;
    // ChildProcess.prototype.spawn is the one path of spawn/exec/execFile/fork.
    const proto = cp.ChildProcess.prototype as unknown as { spawn: (this: ChildProcess, o: unknown) => unknown };
    const original = proto.spawn;
    const track = (child: ChildProcess): void => this.track(child);
    proto.spawn = function (this: ChildProcess, o: unknown) {
      const r = original.call(this, o);
      if (typeof r === 'number' && r < 0) spawnErrors.set(this, r);
      track(this);
      return r;
    };
    return cp;
  }

  has(pid: number): boolean {
    return this.owned.has(pid);
  }

  get size(): number {
    return this.owned.size;
  }

  /** Called after libuv has reaped one of ours, with how it ended (the reaper may have been waiting on it). */
  onOwnedExit(listener: Listener): void {
    this.exitListeners.push(listener);
  }

  private track(child: ChildProcess): void {
    const pid = child.pid;
    if (pid === undefined) return;
    this.owned.add(pid);
    child.once('exit', (code, signal) => {
      this.owned.delete(pid);
      const exit = exitFromNode(code, signal);
      for (const l of this.exitListeners) l(pid, exit);
    });
  }

  /** child_process.spawn; 'error' with no pid means nothing was started. */
  spawn(file: string, args: readonly string[], options: SpawnOptions): ChildProcess {
    return this.hookChildProcess().spawn(file, args, options);
  }
}
