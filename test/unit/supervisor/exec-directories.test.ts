import { describe, expect, it } from 'vitest';
import { execDirectoryEnvironment } from '../../../src/supervisor/exec-directories';
import { defaultUnitConfig } from '../../../src/units/unit';

describe('$STATE_DIRECTORY and its kin', () => {
  it('absolute paths joined with ":", only for the kinds a unit names', () => {
    const u = defaultUnitConfig('a.service');
    u.execDirectories = { ...u.execDirectories, state: { names: ['app', 'app/sub'] }, configuration: { names: ['app'] } };
    expect(execDirectoryEnvironment(u)).toEqual({ STATE_DIRECTORY: '/var/lib/app:/var/lib/app/sub', CONFIGURATION_DIRECTORY: '/etc/app' });
    expect(execDirectoryEnvironment(defaultUnitConfig('b.service'))).toEqual({});
  });
});
