// The line that says a unit failed, at the default verbosity, with its last output
// lines of the run, once its pipes have ended (the last lines may still be in them).
import type { UnitView } from './unit-view';

const FAILURE_LINES = 5;

/** The unit's output lines since a moment (at most max), once its pipes have ended. */
export type RecentOutput = (unit: string, since: number, max: number) => Promise<string[]>;

export function reportFailure(unit: UnitView, result: string, since: number, recentOutput: RecentOutput | undefined): void {
  const lines = recentOutput?.(unit.name, since, FAILURE_LINES) ?? Promise.resolve([]);
  void lines.then((l) => {
    unit.log.error({ unit: unit.name, result, ...(l.length > 0 && { lastLines: l }) }, `${unit.name} failed (Result: ${result})`);
  });
}
