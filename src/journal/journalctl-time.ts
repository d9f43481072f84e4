// systemd's time syntax for journalctl's --since/--until (systemd.time(7), parse_timestamp):
// "now", "today", "yesterday", "tomorrow"; "@EPOCH[.FRACTION]"; "+SPAN", "-SPAN", "SPAN ago"
// and "SPAN left" relative to now; "[WEEKDAY] YYYY-MM-DD [HH:MM[:SS[.FRACTION]]]" (or
// "YY-MM-DD", a "T" between date and time) and "HH:MM[:SS]" (today), in local time or with a
// trailing " UTC". Pure: the caller gives the clock; local time is the runtime's (TZ).
// No npm library parses this syntax (chrono-node and date-fns parse other languages of dates),
// and the spans are already parsed by units/timespan.ts.
import { parseTimespan } from '../units/timespan';

const WEEKDAYS = /^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\s+/i;

/** Microseconds since the epoch of a local (or UTC) wall-clock time, or undefined when it does not exist. */
function wallClock(y: number, mo: number, d: number, h: number, mi: number, s: number, utc: boolean): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const ms = utc ? Date.UTC(y, mo - 1, d, h, mi, s) : new Date(y, mo - 1, d, h, mi, s).getTime();
  const back = utc ? new Date(ms).getUTCDate() : new Date(ms).getDate();
  if (Number.isNaN(ms) || back !== d) return undefined; // 2026-02-30 is no date
  return ms * 1000;
}

function startOfDay(nowUsec: number, addDays: number, utc: boolean): number {
  const t = new Date(Math.floor(nowUsec / 1000));
  return utc
    ? Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() + addDays) * 1000
    : new Date(t.getFullYear(), t.getMonth(), t.getDate() + addDays).getTime() * 1000;
}

const fractionUsec = (f: string | undefined): number => (f ? Math.floor(Number(`0.${f}`) * 1_000_000) : 0);

/** The time `text` names, in microseconds since the epoch; undefined when it is not systemd's syntax. */
export function parseJournalTime(text: string, nowUsec: number): number | undefined {
  let t = text.trim();
  if (t === 'now') return nowUsec;
  const epoch = /^@(\d+)(?:\.(\d{1,6}))?$/.exec(t);
  if (epoch) return Number(epoch[1]) * 1_000_000 + fractionUsec(epoch[2]);
  if (t.startsWith('+') || t.startsWith('-')) {
    const ms = parseTimespan(t.slice(1));
    if (ms === undefined || !Number.isFinite(ms)) return undefined;
    return nowUsec + (t[0] === '+' ? 1 : -1) * Math.round(ms * 1000);
  }
  const rel = /^(.*\S)\s+(ago|left)$/.exec(t);
  if (rel) {
    const ms = parseTimespan(rel[1]);
    if (ms === undefined || !Number.isFinite(ms)) return undefined;
    return nowUsec + (rel[2] === 'left' ? 1 : -1) * Math.round(ms * 1000);
  }
  let utc = false;
  if (/\sUTC$/.test(t)) {
    utc = true;
    t = t.slice(0, -4).trimEnd();
  }
  const day = { today: 0, yesterday: -1, tomorrow: 1 }[t];
  if (day !== undefined) return startOfDay(nowUsec, day, utc);
  t = t.replace(WEEKDAYS, '');
  const m = /^(?:(\d{2}|\d{4})-(\d{1,2})-(\d{1,2}))?(?:(?:^|[ T])(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/.exec(t);
  if (!m || (m[1] === undefined && m[4] === undefined)) return undefined;
  let y: number;
  let mo: number;
  let d: number;
  if (m[1] !== undefined) {
    y = Number(m[1]);
    if (m[1].length === 2) y += y < 69 ? 2000 : 1900; // strptime's %y
    mo = Number(m[2]);
    d = Number(m[3]);
  } else {
    const now = new Date(Math.floor(nowUsec / 1000));
    y = utc ? now.getUTCFullYear() : now.getFullYear();
    mo = (utc ? now.getUTCMonth() : now.getMonth()) + 1;
    d = utc ? now.getUTCDate() : now.getDate();
  }
  const at = wallClock(y, mo, d, Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), utc);
  return at === undefined ? undefined : at + fractionUsec(m[7]);
}
