import { describe, expect, it } from 'vitest';
import { diffUnits, restartsOnReload } from '../../../src/supervisor/reload-diff';
import { defaultUnitConfig, type UnitConfig } from '../../../src/units/unit';

function unit(name: string, over: Partial<UnitConfig> = {}): UnitConfig {
  return { ...defaultUnitConfig(name), ...over };
}
const byName = (...us: UnitConfig[]): Map<string, UnitConfig> => new Map(us.map((u) => [u.name, u]));

describe('daemon-reload diff', () => {
  it('a changed unit that is up restarts to take its new definition on; a target never does', () => {
    expect(restartsOnReload('service', 'active')).toBe(true);
    expect(restartsOnReload('service', 'activating')).toBe(true);
    expect(restartsOnReload('socket', 'active')).toBe(true);
    expect(restartsOnReload('service', 'inactive')).toBe(false);
    expect(restartsOnReload('service', 'failed')).toBe(false);
    // An enable or disable changes multi-user.target's Wants=: it stays as it is, as in systemd.
    expect(restartsOnReload('target', 'active')).toBe(false);
    expect(restartsOnReload('target', 'activating')).toBe(false);
  });

  it('new, changed, unchanged and gone units', () => {
    const current = { units: byName(unit('a.service'), unit('b.service'), unit('c.service')), enabled: new Set(['a.service']) };
    const fresh = {
      units: byName(unit('a.service'), unit('b.service', { description: 'now different' }), unit('d.service')),
      enabled: new Set(['a.service', 'd.service']),
      failed: new Map(),
    };
    const d = diffUnits(current, fresh);
    expect([d.added, d.changed, d.removed, d.kept]).toEqual([['d.service'], ['b.service'], ['c.service'], []]);
    expect([...d.next.units.keys()]).toEqual(['a.service', 'b.service', 'd.service']);
    expect([...d.next.enabled]).toEqual(['a.service', 'd.service']);
  });

  it('a unit whose new file is broken keeps its old definition and enablement', () => {
    const old = unit('web.service', { description: 'old' });
    const current = { units: byName(old), enabled: new Set(['web.service']) };
    const fresh = { units: new Map<string, UnitConfig>(), enabled: new Set<string>(), failed: new Map([['web.service', 'bad-setting' as const]]) };
    const d = diffUnits(current, fresh);
    expect([d.added, d.changed, d.removed, d.kept]).toEqual([[], [], [], ['web.service']]);
    expect(d.next.units.get('web.service')).toBe(old);
    expect(d.next.enabled.has('web.service')).toBe(true);
  });

  it('a unit that is not found any more is removed', () => {
    const current = { units: byName(unit('gone.service')), enabled: new Set<string>() };
    const d = diffUnits(current, { units: new Map(), enabled: new Set(), failed: new Map([['gone.service', 'not-found' as const]]) });
    expect(d.removed).toEqual(['gone.service']);
    expect(d.next.units.size).toBe(0);
  });

  it('does not touch what it is given', () => {
    const current = { units: byName(unit('a.service')), enabled: new Set(['a.service']) };
    const fresh = { units: byName(unit('b.service')), enabled: new Set<string>(), failed: new Map() };
    diffUnits(current, fresh);
    expect([...current.units.keys()]).toEqual(['a.service']);
    expect([...fresh.units.keys()]).toEqual(['b.service']);
  });
});

describe('a unit written again unchanged compares equal (no restart on daemon-reload)', () => {
  it('whatever order its dependency lists and its fields come in', () => {
    const a = unit('slapd.service', { wants: ['network-online.target', 'remote-fs.target'], after: ['a.service', 'b.service'], pidFile: '/run/slapd/slapd.pid', wantedBy: ['multi-user.target'] });
    // The same definition, its links read in another order and its fields set in another order.
    const { pidFile, ...rest } = a;
    const b = { pidFile, ...rest, wants: ['remote-fs.target', 'network-online.target'], after: ['b.service', 'a.service'] } as UnitConfig;
    const d = diffUnits({ units: byName(a), enabled: new Set() }, { units: byName(b), enabled: new Set(), failed: new Map() });
    expect(d.changed).toEqual([]);
  });

  it('an order that means something still counts: commands, environment', () => {
    const cmd = (raw: string) => ({ path: raw, argv: [raw], ignoreFailure: false, argv0Override: false, privileged: false, noEnvExpand: false, raw, file: 'f', line: 1 });
    const a = unit('x.service', { execStartPre: [cmd('/bin/a'), cmd('/bin/b')], environment: [['A', '1'], ['A', '2']] });
    const b = unit('x.service', { execStartPre: [cmd('/bin/b'), cmd('/bin/a')], environment: [['A', '1'], ['A', '2']] });
    const c = unit('x.service', { execStartPre: [cmd('/bin/a'), cmd('/bin/b')], environment: [['A', '2'], ['A', '1']] });
    for (const other of [b, c]) expect(diffUnits({ units: byName(a), enabled: new Set() }, { units: byName(other), enabled: new Set(), failed: new Map() }).changed).toEqual(['x.service']);
  });
});
