// tini's own wording, where tools and test suites read it: its warning lines are
// "[WARN  tini (PID)] text" on stderr, shown at tini's default verbosity and above.
import { stderrLines } from '../log/stderr-lines';

/** tini 0.19's warning when it is neither PID 1 nor a child subreaper. */
export const TINI_REAPER_WARNING =
  "Tini is not running as PID 1 and isn't registered as a child subreaper.\n" +
  "Zombie processes will not be re-parented to Tini, so zombie reaping won't work.\n" +
  'To fix the problem, use the -s option or set the environment variable TINI_SUBREAPER to register Tini as a child subreaper, or run Tini as PID 1.';

export function reapedZombieText(pid: number): string {
  return `Reaped zombie process with pid=${pid}`;
}

/** Writes one warning as tini does (verbosity 0 silences warnings, as -v's absence does not). */
export function tiniWarn(text: string, verbosity: number): void {
  if (verbosity < 1) return;
  // Queued, not lost, when a slow reader fills the pipe; a closed stderr is ignored.
  stderrLines(2).write(`[WARN  tini (${process.pid})] ${text}\n`);
}
