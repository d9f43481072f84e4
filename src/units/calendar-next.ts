// When a calendar event (calendar.ts) next elapses after an instant, as systemd 252-257
// compute it: the fields are matched from the year down on broken-down local time, which is
// normalised after each step as mktime(3) does. So a time in a daylight-saving gap is skipped,
// a time that happens twice elapses once (at its first occurrence when the search walks into
// it), an impossible date (`*-02-30`) never elapses (the search stops after 2199), and a search
// that does not settle gives up after 1,000 steps as systemd does. Times are microseconds since
// the epoch, as systemd keeps them; zone offsets come from time-zone.ts (ICU).

import type { CalendarChain, CalendarSpec } from './calendar';
import { localZoneName, ZoneClock } from './time-zone';

const USEC = 1_000_000;
const MAX_YEAR = 2199;
const ALL_WEEKDAYS = 127;
/** systemd's safety valve (MAX_CALENDAR_ITERATIONS). */
const MAX_STEPS = 1_000;
/** The last instant systemd formats (9999-12-30), its bound on the base time. */
const MAX_BASE_USEC = 253_402_214_400 * USEC - 1;
/** glibc mktime's search for a neighbouring time with the wanted DST flag: a week's stride, ~8.5 years. */
const DST_STRIDE = 601_200;
const DST_SEARCH_BOUND = 536_454_000 / 2 + DST_STRIDE;
const DST_ANSWERS_KEPT = 64;

/** struct tm: `mon` 0..11, `wday` 0 Sunday; `isdst` -1 when unknown. */
interface Tm {
  year: number;
  mon: number;
  mday: number;
  hour: number;
  min: number;
  sec: number;
  wday: number;
  isdst: number;
}

/**
 * mktime(3) and localtime(3) in one zone, or timegm(3) and gmtime(3). Like glibc, it carries the
 * offset of its last answer to the next: that guess decides which of a repeated hour's two
 * instants a wall time without a DST flag means, and systemd's walk depends on it.
 */
class BrokenDownClock {
  private guess = 0;
  private readonly dstAnswers = new Map<string, number>();

  constructor(private readonly zone: ZoneClock | undefined) {}

  /** The offset mktime will guess first: part of the state of a search. */
  get guessed(): number {
    return this.guess;
  }

  localtime(t: number): Tm {
    const tm = newTm();
    this.localtimeInto(t, tm);
    return tm;
  }

  /** Normalises `tm` in place and returns its instant in seconds, -1 when before the epoch. */
  mktime(tm: Tm): number {
    const wall = toSeconds(tm);
    const t = this.zone ? this.resolve(this.zone, wall, tm.isdst) : wall;
    this.localtimeInto(t, tm);
    return t < 0 ? -1 : t;
  }

  private localtimeInto(t: number, tm: Tm): void {
    if (!this.zone) {
      fillFromSeconds(t, tm);
      tm.isdst = 0;
      return;
    }
    fillFromSeconds(t + this.zone.offsetAt(t), tm);
    tm.isdst = this.zone.isDst(t) ? 1 : 0;
  }

  // glibc's __mktime_internal: iterate from the last offset towards an instant whose wall time
  // is `wall`; in a gap the walk oscillates and stops on one side; then honour a requested DST flag.
  private resolve(zone: ZoneClock, wall: number, isdst: number): number {
    let t = wall - this.guess;
    let t1 = t;
    let t2 = t;
    let dst2 = false;
    let matched = false;
    for (let probes = 6; ; ) {
      const dst = zone.isDst(t);
      const next = wall - zone.offsetAt(t);
      if (next === t) {
        matched = true;
        break;
      }
      if (t === t1 && t !== t2) {
        // A gap: the walk swings between both sides. As glibc documents it, take the side
        // whose DST flag differs from the one asked for, or, none asked for, the DST side.
        const other = t2;
        const otherDst = dst2;
        if (isdst < 0 ? otherDst && !dst : (isdst !== 0) === dst) t = other;
        break;
      }
      if (--probes === 0) break;
      t1 = t2;
      t2 = t;
      t = next;
      dst2 = dst;
    }
    if (matched && isdst >= 0 && isdst !== 0 !== zone.isDst(t)) t = this.withDstFlag(zone, wall, t, isdst !== 0);
    this.guess = wall - t;
    return t;
  }

