// daemon-reload and the generators: no reload (the watcher's included) reads the generators'
// output directories while a run rewrites them, or the generated units would seem removed.
import { describe, expect, it } from 'vitest';
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
