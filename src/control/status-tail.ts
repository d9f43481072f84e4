// The journal tail of `systemctl status UNIT`, read in the client from this machine's journal
// files, as systemd's systemctl reads them through sd-journal: PID 1 is never asked to read
// the disk for it. A machine that keeps no journal (no file yet, or Storage=none) has no
// answer here; the caller then shows the lines PID 1 keeps in memory (`ts-init ctl logs`).
import type { OutputMode } from '../journal/journalctl-args';
import { currentBootId, localJournalFiles, openSources, type Source } from '../journal/journal-sources';
import { unitTail } from '../journal/unit-tail';

export interface TailRequest {
  lines: number;
  mode: OutputMode;
  all: boolean;
  /** The unit's InactiveExitTimestampMonotonic (µs); 0: since the boot. */
  notBeforeMonotonicUsec: number;
  /** -q leaves out the notice that the journal was rotated since the unit started. */
  quiet?: boolean;
}

export class StatusJournal {
  private sources: Source[] | undefined;
  private readonly bootId = currentBootId();

  private constructor(private readonly paths: string[]) {}

  /** undefined when this machine has no journal file to read (the caller falls back). */
  static find(dirs?: readonly string[]): StatusJournal | undefined {
    const paths = localJournalFiles(dirs);
    return paths.length ? new StatusJournal(paths) : undefined;
  }

  /** The unit's lines as status prints them after its blank line ("" for none: nothing is printed). */
  tail(unit: string, r: TailRequest): string {
    this.sources ??= openSources(this.paths); // files this user may not read are left out, as sd-journal does
    const lines = unitTail(this.sources, unit, { lines: r.lines, mode: r.mode, all: r.all, utc: false, notBeforeMonotonicUsec: r.notBeforeMonotonicUsec, warnCutoff: !r.quiet, ...(this.bootId && { bootId: this.bootId }) });
    return Buffer.concat(lines).toString('utf8');
  }

  close(): void {
    for (const s of this.sources ?? []) s.reader.close();
  }
}
