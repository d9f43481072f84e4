// systemd time spans (systemd.time(7)) converted to milliseconds.
//
//   "90"          -> 90000        bare numbers are seconds (or the given default unit)
//   "1min 30s"    -> 90000        components add up, with or without spaces
//   "2h30m"       -> 9000000
//   "1.5s"        -> 1500         fractions are allowed
//   "infinity"    -> Infinity
// Anything else (negative numbers, unknown units, empty text) gives undefined.

const US_PER_UNIT: ReadonlyMap<string, number> = (() => {
  const m = new Map<string, number>();
  const add = (names: string[], us: number) => names.forEach((n) => m.set(n, us));
  add(['us', 'usec', '\u00b5s', '\u03bcs'], 1);
  add(['ms', 'msec'], 1_000);
  add(['s', 'sec', 'second', 'seconds'], 1_000_000);
  add(['m', 'min', 'minute', 'minutes'], 60_000_000);
  add(['h', 'hr', 'hour', 'hours'], 3_600_000_000);
  add(['d', 'day', 'days'], 86_400_000_000);
  add(['w', 'week', 'weeks'], 604_800_000_000);
  add(['M', 'month', 'months'], 2_629_800_000_000); // 30.44 days
  add(['y', 'year', 'years'], 31_557_600_000_000); // 365.25 days
  return m;
})();

export type TimeUnit = 's' | 'ms' | 'us';

const DEFAULT_US: Readonly<Record<TimeUnit, number>> = { s: 1_000_000, ms: 1_000, us: 1 };

/**
 * Parse a time span into milliseconds (possibly fractional for sub-millisecond values).
 * `defaultUnit` applies to numbers written without a unit (seconds for most settings).
 */
export function parseTimespan(text: string, defaultUnit: TimeUnit = 's'): number | undefined {
  const key = `${defaultUnit} ${text}`;
  if (spans.has(key)) return spans.get(key);
  const ms = parseUncached(text, defaultUnit);
  if (spans.size >= SPANS_KEPT) spans.clear();
  spans.set(key, ms);
  return ms;
}

/** Spans parsed so far (default unit and text -> ms): a thousand timers write a handful of spans. */
const spans = new Map<string, number | undefined>();
const SPANS_KEPT = 1_024;

function parseUncached(text: string, defaultUnit: TimeUnit): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  if (t === 'infinity') return Infinity;
  let i = 0;
  let totalUs = 0;
  let components = 0;
  while (i < t.length) {
    while (i < t.length && /\s/.test(t[i]!)) i++;
    if (i >= t.length) break;
    const num = /^(\d+(?:\.\d*)?|\.\d+)/.exec(t.slice(i));
    if (!num) return undefined;
    i += num[0].length;
    const numberEnd = i;
    while (i < t.length && /\s/.test(t[i]!)) i++;
    const unit = /^[A-Za-z\u00b5\u03bc]+/.exec(t.slice(i));
    let factor: number | undefined;
    if (unit) {
      factor = US_PER_UNIT.get(unit[0]);
      if (factor === undefined) return undefined;
      i += unit[0].length;
    } else {
      // As in systemd, a number without a unit must end the text or be followed by a
      // blank: "1.5.5" and "1..5s" are errors, not 1.5 + 0.5.
      if (i === numberEnd && i < t.length) return undefined;
      factor = DEFAULT_US[defaultUnit];
    }
    totalUs += Number(num[0]) * factor;
    components++;
  }
  if (components === 0 || !Number.isFinite(totalUs)) return undefined;
  return Math.round(totalUs) / 1000;
}

/** Human-readable form of a millisecond span, e.g. 90000 -> "1min 30s", for messages. */
export function formatTimespan(ms: number): string {
  if (ms === Infinity) return 'infinity';
  if (ms === 0) return '0';
  const parts: string[] = [];
  let rest = ms;
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1_000], ['ms', 1]];
  for (const [name, size] of units) {
    if (rest >= size) {
      const n = Math.floor(rest / size);
      parts.push(`${n}${name}`);
      rest -= n * size;
    }
  }
  if (rest > 0) parts.push(`${Math.round(rest * 1000)}us`);
  return parts.join(' ');
}
