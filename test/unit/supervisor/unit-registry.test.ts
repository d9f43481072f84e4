// What is loaded, on a directory tree of its own: the start-up load, on-demand loads,
// systemd's own units left out, enablement and daemon-reload.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderStatus } from '../../../src/control/format';
import type { UnitStatus } from '../../../src/control/manager';
import type { Logger } from '../../../src/log/logger';
import { reloadShortage, UnitRegistry } from '../../../src/supervisor/unit-registry';
import type { Diagnostic } from '../../../src/units/diagnostic';
import { tempDir } from '../../helpers/temp-dir';

const root = tempDir('ts-init-registry-');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const own = path.join(root, 'units');
const system = path.join(root, 'system');
fs.mkdirSync(own);
fs.mkdirSync(path.join(system, 'multi-user.target.wants'), { recursive: true });

function put(dir: string, name: string, text: string): void {
  fs.writeFileSync(path.join(dir, name), text);
}

put(own, 'web.service', '[Service]\nExecStart=/bin/sleep 100\n');
put(system, 'cron.service', '[Service]\nExecStart=/usr/sbin/cron -f\n[Install]\nWantedBy=multi-user.target\n');
fs.symlinkSync(path.join(system, 'cron.service'), path.join(system, 'multi-user.target.wants', 'cron.service'));
put(system, 'systemd-journald.service', '[Service]\nExecStart=/lib/systemd/systemd-journald\n');
fs.symlinkSync(path.join(system, 'systemd-journald.service'), path.join(system, 'multi-user.target.wants', 'systemd-journald.service'));
put(system, 'idle.service', '[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\nAlias=lazy.service\n');
put(system, 'broken.service', '[Service]\nType=bogus\nExecStart=/bin/true\n');

const logs: string[] = [];
const log = Object.fromEntries(['fatal', 'error', 'warn', 'info', 'debug', 'trace'].map((l) => [l, (m: unknown) => logs.push(`${l} ${m}`)])) as unknown as Logger;

/** The service units among names (the boot targets are loaded with every tree). */
const services = (names: Iterable<string>): string[] => [...names].filter((n) => n.endsWith('.service')).sort();

describe('UnitRegistry', () => {
  const registry = new UnitRegistry({ unitDirs: [own], systemDirs: [system] }, log);
  const added: string[] = [];
  registry.onAdded((u) => added.push(u.name));

  it('loads the enabled units, leaving systemd own units out', () => {
    registry.load();
    expect(services(registry.all().keys())).toEqual(['cron.service', 'web.service']);
    expect([...registry.enabledUnits()].sort()).toEqual(['cron.service', 'web.service']);
    expect(services(added)).toEqual(['cron.service', 'web.service']);
    // The boot targets come too, built in here (the tree has none); they are not files to list.
    expect(registry.bootTargets()).toEqual(['multi-user.target']);
    expect(logs).toContain('debug systemd-journald.service is part of systemd itself; not started under ts-init');
  });

  it('loads an installed unit on demand, by name or alias, without enabling it', () => {
    expect(registry.get('idle.service')?.name).toBe('idle.service');
    expect(registry.get('lazy.service')?.name).toBe('idle.service');
    expect(registry.isEnabled('idle.service')).toBe(false);
    expect(added).toContain('idle.service');
    expect(registry.fileState(registry.get('idle.service')!)).toBe('disabled');
    expect(registry.get('systemd-journald.service')).toBeUndefined();
    expect(registry.get('nope.service')).toBeUndefined();
    expect(registry.notLoaded('nope.service')).toEqual({ loadState: 'not-found' });
    expect(registry.get('broken.service')).toBeUndefined();
    const broken = registry.notLoaded('broken.service');
    expect(broken.loadState).toBe('bad-setting');
    expect(broken.loadError).toMatch(/broken\.service:2/);
  });

  it('lists unit files with their states; systemd own units and unloadable files aside', () => {
    expect(registry.listUnitFiles()).toEqual([
      { name: 'cron.service', state: 'enabled' },
      { name: 'idle.service', state: 'disabled' },
      { name: 'web.service', state: 'enabled' },
    ]);
  });

  it('daemon-reload: new, changed and removed units; a broken new file keeps the old definition', () => {
    put(own, 'new.service', '[Service]\nExecStart=/bin/true\n');
    put(own, 'web.service', '[Service]\nExecStart=/bin/sleep 200\n');
    fs.rmSync(path.join(system, 'multi-user.target.wants', 'cron.service'));
    fs.rmSync(path.join(system, 'cron.service'));
    put(system, 'idle.service', '[Service]\nType=bogus\nExecStart=/bin/true\n');
    const { diff, errors, loadedOnDemand } = applied(registry.reload());
    expect(diff.added).toEqual(['new.service']);
    // idle.service was loaded on demand while disabled: not new to the reload.
    expect(loadedOnDemand).toEqual([]);
    // multi-user.target changed too: cron.service is no longer among what it wants.
    expect(diff.changed).toEqual(['web.service', 'multi-user.target']);
    expect(diff.removed).toEqual(['cron.service']);
    expect(diff.kept).toEqual(['idle.service']);
    expect(errors.some((e) => /idle\.service: the new definition is broken/.test(e))).toBe(true);
    expect(services(registry.all().keys())).toEqual(['idle.service', 'new.service', 'web.service']);
    expect(registry.get('web.service')!.execStart[0]!.argv).toEqual(['/bin/sleep', '200']);
    expect(registry.isEnabled('new.service')).toBe(true);
    expect(added).toContain('new.service');
  });

  it('a new enabled unit loaded on demand (named before the reload read it) is new to the next reload, once', () => {
    put(own, 'fresh.service', '[Service]\nExecStart=/bin/true\n');
    expect(registry.get('fresh.service')?.name).toBe('fresh.service');
    expect(registry.isEnabled('fresh.service')).toBe(true);
    const first = applied(registry.reload());
    expect(first.diff.added).toEqual([]);
    expect(first.loadedOnDemand).toEqual(['fresh.service']);
    expect(applied(registry.reload()).loadedOnDemand).toEqual([]);
  });

  it('a read cut short by a passing shortage (EMFILE) defers the reload; other problems do not', () => {
    const d = (message: string): Diagnostic => ({ file: own, severity: 'warning', message });
    expect(reloadShortage([d('cannot read directory: EMFILE: too many open files, scandir')])).toMatch(/EMFILE/);
    expect(reloadShortage([d('cannot read directory: EACCES: permission denied'), { ...d('Unknown key Foo'), severity: 'error' }])).toBeUndefined();
  });
});

