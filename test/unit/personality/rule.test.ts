import { describe, expect, it } from 'vitest';
import { parseArgs, type InitOptions } from '../../../src/cli/options';
import { looksLikeHostRoot, rootMount } from '../../../src/personality/facts';
import { choosePersonality, type PersonalityFacts } from '../../../src/personality/rule';
import { SYSTEM_UNIT_DIRS } from '../../../src/supervisor/unit-dirs';

function options(args: string[], env: NodeJS.ProcessEnv = {}): InitOptions {
  const r = parseArgs([...args, '--', 'cmd'], env);
  if (r.kind !== 'run') throw new Error(r.kind);
  return r.options;
}

const container: Omit<PersonalityFacts, 'argv0'> = { isPid1: true, hostRoot: false, tsInitUnitDir: false };
const IMAGE = { unitDirs: ['/etc/ts-init/units'], systemDirs: SYSTEM_UNIT_DIRS };
const NONE = { unitDirs: [], systemDirs: [] };

describe('personality rule', () => {
  it.each(['/run/podman-init', '/sbin/docker-init', '/usr/bin/tini', 'tini-static'])('%s with no flags is tini: no units, no files', (argv0) => {
    const p = choosePersonality(options([]), { ...container, argv0 });
    expect(p).toMatchObject({ face: 'tini', rich: false, units: NONE });
    expect(p.why).toMatch(/--rich, TS_INIT_RICH=1, --units/);
  });

  it('the engine\'s --init turns rich on request: --rich, TS_INIT_RICH=1', () => {
    for (const o of [options(['--rich']), options([], { TS_INIT_RICH: '1' }), options([], { TS_INIT_RICH: 'yes' })]) {
      expect(choosePersonality(o, { ...container, argv0: '/run/podman-init' })).toMatchObject({ face: 'ts-init', rich: true, units: IMAGE });
    }
  });

  it('the engine\'s --init in an image with /etc/ts-init/units runs those units only', () => {
    const p = choosePersonality(options([]), { ...container, argv0: '/sbin/docker-init', tsInitUnitDir: true });
    expect(p).toMatchObject({ rich: true, units: { unitDirs: ['/etc/ts-init/units'], systemDirs: [] } });
  });

  it('--units (or TS_INIT_UNITS) reads those directories only, whatever the name', () => {
    for (const argv0 of ['/run/podman-init', '/sbin/ts-init']) {
      const p = choosePersonality(options([], { TS_INIT_UNITS: '/a:/b' }), { ...container, argv0 });
      expect(p).toMatchObject({ rich: true, units: { unitDirs: ['/a', '/b'], systemDirs: [] } });
    }
  });

  it('ENTRYPOINT ts-init and argv0 init are rich by default in a container', () => {
    expect(choosePersonality(options([]), { ...container, argv0: '/sbin/ts-init' })).toMatchObject({ face: 'ts-init', rich: true, units: IMAGE });
    expect(choosePersonality(options([]), { ...container, argv0: '/sbin/init' })).toMatchObject({ rich: true, units: IMAGE });
    expect(choosePersonality(options([]), { ...container, argv0: 'init', hostRoot: true })).toMatchObject({ rich: true });
  });

  it('TS_INIT_RICH=0 turns the rich init off even as ENTRYPOINT', () => {
    const p = choosePersonality(options([], { TS_INIT_RICH: '0' }), { ...container, argv0: '/sbin/ts-init' });
    expect(p).toMatchObject({ face: 'ts-init', rich: false, units: NONE });
  });

  it('PID 1 of a bare PID namespace on the host root is plain unless asked', () => {
    const facts = { ...container, hostRoot: true, argv0: '/usr/local/bin/ts-init' };
    expect(choosePersonality(options([]), facts)).toMatchObject({ rich: false, units: NONE });
    expect(choosePersonality(options([]), facts).why).toMatch(/host's own root/);
    expect(choosePersonality(options(['--rich']), facts)).toMatchObject({ rich: true, units: IMAGE });
  });

  it('not PID 1: no default units, and --rich does not change that', () => {
    expect(choosePersonality(options(['--rich']), { ...container, isPid1: false, argv0: 'ts-init' })).toMatchObject({ rich: false, units: NONE });
    expect(choosePersonality(options([]), { ...container, isPid1: false, argv0: 'tini' })).toMatchObject({ face: 'tini', rich: false });
  });

  it('--no-units keeps the personality but reads no unit directory', () => {
    expect(choosePersonality(options(['--no-units']), { ...container, argv0: '/sbin/ts-init' })).toMatchObject({ rich: true, units: NONE });
  });
});

describe('host root detection', () => {
  const host = '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n30 27 0:5 / /proc rw - proc proc rw\n';
  const overlay = '600 500 0:77 / / rw,relatime - overlay overlay rw,lowerdir=/x\n';
  const bind = '600 500 254:0 /var/lib/c/rootfs / rw,relatime - ext4 /dev/vda rw\n';

  it('reads the root mount (the last one mounted on /)', () => {
    expect(rootMount(host)).toEqual({ root: '/', fstype: 'ext4' });
    expect(rootMount(`${host}700 27 0:80 / / rw - overlay overlay rw\n`)).toEqual({ root: '/', fstype: 'overlay' });
  });

  it('a whole block filesystem on / with no engine marker is the host', () => {
    expect(looksLikeHostRoot(host, {}, false)).toBe(true);
    expect(looksLikeHostRoot(overlay, {}, false)).toBe(false);
    expect(looksLikeHostRoot(bind, {}, false)).toBe(false);
    expect(looksLikeHostRoot(host, { container: 'podman' }, false)).toBe(false);
    expect(looksLikeHostRoot(host, {}, true)).toBe(false);
  });
});

describe('who sets up the machine ID', () => {
  it('only the rich init as PID 1 of a container root: never tini, never on the host root, never when not PID 1', () => {
    expect(choosePersonality(options([]), { ...container, argv0: '/sbin/init' }).ownsMachine).toBe(true);
    expect(choosePersonality(options([]), { ...container, argv0: '/usr/bin/ts-init' }).ownsMachine).toBe(true);
    expect(choosePersonality(options([]), { ...container, argv0: '/sbin/docker-init' }).ownsMachine).toBe(false);
    expect(choosePersonality(options(['--rich']), { ...container, argv0: 'ts-init', hostRoot: true }).ownsMachine).toBe(false);
    expect(choosePersonality(options(['--units', '/x']), { ...container, argv0: 'ts-init', isPid1: false }).ownsMachine).toBe(false);
  });
});

describe('who says it is systemd (/run/systemd/system)', () => {
  it('the rich init as PID 1 of a container root, unless --systemd-identity=no; never tini, the host root, nor when not PID 1', () => {
    expect(choosePersonality(options([]), { ...container, argv0: '/sbin/init' }).systemdIdentity).toBe(true);
    expect(choosePersonality(options(['--systemd-identity=no']), { ...container, argv0: '/sbin/init' }).systemdIdentity).toBe(false);
    expect(choosePersonality(options([], { TS_INIT_SYSTEMD_IDENTITY: 'no' }), { ...container, argv0: 'ts-init' }).systemdIdentity).toBe(false);
    expect(choosePersonality(options([]), { ...container, argv0: '/sbin/docker-init' }).systemdIdentity).toBe(false);
    expect(choosePersonality(options(['--rich']), { ...container, argv0: 'ts-init', hostRoot: true }).systemdIdentity).toBe(false);
    expect(choosePersonality(options(['--rich']), { ...container, argv0: 'ts-init', isPid1: false }).systemdIdentity).toBe(false);
  });
});
