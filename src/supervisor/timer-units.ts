// The edge of timer units: reads the clocks and the stamp files, feeds the pure machine
// (timer-lifecycle.ts), starts the units when due, and holds ONE runtime timer, for the
// earliest wake-up of all the timers (sd-event's coalescing within AccuracySec=): a thousand
// waiting timers cost one armed timeout and no wake-up before it. A wake-up that finds the
// wall clock moved against the monotonic one (set by hand, or a container resumed) is a clock
// change: every timer computes its next elapse again (OnClockChange= starts its unit); one whose
// elapse lies ahead of the wall clock's new time waits for it, so nothing fires in a burst.
import type { Logger } from '../log/logger';
import { readRegularFile } from '../process/bounded-file';
import { type LongTimeout, setLongTimeout } from '../process/long-timeout';
import { localZoneName } from '../units/time-zone';
import type { TimerSettings, UnitConfig } from '../units/unit';
import { activeState, type State } from './lifecycle';
import type { TriggeredStart } from './result';
import { isDown } from './sub-states';
import { clockChanged, type Deadline, type Dual, enterWaiting, isDue, perturbFromBootId, startRun, type TimerFacts, type TimerRun, triggered, wakeUp } from './timer-lifecycle';
import { randomDelayUs } from './timer-random';
import { readStamp, STAMP_DIR, stampPath, touchStamp } from './timer-stamps';

export interface TimerUnitsDeps {
  log: Logger;
  /** Starts the timer's unit: whether it started, is not loaded, or refused (start limit hit). */
  startUnit: (name: string) => TriggeredStart;
  /** The timer elapsed for good (RemainAfterElapse=no): its unit goes inactive. */
  stopTimer: (name: string) => void;
  /** The timer cannot go on (its unit is not loaded): it fails with Result=resources. */
  failTimer: (name: string) => void;
  /** Whether a unit is loaded (or can be, on demand): a timer whose unit is not refuses to start, as systemd's. */
  isLoaded: (name: string) => boolean;
  /** A unit's state now (the triggered unit's last start and stop count for OnUnit*Sec=). */
  unitState: (name: string) => State | undefined;
  machineId: () => string | undefined;
  /** This boot's id (sd-event's perturbation of wake-ups); /proc's unless given. */
  bootId?: () => string | undefined;
  inContainer: boolean;
  /** The world, for tests. */
  clock?: () => Dual;
  schedule?: (fire: () => void, ms: number) => LongTimeout;
  stampDir?: string;
  localZone?: () => string;
  random?: () => number;
}

interface Armed {
  unit: UnitConfig;
  run: TimerRun;
}

/** Wall clock minus monotonic clock moving by more than this between two looks is a clock change. */
const CLOCK_JUMP_US = 2_000_000;

function readBootId(): string | undefined {
  const r = readRegularFile('/proc/sys/kernel/random/boot_id', 64);
  return r.ok ? r.text.trim().replace(/-/g, '') : undefined;
}

/** A wall-clock moment (ms) on the monotonic clock (µs); 0 for none. */
function monotonicOf(wallMs: number | undefined, now: Dual): number {
  return wallMs ? wallMs * 1000 - now.realtime + now.monotonic : 0;
}

function countsFromUnit(t: TimerSettings): boolean {
  for (let i = 0; i < t.values.length; i++) {
    const base = t.values[i]!.base;
    if (base === 'OnUnitActiveSec' || base === 'OnUnitInactiveSec') return true;
  }
  return false;
}

function systemClock(): Dual {
  return { realtime: Date.now() * 1000, monotonic: Number(process.hrtime.bigint() / 1000n) };
}

export class TimerUnits {
  private readonly armed = new Map<string, Armed>();
  /**
   * The unit each active timer starts -> those timers: a unit's change (unitChanged, for every
   * unit at every change) finds its timers without a walk over all of them.
   */
  private readonly timersOf = new Map<string, Set<string>>();
  /** The last active state seen of each unit (unitChanged). */
  private readonly unitActive = new Map<string, string>();
  private readonly clock: () => Dual;
  private readonly startup: Dual;
  private readonly perturb: number;
  private wake?: { at: number; timeout: LongTimeout };
  private rearmQueued = false;
  private offset: number;
  private zone: string;

  constructor(private readonly deps: TimerUnitsDeps) {
    this.clock = deps.clock ?? systemClock;
    const now = this.clock();
    const up = Math.round(process.uptime() * 1_000_000);
    this.startup = deps.clock ? now : { realtime: now.realtime - up, monotonic: now.monotonic - up };
    this.perturb = perturbFromBootId((deps.bootId ?? readBootId)());
    this.offset = now.realtime - now.monotonic;
    this.zone = this.localZone();
  }

  private localZone(): string {
    try {
      return (this.deps.localZone ?? localZoneName)();
    } catch {
      return 'UTC';
    }
  }

