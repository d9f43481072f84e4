// The journal lines `systemctl status UNIT` ends with, as systemd 252's show_journal_by_unit
// picks them: this boot's entries that add_matches_for_unit selects (unitMatchTerms), the last
// N of them, less those from before the unit last left the inactive state (not_before: its
// InactiveExitTimestampMonotonic), each in the output mode asked for (short by default). Only
// the ends of the unit's entry lists are read (selectTail), newest file first, so the tail
// costs the same over a store of any size. Pure but for the readers' reads.
import type { OutputMode } from './journalctl-args';
import { unitMatchTerms } from './journalctl-args';
import { formatEntry } from './journalctl-format';
import { selectTail } from './journal-query';
import type { Source } from './journal-sources';

export interface UnitTailOptions {
  lines: number;
  /** This boot's id (32 hex digits); undefined: every boot's entries. */
  bootId?: string;
  /** CLOCK_MONOTONIC µs: entries before it are left out (0 or undefined: none are). */
  notBeforeMonotonicUsec?: number;
  mode: OutputMode;
  /** -a: values shown as they are, not as "[N blob data]". */
  all: boolean;
  utc: boolean;
}

/** The unit's last lines, each as journalctl prints it, in time order; [] when it has none. */
export function unitTail(sources: readonly Source[], unit: string, o: UnitTailOptions): Buffer[] {
  if (o.lines <= 0) return [];
  const groups = [...(o.bootId ? [[[`_BOOT_ID=${o.bootId}`]]] : []), unitMatchTerms(unit)];
  const picked: Array<[Source, number]> = [];
  for (let i = sources.length - 1; i >= 0 && picked.length < o.lines; i--) {
    const s = sources[i]!;
    const offsets = selectTail(s.reader, groups, o.lines - picked.length);
    picked.unshift(...offsets.map((x): [Source, number] => [s, x]));
  }
  const out: Buffer[] = [];
  for (const [s, offset] of picked) {
    const e = s.reader.readEntry(offset);
    if (o.notBeforeMonotonicUsec && e.monotonicUsec < o.notBeforeMonotonicUsec) continue;
    const text = formatEntry({ ...e, seqnumId: s.reader.seqnumId }, { mode: o.mode, all: o.all, utc: o.utc });
    if (text) out.push(text);
  }
  return out;
}
