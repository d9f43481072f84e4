// A time zone's UTC offsets from the runtime's ICU (Intl), as a calendar computation needs them:
// the offset at an instant and whether daylight saving time is in effect. Intl costs some
// microseconds a call and a next-elapse search asks thousands of times, over up to two
// centuries, so a zone learns its offsets lazily in spans of eight days: the offsets at a span's
// two ends (shared with its neighbours), and, when they differ, the second of the change found
// by bisection (zones change their offset a few times a year, never twice within eight days).
// Later questions about a span are map lookups.
import * as fs from 'node:fs';

const SPAN = 8 * 86_400;
/** Entries remembered per zone before the memory is dropped (1970..2199 is some 10,500 spans). */
const ENTRIES_KEPT = 16_384;
/** Zones remembered (each unit may name its own). */
const ZONES_KEPT = 32;

/** A zone's offsets (seconds east of UTC) at instants given in seconds since the epoch. */
export class ZoneClock {
  /** Offsets at span boundaries, by span number. */
  private readonly edges = new Map<number, number>();
  /** The first second of a span's new offset, by span number, for spans with a change. */
  private readonly changes = new Map<number, number>();
  private readonly standard = new Map<number, number>();
  private lastSpan = Number.NaN;
  private lastBefore = 0;
  private lastAfter = 0;
  private lastChange = Infinity;

  private constructor(
    readonly name: string,
    private readonly format: Intl.DateTimeFormat,
  ) {}

  /** The clock of an IANA zone name, or undefined when the runtime does not know the zone. */
  static of(name: string): ZoneClock | undefined {
    const known = clocks.get(name);
    if (known) return known;
    let format: Intl.DateTimeFormat;
    try {
      // only the offset ("GMT+01:00", "GMT-00:44:30", "GMT"): the cheapest formatting ICU does
      format = new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'longOffset' });
    } catch {
      return undefined;
    }
    if (clocks.size >= ZONES_KEPT) clocks.clear();
    const clock = new ZoneClock(name, format);
    clocks.set(name, clock);
    return clock;
  }

  /** The name Intl gives the zone (its canonical spelling). */
  get resolvedName(): string {
    return this.format.resolvedOptions().timeZone;
  }

  offsetAt(t: number): number {
    const span = Math.floor(t / SPAN);
    // a search asks about the same few days again and again
    if (span === this.lastSpan) return t < this.lastChange ? this.lastBefore : this.lastAfter;
    const before = this.edge(span);
    const after = this.edge(span + 1);
    this.lastSpan = span;
    this.lastBefore = before;
    this.lastAfter = after;
    this.lastChange = Infinity;
    if (before === after) return before;
    let change = this.changes.get(span);
    if (change === undefined) {
      let lo = span * SPAN;
      let hi = lo + SPAN;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (this.intlOffset(mid) === before) lo = mid;
        else hi = mid;
      }
      change = hi;
      if (this.changes.size >= ENTRIES_KEPT) this.changes.clear();
      this.changes.set(span, change);
    }
    this.lastChange = change;
    return t < change ? before : after;
  }

  /** Daylight saving time at `t`: an offset above its year's standard (the lower of January's and July's). */
  isDst(t: number): boolean {
    // years of 365.2425 days from 1970: exact enough to name the year away from New Year
    const year = 1970 + Math.floor(t / 31_556_952);
    let std = this.standard.get(year);
    if (std === undefined) {
      std = Math.min(this.offsetAt(Date.UTC(year, 0, 1) / 1000), this.offsetAt(Date.UTC(year, 6, 1) / 1000));
      if (this.standard.size >= ENTRIES_KEPT) this.standard.clear();
      this.standard.set(year, std);
    }
    return this.offsetAt(t) > std;
  }

  private edge(span: number): number {
    let offset = this.edges.get(span);
    if (offset === undefined) {
      offset = this.intlOffset(span * SPAN);
      if (this.edges.size >= ENTRIES_KEPT) this.edges.clear();
      this.edges.set(span, offset);
    }
    return offset;
  }

  private intlOffset(t: number): number {
    const m = /GMT([+-])(\d\d):(\d\d)(?::(\d\d))?/.exec(this.format.format(t * 1000));
    if (!m) return 0;
    const seconds = Number(m[2]) * 3_600 + Number(m[3]) * 60 + Number(m[4] ?? 0);
    return m[1] === '-' ? -seconds : seconds;
  }
}

const clocks = new Map<string, ZoneClock>();

/** /etc/localtime as a link to UTC's zone file (a container's usual zone). */
const UTC_LINK = /(^|\/)zoneinfo\/(Etc\/)?UTC$/;

/**
 * The zone the runtime takes for local time ($TZ, else /etc/localtime). UTC, the usual zone of a
 * container, is told without ICU, whose first use costs PID 1 some 20 ms of its start (a zone
 * that is UTC needs no ICU after either: calendar-next.ts computes UTC without it).
 */
export function localZoneName(): string {
  if (process.env.TZ === undefined && UTC_LINK.test(localtimeLink())) return 'UTC';
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

function localtimeLink(): string {
  try {
    return fs.readlinkSync('/etc/localtime');
  } catch {
    return '';
  }
}
