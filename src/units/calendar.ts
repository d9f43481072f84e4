// Calendar events as systemd.time(7) writes them (OnCalendar=), parsed and normalised as
// systemd 252-257 do, so that `systemd-analyze calendar` and ts-init print the same normalised
// form and accept and refuse the same expressions:
//
//   "daily"                       -> *-*-* 00:00:00
//   "Mon..Fri *-*-* 8:00"         -> Mon..Fri *-*-* 08:00:00
//   "*:0/15"                      -> *-*-* *:00/15:00
//   "*-02~03"                     -> *-02~03 00:00:00        (the third last day of February)
//   "Sat 2026-*-1..7 4:00 UTC"    -> Sat 2026-*-01..07 04:00:00 UTC
//   "12:00 Europe/Berlin"         -> *-*-* 12:00:00 Europe/Berlin
//
// Seconds are kept in microseconds (fractions have six digits, as in systemd). When the
// event elapses is calendar-next.ts.

import { ZoneClock } from './time-zone';

/** One element of a field's list: `start`, `start..stop`, `start/repeat`, `start..stop/repeat`. */
export interface CalendarComponent {
  readonly start: number;
  /** -1: no upper bound. */
  readonly stop: number;
  /** 0: the value alone. */
  readonly repeat: number;
}

/** A field's list, sorted and without duplicates; null is `*`. */
export type CalendarChain = readonly CalendarComponent[] | null;

export interface CalendarSpec {
  /** Bit 0 Monday .. bit 6 Sunday; -1 every day. */
  readonly weekdays: number;
  readonly year: CalendarChain;
  readonly month: CalendarChain;
  readonly day: CalendarChain;
  readonly hour: CalendarChain;
  readonly minute: CalendarChain;
  /** In microseconds. */
  readonly second: CalendarChain;
  /** `~`: days count from the end of the month. */
  readonly endOfMonth: boolean;
  readonly utc: boolean;
  /** An IANA zone named at the end of the expression. */
  readonly timezone: string | undefined;
}

export type CalendarParse = { readonly ok: true; readonly spec: CalendarSpec } | { readonly ok: false; readonly error: string };

const USEC = 1_000_000;
const INT_MAX = 2_147_483_647;
const MIN_YEAR = 1970;
const MAX_YEAR = 2199;
const ALL_WEEKDAYS = 127;
/** systemd's bound on a field's list (CALENDARSPEC_COMPONENTS_MAX + 1 elements). */
const LIST_MAX = 240;

const WEEKDAY_NAMES: readonly (readonly [string, number])[] = [
  ['monday', 0], ['mon', 0], ['tuesday', 1], ['tue', 1], ['wednesday', 2], ['wed', 2],
  ['thursday', 3], ['thu', 3], ['friday', 4], ['fri', 4], ['saturday', 5], ['sat', 5],
  ['sunday', 6], ['sun', 6],
];
const WEEKDAY_SHORT = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

interface Shorthand {
  readonly weekdays?: number;
  readonly month?: number[];
  readonly day?: number;
  readonly hour?: boolean;
  readonly minute?: boolean;
}

// What each shorthand fixes; the fields it leaves out are `*`, and the second is always 0.
const SHORTHANDS: ReadonlyMap<string, Shorthand> = new Map<string, Shorthand>([
  ['minutely', {}],
  ['hourly', { minute: true }],
  ['daily', { hour: true, minute: true }],
  ['monthly', { day: 1, hour: true, minute: true }],
  ['weekly', { weekdays: 1, hour: true, minute: true }],
  ['yearly', { month: [1], day: 1, hour: true, minute: true }],
  ['annually', { month: [1], day: 1, hour: true, minute: true }],
  ['anually', { month: [1], day: 1, hour: true, minute: true }],
  ['quarterly', { month: [1, 4, 7, 10], day: 1, hour: true, minute: true }],
  ['semiannually', { month: [1, 7], day: 1, hour: true, minute: true }],
  ['semi-annually', { month: [1, 7], day: 1, hour: true, minute: true }],
  ['biannually', { month: [1, 7], day: 1, hour: true, minute: true }],
  ['bi-annually', { month: [1, 7], day: 1, hour: true, minute: true }],
]);

class CalendarSyntaxError extends Error {}

interface MutableSpec {
  weekdays: number;
  year: CalendarComponent[] | null;
  month: CalendarComponent[] | null;
  day: CalendarComponent[] | null;
  hour: CalendarComponent[] | null;
  minute: CalendarComponent[] | null;
  second: CalendarComponent[] | null;
  endOfMonth: boolean;
  utc: boolean;
  timezone: string | undefined;
}

