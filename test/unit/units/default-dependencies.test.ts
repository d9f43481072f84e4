import { describe, expect, it } from 'vitest';
import { addOwnDefaultDependencies, addTargetDefaultDependencies } from '../../../src/units/default-dependencies';
import { defaultUnitConfig, type UnitConfig } from '../../../src/units/unit';

const unit = (name: string, over: Partial<UnitConfig> = {}): UnitConfig => ({ ...defaultUnitConfig(name), ...over });

describe('DefaultDependencies=', () => {
  it('a service needs sysinit.target and starts after basic.target; a socket is before sockets.target', () => {
    const s = unit('a.service');
    addOwnDefaultDependencies(s);
    expect(s).toMatchObject({ requires: ['sysinit.target'], after: ['sysinit.target', 'basic.target'], before: [] });
    const k = unit('a.socket');
    addOwnDefaultDependencies(k);
    expect(k).toMatchObject({ requires: ['sysinit.target'], after: ['sysinit.target'], before: ['sockets.target'] });
    const no = unit('early.service', { defaultDependencies: false });
    addOwnDefaultDependencies(no);
    expect(no).toMatchObject({ requires: [], after: [] });
  });

  it('a target waits for what it wants, unless that unit has none or an ordering the other way exists', () => {
    const t = unit('multi-user.target', { wants: ['a.service', 'b.service', 'c.service', 'gone.service'] });
    const units = new Map([
      ['multi-user.target', t],
      ['a.service', unit('a.service')],
      ['b.service', unit('b.service', { defaultDependencies: false })],
      ['c.service', unit('c.service', { after: ['multi-user.target'] })],
    ]);
    addTargetDefaultDependencies(units);
    expect(t.after).toEqual(['a.service']);
  });
});
