// The hostnamectl front (ts-init invoked as `hostnamectl`): systemd 252's verbs, texts and exit
// codes over the files hostnamed manages (/etc/hostname, /etc/machine-info) and the kernel's
// host name, read and written directly: no hostnamed, no bus.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { hostFacts } from '../boot/host-facts';
import { sethostname } from '../sys/libc';
import {
  chassisOf,
  chassisOfInfo,
  type HostnameInfo,
  hostnamesToSet,
  hostnameStatus,
  iconNameOf,
  staticHostnameOf,
  withMachineInfo,
} from './hostname-settings';
import { EXIT_FAILURE, EXIT_OK, type Io, type OptionSpec, startFront, type VerbSpec } from './settings-cli';
import { errorText, readSetting, writeSetting } from './settings-files';
import { parseEnvironmentFile } from '../exec/environment-file';

export const ETC_HOSTNAME = '/etc/hostname';
export const MACHINE_INFO = '/etc/machine-info';

const OPTIONS: OptionSpec[] = [
  { long: 'help', short: 'h' }, { long: 'version' }, { long: 'no-ask-password' }, { long: 'host', short: 'H', value: true },
  { long: 'machine', short: 'M', value: true }, { long: 'transient' }, { long: 'static' }, { long: 'pretty' }, { long: 'json', value: true },
];

const VERBS: VerbSpec[] = [
  { name: 'status', min: 1, max: 1, isDefault: true },
  { name: 'hostname', min: 1, max: 2 },
  { name: 'set-hostname', min: 2, max: 2 },
  { name: 'icon-name', min: 1, max: 2 },
  { name: 'set-icon-name', min: 2, max: 2 },
  { name: 'chassis', min: 1, max: 2 },
  { name: 'set-chassis', min: 2, max: 2 },
  { name: 'deployment', min: 1, max: 2 },
  { name: 'set-deployment', min: 2, max: 2 },
  { name: 'location', min: 1, max: 2 },
  { name: 'set-location', min: 2, max: 2 },
];

/** The machine-info key and the word systemd uses for each settable property. */
const PROPERTY_VERBS: Record<string, { key: string; word: string }> = {
  'icon-name': { key: 'ICON_NAME', word: 'icon name' },
  chassis: { key: 'CHASSIS', word: 'chassis' },
  deployment: { key: 'DEPLOYMENT', word: 'deployment' },
  location: { key: 'LOCATION', word: 'location' },
};
export const CHASSIS_TYPES = ['desktop', 'laptop', 'convertible', 'server', 'tablet', 'handset', 'watch', 'embedded', 'vm', 'container'];

export function hostnamectlHelp(): string {
  return `hostnamectl [OPTIONS...] COMMAND ...

Query or change system hostname.

Commands:
  status                 Show current hostname settings
  hostname [NAME]        Get/set system hostname
  icon-name [NAME]       Get/set icon name for host
  chassis [NAME]         Get/set chassis type for host
  deployment [NAME]      Get/set deployment environment for host
  location [NAME]        Get/set location for host

Options:
  -h --help              Show this help
     --version           Show package version
     --no-ask-password   Do not prompt for password
     --transient         Only set transient hostname
     --static            Only set static hostname
     --pretty            Only set pretty hostname

ts-init's hostnamectl front: reads and writes ${ETC_HOSTNAME}, ${MACHINE_INFO} and the
kernel's host name directly (no systemd-hostnamed).
`;
}


function readMachineInfo(): Record<string, string> {
  return Object.fromEntries(parseEnvironmentFile(readSetting(MACHINE_INFO) ?? '').vars);
}

const trimmed = (p: string): string | undefined => readSetting(p)?.trim() || undefined;

/** What hostnamed would report of this machine now (hostnamectl's status, hostname1's properties). */
export function readHostnameInfo(): HostnameInfo {
  const facts = hostFacts();
  const os_ = facts.osRelease();
  return {
    staticHostname: staticHostnameOf(readSetting(ETC_HOSTNAME) ?? ''),
    transientHostname: os.hostname(),
    machineInfo: readMachineInfo(),
    chassis: chassisOf(facts.container(), facts.vm(), trimmed('/sys/class/dmi/id/chassis_type')),
    machineId: facts.machineId(),
    bootId: trimmed('/proc/sys/kernel/random/boot_id')?.replace(/-/g, ''),
    virtualization: facts.container() ?? facts.vm(),
    osPrettyName: os_.PRETTY_NAME || os_.NAME,
    cpeName: os_.CPE_NAME,
    kernelName: os.type(),
    kernelRelease: os.release(),
    architecture: facts.architecture(),
    hardwareVendor: trimmed('/sys/class/dmi/id/sys_vendor'),
    hardwareModel: trimmed('/sys/class/dmi/id/product_name'),
    firmwareVersion: trimmed('/sys/class/dmi/id/bios_version'),
  };
}