  private stampFile(name: string): string {
    return stampPath(name, this.deps.stampDir ?? STAMP_DIR);
  }

  /** The timer unit started: its last trigger from its stamp (Persistent=), then its next elapse. */
  activate(unit: UnitConfig): string | undefined {
    const t = unit.timer!;
    if (!this.deps.isLoaded(t.unit!)) return `refusing to start ${unit.name}: the unit it starts, ${t.unit}, is not loaded`;
    const now = this.clock();
    let stampUs: number | undefined;
    if (t.persistent) {
      const file = this.stampFile(unit.name);
      const r = readStamp(file);
      if ('mtimeUs' in r) stampUs = r.mtimeUs;
      else if ('problem' in r) this.deps.log.warn({ unit: unit.name }, r.problem);
      else {
        // Never run before: the stamp is made now, so that the next start knows it was armed.
        const why = touchStamp(file);
        if (why) this.deps.log.warn({ unit: unit.name }, why);
      }
    }
    const started = startRun(stampUs, now);
    if (started.stampInFuture) this.deps.log.warn({ unit: unit.name }, `not using the persistent file timestamp of ${unit.name}: it is in the future`);
    this.keep(unit.name, { unit, run: { ...started.run, sub: 'waiting' } });
    this.enterWaiting(unit.name, now);
    return undefined;
  }

  /** A new definition (daemon-reload) for an active timer: its next elapse from it, the last trigger kept. */
  redefine(unit: UnitConfig): void {
    const a = this.armed.get(unit.name);
    if (!a) return;
    // Its unit may be another now (Unit=).
    this.drop(unit.name);
    a.unit = unit;
    a.run = { ...a.run, disabled: [] };
    this.keep(unit.name, a);
    if (a.run.sub !== 'running') this.enterWaiting(unit.name, this.clock());
  }

  deactivate(name: string): void {
    if (this.drop(name)) this.queueRearm();
  }

  /** An active timer, (re)placed. */
  private keep(name: string, a: Armed): void {
    this.drop(name);
    this.armed.set(name, a);
    const unit = a.unit.timer!.unit!;
    const timers = this.timersOf.get(unit);
    if (timers) timers.add(name);
    else this.timersOf.set(unit, new Set<string>().add(name));
  }

  /** A timer no longer active; whether it was. */
  private drop(name: string): boolean {
    const a = this.armed.get(name);
    if (!a) return false;
    this.armed.delete(name);
    const unit = a.unit.timer!.unit!;
    const timers = this.timersOf.get(unit);
    timers?.delete(name);
    if (timers?.size === 0) this.timersOf.delete(unit);
    return true;
  }

  closeAll(): void {
    this.armed.clear();
    this.timersOf.clear();
    this.wake?.timeout.clear();
    this.wake = undefined;
  }

  /** The timer's state word (waiting, running, elapsed) while it is active. */
  subState(name: string): string {
    return this.armed.get(name)?.run.sub ?? 'dead';
  }

  /** NEXT (realtime µs, the earlier of its clocks mapped onto the wall clock) and LAST, for list-timers and show. */
  times(name: string): { next?: number; nextRealtime?: number; nextMonotonic?: number; lastRealtime?: number; lastMonotonic?: number } {
    const a = this.armed.get(name);
    if (!a) return {};
    const now = this.clock();
    const { nextRealtime, nextMonotonic, lastTrigger } = a.run;
    const mapped = nextMonotonic !== undefined ? nextMonotonic - now.monotonic + now.realtime : undefined;
    const next = nextRealtime === undefined ? mapped : mapped === undefined ? nextRealtime : Math.min(nextRealtime, mapped);
    return {
      next,
      nextRealtime,
      nextMonotonic,
      lastRealtime: lastTrigger.realtime || undefined,
      lastMonotonic: lastTrigger.monotonic || undefined,
    };
  }

  /**
   * A unit's state changed: the timers that start it compute their next elapse (systemd's
   * trigger_notify). Only a change of its active state counts: a start refused by the unit's
   * start limit leaves it failed as it was, and must not have the timer elapse again at once
   * (OnUnitInactiveSec=0 would loop).
   */
  unitChanged(name: string, s: State): void {
    const timers = this.timersOf.get(name);
    // Kept for the units timers start only: a socket's per-connection instances come and go.
    if (timers === undefined) {
      this.unitActive.delete(name);
      return;
    }
    const active = activeState(s);
    if (this.unitActive.get(name) === active) return;
    this.unitActive.set(name, active);
    for (const timer of [...timers]) {
      const a = this.armed.get(timer);
      if (!a || (a.run.sub === 'running' && !isDown(s.sub))) continue;
      this.enterWaiting(timer, this.clock());
    }
  }

