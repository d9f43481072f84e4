// A timer unit's own machine, as systemd's timer.c runs it (252-257), pure: which of its
// values are still to come, when it elapses next (LAST and NEXT computed from the clocks it
// is given, never read here), and the wake-up that coalesces elapses within AccuracySec=.
// Times are microseconds: realtime since the epoch, monotonic since boot (CLOCK_MONOTONIC).
// Its edge (timer-units.ts) reads the clocks and the stamp files and starts the units.
import { nextElapse } from '../units/calendar-next';
import type { TimerSettings, TimerValue } from '../units/unit';

/** systemd's timer states; "dead" and "failed" are the lifecycle machine's inactive and failed. */
export type TimerSub = 'waiting' | 'running' | 'elapsed';

export interface Dual {
  realtime: number;
  monotonic: number;
}

export interface TimerRun {
  sub: TimerSub;
  /** When it last started its unit (0: never); realtime from the stamp file for Persistent=. */
  lastTrigger: Dual;
  /** When the timer was started (systemd's inactive_exit_timestamp). */
  activatedAt: Dual;
  /** Values that elapsed once and are done (OnActiveSec=, OnBootSec=, OnStartupSec= after a trigger). */
  disabled: readonly number[];
  /** The next elapse on each clock, the random delay added; undefined: none on that clock. */
  nextRealtime?: number;
  nextMonotonic?: number;
}

/** What the machine needs to know of the world, read by the edge. */
export interface TimerFacts {
  now: Dual;
  /** When ts-init started: OnStartupSec= counts from it, and OnBootSec= too in a container. */
  startup: Dual;
  /** OnBootSec= counts from the machine's boot (monotonic 0) unless in a container, where it is the startup. */
  inContainer: boolean;
  /** The triggered unit's last start and last stop on the monotonic clock (0: never). */
  unitActiveAt: number;
  unitInactiveAt: number;
  /** The delay RandomizedDelaySec= adds this time, µs (already below the bound). */
  randomUs: number;
  localZone?: string;
}

const US = 1000;
/** How early a runtime timer may fire (its clock is in whole milliseconds). */
const EARLY_US = 1000;

/**
 * A timer's start (systemd's timer_start): no trigger known, unless Persistent='s stamp says
 * when, and only when that is in the past (a stamp in the future means the clock was off).
 */
export function startRun(stampUs: number | undefined, now: Dual): { run: Pick<TimerRun, 'lastTrigger' | 'activatedAt' | 'disabled'>; stampInFuture: boolean } {
  const usable = stampUs !== undefined && stampUs < now.realtime;
  return {
    run: { lastTrigger: { realtime: usable ? stampUs : 0, monotonic: 0 }, activatedAt: now, disabled: [] },
    stampInFuture: stampUs !== undefined && !usable,
  };
}

export type Waiting = { sub: 'waiting'; run: TimerRun } | { sub: 'elapsed' | 'dead'; run: TimerRun };

/**
 * systemd's timer_enter_waiting: the next elapse of every value still to come. A one-time value
 * (OnActiveSec=, OnBootSec=, OnStartupSec=) whose moment passed after a trigger is done; with no
 * value left the timer has elapsed: it stays "elapsed" with RemainAfterElapse= (or when it
 * counts from its unit's state, which may change again), else it is dead.
 */
export function enterWaiting(t: TimerSettings, run: Omit<TimerRun, 'sub'>, f: TimerFacts, timeChange = false): Waiting {
  // Copied only when a value is done (a thousand timers start with none); indexed, not forEach:
  // no closure per timer when interpreted.
  let disabled: readonly number[] = run.disabled;
  let realtime: number | undefined;
  let monotonic: number | undefined;
  let leaveAround = false;
  for (let i = 0; i < t.values.length; i++) {
    const v = t.values[i]!;
    if (disabled.includes(i)) continue;
    if (v.base === 'OnCalendar') {
      const from = run.lastTrigger.realtime > 0 ? run.lastTrigger.realtime : run.activatedAt.realtime;
      let next = nextElapse(v.spec, from, f.localZone);
      if (next === undefined) continue;
      // A past elapse (a persistent timer catching up) is due at once, but not before ts-init started.
      next = Math.max(next, f.startup.realtime);
      realtime = realtime === undefined ? next : Math.min(realtime, next);
      continue;
    }
    const base = monotonicBase(v, run, f);
    if (base === undefined) {
      leaveAround = true;
      continue;
    }
    if (v.base === 'OnUnitActiveSec' || v.base === 'OnUnitInactiveSec') leaveAround = true;
    const next = base + v.ms * US;
    // Passed: before now, or within the millisecond a runtime timer may fire early (it elapsed then).
    if (run.lastTrigger.realtime > 0 && !timeChange && next < f.now.monotonic + EARLY_US && isOneTime(v)) {
      disabled = [...disabled, i];
      continue;
    }
    monotonic = monotonic === undefined ? next : Math.min(monotonic, next);
  }
  const settled: TimerRun = { ...run, sub: 'waiting', disabled, nextRealtime: undefined, nextMonotonic: undefined };
  if (realtime === undefined && monotonic === undefined && !t.onClockChange && !t.onTimezoneChange) {
    return { sub: t.remainAfterElapse || leaveAround ? 'elapsed' : 'dead', run: { ...settled, sub: 'elapsed' } };
  }
  if (monotonic !== undefined) settled.nextMonotonic = monotonic + f.randomUs;
  if (realtime !== undefined) settled.nextRealtime = realtime + f.randomUs;
  return { sub: 'waiting', run: settled };
}

