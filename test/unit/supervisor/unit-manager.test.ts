// daemon-reload and the generators: no reload (the watcher's included) reads the generators'
// output directories while a run rewrites them, or the generated units would seem removed.
import { describe, expect, it, vi } from 'vitest';
import { UnitManager } from '../../../src/supervisor/unit-manager';
import type { Supervisor } from '../../../src/supervisor/supervisor';
import type { UnitRegistry } from '../../../src/supervisor/unit-registry';
import type { ServiceOutput } from '../../../src/output/service-output';
import type { Logger } from '../../../src/log/logger';
import { defaultUnitConfig } from '../../../src/units/unit';
import { initialState } from '../../../src/supervisor/lifecycle';
import { serviceType } from '../../../src/supervisor/types/service-type';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as unknown as Logger;

describe('daemon-reload', () => {
  it('a reload without generators (the watcher\'s) waits for a generators\' run in progress', async () => {
    let generating = false;
    const readWhileGenerating: boolean[] = [];
    const registry = {
      reload: () => {
        readWhileGenerating.push(generating);
        return { diff: { added: [], changed: [], removed: [], kept: [], next: { units: new Map(), enabled: new Set() } }, errors: [], loadedOnDemand: [] };
      },
    } as unknown as UnitRegistry;
    const m = new UnitManager(registry, {} as Supervisor, {} as ServiceOutput, quiet, () => undefined);
    m.beforeReload(async () => {
      generating = true;
      await new Promise((r) => setTimeout(r, 100));
      generating = false;
    });
    await Promise.all([m.daemonReload(), m.daemonReload({ generators: false }), m.daemonReload()]);
    expect(readWhileGenerating).toEqual([false, false, false]);
  });
});

describe('a reload deferred by a passing shortage', () => {
  it('is tried again until the unit files can all be read, and then applied', async () => {
    const reads: string[] = [];
    let shortages = 2;
    const registry = {
      reload: () => {
        if (shortages-- > 0) {
          reads.push('deferred');
          return { deferred: "/etc/systemd/system: cannot read directory: EMFILE: too many open files, scandir '/etc/systemd/system'" };
        }
        reads.push('applied');
        return { diff: { added: [], changed: [], removed: [], kept: [], next: { units: new Map(), enabled: new Set() } }, errors: [], loadedOnDemand: [] };
      },
    } as unknown as UnitRegistry;
    const m = new UnitManager(registry, {} as Supervisor, {} as ServiceOutput, quiet, () => undefined);
    vi.useFakeTimers();
    try {
      const first = await m.daemonReload({ generators: false });
      expect(first.errors).toEqual([expect.stringMatching(/^reload deferred: .*EMFILE/)]);
      await vi.advanceTimersByTimeAsync(1100);
      expect(reads).toEqual(['deferred', 'deferred', 'applied']);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('a status', () => {
  it('looks up the unit file state, the trigger links and the files\' times only when a property that shows them is read', async () => {
    const c = defaultUnitConfig('web.service', '/lib/systemd/system/web.service');
    c.type = 'forking';
    c.wantedBy = ['multi-user.target'];
    const asked = { fileState: 0, triggers: 0, readAt: 0 };
    const registry = {
      get: (n: string) => (n === c.name ? c : undefined),
      fileState: () => (asked.fileState++, 'enabled'),
      definitionReadAt: () => (asked.readAt++, undefined),
    } as unknown as UnitRegistry;
    const runner = { name: c.name, config: c, state: initialState(0), statusText: undefined };
    const room = { ...serviceType, triggers: () => (asked.triggers++, []) };
    const sup = { runners: new Map([[c.name, runner]]), types: { service: room } } as unknown as Supervisor;
    const m = new UnitManager(registry, sup, {} as ServiceOutput, quiet, () => undefined);
    const [s] = await m.status([c.name], { processStats: false });
    expect(s!.activeState).toBe('inactive');
    // A type's own property (the bus's Get of Service.Type) is made alone.
    expect(s!.property!('Type')).toBe('forking');
    // So is a timestamp of the unit's (a bus subscriber's PropertiesChanged carries them).
    const changedAt = s!.property!('StateChangeTimestampMonotonic');
    expect(changedAt).toMatch(/^\d+$/);
    expect(asked).toEqual({ fileState: 0, triggers: 0, readAt: 0 });
    expect(s!.properties.StateChangeTimestampMonotonic).toBe(changedAt);
    // The unit's own properties look everything up, once; then every property comes from them.
    expect(s!.property!('UnitFileState')).toBe('enabled');
    expect(s!.properties).toMatchObject({ Type: 'forking', UnitFileState: 'enabled', NeedDaemonReload: 'no', TriggeredBy: '' });
    expect(asked).toEqual({ fileState: 1, triggers: 1, readAt: 1 });
    expect(s!.unitFileState).toBe('enabled');
    expect(asked.fileState).toBe(1);
  });
});
