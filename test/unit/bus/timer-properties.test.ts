import { describe, expect, it } from 'vitest';
import type { UnitStatus } from '../../../src/control/manager';
import { TIMER_PROPERTIES, typeInterface } from '../../../src/bus/unit-properties';

describe("the bus's Timer interface", () => {
  it('the next elapse and last trigger in µs of the wall clock, the unit, the spans in µs', () => {
    const s: UnitStatus = {
      name: 'logrotate.timer', description: '', loadState: 'loaded', activeState: 'active', subState: 'waiting', result: 'success',
      unitFileState: 'enabled', stateChangedAt: 0, restarts: 0,
      properties: { Unit: 'logrotate.service', Persistent: 'yes', RemainAfterElapse: 'yes', AccuracyUSec: '1h', RandomizedDelayUSec: '1min 30s' },
      elapse: { nextUs: 1_765_000_000_000_000, lastUs: 1_764_900_000_000_000 },
    };
    const clock = { wallUs: 0n, monoUs: 0n };
    const v = Object.fromEntries(TIMER_PROPERTIES.map((p) => [p.name, p.get(s, clock)]));
    expect(v).toMatchObject({
      Unit: 'logrotate.service', NextElapseUSecRealtime: 1_765_000_000_000_000n, LastTriggerUSec: 1_764_900_000_000_000n,
      Persistent: true, RemainAfterElapse: true, AccuracyUSec: 3_600_000_000n, RandomizedDelayUSec: 90_000_000n,
    });
    expect(TIMER_PROPERTIES.find((p) => p.name === 'NextElapseUSecRealtime')!.get({ ...s, elapse: undefined }, clock)).toBe(0n);
    expect(typeInterface('logrotate.timer')?.iface).toBe('org.freedesktop.systemd1.Timer');
  });
});