function isOneTime(v: TimerValue): boolean {
  return v.base === 'OnActiveSec' || v.base === 'OnBootSec' || v.base === 'OnStartupSec';
}

/** What a monotonic value counts from; undefined when its unit never started (or stopped) yet. */
function monotonicBase(v: Exclude<TimerValue, { base: 'OnCalendar' }>, run: Omit<TimerRun, 'sub'>, f: TimerFacts): number | undefined {
  switch (v.base) {
    case 'OnActiveSec':
      return run.activatedAt.monotonic;
    case 'OnBootSec':
      // In a container the host's uptime is not ours: count from our own start, as systemd does.
      return f.inContainer ? f.startup.monotonic : 0;
    case 'OnStartupSec':
      return f.startup.monotonic;
    case 'OnUnitActiveSec': {
      const b = Math.max(f.unitActiveAt, run.lastTrigger.monotonic);
      return b > 0 ? b : undefined;
    }
    case 'OnUnitInactiveSec': {
      const b = Math.max(f.unitInactiveAt, run.lastTrigger.monotonic);
      return b > 0 ? b : undefined;
    }
  }
}

/**
 * Whether the timer is due now on either clock. Never early: a trigger before its elapse would
 * compute the same elapse again from it and fire twice (a runtime timer that fires early is
 * armed again for the rest).
 */
export function isDue(run: TimerRun, now: Dual): boolean {
  if (run.sub !== 'waiting') return false;
  return (run.nextMonotonic !== undefined && run.nextMonotonic <= now.monotonic) || (run.nextRealtime !== undefined && run.nextRealtime <= now.realtime);
}

/** It elapsed: the unit is started and the trigger remembered (timer_enter_running). */
export function triggered(run: TimerRun, now: Dual): TimerRun {
  return { ...run, sub: 'running', lastTrigger: now, nextMonotonic: undefined, nextRealtime: undefined };
}

/**
 * A clock change (systemd's timer_time_change): a trigger that seems to lie in the future means
 * the clock went back, so it is taken as now (the elapses after it can come again).
 */
export function clockChanged(run: TimerRun, now: Dual): TimerRun {
  return run.lastTrigger.realtime > now.realtime ? { ...run, lastTrigger: { ...run.lastTrigger, realtime: now.realtime } } : run;
}

// ---- the wake-up (sd-event's coalescing) ----

/** One timer's due moments on one clock: the elapse, and how late it may come (AccuracySec=). */
export interface Deadline {
  at: number;
  accuracyUs: number;
}

/**
 * When to wake for a set of deadlines on one clock, as sd-event does: as late as the most
 * urgent allows (the earliest `at + accuracy`), but at or after the earliest `at`, and at a
 * moment every timer on the machine prefers (the same spot in the minute, then in 10 s, 1 s,
 * 250 ms: `perturb`, from the boot ID), so wake-ups coalesce.
 */
export function wakeUp(deadlines: readonly Deadline[], perturbUs: number): number | undefined {
  if (deadlines.length === 0) return undefined;
  let a = Infinity;
  let b = Infinity;
  for (const d of deadlines) {
    a = Math.min(a, d.at);
    b = Math.min(b, d.at + d.accuracyUs);
  }
  return sleepBetween(a, b, perturbUs);
}

const MINUTE = 60_000_000;

function sleepBetween(a: number, b: number, perturb: number): number {
  if (a <= 0) return 0;
  if (b <= a + 1) return a;
  for (const step of [MINUTE, 10_000_000, 1_000_000, 250_000]) {
    let c = Math.floor(b / step) * step + (perturb % step);
    if (c >= b) {
      if (c < step) return b;
      c -= step;
    }
    if (c >= a) return c;
  }
  return b;
}

/** sd-event's perturbation: a moment within the minute, the same for every timer of this boot. */
export function perturbFromBootId(bootId: string | undefined): number {
  if (!bootId || !/^[0-9a-f]{32}$/.test(bootId)) return 0;
  // The two 64-bit halves of the id as they lie in memory (little-endian), xor'd.
  const bytes = Buffer.from(bootId, 'hex');
  return Number((bytes.readBigUInt64LE(0) ^ bytes.readBigUInt64LE(8)) % BigInt(MINUTE));
}