export function hostnamectl(argv: readonly string[], io: Io): number {
  const chosen = startFront('hostnamectl', argv, io, { options: OPTIONS, verbs: VERBS, help: hostnamectlHelp });
  if (typeof chosen === 'number') return chosen;
  const { has } = chosen;
  const flags = { static: has('static'), transient: has('transient'), pretty: has('pretty') };
  const name = chosen.verb.name.replace(/^set-/, '');
  const value = chosen.args[0];
  if (name === 'status' || (name === 'hostname' && value === undefined)) {
    const info = readHostnameInfo();
    const json = chosen.options.get('json')?.at(-1);
    if (json === 'short' || json === 'pretty') {
      io.out(`${JSON.stringify(jsonOf(info), null, json === 'pretty' ? 8 : undefined)}\n`);
      return EXIT_OK;
    }
    if (name === 'hostname' || flags.static || flags.transient || flags.pretty) {
      // One name: the one asked for (the first of --static, --transient, --pretty), else the transient.
      const one = flags.static ? info.staticHostname : flags.pretty ? (info.machineInfo.PRETTY_HOSTNAME ?? '') : info.transientHostname;
      io.out(`${one}\n`);
      return EXIT_OK;
    }
    io.out(hostnameStatus(info));
    return EXIT_OK;
  }
  if (name === 'hostname') return setHostname(value!, flags, io);
  const prop = PROPERTY_VERBS[name]!;
  if (value === undefined) {
    const info = readHostnameInfo();
    const shown = name === 'icon-name' ? iconNameOf(info) : name === 'chassis' ? chassisOfInfo(info) : (info.machineInfo[prop.key] ?? '');
    io.out(`${shown}\n`);
    return EXIT_OK;
  }
  if (name === 'chassis' && value && !CHASSIS_TYPES.includes(value)) {
    io.err(`Could not set property: Invalid chassis '${value}'\n`);
    return EXIT_FAILURE;
  }
  if (name === 'deployment' && value && !/^[A-Za-z0-9_.-]+$/.test(value)) {
    io.err(`Could not set property: Invalid deployment '${value}'\n`);
    return EXIT_FAILURE;
  }
  return setMachineInfo(prop.key, value, io) ? EXIT_OK : EXIT_FAILURE;
}

/** One /etc/machine-info setting changed (removed when empty; the file too when nothing is left). Throws. */
export function writeMachineInfo(key: string, value: string): void {
  writeSetting(MACHINE_INFO, withMachineInfo(readSetting(MACHINE_INFO) ?? '', key, value), true);
}

/** /etc/hostname set (removed when empty), and the kernel's name made the same where allowed. Throws. */
export function writeStaticHostname(name: string): void {
  writeSetting(ETC_HOSTNAME, name ? `${name}\n` : '', true);
  // hostnamed makes the kernel's name the static one at once.
  if (name) trySethostname(name);
}

/** The static name /etc/hostname holds ('' when none). */
export function currentStaticHostname(): string {
  return staticHostnameOf(readSetting(ETC_HOSTNAME) ?? '');
}

function setMachineInfo(key: string, value: string, io: Io): boolean {
  try {
    writeMachineInfo(key, value);
    return true;
  } catch (err) {
    io.err(`Could not set property: Failed to write ${MACHINE_INFO}: ${errorText(err)}\n`);
    return false;
  }
}

function setHostname(name: string, flags: { static: boolean; transient: boolean; pretty: boolean }, io: Io): number {
  const set = hostnamesToSet(name, flags);
  if (set.pretty !== undefined && !setMachineInfo('PRETTY_HOSTNAME', set.pretty, io)) return EXIT_FAILURE;
  if (set.static !== undefined) {
    try {
      writeStaticHostname(set.static);
    } catch (err) {
      io.err(`Could not set static hostname: Failed to set static hostname: ${errorText(err)}\n`);
      return EXIT_FAILURE;
    }
  }
  if (set.transient !== undefined && set.static === undefined) {
    const current = currentStaticHostname();
    if (current && current !== set.transient) {
      io.err('Hint: static hostname is already set, so the specified transient hostname will not be used.\n');
      return EXIT_OK;
    }
    try {
      sethostname(set.transient);
    } catch (err) {
      io.err(`Could not set transient hostname: ${errorText(err)}\n`);
      return EXIT_FAILURE;
    }
  }
  return EXIT_OK;
}

/** The kernel's name follows the static one where the UTS namespace lets us (hostnamed logs a refusal only). */
function trySethostname(name: string): void {
  try {
    sethostname(name);
  } catch {
    // not permitted here (a container without CAP_SYS_ADMIN in its UTS namespace): the file holds it
  }
}

function jsonOf(i: HostnameInfo): Record<string, string | null> {
  const orNull = (v: string | undefined): string | null => v || null;
  return {
    Hostname: i.transientHostname,
    StaticHostname: orNull(i.staticHostname),
    PrettyHostname: orNull(i.machineInfo.PRETTY_HOSTNAME),
    IconName: iconNameOf(i),
    Chassis: orNull(chassisOfInfo(i)),
    Deployment: orNull(i.machineInfo.DEPLOYMENT),
    Location: orNull(i.machineInfo.LOCATION),
    KernelName: i.kernelName,
    KernelRelease: i.kernelRelease,
    OperatingSystemPrettyName: orNull(i.osPrettyName),
    OperatingSystemCPEName: orNull(i.cpeName),
    HardwareVendor: orNull(i.hardwareVendor),
    HardwareModel: orNull(i.hardwareModel),
    FirmwareVersion: orNull(i.firmwareVersion),
  };
}

export function hostnamectlMain(argv: readonly string[]): void {
  const code = hostnamectl(argv, { out: (s) => fs.writeSync(1, s), err: (s) => fs.writeSync(2, s) });
  process.exitCode = code;
}