  private facts(a: Armed, now: Dual): TimerFacts {
    const t = a.unit.timer!;
    // Its unit's state counts for OnUnitActiveSec= and OnUnitInactiveSec= only.
    const target = countsFromUnit(t) ? this.deps.unitState(t.unit!) : undefined;
    return {
      now,
      startup: this.startup,
      inContainer: this.deps.inContainer,
      unitActiveAt: monotonicOf(target?.inactiveExitAt, now),
      unitInactiveAt: monotonicOf(target?.inactiveEnterAt, now),
      randomUs: randomDelayUs(t.randomizedDelayMs, t.fixedRandomDelay, this.deps.machineId(), a.unit.name, this.deps.random),
      localZone: this.zone,
    };
  }

  private enterWaiting(name: string, now: Dual, timeChange = false): void {
    const a = this.armed.get(name);
    if (!a) return;
    const w = enterWaiting(a.unit.timer!, a.run, this.facts(a, now), timeChange);
    a.run = w.run;
    if (w.sub === 'dead') {
      this.drop(name);
      this.deps.log.info({ unit: name }, `${name} elapsed; it has nothing more to wait for`);
      // After this turn: the timer's own start may still be under way.
      setImmediate(() => this.deps.stopTimer(name));
    }
    this.queueRearm();
  }

  /** The timer elapsed: its unit is started, and the trigger kept (in the stamp too). */
  private trigger(name: string, now: Dual): void {
    const a = this.armed.get(name);
    if (!a) return;
    const t = a.unit.timer!;
    a.run = triggered(a.run, now);
    if (t.persistent) {
      const why = touchStamp(this.stampFile(name), now.realtime);
      if (why) this.deps.log.warn({ unit: name }, why);
    }
    this.deps.log.info({ unit: name }, `${name} elapsed: starting ${t.unit}`);
    const r = this.deps.startUnit(t.unit!);
    if (r === 'shutting-down') return;
    if (r === 'not-loaded') {
      this.deps.log.error({ unit: name }, `unit to trigger, ${t.unit}, is not loaded`);
      this.drop(name);
      this.deps.failTimer(name);
      return;
    }
    // It stays "running" until its unit goes down (unitChanged), as systemd's does; a start
    // skipped by a condition is such a change too.
  }

  private queueRearm(): void {
    if (this.rearmQueued) return;
    this.rearmQueued = true;
    // Loading a thousand timers arms one timeout, once.
    queueMicrotask(() => {
      this.rearmQueued = false;
      this.rearm();
    });
  }

  /** One runtime timer for the earliest wake-up of all; none when nothing waits. */
  private rearm(): void {
    const mono: Deadline[] = [];
    const real: Deadline[] = [];
    for (const a of this.armed.values()) {
      if (a.run.sub !== 'waiting') continue;
      const accuracyUs = Math.round(a.unit.timer!.accuracyMs * 1000);
      if (a.run.nextMonotonic !== undefined) mono.push({ at: a.run.nextMonotonic, accuracyUs });
      if (a.run.nextRealtime !== undefined) real.push({ at: a.run.nextRealtime, accuracyUs });
    }
    const now = this.clock();
    const m = wakeUp(mono, this.perturb);
    const r = wakeUp(real, this.perturb);
    const inUs = Math.min(m === undefined ? Infinity : m - now.monotonic, r === undefined ? Infinity : r - now.realtime);
    if (inUs === Infinity) {
      this.wake?.timeout.clear();
      this.wake = undefined;
      return;
    }
    const at = now.monotonic + Math.max(0, inUs);
    if (this.wake && Math.abs(this.wake.at - at) < 1000) return;
    this.wake?.timeout.clear();
    const schedule = this.deps.schedule ?? ((fire: () => void, ms: number) => setLongTimeout(fire, ms, false));
    this.wake = { at, timeout: schedule(() => this.woke(), Math.ceil(Math.max(0, inUs) / 1000)) };
  }

  private woke(): void {
    this.wake = undefined;
    const now = this.clock();
    const offset = now.realtime - now.monotonic;
    const zone = this.localZone();
    const clockMoved = Math.abs(offset - this.offset) > CLOCK_JUMP_US;
    const zoneMoved = zone !== this.zone;
    this.offset = offset;
    this.zone = zone;
    if (clockMoved || zoneMoved) {
      this.deps.log.info(clockMoved ? 'the system clock changed: timers compute their next elapse again' : `the time zone changed to ${zone}: timers compute their next elapse again`);
      for (const [name, a] of [...this.armed]) {
        if (a.run.sub !== 'waiting') continue;
        const t = a.unit.timer!;
        a.run = clockChanged(a.run, now);
        if ((clockMoved && t.onClockChange) || (zoneMoved && t.onTimezoneChange)) this.trigger(name, now);
        else this.enterWaiting(name, now, clockMoved);
      }
    }
    for (const [name, a] of [...this.armed]) if (isDue(a.run, now)) this.trigger(name, now);
    this.rearm();
  }
}
