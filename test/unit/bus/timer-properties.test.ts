import { describe, expect, it } from 'vitest';
import type { UnitStatus } from '../../../src/control/manager';
import { TIMER_PROPERTIES, typeInterface } from '../../../src/bus/unit-properties';

describe("the bus's Timer interface", () => {
  it('the next elapse of each clock and the last trigger in µs (systemctl list-timers asks for both clocks), the unit, the spans in µs', () => {
    const s: UnitStatus = {
      name: 'logrotate.timer', description: '', loadState: 'loaded', activeState: 'active', subState: 'waiting', result: 'success',
      unitFileState: 'enabled', stateChangedAt: 0, restarts: 0,
      properties: { Unit: 'logrotate.service', Persistent: 'yes', RemainAfterElapse: 'yes', AccuracyUSec: '1h', RandomizedDelayUSec: '1min 30s' },
      elapse: { nextUs: 1_765_000_000_000_000, lastUs: 1_764_900_000_000_000, nextRealtimeUs: 1_765_000_000_000_000, nextMonotonicUs: 90_000_000, lastMonotonicUs: 30_000_000 },
    };
    const clock = { wallUs: 0n, monoUs: 0n };
    const v = Object.fromEntries(TIMER_PROPERTIES.map((p) => [p.name, p.get(s, clock)]));
    expect(v).toMatchObject({
      Unit: 'logrotate.service', NextElapseUSecRealtime: 1_765_000_000_000_000n, NextElapseUSecMonotonic: 90_000_000n,
      LastTriggerUSec: 1_764_900_000_000_000n, LastTriggerUSecMonotonic: 30_000_000n,
      Persistent: true, RemainAfterElapse: true, AccuracyUSec: 3_600_000_000n, RandomizedDelayUSec: 90_000_000n,
    });
    const get = (name: string, elapse: UnitStatus['elapse']) => TIMER_PROPERTIES.find((p) => p.name === name)!.get({ ...s, elapse }, clock);
    // What systemd 252 answers: a timer waiting for nothing (inactive, elapsed) has infinity on
    // both clocks (list-timers sorts it last); a timer waiting on one clock has 0 on the other.
    expect(get('NextElapseUSecRealtime', undefined)).toBe(0xffffffffffffffffn);
    expect(get('NextElapseUSecMonotonic', { lastUs: 5 })).toBe(0xffffffffffffffffn);
    expect(get('NextElapseUSecRealtime', { nextUs: 5, nextMonotonicUs: 7 })).toBe(0n);
    expect(get('NextElapseUSecMonotonic', { nextUs: 5, nextMonotonicUs: 7 })).toBe(7n);
    expect(get('NextElapseUSecMonotonic', { nextUs: 5, nextRealtimeUs: 5 })).toBe(0n);
    expect(typeInterface('logrotate.timer')?.iface).toBe('org.freedesktop.systemd1.Timer');
  });
});
