// Units asked for by name through the control plane (systemctl start/enable/status of a unit
// that is installed but not enabled): loadUnits' `requested` loads them, and what they need,
// without enabling them; names without a file are left out quietly.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadUnits } from '../../../src/units/load';
import { tempDir } from '../../helpers/temp-dir';

const root = tempDir('ts-init-on-demand-');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function put(p: string, text: string | { link: string }): void {
  const real = path.join(root, p);
  fs.mkdirSync(path.dirname(real), { recursive: true });
  if (typeof text === 'string') fs.writeFileSync(real, text);
  else fs.symlinkSync(text.link, real);
}

put('/lib/systemd/system/cron.service', '[Service]\nExecStart=/usr/sbin/cron -f\n[Install]\nWantedBy=multi-user.target\n');
put('/etc/systemd/system/multi-user.target.wants/cron.service', { link: '/lib/systemd/system/cron.service' });
put('/lib/systemd/system/idle.service', '[Unit]\nWants=dep.service\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\nAlias=lazy.service\n');
put('/lib/systemd/system/dep.service', '[Service]\nExecStart=/bin/true\n');
put('/lib/systemd/system/other.service', '[Service]\nExecStart=/bin/true\n');
put('/etc/systemd/system/masked.service', { link: '/dev/null' });
put('/lib/systemd/system/getty@.service', '[Service]\nExecStart=/sbin/agetty %I\n');

const load = (requested?: string[]) =>
  loadUnits({
    unitDirs: [],
    systemDirs: ['/etc/systemd/system', '/lib/systemd/system'],
    targets: ['multi-user.target'],
    hostname: 'box',
    root,
    requested,
  });

/** The service units of a result (the boot targets come with every tree). */
const services = (s: Iterable<string>): string[] => [...s].filter((n) => n.endsWith('.service')).sort();

describe('loadUnits requested', () => {
  it('without it, only enabled units (and their dependencies) are loaded', () => {
    const r = load();
    expect(services(r.units.keys())).toEqual(['cron.service']);
    expect([...r.enabled]).toEqual(['cron.service']);
  });

  it('loads a requested unit and what it wants, enabling neither', () => {
    const r = load(['idle.service']);
    expect(services(r.units.keys())).toEqual(['cron.service', 'dep.service', 'idle.service']);
    expect([...r.enabled]).toEqual(['cron.service']);
    expect(r.aliases.get('lazy.service')).toBe('idle.service');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('an unknown name is left out without a diagnostic; a masked one is reported masked', () => {
    const r = load(['nope.service', 'masked.service']);
    expect(r.units.has('nope.service')).toBe(false);
    expect(r.failed.get('nope.service')).toBe('not-found');
    expect(r.diagnostics.filter((d) => d.message.includes('nope.service'))).toEqual([]);
    expect(r.masked.has('masked.service')).toBe(true);
  });

  it('ignores names that are not loadable services (templates, other unit types)', () => {
    const r = load(['getty@.service', 'cron.timer']);
    expect(services(r.units.keys())).toEqual(['cron.service']);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('an enabled unit requested by name stays enabled', () => {
    const r = load(['cron.service', 'other.service']);
    expect([...r.enabled]).toEqual(['cron.service']);
    expect(r.units.has('other.service')).toBe(true);
  });
});