/** A reload that was applied (not deferred by a shortage). */
function applied<T extends object>(r: T | { deferred: string }): T {
  if ('deferred' in r) throw new Error(`reload deferred: ${r.deferred}`);
  return r;
}

describe('load errors name their unit, whichever file they are in', () => {
  const dir = tempDir('ts-init-registry-errors-');
  put(dir, 'dropped.service', '[Service]\nExecStart=/bin/true\n');
  fs.mkdirSync(path.join(dir, 'dropped.service.d'));
  put(path.join(dir, 'dropped.service.d'), 'bad.conf', '[Service]\nRestartSec=soon\n');
  put(dir, 'tpl@.service', '[Service]\nType=bogus\nExecStart=/bin/echo %i\n');
  const registry = new UnitRegistry({ unitDirs: [], systemDirs: [dir] }, log);
  registry.load();

  it("a drop-in's error is its unit's load error (status: bad-setting with the file:line)", () => {
    expect(registry.get('dropped.service')).toBeUndefined();
    const r = registry.notLoaded('dropped.service');
    expect(r.loadState).toBe('bad-setting');
    expect(r.loadError).toBe(`${path.join(dir, 'dropped.service.d/bad.conf')}:2: error: RestartSec: invalid time span "soon"`);
    expect(renderStatus({ ...statusOf('dropped.service'), loadState: r.loadState, loadError: r.loadError })).toContain(
      `Loaded: bad-setting (${path.join(dir, 'dropped.service.d/bad.conf')}:2: error: RestartSec: invalid time span "soon")`,
    );
  });

  it("a template's error is its instance's load error", () => {
    expect(registry.get('tpl@one.service')).toBeUndefined();
    expect(registry.notLoaded('tpl@one.service')).toEqual({
      loadState: 'bad-setting',
      loadError: `${path.join(dir, 'tpl@.service')}:2: error: Type: unknown service type "bogus"`,
    });
  });
});

function statusOf(name: string): UnitStatus {
  return { name, description: name, loadState: 'loaded', activeState: 'inactive', subState: 'dead', result: 'success', unitFileState: 'static', stateChangedAt: 0, restarts: 0, properties: {} };
}
