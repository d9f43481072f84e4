// list-jobs, list-sockets and list-timers as systemd 252 prints them: upper-case headers, columns as
// wide as their widest cell and one blank apart (numbers right-aligned), the last column
// not padded, and the count after a blank line. Pure.
import type { JobInfo } from './manager';
import { formatRelative } from './relative-time';
import { formatTimestamp } from './timestamp';

/** Rows under a header; `right` marks the right-aligned columns. */
export function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>, legend: boolean, right: ReadonlySet<number> = new Set()): string {
  const widths = head.map((h, i) => Math.max(legend ? h.length : 0, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join(' ')
      .trimEnd();
  return [...(legend ? [line(head)] : []), ...rows.map(line)].map((l) => `${l}\n`).join('');
}

export function renderJobs(jobs: readonly JobInfo[], legend: boolean): string {
  if (jobs.length === 0) return legend ? 'No jobs running.\n' : '';
  const body = table(['JOB', 'UNIT', 'TYPE', 'STATE'], jobs.map((j) => [String(j.id), j.unit, j.type, j.state]), legend, new Set([0]));
  return legend ? `${body}\n${jobs.length} jobs listed.\n` : body;
}

export interface SocketRow {
  listen: string;
  unit: string;
  activates: string;
}

export function renderSockets(rows: readonly SocketRow[], legend: boolean, all: boolean): string {
  const sorted = [...rows].sort((a, b) => (a.listen < b.listen ? -1 : a.listen > b.listen ? 1 : a.unit.localeCompare(b.unit)));
  const body = table(['LISTEN', 'UNIT', 'ACTIVATES'], sorted.map((r) => [r.listen, r.unit, r.activates]), legend);
  if (!legend) return body;
  return `${body}\n${rows.length} sockets listed.\n${all ? '' : 'Pass --all to see loaded but inactive sockets, too.\n'}`;
}

export interface TimerRow {
  /** µs of the wall clock; undefined: none. */
  next?: number;
  last?: number;
  unit: string;
  activates: string;
}

/** list-timers: soonest first, those with no next elapse last; "n/a" for a moment there is none of. */
export function renderTimers(rows: readonly TimerRow[], legend: boolean, all: boolean, nowUs: number): string {
  const key = (r: TimerRow): number => r.next ?? Infinity;
  const sorted = [...rows].sort((a, b) => key(a) - key(b) || a.unit.localeCompare(b.unit));
  const when = (us: number | undefined): string => (us ? formatTimestamp(us / 1000) : 'n/a');
  const rel = (us: number | undefined): string => (us ? formatRelative(us, nowUs) : 'n/a');
  const body = table(
    ['NEXT', 'LEFT', 'LAST', 'PASSED', 'UNIT', 'ACTIVATES'],
    sorted.map((r) => [when(r.next), rel(r.next), when(r.last), rel(r.last), r.unit, r.activates]),
    legend,
  );
  if (!legend) return body;
  return `${body}\n${rows.length} timers listed.\n${all ? '' : 'Pass --all to see loaded but inactive timers, too.\n'}`;
}
