// org.freedesktop.hostname1 on the bus, over the same files as the hostnamectl front
// (host-settings/): with it, the image's own hostnamectl (systemd's, which asks hostnamed over
// the bus) and Ansible's hostname module work under ts-init. The properties are systemd 252's
// hostnamed's; the setters change the files and are root's only (systemd would ask polkit).
import * as os from 'node:os';
import { chassisOfInfo, type HostnameInfo, hostnameIsValid, iconNameOf } from '../host-settings/hostname-settings';
import {
  CHASSIS_TYPES,
  currentStaticHostname,
  readHostnameInfo,
  writeMachineInfo,
  writeStaticHostname,
} from '../host-settings/hostnamectl';
import { errorText } from '../host-settings/settings-files';
import { sethostname } from '../sys/libc';
import type { InterfaceSpec, MethodSpec } from './introspection';
import { variant, type Variant } from './wire';

export const HOSTNAME1_NAME = 'org.freedesktop.hostname1';
export const HOSTNAME1_PATH = '/org/freedesktop/hostname1';
export const HOSTNAME1_IFACE = 'org.freedesktop.hostname1';

const SETTERS = ['SetHostname', 'SetStaticHostname', 'SetPrettyHostname', 'SetIconName', 'SetChassis', 'SetDeployment', 'SetLocation'];
const METHODS: readonly MethodSpec[] = SETTERS.map((name) => ({ name, in: 'sb', out: '' }));
const PROPERTY_NAMES = [
  'Hostname', 'StaticHostname', 'PrettyHostname', 'DefaultHostname', 'HostnameSource', 'IconName', 'Chassis', 'Deployment', 'Location',
  'KernelName', 'KernelRelease', 'KernelVersion', 'OperatingSystemPrettyName', 'OperatingSystemCPEName', 'OperatingSystemHomeURL',
  'HardwareVendor', 'HardwareModel', 'FirmwareVersion',
];

export const HOSTNAME1_INTERFACE: InterfaceSpec = {
  name: HOSTNAME1_IFACE,
  methods: METHODS,
  properties: PROPERTY_NAMES.map((name) => ({ name, sig: 's', value: '' })),
};

/** hostname1's properties of a machine, as hostnamed 252 gives them. Pure. */
export function hostname1Properties(i: HostnameInfo, kernelVersion: string, homeUrl = ''): Array<[string, Variant]> {
  const values: Record<string, string> = {
    Hostname: i.transientHostname,
    StaticHostname: i.staticHostname,
    PrettyHostname: i.machineInfo.PRETTY_HOSTNAME ?? '',
    DefaultHostname: 'localhost',
    HostnameSource: i.staticHostname ? 'static' : 'transient',
    IconName: iconNameOf(i),
    Chassis: chassisOfInfo(i),
    Deployment: i.machineInfo.DEPLOYMENT ?? '',
    Location: i.machineInfo.LOCATION ?? '',
    KernelName: i.kernelName,
    KernelRelease: i.kernelRelease,
    KernelVersion: kernelVersion,
    OperatingSystemPrettyName: i.osPrettyName ?? '',
    OperatingSystemCPEName: i.cpeName ?? '',
    OperatingSystemHomeURL: homeUrl,
    HardwareVendor: i.hardwareVendor ?? '',
    HardwareModel: i.hardwareModel ?? '',
    FirmwareVersion: i.firmwareVersion ?? '',
  };
  return PROPERTY_NAMES.map((n) => [n, variant('s', values[n] ?? '')]);
}

export function readHostname1Properties(): Array<[string, Variant]> {
  return hostname1Properties(readHostnameInfo(), os.version());
}

/** A setter's failure, as hostnamed names it (its errno as System.Error.E..., or InvalidArgs). */
export class Hostname1Error extends Error {
  constructor(
    readonly errorName: string,
    message: string,
  ) {
    super(message);
  }
}

const MACHINE_INFO_KEYS: Record<string, string> = {
  SetPrettyHostname: 'PRETTY_HOSTNAME', SetIconName: 'ICON_NAME', SetChassis: 'CHASSIS', SetDeployment: 'DEPLOYMENT', SetLocation: 'LOCATION',
};

const INVALID = 'org.freedesktop.DBus.Error.InvalidArgs';

function systemError(err: unknown, what: string): Hostname1Error {
  const code = (err as NodeJS.ErrnoException).code;
  return new Hostname1Error(code ? `System.Error.${code}` : 'org.freedesktop.DBus.Error.Failed', `${what}: ${errorText(err)}`);
}

/** Carries out a setter (the caller has checked that it is root's). Throws Hostname1Error. */
export function hostname1Call(member: string, value: string): void {
  if (member === 'SetHostname') {
    if (value && !hostnameIsValid(value)) throw new Hostname1Error(INVALID, `Invalid hostname '${value}'`);
    // The static name wins: the transient one is used only while there is none.
    if (currentStaticHostname()) return;
    try {
      sethostname(value || 'localhost');
    } catch (err) {
      throw systemError(err, 'Failed to set hostname');
    }
    return;
  }
  if (member === 'SetStaticHostname') {
    if (value && !hostnameIsValid(value)) throw new Hostname1Error(INVALID, `Invalid static hostname '${value}'`);
    try {
      writeStaticHostname(value);
    } catch (err) {
      throw systemError(err, 'Failed to set static hostname');
    }
    return;
  }
  const key = MACHINE_INFO_KEYS[member];
  if (!key) throw new Hostname1Error('org.freedesktop.DBus.Error.UnknownMethod', `Unknown method ${member}.`);
  if (member === 'SetChassis' && value && !CHASSIS_TYPES.includes(value)) throw new Hostname1Error(INVALID, `Invalid chassis '${value}'`);
  if (/[\n\0]/.test(value)) throw new Hostname1Error(INVALID, `Invalid value '${value}'`);
  try {
    writeMachineInfo(key, value);
  } catch (err) {
    throw systemError(err, 'Failed to write machine info');
  }
}