  // The wall time read with the offset of the nearest instant, a week's stride at a time, whose
  // DST flag is the one asked for. A search that does not settle asks the same again and again.
  private withDstFlag(zone: ZoneClock, wall: number, t: number, dst: boolean): number {
    const key = `${t}/${dst}`;
    const known = this.dstAnswers.get(key);
    if (known !== undefined) return wall - known;
    let offset = zone.offsetAt(t);
    search: for (let delta = DST_STRIDE; delta < DST_SEARCH_BOUND; delta += DST_STRIDE) {
      for (const direction of [-1, 1]) {
        const other = t + delta * direction;
        if (zone.isDst(other) === dst) {
          offset = zone.offsetAt(other);
          break search;
        }
      }
    }
    if (this.dstAnswers.size >= DST_ANSWERS_KEPT) this.dstAnswers.clear();
    this.dstAnswers.set(key, offset);
    return wall - offset;
  }
}

// Civil dates without Date objects (a search makes thousands): days since 1970-01-01 from a
// year, month and day and back (the proleptic Gregorian calendar; fields may overflow, as in mktime).
function daysFromCivil(year: number, mon: number, mday: number): number {
  const y0 = year + Math.floor(mon / 12);
  const m = mon - Math.floor(mon / 12) * 12 + 1;
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5);
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468 + mday - 1;
}

function toSeconds(tm: Tm): number {
  return daysFromCivil(tm.year, tm.mon, tm.mday) * 86_400 + tm.hour * 3_600 + tm.min * 60 + tm.sec;
}

const newTm = (): Tm => ({ year: 0, mon: 0, mday: 0, hour: 0, min: 0, sec: 0, wday: 0, isdst: 0 });

function copyTm(from: Tm, to: Tm): Tm {
  to.year = from.year;
  to.mon = from.mon;
  to.mday = from.mday;
  to.hour = from.hour;
  to.min = from.min;
  to.sec = from.sec;
  to.wday = from.wday;
  to.isdst = from.isdst;
  return to;
}

function fillFromSeconds(s: number, tm: Tm): void {
  const days = Math.floor(s / 86_400);
  let rest = s - days * 86_400;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1_460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  tm.year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  tm.mon = month - 1;
  tm.mday = doy - Math.floor((153 * mp + 2) / 5) + 1;
  tm.hour = Math.floor(rest / 3_600);
  rest -= tm.hour * 3_600;
  tm.min = Math.floor(rest / 60);
  tm.sec = rest - tm.min * 60;
  tm.wday = (((days + 4) % 7) + 7) % 7;
}

const sameTm = (a: Tm, b: Tm): boolean =>
  a.year === b.year && a.mon === b.mon && a.mday === b.mday && a.hour === b.hour && a.min === b.min && a.sec === b.sec && a.isdst === b.isdst;

// Scratch copies for the checks that normalise a copy of the search's time (one search at a time).
const boundsScratch = newTm();
const monthEndScratch = newTm();
const weekdayScratch = newTm();

/** Why an event has no next elapse: it never elapses again, or the search did not settle. */
export type NoElapse = 'never' | 'gave up';

/**
 * The first elapse of `spec` strictly after `afterUsec` (microseconds since the epoch), or why
 * there is none. `localZone` is the zone of an expression that names none (default: the
 * runtime's, from $TZ or /etc/localtime).
 */
export function nextElapseOrWhyNot(spec: CalendarSpec, afterUsec: number, localZone?: string): number | NoElapse {
  if (!(afterUsec >= 0) || afterUsec > MAX_BASE_USEC) return 'never';
  const zone = zoneOf(spec, localZone);
  if (zone === undefined) {
    const known = lastUtcAnswer.get(spec);
    if (known !== undefined && afterUsec >= known.after && (known.next === 'never' || afterUsec < known.next)) return known.next;
  }
  const next = walk(spec, new BrokenDownClock(zone), afterUsec);
  if (zone === undefined && next !== 'gave up') lastUtcAnswer.set(spec, { after: afterUsec, next });
  return next;
}

/**
 * Each expression's last answer in UTC. In UTC (no gaps, no repeated hours) the walk finds the
 * first instant after its start that matches, so an answer E for a start A is the answer for
 * every start in [A, E) ('never': for every start from A on): a thousand timers of a handful
 * of expressions (calendar.ts gives one spec per text) search once each.
 */
