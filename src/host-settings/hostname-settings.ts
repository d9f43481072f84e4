// The host's names as hostnamectl (systemd 252) reads, checks and shows them: the static name
// (/etc/hostname), the transient one (the kernel's, sethostname(2)), the pretty one and the other
// machine-info settings (/etc/machine-info), and the status table. Pure.
import { assignment, fieldTable } from './settings-cli';

export const HOST_NAME_MAX = 64;

const ldh = (c: string): boolean => /^[A-Za-z0-9-]$/.test(c);

/** systemd's hostname_is_valid(): LDH labels, no empty label, no hyphen at a label's edge, ≤ 64. */
export function hostnameIsValid(s: string, trailingDot = false): boolean {
  if (!s) return false;
  let dot = true;
  let hyphen = true;
  let dots = 0;
  for (const c of s) {
    if (c === '.') {
      if (dot || hyphen) return false;
      dot = true;
      hyphen = false;
      dots++;
    } else if (c === '-') {
      if (dot) return false;
      dot = false;
      hyphen = true;
    } else {
      if (!ldh(c)) return false;
      dot = false;
      hyphen = false;
    }
  }
  if (dot && (dots < 2 || !trailingDot)) return false;
  if (hyphen) return false;
  return s.length <= HOST_NAME_MAX;
}

/** systemd's hostname_cleanup(): what is left of a free-form name as a host name ("Foo Bar" → "FooBar"). */
export function hostnameCleanup(s: string): string {
  let out = '';
  let dot = true;
  let hyphen = true;
  for (const c of s.slice(0, HOST_NAME_MAX)) {
    if (out.length >= HOST_NAME_MAX) break;
    if (c === '.') {
      if (dot || hyphen) continue;
      out += '.';
      dot = true;
      hyphen = false;
    } else if (c === '-') {
      if (dot) continue;
      out += '-';
      dot = false;
      hyphen = true;
    } else if (ldh(c)) {
      out += c;
      dot = false;
      hyphen = false;
    }
  }
  return out.replace(/[-.]+$/, '');
}

/** /etc/hostname's name: the first line that is not a comment, trimmed ('' when there is none). */
export function staticHostnameOf(text: string): string {
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t && !t.startsWith('#')) return t;
  }
  return '';
}

/** The chassis systemd derives from the virtualization, else from the firmware's chassis type. */
export function chassisOf(container: string | undefined, vm: string | undefined, dmiChassisType: string | undefined): string {
  if (container) return 'container';
  if (vm) return 'vm';
  const t = Number.parseInt(dmiChassisType ?? '', 10);
  if ([3, 4, 6, 7, 13, 24].includes(t)) return 'desktop';
  if ([8, 9, 10, 14].includes(t)) return 'laptop';
  if ([11].includes(t)) return 'handset';
  if ([17, 23, 28, 29].includes(t)) return 'server';
  if ([30].includes(t)) return 'tablet';
  if ([31, 32].includes(t)) return 'convertible';
  return '';
}

const CHASSIS_GLYPH: Record<string, string> = {
  laptop: '💻', convertible: '💻', desktop: '🖥️', server: '🖳', tablet: '具', watch: '⌚', handset: '🕻', vm: '🖴', container: '☐',
};

export interface HostnameInfo {
  staticHostname: string;
  transientHostname: string;
  /** /etc/machine-info's settings (PRETTY_HOSTNAME, ICON_NAME, CHASSIS, DEPLOYMENT, LOCATION). */
  machineInfo: Readonly<Record<string, string>>;
  /** The chassis derived from the machine, when machine-info names none. */
  chassis: string;
  machineId?: string;
  bootId?: string;
  virtualization?: string;
  osPrettyName?: string;
  cpeName?: string;
  kernelName: string;
  kernelRelease: string;
  architecture: string;
  hardwareVendor?: string;
  hardwareModel?: string;
  firmwareVersion?: string;
}

export function chassisOfInfo(i: HostnameInfo): string {
  return i.machineInfo.CHASSIS || i.chassis;
}

export function iconNameOf(i: HostnameInfo): string {
  const chassis = chassisOfInfo(i);
  return i.machineInfo.ICON_NAME || (chassis ? `computer-${chassis}` : 'computer');
}

/** `hostnamectl status` as systemd 252 prints it. */
export function hostnameStatus(i: HostnameInfo): string {
  const rows: Array<[string, string]> = [];
  const add = (label: string, value: string | undefined): void => {
    if (value) rows.push([label, value]);
  };
  rows.push(['Static hostname:', i.staticHostname || 'n/a']);
  const pretty = i.machineInfo.PRETTY_HOSTNAME;
  if (pretty && pretty !== i.staticHostname) rows.push(['Pretty hostname:', pretty]);
  if (i.transientHostname && i.transientHostname !== i.staticHostname) rows.push(['Transient hostname:', i.transientHostname]);
  add('Icon name:', iconNameOf(i));
  const chassis = chassisOfInfo(i);
  add('Chassis:', chassis && CHASSIS_GLYPH[chassis] ? `${chassis} ${CHASSIS_GLYPH[chassis]}` : chassis);
  add('Deployment:', i.machineInfo.DEPLOYMENT);
  add('Location:', i.machineInfo.LOCATION);
  add('Machine ID:', i.machineId);
  add('Boot ID:', i.bootId);
  add('Virtualization:', i.virtualization);
  add('Operating System:', i.osPrettyName);
  add('CPE OS Name:', i.cpeName);
  add('Kernel:', i.kernelName && i.kernelRelease ? `${i.kernelName} ${i.kernelRelease}` : undefined);
  add('Architecture:', i.architecture);
  add('Hardware Vendor:', i.hardwareVendor);
  add('Hardware Model:', i.hardwareModel);
  add('Firmware Version:', i.firmwareVersion);
  return fieldTable(rows);
}

/** The names one `hostnamectl set-hostname NAME` sets, by the flags given (none: all three, as 252). */
export function hostnamesToSet(
  name: string,
  flags: { static: boolean; transient: boolean; pretty: boolean },
): { pretty?: string; static?: string; transient?: string } {
  const implicit = !flags.static && !flags.transient && !flags.pretty;
  const out: { pretty?: string; static?: string; transient?: string } = {};
  // A valid name given with no flag: no pretty name (it would say the same), the name itself as the others.
  if (flags.pretty || implicit) out.pretty = implicit && hostnameIsValid(name, true) ? '' : name;
  const cleaned = hostnameCleanup(name);
  if (flags.static || implicit) out.static = cleaned;
  if (flags.transient || implicit) out.transient = cleaned;
  return out;
}

/** machine-info with one setting changed (removed when empty), other lines kept. */
export function withMachineInfo(text: string, key: string, value: string): string {
  const lines = text.split('\n').filter((l, k, all) => !(k === all.length - 1 && l === ''));
  const re = new RegExp(`^\\s*${key}=`);
  const kept = lines.filter((l) => !re.test(l));
  if (value) kept.push(assignment(key, value));
  return kept.length ? `${kept.join('\n')}\n` : '';
}