const single = (value: number): CalendarComponent[] => [{ start: value, stop: -1, repeat: 0 }];

/** Expressions parsed so far, text -> its parse: a thousand timers name a handful of expressions. */
const parsed = new Map<string, CalendarParse>();
const PARSES_KEPT = 1_024;

/**
 * Parse an OnCalendar= expression; the error says what is wrong with it. The same text gives
 * the same (read-only) spec, so that calendar-next.ts' answers for one serve all its timers.
 */
export function parseCalendar(text: string): CalendarParse {
  const known = parsed.get(text);
  if (known !== undefined) return known;
  const r = parseUncached(text);
  if (parsed.size >= PARSES_KEPT) parsed.clear();
  parsed.set(text, r);
  return r;
}

function parseUncached(text: string): CalendarParse {
  try {
    const spec = parseSpec(text);
    normalize(spec);
    const problem = invalidity(spec);
    if (problem) return { ok: false, error: `calendar expression "${text}": ${problem}` };
    return { ok: true, spec };
  } catch (e) {
    if (e instanceof CalendarSyntaxError) return { ok: false, error: `calendar expression "${text}": ${e.message}` };
    throw e;
  }
}

function parseSpec(text: string): MutableSpec {
  const spec: MutableSpec = {
    weekdays: 0, year: null, month: null, day: null, hour: null, minute: null, second: null,
    endOfMonth: false, utc: false, timezone: undefined,
  };
  let p = text;
  if (p.toLowerCase().endsWith(' utc')) {
    spec.utc = true;
    p = p.slice(0, -4);
  } else {
    const lastSpace = p.lastIndexOf(' ');
    if (lastSpace >= 0 && isTimezoneName(p.slice(lastSpace + 1))) {
      spec.timezone = p.slice(lastSpace + 1);
      p = p.slice(0, lastSpace);
    }
  }
  if (p === '') throw new CalendarSyntaxError('nothing before the time zone');

  const shorthand = SHORTHANDS.get(p.toLowerCase());
  if (shorthand) {
    if (shorthand.weekdays) spec.weekdays = shorthand.weekdays;
    if (shorthand.month) spec.month = shorthand.month.map((m) => single(m)[0]!);
    if (shorthand.day) spec.day = single(shorthand.day);
    if (shorthand.hour) spec.hour = single(0);
    if (shorthand.minute) spec.minute = single(0);
    spec.second = single(0);
    return spec;
  }

  const cursor = { text: p, at: 0 };
  try {
    parseWeekdays(cursor, spec);
    const timestamp = parseDate(cursor, spec);
    if (!timestamp) parseTime(cursor, spec);
    if (cursor.at < p.length) throw unexpected(cursor, 'the end');
  } catch (e) {
    // "12:00 Mars/Olympus": the zone, not the blank before it, is what is wrong
    const lastWord = p.slice(p.lastIndexOf(' ') + 1);
    if (e instanceof CalendarSyntaxError && p.includes(' ') && /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)+$/.test(lastWord)) {
      throw new CalendarSyntaxError(`unknown time zone "${lastWord}"`);
    }
    throw e;
  }
  return spec;
}

interface Cursor {
  readonly text: string;
  at: number;
}

const peek = (c: Cursor, ahead = 0): string => c.text[c.at + ahead] ?? '';
const skipSpaces = (c: Cursor): void => {
  while (peek(c) === ' ') c.at++;
};

function unexpected(c: Cursor, wanted: string): CalendarSyntaxError {
  const got = c.at >= c.text.length ? 'the end' : `"${c.text.slice(c.at, c.at + 12)}"`;
  return new CalendarSyntaxError(`expected ${wanted} at column ${c.at + 1}, found ${got}`);
}

