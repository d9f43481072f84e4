import { describe, expect, it } from 'vitest';
import { buildOrdering, failedRequirement, jobSet, startable, startLayers, stoppable, type UnitDeps } from '../../../src/supervisor/ordering';

function deps(spec: Record<string, Partial<UnitDeps>>): Map<string, UnitDeps> {
  const empty = { after: [], before: [], requires: [], wants: [], bindsTo: [], partOf: [], conflicts: [] };
  return new Map(Object.entries(spec).map(([k, v]) => [k, { ...empty, ...v }]));
}

describe('ordering', () => {
  it('After= and Before= become waits; independent units start together', () => {
    const d = deps({ a: { after: ['b'] }, b: {}, c: { before: ['a'] }, d: {} });
    const o = buildOrdering(d, new Set(d.keys()));
    expect(startLayers(o)).toEqual([['b', 'c', 'd'], ['a']]);
    expect(startable(o, new Set(['b']), new Set(['b', 'c', 'd']))).toEqual([]);
    expect(startable(o, new Set(['b', 'c']), new Set(['b', 'c', 'd']))).toEqual(['a']);
  });

  it('among units free to start together, the head of the longest chain of waiting units goes first', () => {
    // db <- cache.service <- mail.service <- multi-user.target; web alone; the target adds nothing.
    const d = deps({
      'web.service': {},
      'log.service': { before: ['multi-user.target'] },
      'db.service': {},
      'cache.service': { after: ['db.service'] },
      'mail.service': { after: ['cache.service', 'log.service'] },
      'multi-user.target': { after: ['web.service', 'mail.service'] },
    });
    const o = buildOrdering(d, new Set(d.keys()));
    expect(o.chain.get('db.service')).toBe(2);
    expect(o.chain.get('log.service')).toBe(1);
    expect(o.chain.get('web.service')).toBe(0);
    expect(startable(o, new Set(), new Set())).toEqual(['db.service', 'log.service', 'web.service']);
    expect(startLayers(o)[0]).toEqual(['db.service', 'log.service', 'web.service']);
  });

  it('stops in reverse: a unit stops only after those ordered after it', () => {
    const d = deps({ web: { after: ['app'] }, app: { after: ['db'] }, db: {} });
    const o = buildOrdering(d, new Set(d.keys()));
    expect(stoppable(o, new Set(['web', 'app', 'db']))).toEqual(['web']);
    expect(stoppable(o, new Set(['app', 'db']))).toEqual(['app']);
    expect(stoppable(o, new Set(['db']))).toEqual(['db']);
  });

  it('Requires=/Wants=/BindsTo= pull units in; unknown ones are left out; Conflicts= keeps one', () => {
    const d = deps({ a: { requires: ['b'], wants: ['c', 'missing'] }, b: { bindsTo: ['e'] }, c: {}, e: {}, x: {}, k: { conflicts: ['x'] } });
    const warnings: string[] = [];
    expect([...jobSet(d, ['a'], warnings)].sort()).toEqual(['a', 'b', 'c', 'e']);
    expect([...jobSet(d, ['k', 'x'], warnings)].sort()).toEqual(['k']);
    expect(warnings).toEqual(['k conflicts with x: not starting x']);
  });

  it('cycles are reported by name and broken by dropping one edge', () => {
    const d = deps({ a: { after: ['b'] }, b: { after: ['c'] }, c: { after: ['a'] }, s: { after: ['s'] }, two1: { after: ['two2'] }, two2: { after: ['two1'] } });
    const o = buildOrdering(d, new Set(d.keys()));
    expect(o.warnings).toHaveLength(2);
    expect(o.warnings[0]).toMatch(/^ordering cycle: a -> b -> c -> a; dropping the ordering of c after a$/);
    expect(o.warnings[1]).toMatch(/^ordering cycle: two1 -> two2 -> two1; dropping/);
    // Everything can start: no deadlock.
    expect(startLayers(o).flat().sort()).toEqual(['a', 'b', 'c', 's', 'two1', 'two2']);
  });

  it('a start whose Requires=/BindsTo= unit failed to start fails on that one; Wants= and an unordered Requires= never do', () => {
    const d = deps({
      'multi-user.target': { requires: ['basic.target'], wants: ['broken.service'], after: ['basic.target', 'broken.service'] },
      'basic.target': { requires: ['sysinit.target'], after: ['sysinit.target'] },
      'sysinit.target': {},
      'broken.service': {},
      'app.service': { bindsTo: ['db.service'], after: ['db.service'] },
      'db.service': {},
      'loose.service': { requires: ['db.service'] },
    });
    const o = buildOrdering(d, new Set(d.keys()));
    const failed = (...units: string[]) => (u: string) => units.includes(u);
    // Wants= a failed unit: the target starts.
    expect(failedRequirement(o, 'multi-user.target', failed('broken.service'))).toBeUndefined();
    // A chain: sysinit failed, so basic's start fails (dependency), so multi-user's does.
    expect(failedRequirement(o, 'basic.target', failed('sysinit.target'))).toBe('sysinit.target');
    expect(failedRequirement(o, 'multi-user.target', failed('basic.target'))).toBe('basic.target');
    expect(failedRequirement(o, 'app.service', failed('db.service'))).toBe('db.service');
    // Requires= without After=: both start together, nothing waits to see the other fail.
    expect(failedRequirement(o, 'loose.service', failed('db.service'))).toBeUndefined();
    expect(failedRequirement(o, 'multi-user.target', failed())).toBeUndefined();
  });

  it('required-by is recorded for dependency failure propagation', () => {
    const d = deps({ app: { requires: ['db'], after: ['db'] }, db: {} });
    const o = buildOrdering(d, new Set(d.keys()));
    expect([...o.requiredBy.get('db')!]).toEqual(['app']);
  });
});
