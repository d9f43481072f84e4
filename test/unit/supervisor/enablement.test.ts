// The unit-file state, decided in one place for status, is-enabled and list-unit-files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unitFileState } from '../../../src/supervisor/enablement';
import { defaultUnitConfig, type UnitConfig } from '../../../src/units/unit';
import { tempDir } from '../../helpers/temp-dir';

const unit = (name: string, over: Partial<UnitConfig> = {}): UnitConfig => ({ ...defaultUnitConfig(name, `/lib/systemd/system/${name}`), ...over });

describe('unitFileState', () => {
  const root = tempDir('ts-init-enable-');
  fs.mkdirSync(path.join(root, 'sockets.target.wants'));
  fs.writeFileSync(path.join(root, 'x.socket'), '[Socket]\nListenStream=/run/x\n');
  fs.symlinkSync(path.join(root, 'x.socket'), path.join(root, 'sockets.target.wants', 'x.socket'));

  it('generated, enabled (at load or linked now), disabled or static', () => {
    expect(unitFileState(unit('g.service', { sourcePath: '/run/systemd/generator/g.service', wantedBy: ['multi-user.target'] }), true, [root])).toBe('generated');
    expect(unitFileState(unit('a.service', { wantedBy: ['multi-user.target'] }), true, [root])).toBe('enabled');
    expect(unitFileState(unit('x.socket', { wantedBy: ['sockets.target'] }), false, [root])).toBe('enabled');
    expect(unitFileState(unit('b.service', { requiredBy: ['multi-user.target'] }), false, [root])).toBe('disabled');
    expect(unitFileState(unit('c.service'), false, [root])).toBe('static');
  });
});
