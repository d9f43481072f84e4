// daemon-reload and the generators: no reload (the watcher's included) reads the generators'
// output directories while a run rewrites them, or the generated units would seem removed.
import { describe, expect, it, vi } from 'vitest';
import { UnitManager } from '../../../src/supervisor/unit-manager';
import type { Supervisor } from '../../../src/supervisor/supervisor';
import type { UnitRegistry } from '../../../src/supervisor/unit-registry';
import type { ServiceOutput } from '../../../src/output/service-output';
import type { Logger } from '../../../src/log/logger';

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
