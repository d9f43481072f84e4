// The last step before exit: whatever still runs gets SIGTERM (and SIGCONT, so a
// stopped process can act on it), a bounded grace, then SIGKILL; and everything
// is reaped. As PID 1 that is every process in the namespace (kill(-1)); as a
// subreaper it is only our own descendants.
import * as fs from 'node:fs';
import { kill } from '../sys/libc';
import type { Logger } from '../log/logger';
import { listDescendants, readStat } from './proc';
import type { ChildWatch } from './child-watch';
import { SIGCONT, SIGKILL, SIGTERM } from '../sys/signals';

/** After SIGKILL only uninterruptible sleep can delay an exit; do not wait forever on it. */
const KILL_WAIT_MS = 5_000;

export interface TerminateOptions {
  graceMs: number;
  isPid1: boolean;
  log: Logger;
}

function signalEverything(isPid1: boolean, signal: number): number {
  if (isPid1) {
    kill(-1, signal);
    return -1;
  }
  const pids = listDescendants();
  for (const pid of pids) kill(pid, signal);
  return pids.length;
}

/** Descendants that are not zombies: zombies need reaping, not signals. */
function living(): number[] {
  return listDescendants().filter((p) => readStat(p)?.state !== 'Z');
}

/** "1234 (sleep)" for each pid, for the log. */
function describe(pids: number[]): string[] {
  return pids.map((p) => {
    try {
      return `${p} (${fs.readFileSync(`/proc/${p}/comm`, 'utf8').trim()})`;
    } catch {
      return String(p);
    }
  });
}

/** Resolves once no child is left (true), or false if some survived even SIGKILL. */
export async function terminateEverything(watch: ChildWatch, o: TerminateOptions): Promise<boolean> {
  const noneLeft = (): boolean => {
    watch.reaper.reap();
    return listDescendants().length === 0;
  };
  const noneLiving = (): boolean => {
    watch.reaper.reap();
    return living().length === 0;
  };
  // Zombies of ours that libuv has yet to collect go in a moment; only the living need signals.
  if (noneLiving()) return watch.until(noneLeft, KILL_WAIT_MS);
  const started = Date.now();
  o.log.info({ remaining: describe(living()), graceMs: o.graceMs }, 'sending SIGTERM to remaining processes');
  signalEverything(o.isPid1, SIGTERM);
  signalEverything(o.isPid1, SIGCONT);
  if (await watch.until(noneLeft, o.graceMs)) {
    o.log.info({ ms: Date.now() - started }, 'all processes exited');
    return true;
  }
  o.log.warn({ remaining: describe(living()) }, `processes still running after ${o.graceMs} ms grace; sending SIGKILL`);
  signalEverything(o.isPid1, SIGKILL);
  const ok = await watch.until(noneLeft, KILL_WAIT_MS);
  if (!ok) o.log.error({ remaining: describe(living()) }, 'processes survived SIGKILL; exiting anyway');
  return ok;
}