/** The weekday list before the date (`Mon..Fri`, `Sat,Sun`, `Mon-Wed`, a trailing comma). */
function isAsciiLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function parseWeekdays(c: Cursor, spec: MutableSpec): void {
  let rangeFrom = -1;
  let first = true;
  for (;;) {
    // Most expressions start with a date or a time: no names to try against a digit or "*".
    const rest = isAsciiLetter(c.text.charCodeAt(c.at)) ? c.text.slice(c.at, c.at + 9).toLowerCase() : '';
    const found = rest === '' ? undefined : WEEKDAY_NAMES.find((w) => rest.startsWith(w[0]));
    if (!found) {
      if (first) return; // no weekdays: the date follows
      throw unexpected(c, 'a weekday name');
    }
    const [name, nr] = found;
    if (!['', '-', '.', ',', ' '].includes(peek(c, name.length))) throw unexpected(c, 'a weekday name');
    spec.weekdays |= 1 << nr;
    if (rangeFrom >= 0) {
      if (rangeFrom > nr) throw new CalendarSyntaxError(`weekday range ${WEEKDAY_SHORT[rangeFrom]}..${WEEKDAY_SHORT[nr]} runs backwards`);
      for (let j = rangeFrom + 1; j < nr; j++) spec.weekdays |= 1 << j;
    }
    c.at += name.length;
    if (peek(c) === '') return;
    if (peek(c) === ' ') {
      skipSpaces(c);
      return;
    }
    if (peek(c) === '.') {
      if (rangeFrom >= 0 || peek(c, 1) !== '.') throw unexpected(c, '".." or ","');
      rangeFrom = nr;
      c.at += 2;
    } else if (peek(c) === '-') {
      // "-" for a range, as systemd still accepts
      if (rangeFrom >= 0) throw unexpected(c, '","');
      rangeFrom = nr;
      c.at += 1;
    } else if (peek(c) === ',') {
      rangeFrom = -1;
      c.at += 1;
    }
    if (peek(c) === '' || peek(c) === ' ') {
      skipSpaces(c);
      if (rangeFrom >= 0) throw new CalendarSyntaxError('weekday range without its end');
      return;
    }
    first = false;
  }
}

/** A number of a field; in the seconds field with up to six decimals, as microseconds. */
function parseDecimal(c: Cursor, usec: boolean, what: string): number {
  const digits = /^\d+/.exec(c.text.slice(c.at));
  if (!digits) throw unexpected(c, `a number (${what})`);
  let value = Number(digits[0]);
  c.at += digits[0].length;
  if (usec) {
    value *= USEC;
    if (peek(c) === '.' && peek(c, 1) !== '.') {
      c.at++;
      value += parseFraction(c);
    }
  }
  if (value > INT_MAX) throw new CalendarSyntaxError(`${what} ${digits[0]} is too large`);
  return value;
}

/** Six decimals, the seventh rounding, the rest ignored (systemd's parse_fractional_part_u). */
function parseFraction(c: Cursor): number {
  const digits = /^\d*/.exec(c.text.slice(c.at))![0];
  if (digits === '') throw unexpected(c, 'the decimals of the seconds');
  let value = Number(digits.slice(0, 6).padEnd(6, '0'));
  if (digits.length > 6 && digits[6]! >= '5') value++;
  c.at += digits.length;
  return value;
}

/** A field's comma-separated list; `*` is every value (null), but 0/1s for the seconds. */
function parseChain(c: Cursor, usec: boolean, what: string): CalendarComponent[] | null {
  if (peek(c) === '*') {
    c.at++;
    return usec ? [{ start: 0, stop: -1, repeat: USEC }] : null;
  }
  const chain: CalendarComponent[] = [];
  for (;;) {
    if (chain.length > LIST_MAX) throw new CalendarSyntaxError(`more than ${LIST_MAX + 1} values in the ${what} list`);
    const start = parseDecimal(c, usec, what);
    let stop = -1;
    let repeat = 0;
    if (peek(c) === '.' && peek(c, 1) === '.') {
      c.at += 2;
      stop = parseDecimal(c, usec, what);
      repeat = usec ? USEC : 1;
    }
    if (peek(c) === '/') {
      c.at++;
      repeat = parseDecimal(c, usec, `${what} repetition`);
      if (repeat === 0) throw new CalendarSyntaxError(`${what} repetition /0`);
    } else {
      if (start > INT_MAX - repeat) throw new CalendarSyntaxError(`${what} ${start} is too large`);
      // a range of seconds shorter than its step of one second
      if (usec && stop >= 0 && start + repeat > stop) throw new CalendarSyntaxError('a range of seconds shorter than a second');
    }
    if (!['', ' ', ',', '-', '~', ':'].includes(peek(c))) throw unexpected(c, `",", ".." or "/" in the ${what}`);
    chain.push({ start, stop, repeat });
    if (peek(c) !== ',') return chain;
    c.at++;
  }
}

