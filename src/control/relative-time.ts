// systemd's format_timestamp_relative(): "5min 3s left", "1 day 2h ago", "3 weeks 2 days left",
// as list-timers' LEFT and PASSED columns and status's "Trigger:" line print it. Pure.

const SEC = 1_000_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const MONTH = 2_629_800 * SEC;
const YEAR = 31_557_600 * SEC;

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** `thenUs` against `nowUs` (both µs on the same clock); "" for never (0 or undefined). */
export function formatRelative(thenUs: number | undefined, nowUs: number): string {
  if (!thenUs) return '';
  const future = thenUs > nowUs;
  const d = Math.abs(thenUs - nowUs);
  const s = future ? 'left' : 'ago';
  const f = Math.floor;
  if (d >= YEAR) return `${plural(f(d / YEAR), 'year', 'years')} ${plural(f((d % YEAR) / MONTH), 'month', 'months')} ${s}`;
  if (d >= MONTH) return `${plural(f(d / MONTH), 'month', 'months')} ${plural(f((d % MONTH) / DAY), 'day', 'days')} ${s}`;
  if (d >= WEEK) return `${plural(f(d / WEEK), 'week', 'weeks')} ${plural(f((d % WEEK) / DAY), 'day', 'days')} ${s}`;
  if (d >= 2 * DAY) return `${f(d / DAY)} days ${s}`;
  if (d >= 25 * HOUR) return `1 day ${f((d - DAY) / HOUR)}h ${s}`;
  if (d >= 6 * HOUR) return `${f(d / HOUR)}h ${s}`;
  if (d >= HOUR) return `${f(d / HOUR)}h ${f((d % HOUR) / MIN)}min ${s}`;
  if (d >= 5 * MIN) return `${f(d / MIN)}min ${s}`;
  if (d >= MIN) return `${f(d / MIN)}min ${f((d % MIN) / SEC)}s ${s}`;
  if (d >= SEC) return `${f(d / SEC)}s ${s}`;
  if (d >= 1000) return `${f(d / 1000)}ms ${s}`;
  if (d > 0) return `${d}us ${s}`;
  return 'now';
}
