import { describe, expect, it } from 'vitest';
import { containerEnvironmentFor } from '../../../src/exec/container-environment';
import { parseArgs } from '../../../src/cli/options';

const container = { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', LC_ALL: 'C', TZ: 'UTC', DB_PASSWORD: 's3cret', API_URL: 'http://x' };

describe("a unit's share of the container environment", () => {
  it("by default: root's processes get all of it, another user's only systemd's share", () => {
    expect(containerEnvironmentFor(container, 'root', undefined, [])).toEqual(container);
    expect(containerEnvironmentFor(container, 'root', 0, [])).toEqual(container);
    expect(containerEnvironmentFor(container, 'root', 65534, [])).toEqual({ PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', LC_ALL: 'C', TZ: 'UTC' });
  });
  it('PassEnvironment= names what a unit takes on top', () => {
    expect(containerEnvironmentFor(container, 'root', 33, ['API_URL', 'MISSING'])).toEqual({ PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', LC_ALL: 'C', TZ: 'UTC', API_URL: 'http://x' });
  });
  it("'all' gives every unit everything; 'none' gives root's units systemd's share too", () => {
    expect(containerEnvironmentFor(container, 'all', 65534, [])).toEqual(container);
    expect(containerEnvironmentFor(container, 'none', undefined, ['DB_PASSWORD'])).toEqual({ PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', LC_ALL: 'C', TZ: 'UTC', DB_PASSWORD: 's3cret' });
  });
  it('is chosen with --unit-environment or TS_INIT_UNIT_ENVIRONMENT', () => {
    const opts = (argv: string[], env = {}) => {
      const r = parseArgs(argv, env);
      return r.kind === 'run' ? r.options.unitEnvironment : r.kind === 'usage-error' ? r.message : r.kind;
    };
    expect(opts(['--', 'true'])).toBe('root');
    expect(opts(['--unit-environment', 'all', '--', 'true'])).toBe('all');
    expect(opts(['--', 'true'], { TS_INIT_UNIT_ENVIRONMENT: 'none' })).toBe('none');
    expect(opts(['--unit-environment', 'some', '--', 'true'])).toMatch(/--unit-environment takes 'root', 'all' or 'none', not 'some'/);
  });
});
