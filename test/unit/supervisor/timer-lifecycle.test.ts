import { describe, expect, it } from 'vitest';
import { parseCalendar } from '../../../src/units/calendar';
import { defaultTimerSettings, type TimerSettings, type TimerValue } from '../../../src/units/unit';
import { clockChanged, enterWaiting, isDue, perturbFromBootId, startRun, type TimerFacts, triggered, wakeUp } from '../../../src/supervisor/timer-lifecycle';
import { fixedDelayHash, randomDelayUs } from '../../../src/supervisor/timer-random';

const S = 1_000_000;
const cal = (text: string): TimerValue => {
  const p = parseCalendar(text);
  if (!p.ok) throw new Error(p.error);
  return { base: 'OnCalendar', spec: p.spec, text };
};
const settings = (values: TimerValue[], over: Partial<TimerSettings> = {}): TimerSettings => ({ ...defaultTimerSettings(), values, ...over });
// 2026-12-07 12:00:00 UTC, booted 100 s before on the monotonic clock, ts-init started at 40 s.
const NOON = Date.UTC(2026, 11, 7, 12) * 1000;
const now = { realtime: NOON, monotonic: 100 * S };
const facts = (over: Partial<TimerFacts> = {}): TimerFacts => ({
  now,
  startup: { realtime: NOON - 60 * S, monotonic: 40 * S },
  inContainer: true,
  unitActiveAt: 0,
  unitInactiveAt: 0,
  randomUs: 0,
  localZone: 'UTC',
  ...over,
});
const fresh = () => ({ ...startRun(undefined, now).run, sub: 'waiting' as const });

describe('the timer machine: when it elapses next', () => {
  it("OnBootSec= counts from ts-init's start in a container, from the boot elsewhere; OnStartupSec= from the start; OnActiveSec= from the timer's start", () => {
    expect(enterWaiting(settings([{ base: 'OnBootSec', ms: 90_000 }]), fresh(), facts()).run.nextMonotonic).toBe(130 * S);
    expect(enterWaiting(settings([{ base: 'OnBootSec', ms: 90_000 }]), fresh(), facts({ inContainer: false })).run.nextMonotonic).toBe(90 * S);
    expect(enterWaiting(settings([{ base: 'OnStartupSec', ms: 5_000 }]), fresh(), facts()).run.nextMonotonic).toBe(45 * S);
    expect(enterWaiting(settings([{ base: 'OnActiveSec', ms: 2_000 }]), fresh(), facts()).run.nextMonotonic).toBe(102 * S);
  });

  it('the earliest of several values; the random delay is added to it', () => {
    const t = settings([{ base: 'OnActiveSec', ms: 10_000 }, { base: 'OnStartupSec', ms: 65_000 }]);
    expect(enterWaiting(t, fresh(), facts({ randomUs: 7 })).run.nextMonotonic).toBe(102 * S + 7 + 3 * S);
  });

  it('OnCalendar= counts from the last trigger, or from the start; a past elapse is due at once but not before ts-init started', () => {
    const t = settings([cal('daily')]);
    expect(enterWaiting(t, fresh(), facts()).run.nextRealtime).toBe(Date.UTC(2026, 11, 8) * 1000);
    // Persistent=: the stamp says it last ran two days ago, so yesterday's midnight is due (now: the start).
    const caught = { ...startRun(NOON - 2 * 86_400 * S, now).run, sub: 'waiting' as const };
    const w = enterWaiting(t, caught, facts());
    expect(w.run.nextRealtime).toBe(NOON - 60 * S);
    expect(isDue(w.run, now)).toBe(true);
    // Once triggered, the next is tomorrow's: one catch-up, never a burst.
    const after = enterWaiting(t, triggered(w.run, now), facts());
    expect(after.run.nextRealtime).toBe(Date.UTC(2026, 11, 8) * 1000);
    expect(isDue(after.run, now)).toBe(false);
  });

  it('never due early: a runtime timer that fires a little before the elapse is armed again', () => {
    const w = enterWaiting(settings([cal('*:*:0/10')]), fresh(), facts());
    expect(w.run.nextRealtime).toBe(NOON + 10 * S);
    expect(isDue(w.run, { realtime: NOON + 10 * S - 500, monotonic: 110 * S - 500 })).toBe(false);
    expect(isDue(w.run, { realtime: NOON + 10 * S, monotonic: 110 * S })).toBe(true);
  });

  it("a stamp in the future is not used (the clock was off)", () => {
    const r = startRun(NOON + S, now);
    expect(r.stampInFuture).toBe(true);
    expect(r.run.lastTrigger.realtime).toBe(0);
  });

  it('a one-time value is done once it passed after a trigger; with nothing left the timer is elapsed, or dead without RemainAfterElapse=', () => {
    const t = settings([{ base: 'OnActiveSec', ms: 1_000 }]);
    const ran = triggered(enterWaiting(t, fresh(), facts()).run, { realtime: NOON + 2 * S, monotonic: 102 * S });
    const later = facts({ now: { realtime: NOON + 3 * S, monotonic: 103 * S } });
    const w = enterWaiting(t, ran, later);
    expect(w.sub).toBe('elapsed');
    expect(w.run.disabled).toEqual([0]);
    expect(enterWaiting({ ...t, remainAfterElapse: false }, ran, later).sub).toBe('dead');
  });

  it("OnUnitActiveSec= and OnUnitInactiveSec= count from the unit's last start/stop or the last trigger; never started: nothing yet, but the timer stays", () => {
    const t = settings([{ base: 'OnUnitActiveSec', ms: 60_000 }]);
    expect(enterWaiting(t, fresh(), facts()).sub).toBe('elapsed');
    expect(enterWaiting({ ...t, remainAfterElapse: false }, fresh(), facts()).sub).toBe('elapsed');
    expect(enterWaiting(t, fresh(), facts({ unitActiveAt: 90 * S })).run.nextMonotonic).toBe(150 * S);
    const i = settings([{ base: 'OnUnitInactiveSec', ms: 60_000 }]);
    expect(enterWaiting(i, fresh(), facts({ unitInactiveAt: 95 * S })).run.nextMonotonic).toBe(155 * S);
  });

  it('a clock set back: a trigger in the future is taken as now, so the elapses after it come again', () => {
    const run = { ...fresh(), lastTrigger: { realtime: NOON + 86_400 * S, monotonic: 50 * S } };
    expect(clockChanged(run, now).lastTrigger.realtime).toBe(NOON);
    expect(clockChanged(fresh(), now)).toEqual(fresh());
  });

  it('an expression that never elapses again leaves nothing to wait for', () => {
    const t = settings([cal('2020-01-01')], { remainAfterElapse: false });
    expect(enterWaiting(t, fresh(), facts()).sub).toBe('dead');
  });
});