const lastUtcAnswer = new WeakMap<CalendarSpec, { after: number; next: number | 'never' }>();

function walk(spec: CalendarSpec, clock: BrokenDownClock, afterUsec: number): number | NoElapse {
  const usec = Math.floor(afterUsec) + 1;
  const tm = clock.localtime(Math.floor(usec / USEC));
  const found = findNext(spec, clock, tm, usec % USEC);
  if (typeof found === 'string') return found;
  const t = clock.mktime(found.tm);
  return t < 0 ? 'never' : t * USEC + found.usec;
}

/** The first elapse of `spec` strictly after `afterUsec`, undefined when there is none. */
export function nextElapse(spec: CalendarSpec, afterUsec: number, localZone?: string): number | undefined {
  const next = nextElapseOrWhyNot(spec, afterUsec, localZone);
  return typeof next === 'number' ? next : undefined;
}

/** The next `count` elapses after `afterUsec` (fewer when the event stops elapsing). */
export function nextElapses(spec: CalendarSpec, afterUsec: number, count: number, localZone?: string): number[] {
  const out: number[] = [];
  let at = afterUsec;
  while (out.length < count) {
    const next = nextElapse(spec, at, localZone);
    if (next === undefined) break;
    out.push(next);
    at = next;
  }
  return out;
}

function zoneOf(spec: CalendarSpec, localZone: string | undefined): ZoneClock | undefined {
  if (spec.utc) return undefined;
  const name = spec.timezone ?? localZone ?? localZoneName();
  if (name === 'UTC' || name === 'Etc/UTC') return undefined;
  // A zone the runtime does not know counts as UTC, as glibc takes an unknown $TZ.
  return ZoneClock.of(name);
}

/** systemd's find_next(), field by field from the year down. */
function findNext(spec: CalendarSpec, clock: BrokenDownClock, start: Tm, startUsec: number): { tm: Tm; usec: number } | NoElapse {
  const c: Tm = { ...start };
  let usec = startUsec;
  const resetBelowYear = (): void => {
    c.mon = 0;
    c.mday = 1;
    c.hour = c.min = c.sec = usec = 0;
  };
  const resetBelowMonth = (): void => {
    c.mday = 1;
    c.hour = c.min = c.sec = usec = 0;
  };
  const resetBelowDay = (): void => {
    c.hour = c.min = c.sec = usec = 0;
  };

  // The walk is deterministic: a state seen before at the top of the loop means a cycle, which
  // systemd would follow to its 1,000th step and then give up. Give up at once (Brent's cycle
  // detection: compare with a state saved at steps 1, 2, 4, 8, ...; no allocation per step).
  const saved = newTm();
  let savedUsec = -1;
  let savedGuess = Number.NaN;
  let power = 1;
  let sinceSaved = 0;
  for (let step = 0; step < MAX_STEPS; step++) {
    if (usec === savedUsec && clock.guessed === savedGuess && sameTm(c, saved)) return 'gave up';
    if (++sinceSaved === power) {
      copyTm(c, saved);
      savedUsec = usec;
      savedGuess = clock.guessed;
      power *= 2;
      sinceSaved = 0;
    }
    clock.mktime(c);
    c.isdst = -1;

    let v = matchChain(spec, spec.year, false, clock, c, c.year);
    if (v < 0) return 'never';
    if (v !== c.year) {
      c.year = v;
      resetBelowYear();
    }
    if (withinBounds(c, clock) <= 0) return 'never';

    v = matchChain(spec, spec.month, false, clock, c, c.mon + 1);
    let r: number;
    if (v >= 0 && v !== c.mon + 1) {
      c.mon = v - 1;
      resetBelowMonth();
    }
    if (v < 0 || (r = withinBounds(c, clock)) < 0) {
      c.year++;
      resetBelowYear();
      continue;
    }
    if (r === 0) continue;

    v = matchChain(spec, spec.day, true, clock, c, c.mday);
    if (v >= 0 && v !== c.mday) {
      c.mday = v;
      resetBelowDay();
    }
    if (v < 0 || (r = withinBounds(c, clock)) < 0) {
      c.mon++;
      resetBelowMonth();
      continue;
    }
    if (r === 0) continue;

    if (!matchesWeekday(spec.weekdays, c, clock)) {
      c.mday++;
      resetBelowDay();
      continue;
    }

    v = matchChain(spec, spec.hour, false, clock, c, c.hour);
    if (v >= 0 && v !== c.hour) {
      c.hour = v;
      c.min = c.sec = usec = 0;
    }
    if (v < 0 || (r = withinBounds(c, clock)) < 0) {
      c.mday++;
      resetBelowDay();
      continue;
    }
    // the hour may be missing at a zone change: try again from the normalised time
    if (r === 0) continue;

    v = matchChain(spec, spec.minute, false, clock, c, c.min);
    if (v >= 0 && v !== c.min) {
      c.min = v;
      c.sec = usec = 0;
    }
    if (v < 0 || (r = withinBounds(c, clock)) < 0) {
      c.hour++;
      c.min = c.sec = usec = 0;
      continue;
    }
    if (r === 0) continue;

    v = matchChain(spec, spec.second, false, clock, c, c.sec * USEC + usec);
    if (v >= 0) {
      usec = v % USEC;
      c.sec = Math.floor(v / USEC);
    }
    if (v < 0 || (r = withinBounds(c, clock)) < 0) {
      c.min++;
      c.sec = usec = 0;
      continue;
    }
    if (r === 0) continue;

    return { tm: c, usec };
  }
  return 'gave up';
}

