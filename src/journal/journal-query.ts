// Which entries of one journal file a match expression selects (journalctl-args.ts'
// matchGroups: groups ANDed, terms ORed, fields of a term ANDed, values of a field ORed), from
// the file's data objects alone: an entry is read only once it is selected. A term's fields
// are taken rarest first and the term stops at the first that matches nothing, so "_UID=0
// OBJECT_SYSTEMD_UNIT=x" never lists every entry of root's. Offsets are in file order. And
// which of the selected entries journalctl shows, by position (positionsToShow), and which
// files --since/--until leave unread (mayHoldWithin). Pure but for the reader's reads.
import type { JournalFileReader } from './journal-file-reader';

/** Both lists sorted ascending. */
export function intersectSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i]! < b[j]!) i++;
    else if (a[i]! > b[j]!) j++;
    else {
      out.push(a[i]!);
      i++;
      j++;
    }
  }
  return out;
}

export function unionSorted(a: readonly number[], b: readonly number[]): number[] {
  if (a.length === 0) return b as number[];
  if (b.length === 0) return a as number[];
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) out.push(a[i++]!);
    else if (i >= a.length || b[j]! < a[i]!) out.push(b[j++]!);
    else {
      out.push(a[i++]!);
      j++;
    }
  }
  return out;
}

function split(match: string): [string, string] {
  const eq = match.indexOf('=');
  return [match.slice(0, eq), match.slice(eq + 1)];
}

/** Where a selection gets its entry lists: whole (selectOffsets) or their ends (selectTail). */
interface Lists {
  all(): number[];
  with(name: string, value: string): number[];
}

function termOffsets(r: JournalFileReader, term: readonly string[], lists: Lists): number[] {
  const byField = new Map<string, string[]>();
  for (const m of term) {
    const [name, value] = split(m);
    byField.set(name, [...(byField.get(name) ?? []), value]);
  }
  const fields: Array<{ name: string; values: string[]; count: number }> = [];
  for (const [name, values] of byField) {
    const count = values.reduce((n, v) => n + r.countWith(name, v), 0);
    if (count === 0) return []; // the others' counts are not needed
    fields.push({ name, values, count });
  }
  fields.sort((a, b) => a.count - b.count);
  let result: number[] | undefined;
  for (const f of fields) {
    let any: number[] = [];
    for (const v of f.values) any = unionSorted(any, lists.with(f.name, v));
    result = result === undefined ? any : intersectSorted(result, any);
    if (result.length === 0) return [];
  }
  return result ?? [];
}

function evaluate(r: JournalFileReader, groups: readonly (readonly (readonly string[])[])[], lists: Lists): number[] {
  if (groups.length === 0) return lists.all();
  let result: number[] | undefined;
  for (const terms of groups) {
    let any: number[] = [];
    for (const t of terms) any = unionSorted(any, termOffsets(r, t, lists));
    result = result === undefined ? any : intersectSorted(result, any);
    if (result.length === 0) return [];
  }
  return result ?? [];
}

/** The offsets `groups` selects in `r`; no groups: every entry. */
export function selectOffsets(r: JournalFileReader, groups: readonly (readonly (readonly string[])[])[]): number[] {
  return evaluate(r, groups, { all: () => r.entryOffsets(), with: (name, value) => r.offsetsWith(name, value) });
}

/**
 * The last `n` offsets `groups` selects in `r`, from the ends of the lists only: the last k of
 * each list give the exact selection from the highest offset where a list was cut on; k grows
 * (eightfold) until that holds n entries or every list is read whole. `-u X -n 20` over a
 * million entries reads some hundred offsets, not the unit's whole list.
 */
export function selectTail(r: JournalFileReader, groups: readonly (readonly (readonly string[])[])[], n: number): number[] {
  if (n <= 0) return [];
  for (let k = Math.max(64, n); ; k *= 8) {
    let from = 0;
    let complete = true;
    const take = (t: { offsets: number[]; complete: boolean }) => {
      if (!t.complete) {
        complete = false;
        from = Math.max(from, t.offsets.length ? t.offsets[0]! : Number.POSITIVE_INFINITY);
      }
      return t.offsets;
    };
    const result = evaluate(r, groups, { all: () => take(r.tailEntryOffsets(k)), with: (name, value) => take(r.tailOffsetsWith(name, value, k)) });
    const exact = complete ? result : result.filter((o) => o >= from);
    if (complete || exact.length >= n) return exact.slice(-n);
  }
}

/** The selected entries after offset `after`, read from the lists' ends. */
export function appendedSince(r: JournalFileReader, groups: readonly (readonly (readonly string[])[])[], after: number): number[] {
  for (let n = 64; ; n *= 8) {
    const got = selectTail(r, groups, n);
    if (got.length < n || got[0]! <= after) return got.filter((x) => x > after);
  }
}

/**
 * Whether a file may hold entries within --since/--until, by its header's first and last
 * entry times: a file wholly before --since (or after --until) would add nothing to the
 * selection but the reading of its whole lists (the journal is in time order, as
 * positionsToShow assumes).
 */
export function mayHoldWithin(file: { nEntries: number; headRealtime: number; tailRealtime: number }, q: { since?: number; until?: number }): boolean {
  if (file.nEntries === 0) return false;
  if (q.since !== undefined && file.tailRealtime < q.since) return false;
  return q.until === undefined || file.headRealtime <= q.until;
}

/**
 * The positions journalctl 252 shows, in order, as its main loop walks: from --since forward
 * (at most -n), from --until backward with -r, from the end backward with -r, the last -n
 * forward (then cut at --until: 252 shows none when the last N are all later), else all.
 */
export function positionsToShow(sel: { length: number; firstAtOrAfter(usec: number): number }, o: { lines?: number; reverse: boolean }, q: { since?: number; until?: number }): number[] {
  const out: number[] = [];
  const limit = o.lines ?? Number.POSITIVE_INFINITY;
  const endForward = q.until === undefined ? sel.length : sel.firstAtOrAfter(q.until + 1);
  if (!o.reverse) {
    let from = 0;
    if (q.since !== undefined) from = sel.firstAtOrAfter(q.since);
    else if (o.lines !== undefined) from = Math.max(0, sel.length - o.lines);
    for (let i = from; i < endForward && out.length < limit; i++) out.push(i);
  } else {
    const stop = q.since === undefined ? 0 : sel.firstAtOrAfter(q.since);
    for (let i = endForward - 1; i >= stop && out.length < limit; i--) out.push(i);
  }
  return out;
}
