import { describe, expect, it } from 'vitest';
import { hostname1Properties } from '../../../src/bus/hostname1';
import type { HostnameInfo } from '../../../src/host-settings/hostname-settings';

const INFO: HostnameInfo = {
  staticHostname: 'vm',
  transientHostname: 'vm',
  machineInfo: { PRETTY_HOSTNAME: 'The VM', LOCATION: 'lab' },
  chassis: 'container',
  kernelName: 'Linux',
  kernelRelease: '6.1.0',
  architecture: 'x86-64',
  osPrettyName: 'Debian GNU/Linux 13 (trixie)',
};

describe('hostname1 properties', () => {
  it("are hostnamed's, every one a string, from the same facts as hostnamectl's status", () => {
    const props = Object.fromEntries(hostname1Properties(INFO, '#1 SMP').map(([k, v]) => [k, v]));
    expect(Object.values(props).every((v) => v.sig === 's')).toBe(true);
    expect(Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v.value]))).toMatchObject({
      Hostname: 'vm',
      StaticHostname: 'vm',
      PrettyHostname: 'The VM',
      HostnameSource: 'static',
      DefaultHostname: 'localhost',
      IconName: 'computer-container',
      Chassis: 'container',
      Location: 'lab',
      Deployment: '',
      KernelName: 'Linux',
      KernelRelease: '6.1.0',
      KernelVersion: '#1 SMP',
      OperatingSystemPrettyName: 'Debian GNU/Linux 13 (trixie)',
    });
    expect(hostname1Properties({ ...INFO, staticHostname: '' }, '').find(([k]) => k === 'HostnameSource')![1].value).toBe('transient');
  });
});
