// How the runner's rooms look at processes: /proc by default, a table in tests (so a
// test needs no live stand-in process and no pid that no process can have).
import { indexOnce, listOwnChildrenOrThrow, processesInSessions, readStatOrThrow, type SessionIndex } from '../../process/proc';

export type ProcessStat = { state: string; ppid: number; session: number; startTicks: number };

export interface ProcessView {
  /** The process's stat, or undefined when there is no such process; throws when /proc cannot tell (EMFILE). */
  readStat(pid: number): ProcessStat | undefined;
  /** Live processes of the given sessions (a unit's "control group"); throws when /proc cannot be read. */
  inSessions(sessions: ReadonlySet<number>, index?: SessionIndex): number[];
  /** One scan of /proc, made on first use and shared by everyone who asks this round. */
  indexOnce(): () => SessionIndex;
  /** ts-init's own children (orphans it adopted among them); throws when /proc cannot tell. */
  children(): number[];
  /** ts-init's own pid: never a unit's process. */
  readonly self: number;
}

export const procProcessView: ProcessView = {
  readStat: readStatOrThrow,
  inSessions: processesInSessions,
  indexOnce,
  children: listOwnChildrenOrThrow,
  self: process.pid,
};