/** The date: `@SECONDS`, `Y-M-D`, `M-D`, with `~` in place of the last `-`; absent when a time comes first. */
function parseDate(c: Cursor, spec: MutableSpec): boolean {
  if (peek(c) === '') return false;
  if (peek(c) === '@') {
    c.at++;
    const digits = /^\d+/.exec(c.text.slice(c.at));
    if (!digits) throw unexpected(c, 'seconds since the epoch');
    c.at += digits[0].length;
    const d = new Date(Number(digits[0]) * 1000);
    if (Number.isNaN(d.getTime())) throw new CalendarSyntaxError(`@${digits[0]} is out of range`);
    spec.utc = true;
    spec.year = single(d.getUTCFullYear());
    spec.month = single(d.getUTCMonth() + 1);
    spec.day = single(d.getUTCDate());
    spec.hour = single(d.getUTCHours());
    spec.minute = single(d.getUTCMinutes());
    spec.second = single(d.getUTCSeconds() * USEC);
    return true;
  }
  const start = c.at;
  const first = parseChain(c, false, 'value');
  if (peek(c) === '' || peek(c) === ':') {
    c.at = start; // a time, not a date
    return false;
  }
  const separator = (): void => {
    if (peek(c) === '~') spec.endOfMonth = true;
    else if (peek(c) !== '-') throw unexpected(c, '"-" or "~" in the date');
    c.at++;
  };
  separator();
  const second = parseChain(c, false, 'date');
  if (peek(c) === '' || peek(c) === ' ') {
    skipSpaces(c);
    spec.month = first;
    spec.day = second;
    return false;
  }
  if (spec.endOfMonth) throw new CalendarSyntaxError('"~" must come before the day');
  separator();
  const third = parseChain(c, false, 'day');
  if (peek(c) !== '' && peek(c) !== ' ') throw unexpected(c, 'a blank after the date');
  skipSpaces(c);
  spec.year = first;
  spec.month = second;
  spec.day = third;
  return false;
}

/** `H:M` or `H:M:S`; no time at all is midnight. */
function parseTime(c: Cursor, spec: MutableSpec): void {
  if (peek(c) === '') {
    spec.hour = single(0);
    spec.minute = single(0);
    spec.second = single(0);
    return;
  }
  spec.hour = parseChain(c, false, 'hour');
  if (peek(c) !== ':') throw unexpected(c, '":" after the hour');
  c.at++;
  spec.minute = parseChain(c, false, 'minute');
  if (peek(c) === '') {
    spec.second = single(0);
    return;
  }
  if (peek(c) !== ':') throw unexpected(c, '":" after the minute');
  c.at++;
  spec.second = parseChain(c, true, 'second');
  if (peek(c) !== '') throw unexpected(c, 'the end after the seconds');
}

/** A zone name as systemd's timezone_is_valid() takes it, known to the runtime's ICU. */
function isTimezoneName(name: string): boolean {
  if (name === 'UTC') return true;
  if (!/^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/.test(name)) return false;
  // ICU's own spellings, not offsets such as "+01:00" (no such file under /usr/share/zoneinfo)
  if (/^[+-]?\d/.test(name)) return false;
  const clock = ZoneClock.of(name);
  if (!clock) return false;
  // ICU ignores case; the zone files do not.
  const resolved = clock.resolvedName;
  return resolved.toLowerCase() !== name.toLowerCase() || resolved === name;
}

function normalize(spec: MutableSpec): void {
  if (spec.timezone === 'UTC') {
    spec.utc = true;
    spec.timezone = undefined;
  }
  if (spec.weekdays <= 0 || spec.weekdays >= ALL_WEEKDAYS) spec.weekdays = -1;
  if (spec.endOfMonth && !spec.day) spec.endOfMonth = false;
  if (spec.year) {
    // 12 -> 2012, 89 -> 1989
    const century = (v: number): number => (v >= 0 && v < 70 ? v + 2000 : v >= 70 && v < 100 ? v + 1900 : v);
    spec.year = spec.year.map((x) => ({ ...x, start: century(x.start), stop: century(x.stop) }));
  }
  spec.year = normalizeChain(spec.year);
  spec.month = normalizeChain(spec.month);
  spec.day = normalizeChain(spec.day);
  spec.hour = normalizeChain(spec.hour);
  spec.minute = normalizeChain(spec.minute);
  spec.second = normalizeChain(spec.second);
}

function normalizeChain(chain: CalendarComponent[] | null): CalendarComponent[] | null {
  if (!chain) return null;
  const out = chain.map(({ start, stop, repeat }) => {
    // a range's end on a repetition; a repetition that never repeats is the value alone
    if (stop > start && repeat > 0) stop -= (stop - start) % repeat;
    if ((stop > start && repeat > 0 && start + repeat > stop) || start === stop) return { start, stop: -1, repeat: 0 };
    return { start, stop, repeat };
  });
  out.sort((a, b) => a.start - b.start || a.stop - b.stop || a.repeat - b.repeat);
  return out.filter((x, i) => i === 0 || compare(out[i - 1]!, x) !== 0);
}

