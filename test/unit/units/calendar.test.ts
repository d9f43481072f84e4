// Calendar events (OnCalendar=, systemd.time(7)): parsing, the normalised form systemd-analyze
// prints, and the next elapses, in UTC and across DST changes. The expected values are systemd
// 252's (test/slow-unit/units/calendar-vs-systemd.test.ts compares a few hundred more live).
import { describe, expect, it } from 'vitest';
import { type CalendarSpec, formatCalendar, parseCalendar } from '../../../src/units/calendar';
import { nextElapse, nextElapseOrWhyNot, nextElapses } from '../../../src/units/calendar-next';
import { DEBIAN_TIMER_CALENDARS, generateExpression, MALFORMED_CALENDARS, seededRandom } from '../../helpers/calendar-expressions';

function spec(text: string): CalendarSpec {
  const r = parseCalendar(text);
  if (!r.ok) throw new Error(r.error);
  return r.spec;
}

const us = (iso: string): number => Date.parse(iso) * 1000;
const iso = (usec: number): string => new Date(usec / 1000).toISOString();
const next = (text: string, from: string, count: number, zone = 'UTC'): string[] => nextElapses(spec(text), us(from), count, zone).map(iso);

describe('parseCalendar: the normalised form systemd-analyze prints', () => {
  it.each([
    ['minutely', '*-*-* *:*:00'],
    ['hourly', '*-*-* *:00:00'],
    ['daily', '*-*-* 00:00:00'],
    ['weekly', 'Mon *-*-* 00:00:00'],
    ['monthly', '*-*-01 00:00:00'],
    ['yearly', '*-01-01 00:00:00'],
    ['annually', '*-01-01 00:00:00'],
    ['quarterly', '*-01,04,07,10-01 00:00:00'],
    ['semiannually', '*-01,07-01 00:00:00'],
    ['DAILY', '*-*-* 00:00:00'],
    ['*-*-* 6,18:00', '*-*-* 06,18:00:00'],
    ['Sun *-*-* 03:10:00', 'Sun *-*-* 03:10:00'],
    ['*-*-* *:09,39:00', '*-*-* *:09,39:00'],
    ['*:0/15', '*-*-* *:00/15:00'],
    ['Mon..Fri 8:00', 'Mon..Fri *-*-* 08:00:00'],
    ['Sat,Sun', 'Sat,Sun *-*-* 00:00:00'],
    ['Mon-Wed,Fri', 'Mon..Wed,Fri *-*-* 00:00:00'],
    ['Mon,Tue', 'Mon,Tue *-*-* 00:00:00'],
    ['Mon..Sun', '*-*-* 00:00:00'],
    ['2026-*-01/2', '2026-*-01/2 00:00:00'],
    ['*-02~03', '*-02~03 00:00:00'],
    ['Mon *-05~07/1', 'Mon *-05~07/1 00:00:00'],
    ['26-1-1', '2026-01-01 00:00:00'],
    ['*:*:1.5', '*-*-* *:*:01.500000'],
    ['*:*:0/0.25', '*-*-* *:*:00/0.250000'],
    ['*:*:*', '*-*-* *:*:*'],
    ['1..5:0', '*-*-* 01..05:00:00'],
    ['1..6/2:0', '*-*-* 01..05/2:00:00'],
    ['5,3,3,1:0', '*-*-* 01,03,05:00:00'],
    ['daily UTC', '*-*-* 00:00:00 UTC'],
    ['12:00 utc', '*-*-* 12:00:00 UTC'],
    ['12:00 Europe/Berlin', '*-*-* 12:00:00 Europe/Berlin'],
    ['@1767225600', '2026-01-01 00:00:00 UTC'],
  ])('%s -> %s', (text, normalized) => {
    expect(formatCalendar(spec(text))).toBe(normalized);
  });

  it('accepts every OnCalendar= of Debian timer units', () => {
    for (const text of DEBIAN_TIMER_CALENDARS) expect(parseCalendar(text).ok, text).toBe(true);
  });

  it('refuses malformed expressions, impossible values and huge repetitions', () => {
    for (const text of MALFORMED_CALENDARS) expect(parseCalendar(text).ok, JSON.stringify(text)).toBe(false);
  });

  it.each([
    ['*-*-* 25:00', 'hour 25 is out of range 0..23'],
    ['*-13-01', 'month 13 is out of range 1..12'],
    ['*:0/60', 'minute repetition /60 is too large for 0..59'],
    ['*:0/0', 'minute repetition /0'],
    ['*-05~29', 'day ~29 is out of range 1..28'],
    ['Fri..Mon', 'weekday range Fri..Mon runs backwards'],
    ['12:00 Mars/Olympus', 'unknown time zone "Mars/Olympus"'],
    ['*-*-* 12', 'expected ":" after the hour at column 9'],
    ['*:*:1.', 'expected the decimals of the seconds'],
    ['99999999999:00', '99999999999 is too large'],
    ['2200-01-01', 'year 2200 is out of range 1970..2199'],
  ])('%s: the error names what is wrong', (text, message) => {
    const r = parseCalendar(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain(`"${text}"`);
      expect(r.error).toContain(message);
    }
  });

  it('bounds a list at 241 values, as systemd', () => {
    const list = (n: number): string => `*-*-* 0:0:${Array.from({ length: n }, (_, i) => i % 60).join(',')}`;
    expect(parseCalendar(list(241)).ok).toBe(true);
    expect(parseCalendar(list(242)).ok).toBe(false);
  });
});