/** The earliest value of the chain at or after `val`, or -1 (systemd's find_matching_component). */
function matchChain(spec: CalendarSpec, chain: CalendarChain, isDay: boolean, clock: BrokenDownClock, tm: Tm, val: number): number {
  if (!chain) return val;
  const fromEnd = isDay && spec.endOfMonth;
  let best = -1;
  for (const comp of chain) {
    let start = comp.start;
    let stop = comp.stop;
    if (fromEnd) {
      start = endOfMonthDay(tm, clock, comp.start);
      stop = endOfMonthDay(tm, clock, comp.stop);
      if (stop > 0) [start, stop] = [stop, start];
    }
    if (start >= val) {
      if (best < 0 || start < best) best = start;
    } else if (comp.repeat > 0) {
      const k = start + comp.repeat * Math.ceil((val - start) / comp.repeat);
      if ((best < 0 || k < best) && (stop < 0 || k <= stop)) best = k;
    }
  }
  return best;
}

/** The day of `tm`'s month that is `day` days from its end (1: the last), or -1. */
function endOfMonthDay(tm: Tm, clock: BrokenDownClock, day: number): number {
  const t = copyTm(tm, monthEndScratch);
  t.mon++;
  t.mday = 1 - day;
  if (clock.mktime(t) < 0 || t.mon !== tm.mon) return -1;
  return t.mday;
}

/**
 * 1 when `tm` is a real time; 0 when normalising moved it forwards (it is now the normalised
 * time, the fields below the one that moved reset); negative when past 2199 or moved backwards.
 */
function withinBounds(tm: Tm, clock: BrokenDownClock): number {
  if (tm.year > MAX_YEAR) return -1;
  const t = copyTm(tm, boundsScratch);
  if (clock.mktime(t) < 0) return -1;
  let cmp: number;
  if ((cmp = Math.sign(t.year - tm.year)) !== 0) t.mon = 0;
  else if ((cmp = Math.sign(t.mon - tm.mon)) !== 0) t.mday = 1;
  else if ((cmp = Math.sign(t.mday - tm.mday)) !== 0) t.hour = 0;
  else if ((cmp = Math.sign(t.hour - tm.hour)) !== 0) t.min = 0;
  else if ((cmp = Math.sign(t.min - tm.min)) !== 0) t.sec = 0;
  else cmp = Math.sign(t.sec - tm.sec);
  if (cmp < 0) return -2;
  if (cmp > 0) copyTm(t, tm);
  return cmp === 0 ? 1 : 0;
}

function matchesWeekday(weekdays: number, tm: Tm, clock: BrokenDownClock): boolean {
  if (weekdays < 0 || weekdays >= ALL_WEEKDAYS) return true;
  const t = copyTm(tm, weekdayScratch);
  if (clock.mktime(t) < 0) return false;
  const k = t.wday === 0 ? 6 : t.wday - 1;
  return (weekdays & (1 << k)) !== 0;
}