const compare = (a: CalendarComponent, b: CalendarComponent): number =>
  a.start - b.start || a.stop - b.stop || a.repeat - b.repeat;

function invalidity(spec: MutableSpec): string | undefined {
  return (
    chainInvalidity(spec.year, 'year', MIN_YEAR, MAX_YEAR, false, 1) ??
    chainInvalidity(spec.month, 'month', 1, 12, false, 1) ??
    chainInvalidity(spec.day, 'day', 1, 31, spec.endOfMonth, 1) ??
    chainInvalidity(spec.hour, 'hour', 0, 23, false, 1) ??
    chainInvalidity(spec.minute, 'minute', 0, 59, false, 1) ??
    chainInvalidity(spec.second, 'second', 0, 60 * USEC - 1, false, USEC)
  );
}

function chainInvalidity(chain: CalendarChain, what: string, from: number, to: number, endOfMonth: boolean, unit: number): string | undefined {
  if (!chain) return undefined;
  if (endOfMonth) to -= 3; // at most 28 days from the end of the month
  const show = (v: number): string => (unit === 1 ? String(v) : String(v / unit));
  const range = `${show(from)}..${show(to)}`;
  for (const c of chain) {
    const name = endOfMonth ? `${what} ~${show(c.start)}` : `${what} ${show(c.start)}`;
    if (c.start < from || c.start > to) return `${name} is out of range ${range}`;
    if (c.repeat > to - from) return `${what} repetition /${show(c.repeat)} is too large for ${range}`;
    if (c.stop >= 0) {
      if (c.stop < from || c.stop > to) return `${what} ${show(c.stop)} is out of range ${range}`;
      if (c.start + c.repeat > c.stop) return `${what} range ${show(c.start)}..${show(c.stop)} is empty`;
    } else if (endOfMonth ? c.start - c.repeat < from : c.start + c.repeat > to) {
      return `${name}/${show(c.repeat)} never repeats within ${range}`;
    }
  }
  return undefined;
}

/** The normalised form, as systemd-analyze calendar prints it. */
export function formatCalendar(spec: CalendarSpec): string {
  let out = '';
  if (spec.weekdays > 0 && spec.weekdays <= ALL_WEEKDAYS) out += formatWeekdays(spec.weekdays) + ' ';
  out += formatChain(spec.year, 4, false) + '-';
  out += formatChain(spec.month, 2, false) + (spec.endOfMonth ? '~' : '-');
  out += formatChain(spec.day, 2, false) + ' ';
  out += formatChain(spec.hour, 2, false) + ':';
  out += formatChain(spec.minute, 2, false) + ':';
  out += formatChain(spec.second, 2, true);
  if (spec.utc) out += ' UTC';
  else if (spec.timezone) out += ' ' + spec.timezone;
  return out;
}

function formatWeekdays(bits: number): string {
  let out = '';
  let runStart = -1;
  const closeRun = (x: number): void => {
    if (x > runStart + 1) out += (x > runStart + 2 ? '..' : ',') + WEEKDAY_SHORT[x - 1];
  };
  for (let x = 0; x < 7; x++) {
    if (bits & (1 << x)) {
      if (runStart < 0) {
        out += (out ? ',' : '') + WEEKDAY_SHORT[x];
        runStart = x;
      }
    } else if (runStart >= 0) {
      closeRun(x);
      runStart = -1;
    }
  }
  if (runStart >= 0) closeRun(7);
  return out;
}

function formatChain(chain: CalendarChain, width: number, usec: boolean): string {
  if (!chain) return '*';
  const d = usec ? USEC : 1;
  // as systemd: a single 0/1s (whatever its end) prints as `*`
  if (usec && chain.length === 1 && chain[0]!.start === 0 && chain[0]!.repeat === USEC) return '*';
  const pad = (v: number): string => String(Math.trunc(v / d)).padStart(width, '0');
  const frac = (v: number): string => (v % d > 0 ? '.' + String(v % d).padStart(6, '0') : '');
  return chain
    .map(({ start, stop, repeat }) => {
      let s = pad(start) + frac(start);
      if (stop > 0) s += '..' + pad(stop);
      s += frac(stop);
      if (repeat > 0 && !(stop > 0 && repeat === d)) s += '/' + Math.trunc(repeat / d);
      s += frac(repeat);
      return s;
    })
    .join(',');
}
