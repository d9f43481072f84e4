// GuessMainPID=, after systemd's unit_search_main_pid: a forking unit without PIDFile= whose
// starting process has exited takes as main process the one of its processes that ts-init
// adopted (a daemon's parent is the manager once it has daemonized). None, or more than one,
// and there is no guess: the unit runs without a known main process, as in systemd.
import { listChildren } from '../process/proc';

/**
 * The one candidate that passes the first test any candidate passes, or undefined. Without a
 * cgroup the tests go from sure to less sure: in one of the unit's sessions, then merely the
 * unit's by the looser rule (adopted since its start, claimed by nobody). Pure.
 */
export function pickMainPid(candidates: readonly number[], tests: ReadonlyArray<(pid: number) => boolean>): number | undefined {
  for (const test of tests) {
    const found = candidates.filter(test);
    if (found.length) return found.length === 1 ? found[0] : undefined;
  }
  return undefined;
}

/** ts-init's children that are the unit's, by the tests of pickMainPid. */
export function guessMainPid(tests: ReadonlyArray<(pid: number) => boolean>): number | undefined {
  try {
    return pickMainPid(listChildren('self'), tests);
  } catch {
    return undefined; // /proc unreadable (EMFILE): no guess, as when there are several
  }
}
