// Timers: an active timer unit waits for its next elapse (timer-units.ts, the edge of the pure
// machine timer-lifecycle.ts) and starts its unit then; its sub-state is the timer's own
// (waiting, running, elapsed).
import { formatTimestamp } from '../../control/timestamp';
import { formatCalendar } from '../../units/calendar';
import { formatTimespan } from '../../units/timespan';
import type { UnitConfig } from '../../units/unit';
import type { TimerUnits } from '../timer-units';
import type { UnitTypeRoom } from './unit-type';

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');
const usec = (n: number | undefined): string => String(n === undefined ? 0 : Math.max(0, Math.round(n)));

/** OnBootSec= as the bus and show name it: OnBootUSec. */
const usecName = (base: string): string => base.replace(/Sec$/, 'USec');

export function timerType(timers: TimerUnits): UnitTypeRoom {
  return {
    activate: (unit) => timers.activate(unit),
    deactivate: (name) => timers.deactivate(name),
    redefined: (unit) => timers.redefine(unit),
    unitChanged: (name, s) => timers.unitChanged(name, s),
    closeAll: () => timers.closeAll(),
    idleSubState: (name) => timers.subState(name),
    triggers: (c) => (c.timer?.unit ? [c.timer.unit] : []),
    properties: (c, s) => timerProperties(c, s.result, timers.times(c.name)),
    canIsolate: false,
    elapse: (name) => {
      const t = timers.times(name);
      return { nextUs: t.next, lastUs: t.lastRealtime };
    },
  };
}

/** A timer's own properties, as systemd 252's `systemctl show` prints them. */
export function timerProperties(c: UnitConfig, result: string, t: ReturnType<TimerUnits['times']>): Record<string, string> {
  const tm = c.timer;
  if (!tm) return {};
  const monotonic = tm.values.filter((v) => v.base !== 'OnCalendar');
  const calendar = tm.values.filter((v) => v.base === 'OnCalendar');
  return {
    Unit: tm.unit ?? '',
    TimersMonotonic: monotonic.map((v) => `{ ${usecName(v.base)}=${'ms' in v ? formatTimespan(v.ms) : ''} ; next_elapse=0 }`).join('\n'),
    TimersCalendar: calendar.map((v) => `{ OnCalendar=${'spec' in v ? formatCalendar(v.spec) : ''} ; next_elapse=${formatTimestamp(t.next !== undefined ? t.next / 1000 : undefined) || 'n/a'} }`).join('\n'),
    OnClockChange: yesNo(tm.onClockChange),
    OnTimezoneChange: yesNo(tm.onTimezoneChange),
    NextElapseUSecRealtime: formatTimestamp(t.next !== undefined ? t.next / 1000 : undefined),
    NextElapseUSecMonotonic: t.nextMonotonic !== undefined ? formatTimespan(t.nextMonotonic / 1000) : '0',
    LastTriggerUSec: formatTimestamp(t.lastRealtime !== undefined ? t.lastRealtime / 1000 : undefined),
    LastTriggerUSecMonotonic: usec(t.lastMonotonic),
    Result: result,
    AccuracyUSec: formatTimespan(tm.accuracyMs),
    RandomizedDelayUSec: formatTimespan(tm.randomizedDelayMs),
    FixedRandomDelay: yesNo(tm.fixedRandomDelay),
    Persistent: yesNo(tm.persistent),
    WakeSystem: yesNo(tm.wakeSystem),
    RemainAfterElapse: yesNo(tm.remainAfterElapse),
  };
}
