// The journal lines `systemctl status UNIT` ends with, as systemd 252's show_journal_by_unit
// picks them: this boot's entries that add_matches_for_unit selects (unitMatchTerms), the last
// N of them, less those from before the unit last left the inactive state (not_before: its
// InactiveExitTimestampMonotonic), each in the output mode asked for (short by default). Only
// the ends of the unit's entry lists are read (selectTail), newest file first, so the tail
// costs the same over a store of any size; and systemd's notice when the unit's first lines may
// have been deleted since it started. Pure but for the readers' reads.
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
  /** Say when the unit's first lines may have been deleted (systemctl's OUTPUT_WARN_CUTOFF: not with -q). */
  warnCutoff?: boolean;
}

export const ROTATED_NOTICE = 'Notice: journal has been rotated since unit was started, output may be incomplete.\n';

/**
 * The monotonic time of this boot's first entry in the files, when entries before it were
 * deleted (the oldest file does not begin its sequence): sd_journal_get_cutoff_monotonic_usec,
 * less the case of a journal that simply began after the unit started (a container's first
 * entry may well come after its first units), which journald, started before every unit, never
 * meets.
 */
function bootCutoff(sources: readonly Source[], bootId: string): number | undefined {
  const oldest = sources.find((s) => s.reader.nEntries > 0);
  if (!oldest || oldest.reader.headSeqnum <= 1) return undefined;
  for (const s of sources) {
    const v = s.reader.fieldValues('_BOOT_ID', true).find((x) => x.value.toString('latin1') === bootId);
    if (v?.first !== undefined) return s.reader.readEntry(v.first).monotonicUsec;
  }
  return undefined;
}

/** The last n entries the match groups select over the files (newest file first), in time order. */
export function tailAcross(sources: readonly Source[], groups: Parameters<typeof selectTail>[1], n: number): Array<[Source, number]> {
  const picked: Array<[Source, number]> = [];
  for (let i = sources.length - 1; i >= 0 && picked.length < n; i--) {
    const s = sources[i]!;
    picked.unshift(...selectTail(s.reader, groups, n - picked.length).map((x): [Source, number] => [s, x]));
  }
  return picked;
}

/** The unit's last lines, each as journalctl prints it, in time order; [] when it has none. */
export function unitTail(sources: readonly Source[], unit: string, o: UnitTailOptions): Buffer[] {
  if (o.lines <= 0) return [];
  const groups = [...(o.bootId ? [[[`_BOOT_ID=${o.bootId}`]]] : []), unitMatchTerms(unit)];
  const picked = tailAcross(sources, groups, o.lines);
  const out: Buffer[] = [];
  let walked = 0;
  for (const [s, offset] of picked) {
    const e = s.reader.readEntry(offset);
    if (o.notBeforeMonotonicUsec && e.monotonicUsec < o.notBeforeMonotonicUsec) continue;
    walked++;
    const text = formatEntry({ ...e, seqnumId: s.reader.seqnumId }, { mode: o.mode, all: o.all, utc: o.utc });
    if (text) out.push(text);
  }
  if (o.warnCutoff && walked < o.lines && o.notBeforeMonotonicUsec && o.bootId) {
    const cutoff = bootCutoff(sources, o.bootId);
    if (cutoff !== undefined && o.notBeforeMonotonicUsec < cutoff) out.push(Buffer.from(ROTATED_NOTICE));
  }
  return out;
}
