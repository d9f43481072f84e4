import { describe, expect, it } from 'vitest';
import {
  chassisOf,
  type HostnameInfo,
  hostnameCleanup,
  hostnameIsValid,
  hostnamesToSet,
  hostnameStatus,
  staticHostnameOf,
  withMachineInfo,
} from '../../../src/host-settings/hostname-settings';

const INFO: HostnameInfo = {
  staticHostname: 'd0f3ac57b358',
  transientHostname: 'd0f3ac57b358',
  machineInfo: {},
  chassis: 'container',
  machineId: '68673569c4c047cb96dba50dc0bcd9c1',
  bootId: 'b34692c520df4b5c9b07b8297ad4b37b',
  virtualization: 'podman',
  osPrettyName: 'Debian GNU/Linux 12 (bookworm)',
  kernelName: 'Linux',
  kernelRelease: '6.18.44-fc-v1272',
  architecture: 'x86-64',
};

describe('host names as hostnamectl checks them', () => {
  it("accepts LDH labels only (systemd's hostname_is_valid)", () => {
    for (const ok of ['vm', 'a-b.example', 'x1', 'a'.repeat(64)]) expect(hostnameIsValid(ok), ok).toBe(true);
    for (const bad of ['', 'bad..name', '-a', 'a-', '.a', 'a.', 'Foo Bar', 'a_b', 'a'.repeat(65), 'é']) expect(hostnameIsValid(bad), bad).toBe(false);
    expect(hostnameIsValid('a.b.', true)).toBe(true);
  });

  it("cleans a free-form name into a host name (systemd's hostname_cleanup)", () => {
    expect(hostnameCleanup('Foo Bar')).toBe('FooBar');
    expect(hostnameCleanup('bad..name')).toBe('bad.name');
    expect(hostnameCleanup('-lead.-x-')).toBe('lead.x');
    expect(hostnameCleanup('a'.repeat(80))).toBe('a'.repeat(64));
  });

  it('reads /etc/hostname as its first line that is not a comment', () => {
    expect(staticHostnameOf('# set by x\n\n  box \n')).toBe('box');
    expect(staticHostnameOf('')).toBe('');
  });

  it('sets the three names by the flags, as 252 does', () => {
    expect(hostnamesToSet('box', { static: false, transient: false, pretty: false })).toEqual({ pretty: '', static: 'box', transient: 'box' });
    expect(hostnamesToSet('Foo Bar', { static: false, transient: false, pretty: false })).toEqual({ pretty: 'Foo Bar', static: 'FooBar', transient: 'FooBar' });
    expect(hostnamesToSet('Foo Bar', { static: false, transient: false, pretty: true })).toEqual({ pretty: 'Foo Bar' });
    expect(hostnamesToSet('box', { static: true, transient: false, pretty: true })).toEqual({ pretty: 'box', static: 'box' });
  });

  it('derives the chassis from the virtualization, then the firmware', () => {
    expect(chassisOf('podman', undefined, undefined)).toBe('container');
    expect(chassisOf(undefined, 'kvm', '1')).toBe('vm');
    expect(chassisOf(undefined, undefined, '10')).toBe('laptop');
    expect(chassisOf(undefined, undefined, '23')).toBe('server');
    expect(chassisOf(undefined, undefined, undefined)).toBe('');
  });

  it("prints systemd 252's status in a podman container, byte for byte", () => {
    expect(hostnameStatus(INFO)).toBe(
      [
        ' Static hostname: d0f3ac57b358',
        '       Icon name: computer-container',
        '         Chassis: container ☐',
        '      Machine ID: 68673569c4c047cb96dba50dc0bcd9c1',
        '         Boot ID: b34692c520df4b5c9b07b8297ad4b37b',
        '  Virtualization: podman',
        'Operating System: Debian GNU/Linux 12 (bookworm)',
        '          Kernel: Linux 6.18.44-fc-v1272',
        '    Architecture: x86-64',
        '',
      ].join('\n'),
    );
  });

  it('shows a pretty and a transient name only when they differ from the static one', () => {
    const s = hostnameStatus({ ...INFO, machineInfo: { PRETTY_HOSTNAME: 'Pretty_Box' }, transientHostname: 'other' });
    expect(s.split('\n').slice(0, 3)).toEqual(['   Static hostname: d0f3ac57b358', '   Pretty hostname: Pretty_Box', 'Transient hostname: other']);
    expect(hostnameStatus({ ...INFO, staticHostname: '' })).toMatch(/^ {3}Static hostname: n\/a\nTransient hostname: d0f3ac57b358\n/);
  });

  it('changes one machine-info setting and keeps the others', () => {
    expect(withMachineInfo('', 'PRETTY_HOSTNAME', 'Foo Bar')).toBe('PRETTY_HOSTNAME="Foo Bar"\n');
    expect(withMachineInfo('LOCATION=lab\nPRETTY_HOSTNAME=x\n', 'PRETTY_HOSTNAME', 'y')).toBe('LOCATION=lab\nPRETTY_HOSTNAME=y\n');
    expect(withMachineInfo('PRETTY_HOSTNAME=x\n', 'PRETTY_HOSTNAME', '')).toBe('');
  });
});