describe('the wake-up: AccuracySec= coalescing as sd-event does it', () => {
  it('as late as the most urgent allows, at the same spot of the minute when it can', () => {
    const perturb = 17 * S;
    // Due at 12:00:05 with a minute to spare: wakes at 12:00:17 (the spot in the minute).
    expect(wakeUp([{ at: NOON + 5 * S, accuracyUs: 60 * S }], perturb)).toBe(NOON + 17 * S);
    // A timer with 1 ms accuracy is woken on time; the others ride along.
    expect(wakeUp([{ at: NOON + 5 * S, accuracyUs: 60 * S }, { at: NOON + 3 * S, accuracyUs: 1000 }], perturb)).toBe(NOON + 3 * S);
    // No spot of the minute fits: one of the 10 s, then 1 s, then 250 ms grid; else the latest.
    expect(wakeUp([{ at: NOON + 5 * S, accuracyUs: 5 * S }], perturb)).toBe(NOON + 7 * S);
    expect(wakeUp([{ at: NOON + 5 * S, accuracyUs: 1 }], perturb)).toBe(NOON + 5 * S);
    expect(wakeUp([], perturb)).toBeUndefined();
  });

  it("the perturbation is the boot ID's halves xor'd, within a minute", () => {
    expect(perturbFromBootId(undefined)).toBe(0);
    const p = perturbFromBootId('0123456789abcdef0123456789abcdee');
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThan(60 * S);
  });
});

describe('RandomizedDelaySec= and FixedRandomDelay=', () => {
  it('a fixed delay is the same for a machine and timer, and differs between timers; within the bound', () => {
    const id = '5a6b1e0c7a8d4b1f9e2c3d4f5a6b7c8d';
    expect(fixedDelayHash(id, 'a.timer')).toBe(fixedDelayHash(id, 'a.timer'));
    expect(fixedDelayHash(id, 'a.timer')).not.toBe(fixedDelayHash(id, 'b.timer'));
    expect(fixedDelayHash(id, 'a.timer')).not.toBe(fixedDelayHash('0'.repeat(32), 'a.timer'));
    const d = randomDelayUs(3_600_000, true, id, 'a.timer');
    expect(d).toBe(randomDelayUs(3_600_000, true, id, 'a.timer'));
    expect(d).toBeLessThan(3_600_000_000);
    expect(randomDelayUs(0, true, id, 'a.timer')).toBe(0);
    expect(randomDelayUs(1000, false, id, 'a.timer', () => 0.5)).toBe(500_000);
  });
});