describe('nextElapse in UTC', () => {
  it('daily, hourly and a quarter-hour repetition', () => {
    expect(next('daily', '2026-12-07T12:00:00Z', 2)).toEqual(['2026-12-08T00:00:00.000Z', '2026-12-09T00:00:00.000Z']);
    expect(next('hourly', '2026-12-07T12:00:00Z', 2)).toEqual(['2026-12-07T13:00:00.000Z', '2026-12-07T14:00:00.000Z']);
    expect(next('*:0/15', '2026-12-07T12:07:00Z', 3)).toEqual(['2026-12-07T12:15:00.000Z', '2026-12-07T12:30:00.000Z', '2026-12-07T12:45:00.000Z']);
  });

  it('is strictly after the base time', () => {
    expect(next('daily', '2026-12-08T00:00:00Z', 1)).toEqual(['2026-12-09T00:00:00.000Z']);
  });

  it('weekdays, apt-daily and e2scrub_all', () => {
    // 2026-12-07 is a Monday
    expect(next('Sat,Sun', '2026-12-07T12:00:00Z', 2)).toEqual(['2026-12-12T00:00:00.000Z', '2026-12-13T00:00:00.000Z']);
    expect(next('*-*-* 6,18:00', '2026-12-07T12:00:00Z', 2)).toEqual(['2026-12-07T18:00:00.000Z', '2026-12-08T06:00:00.000Z']);
    expect(next('Sun *-*-* 03:10:00', '2026-12-07T12:00:00Z', 1)).toEqual(['2026-12-13T03:10:00.000Z']);
    expect(next('Mon..Fri 8:00', '2026-12-11T09:00:00Z', 1)).toEqual(['2026-12-14T08:00:00.000Z']);
  });

  it('last days of the month with ~', () => {
    expect(next('*-02~03', '2027-01-01T00:00:00Z', 1)).toEqual(['2027-02-26T00:00:00.000Z']);
    expect(next('*-02~01', '2028-01-01T00:00:00Z', 1)).toEqual(['2028-02-29T00:00:00.000Z']);
    // the last Monday of May
    expect(next('Mon *-05~07/1', '2026-12-07T00:00:00Z', 2)).toEqual(['2027-05-31T00:00:00.000Z', '2028-05-29T00:00:00.000Z']);
  });

  it('fractions of seconds, to the microsecond', () => {
    const after = us('2026-12-07T12:00:00Z');
    expect(nextElapse(spec('*:*:0/0.25'), after, 'UTC')).toBe(after + 250_000);
    expect(nextElapse(spec('*:*:1.5'), after, 'UTC')).toBe(after + 1_500_000);
  });

  it('an impossible date never elapses, nor a date in the past', () => {
    expect(nextElapseOrWhyNot(spec('*-02-30'), us('2026-01-01T00:00:00Z'), 'UTC')).toBe('never');
    expect(nextElapseOrWhyNot(spec('*-02-30'), us('2026-01-01T00:00:00Z'), 'Europe/Berlin')).toBe('never');
    expect(nextElapseOrWhyNot(spec('2026-01-01'), us('2026-06-01T00:00:00Z'), 'UTC')).toBe('never');
  });

  it('a walk that cycles gives up, as systemd does (a month repetition in a DST zone)', () => {
    // systemd 252, TZ=Europe/Berlin: "Infinite loop in calendar calculation: *-01/5-* 00:00:00"
    expect(nextElapseOrWhyNot(spec('*-01/5-*'), us('2026-12-07T12:00:00Z'), 'Europe/Berlin')).toBe('gave up');
    expect(nextElapseOrWhyNot(spec('*-01/5-*'), us('2026-12-07T12:00:00Z'), 'UTC')).toBe(us('2027-01-01T00:00:00Z'));
  });

  it('a year list ends with its last year', () => {
    expect(next('2026,2027-12-25', '2026-01-01T00:00:00Z', 5)).toEqual(['2026-12-25T00:00:00.000Z', '2027-12-25T00:00:00.000Z']);
  });
});

