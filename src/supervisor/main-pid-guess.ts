// GuessMainPID=, after systemd's unit_search_main_pid: a forking unit without PIDFile= whose
// starting process has exited takes as main process the one of its processes that ts-init
// adopted (a daemon's parent is the manager once it has daemonized). None, or more than one,
// and there is no guess: the unit runs without a known main process, as in systemd.
import { listChildren } from '../process/proc';

/** The one candidate that is the unit's, or undefined. Pure. */
export function pickMainPid(candidates: readonly number[], isUnits: (pid: number) => boolean): number | undefined {
  const own = candidates.filter(isUnits);
  return own.length === 1 ? own[0] : undefined;
}

/** ts-init's children that are the unit's (isUnits: the runner's own test, which also refuses claimed pids). */
export function guessMainPid(isUnits: (pid: number) => boolean): number | undefined {
  try {
    return pickMainPid(listChildren('self'), isUnits);
  } catch {
    return undefined; // /proc unreadable (EMFILE): no guess, as when there are several
  }
}
