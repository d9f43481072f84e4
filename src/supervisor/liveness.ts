// The invariant that keeps a unit from wedging: a unit in a transitional state (starting,
// reloading, stopping, waiting to restart) always has something that will move it on —
// a timer armed, a process whose end it waits for, or an answer the edge owes it (the
// PID file being read, its processes being looked for). Pure: the edge says what it holds.
import type { State, SubState, TimerName } from './lifecycle';

/** What the edge holds for a unit besides the machine's state. */
export interface EdgeWaits {
  /** The timers armed now (the machine's, and the edge's own polls). */
  timers: readonly string[];
  /** The edge looks for the unit's processes to be gone (it answers all-gone). */
  awaitingGone: boolean;
  /** The edge reads the PID file again shortly (it answers main-pid or pid-file-missing). */
  readingPidFile: boolean;
}

const TRANSITIONAL: Record<SubState, boolean> = {
  dead: false,
  failed: false,
  running: false,
  exited: false,
  'start-pre': true,
  start: true,
  'start-post': true,
  reload: true,
  'reload-signal': true,
  'reload-notify': true,
  stop: true,
  'stop-sigterm': true,
  'stop-sigkill': true,
  'stop-post': true,
  'auto-restart': true,
};

/** Starting, reloading, stopping or waiting to restart: only a process's end, a timer or an answer moves it on. */
export function isTransitional(sub: SubState): boolean {
  return TRANSITIONAL[sub];
}

/** The timers of the machine that move a unit on (the watchdog does not move a starting or stopping unit). */
const MOVING_TIMERS: ReadonlySet<string> = new Set<TimerName | 'pid-file'>(['timeout', 'restart', 'retry', 'pid-file']);

/** Why the unit is wedged (nothing will ever move it on), or undefined when something will. */
export function wedged(s: State, w: EdgeWaits): string | undefined {
  if (!isTransitional(s.sub)) return undefined;
  if (s.mainPid !== undefined || s.controlPid !== undefined) return undefined;
  if (w.awaitingGone || w.readingPidFile) return undefined;
  if (w.timers.some((t) => MOVING_TIMERS.has(t))) return undefined;
  return `in ${s.sub} with no timer armed and no process to wait for`;
}