describe('nextElapse across DST changes', () => {
  it('skips a time in the spring-forward gap (Europe/Berlin, 2026-03-29 02:00 -> 03:00)', () => {
    expect(next('*-*-* 02:30', '2026-03-28T12:00:00Z', 2, 'Europe/Berlin')).toEqual(['2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
  });

  it('an hourly timer keeps its hours across the gap', () => {
    expect(next('hourly', '2026-03-28T23:30:00Z', 3, 'Europe/Berlin')).toEqual(['2026-03-29T00:00:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T02:00:00.000Z']);
  });

  it('a repeated hour elapses once, at its first occurrence (2026-10-25 03:00 -> 02:00)', () => {
    expect(next('*-*-* 02:30', '2026-10-24T22:30:00Z', 2, 'Europe/Berlin')).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });

  it('hourly elapses once in the repeated hour, as systemd (its second 02:00 is skipped)', () => {
    expect(next('hourly', '2026-10-24T23:30:00Z', 3, 'Europe/Berlin')).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T02:00:00.000Z', '2026-10-25T03:00:00.000Z']);
  });

  it('a zone named in the expression wins over the local zone', () => {
    expect(next('*-*-* 12:00 Europe/Berlin', '2026-07-01T00:00:00Z', 1, 'America/New_York')).toEqual(['2026-07-01T10:00:00.000Z']);
    expect(next('*-*-* 12:00 UTC', '2026-07-01T00:00:00Z', 1, 'America/New_York')).toEqual(['2026-07-01T12:00:00.000Z']);
    expect(next('*-*-* 12:00', '2026-07-01T00:00:00Z', 1, 'America/New_York')).toEqual(['2026-07-01T16:00:00.000Z']);
  });

  it('a 30-minute DST (Australia/Lord_Howe)', () => {
    // 2026-10-04 02:00 -> 02:30 local; 02:15 does not exist that day
    expect(next('*-*-* 02:15', '2026-10-03T12:00:00Z', 2, 'Australia/Lord_Howe')).toEqual(['2026-10-04T15:15:00.000Z', '2026-10-05T15:15:00.000Z']);
  });
});

describe('one parse and one search serve many timers', () => {
  it('the same text gives the same spec', () => {
    const a = parseCalendar('Mon *-*-* 03:10:00');
    const b = parseCalendar('Mon *-*-* 03:10:00');
    expect(a.ok && b.ok && a.spec === b.spec).toBe(true);
  });

  it("in UTC, an expression's answer for a start holds for every later start before it, as a fresh search finds", () => {
    const rnd = seededRandom(2026);
    let checked = 0;
    for (const text of [...DEBIAN_TIMER_CALENDARS, ...Array.from({ length: 300 }, () => generateExpression(rnd))]) {
      const r = parseCalendar(text);
      if (!r.ok || r.spec.timezone !== undefined) continue;
      const from = Date.parse('2026-03-29T00:30:00Z') * 1000 + Math.floor(rnd() * 400 * 86_400e6);
      const first = nextElapseOrWhyNot(r.spec, from, 'UTC');
      if (typeof first !== 'number') continue;
      for (const later of [from + 1, from + Math.floor((first - from) * rnd()), first - 1, first]) {
        // a copy of the spec is another expression to the memory of answers: searched afresh
        expect(nextElapseOrWhyNot(r.spec, later, 'UTC'), `${text} after ${later}`).toBe(nextElapseOrWhyNot({ ...r.spec }, later, 'UTC'));
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
  });
});
