import { describe, expect, it } from 'vitest';
import { checkConditions, compareVersions, type HostFacts, test as holds } from '../../../src/units/conditions';
import { fnmatch } from '../../../src/sys/fnmatch';
import { CONDITION_KINDS } from '../../../src/units/conditions';
import type { Condition, ConditionKind } from '../../../src/units/unit';
import { buildUnit } from '../../../src/units/build-unit';
import { parseUnitText } from '../../../src/units/syntax';

/** A podman container on an x86-64 KVM host, as root, without CAP_SYS_TIME. */
function facts(over: Partial<HostFacts> = {}): HostFacts {
  const files = new Set(['/etc/passwd', '/run/.containerenv']);
  const base: HostFacts = {
    architecture: () => 'x86-64',
    container: () => 'podman',
    vm: () => 'kvm',
    privateUsers: () => false,
    hostname: () => 'web-1',
    machineId: () => '0123456789abcdef0123456789abcdef',
    kernelCommandLine: () => ['quiet', 'console=ttyS0', 'ro'],
    kernelRelease: () => '6.1.0-18-amd64',
    environment: () => ({ container: 'podman', LANG: 'C.UTF-8' }),
    credentialsDirectory: () => undefined,
    security: (t) => t === 'apparmor',
    // podman's default set: no CAP_SYS_TIME (25), CAP_SYS_ADMIN (21).
    capabilityBoundingSet: () => 0x800425fbn,
    acPower: () => true,
    needsUpdate: () => false,
    firstBoot: () => false,
    firmware: () => false,
    uid: () => 0,
    gids: () => [0],
    groupId: (n) => ({ root: 0, adm: 4 })[n],
    controllers: () => new Set(['cpu', 'memory']),
    memoryBytes: () => 2 * 1024 ** 3,
    cpus: () => 2,
    cpuFlags: () => new Set(['sse4_2', 'avx2']),
    osRelease: () => ({ ID: 'debian', VERSION_ID: '12', PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)' }),
    pressure: (k) => (k === 'cpu' ? { avg10: 5, avg60: 30, avg300: 1 } : undefined),
    fs: {
      exists: (p) => files.has(p),
      glob: (p) => p === '/etc/pass*',
      isDirectory: (p) => p === '/etc',
      isSymlink: (p) => p === '/lib',
      isMountPoint: (p) => p === '/proc',
      isReadWrite: (p) => p !== '/usr',
      isEncrypted: () => false,
      directoryNotEmpty: (p) => p === '/etc',
      fileNotEmpty: (p) => p === '/etc/passwd',
      fileIsExecutable: (p) => p === '/bin/sh',
    },
  };
  return { ...base, ...over };
}

const c = (kind: ConditionKind, value: string, more: Partial<Condition> = {}): Condition => ({ kind, value, negate: false, trigger: false, assert: false, ...more });

describe('conditions against a container', () => {
  it.each([
    ['Virtualization', '!container', false],
    ['Virtualization', 'container', true],
    ['Virtualization', 'podman', true],
    ['Virtualization', 'docker', false],
    ['Virtualization', 'vm', false],
    ['Virtualization', 'kvm', false],
    ['Virtualization', 'yes', true],
    ['Virtualization', 'private-users', false],
    ['Capability', 'CAP_SYS_TIME', false],
    ['Capability', 'CAP_NET_BIND_SERVICE', true],
    ['Capability', 'CAP_BOGUS', false],
    ['Architecture', 'x86-64', true],
    ['Architecture', 'arm64', false],
    ['Architecture', 'native', true],
    ['Host', 'web-*', true],
    ['Host', '0123456789abcdef0123456789abcdef', true],
    ['Host', 'db', false],
    ['KernelCommandLine', 'console', true],
    ['KernelCommandLine', 'console=ttyS0', true],
    ['KernelCommandLine', 'console=tty0', false],
    ['KernelVersion', '>=5.10', true],
    ['KernelVersion', '>= 6.1 <6.2', true],
    ['KernelVersion', '<6.1.0', false],
    ['KernelVersion', '6.1.*', true],
    ['Environment', 'container', true],
    ['Environment', 'container=docker', false],
    ['Environment', 'LANG=C.UTF-8', true],
    ['Credential', 'secret', false],
    ['Security', 'apparmor', true],
    ['Security', 'selinux', false],
    ['ACPower', 'true', true],
    ['ACPower', 'false', false],
    ['FirstBoot', 'yes', false],
    ['FirstBoot', 'no', true],
    ['User', 'root', true],
    ['User', '0', true],
    ['User', '@system', true],
    ['User', 'nobody', false],
    ['Group', 'root', true],
    ['Group', 'adm', false],
    ['Group', 'nosuchgroup', false],
    ['ControlGroupController', 'cpu memory', true],
    ['ControlGroupController', 'cpu io', false],
    ['Memory', '>=1G', true],
    ['Memory', '4G', false],
    ['Memory', '<3G', true],
    ['CPUs', '>1', true],
    ['CPUs', '4', false],
    ['CPUFeature', 'sse4_2', true],
    ['CPUFeature', 'avx512f', false],
    ['OSRelease', 'ID=debian', true],
    ['OSRelease', 'ID=debian VERSION_ID>=11', true],
    ['OSRelease', 'VERSION_ID<12', false],
    ['OSRelease', 'ID!=ubuntu', true],
    ['OSRelease', 'PRETTY_NAME=Debian*', true],
    ['CPUPressure', '10%', true],
    ['CPUPressure', '10%/1min', false],
    ['MemoryPressure', '1%', true],
    ['PathExists', '/etc/passwd', true],
    ['PathExistsGlob', '/etc/pass*', true],
    ['PathIsDirectory', '/etc', true],
    ['PathIsSymbolicLink', '/lib', true],
    ['PathIsMountPoint', '/proc', true],
    ['PathIsReadWrite', '/usr', false],
    ['PathIsEncrypted', '/', false],
    ['DirectoryNotEmpty', '/etc', true],
    ['FileNotEmpty', '/etc/passwd', true],
    ['FileIsExecutable', '/bin/sh', true],
    ['NeedsUpdate', '/etc', false],
    ['Firmware', 'uefi', false],
  ] as Array<[ConditionKind, string, boolean]>)('%s=%s is %s', (kind, value, expected) => {
    let v = value;
    let negate = false;
    if (v.startsWith('!')) {
      negate = true;
      v = v.slice(1);
    }
    expect(checkConditions([c(kind, v, { negate })], facts()).ok).toBe(expected);
  });

  it('outside a container the VM is what counts', () => {
    const f = facts({ container: () => undefined });
    expect(holds('Virtualization', 'vm', f)).toBe(true);
    expect(holds('Virtualization', 'kvm', f)).toBe(true);
    expect(holds('Virtualization', 'container', f)).toBe(false);
  });

  it('"|" needs one of the triggers; plain conditions all; asserts are reported as asserts', () => {
    const f = facts();
    expect(checkConditions([c('PathExists', '/nope', { trigger: true }), c('PathExists', '/etc/passwd', { trigger: true })], f).ok).toBe(true);
    expect(checkConditions([c('PathExists', '/nope', { trigger: true }), c('PathExists', '/nope2', { trigger: true })], f)).toEqual({
      ok: false,
      assert: false,
      failed: 'ConditionPathExists=|/nope | ConditionPathExists=|/nope2',
    });
    expect(checkConditions([c('Virtualization', 'container', { negate: true }), c('Capability', 'CAP_SYS_TIME', { assert: true })], f)).toEqual({
      ok: false,
      assert: true,
      failed: 'AssertCapability=CAP_SYS_TIME',
    });
  });

  it('helpers: strverscmp-like order, fnmatch', () => {
    expect(compareVersions('6.1.0-18-amd64', '6.1')).toBe(1);
    expect(compareVersions('5.10', '5.9')).toBe(1);
    expect(compareVersions('12', '12')).toBe(0);
    expect(fnmatch('a[0-9]?', 'a1x')).toBe(true);
    expect(fnmatch('a.b', 'axb')).toBe(false);
  });
});

describe('condition directives', () => {
  const build = (text: string) => buildUnit('x.service', parseUnitText(`[Unit]\n${text}\n[Service]\nExecStart=/bin/true\n`, '/u/x.service'), [], { hostname: 'h' });

  it('every Condition*= and Assert*= of systemd 252 is parsed, none is reported unsupported', () => {
    const text = CONDITION_KINDS.map((k) => `Condition${k}=/x\nAssert${k}=/y`).join('\n');
    const r = build(text);
    expect(r.diagnostics).toEqual([]);
    expect(r.unit.conditions).toHaveLength(CONDITION_KINDS.length * 2);
  });

  it('what irqbalance and chrony say', () => {
    const r = build('ConditionVirtualization=!container\nConditionCapability=CAP_SYS_TIME');
    expect(r.unit.conditions).toEqual([c('Virtualization', 'container', { negate: true }), c('Capability', 'CAP_SYS_TIME')]);
    expect(checkConditions(r.unit.conditions, facts()).ok).toBe(false);
  });

  it('an unknown condition is an unknown directive', () => {
    expect(build('ConditionFrobnicate=yes').diagnostics.map((d) => d.message)).toEqual(['unknown directive ConditionFrobnicate in section [Unit]']);
  });
});
