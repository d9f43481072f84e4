// The timedatectl front (ts-init invoked as `timedatectl`): systemd 252's verbs, texts and exit
// codes over the files timedated manages (/etc/localtime, /etc/adjtime; /etc/timezone kept in
// step where the image has one), read and written directly: no timedated, no bus.
import * as fs from 'node:fs';
import { clockSynchronized, strftimeLocal } from '../sys/libc';
import { EXIT_FAILURE, EXIT_OK, type Io, type OptionSpec, startFront, type VerbSpec } from './settings-cli';
import { errorText, readSetting, replaceSymlink, writeSetting } from './settings-files';
import {
  adjtimeWith,
  parseBoolean,
  rtcIsLocal,
  type TimedateInfo,
  timedateProperties,
  timedateStatus,
  timezoneList,
  timezoneNameIsValid,
  ZONEINFO,
  zoneOfLink,
} from './timedate-settings';

export const ETC_LOCALTIME = '/etc/localtime';
export const ETC_TIMEZONE = '/etc/timezone';
export const ETC_ADJTIME = '/etc/adjtime';

const OPTIONS: OptionSpec[] = [
  { long: 'help', short: 'h' }, { long: 'version' }, { long: 'no-pager' }, { long: 'no-ask-password' }, { long: 'host', short: 'H', value: true },
  { long: 'machine', short: 'M', value: true }, { long: 'adjust-system-clock' }, { long: 'monitor' }, { long: 'property', short: 'p', value: true },
  { long: 'all', short: 'a' }, { long: 'value' },
];

const VERBS: VerbSpec[] = [
  { name: 'status', min: 1, max: 1, isDefault: true },
  { name: 'show', min: 1, max: 1 },
  { name: 'set-time', min: 2, max: 2 },
  { name: 'set-timezone', min: 2, max: 2 },
  { name: 'list-timezones', min: 1, max: 1 },
  { name: 'set-local-rtc', min: 2, max: 2 },
  { name: 'set-ntp', min: 2, max: 2 },
  { name: 'timesync-status', min: 1, max: 1 },
  { name: 'show-timesync', min: 1, max: 1 },
];

export function timedatectlHelp(): string {
  return `timedatectl [OPTIONS...] COMMAND ...

Query or change system time and date settings.

Commands:
  status                   Show current time settings
  show                     Show properties of systemd-timedated
  set-time TIME            Set system time
  set-timezone ZONE        Set system time zone
  list-timezones           Show known time zones
  set-local-rtc BOOL       Control whether RTC is in local time
  set-ntp BOOL             Enable or disable network time synchronization

Options:
  -h --help                Show this help message
     --version             Show package version
     --no-pager            Do not pipe output into a pager
     --no-ask-password     Do not prompt for password
  -p --property=NAME       Show only properties by this name
  -a --all                 Show all properties, including empty ones
     --value               When showing properties, only print the value

ts-init's timedatectl front: reads and writes ${ETC_LOCALTIME}, ${ETC_ADJTIME} (and ${ETC_TIMEZONE}
where there is one) directly (no systemd-timedated).
`;
}


function currentZone(): string {
  try {
    return zoneOfLink(fs.readlinkSync(ETC_LOCALTIME)) ?? 'n/a';
  } catch (err) {
    // No link: glibc takes UTC, and so does timedated.
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'Etc/UTC' : 'n/a';
  }
}

/** strftime in the named zone (TZ set for the call, as timedatectl sets it), the caller's TZ kept. */
function inZone<T>(tz: string, f: () => T): T {
  const saved = process.env.TZ;
  process.env.TZ = tz;
  try {
    return f();
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
}

function gatherInfo(): TimedateInfo {
  const zone = currentZone();
  const now = Date.now() / 1000;
  const [localTime, zoneAbbreviation] = inZone(zone === 'n/a' ? 'UTC' : `:${zone}`, () => [
    strftimeLocal('%a %Y-%m-%d %H:%M:%S %Z', now),
    strftimeLocal('%Z, %z', now),
  ]);
  return {
    localTime: localTime!,
    universalTime: inZone('UTC', () => strftimeLocal('%a %Y-%m-%d %H:%M:%S UTC', now)),
    timezone: zone,
    zoneAbbreviation: zoneAbbreviation!,
    synchronized: clockSynchronized(),
    rtcLocal: rtcIsLocal(readSetting(ETC_ADJTIME)),
  };
}

/** A TZif file of the zone database (what timezone_is_valid() asks of the file). */
function zoneInstalled(zone: string): boolean {
  if (!timezoneNameIsValid(zone)) return false;
  try {
    const fd = fs.openSync(`${ZONEINFO}/${zone}`, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      if (!fs.fstatSync(fd).isFile()) return false;
      const head = Buffer.alloc(4);
      return fs.readSync(fd, head, 0, 4, 0) === 4 && head.toString('latin1') === 'TZif';
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

export function timedatectl(argv: readonly string[], io: Io): number {
  const chosen = startFront('timedatectl', argv, io, { options: OPTIONS, verbs: VERBS, help: timedatectlHelp });
  if (typeof chosen === 'number') return chosen;
  const { has } = chosen;
  const arg = chosen.args[0]!;
  switch (chosen.verb.name) {
    case 'status':
      io.out(timedateStatus(gatherInfo()));
      return EXIT_OK;
    case 'show': {
      const wanted = (chosen.options.get('property') ?? []).flatMap((p) => p.split(','));
      const rows = timedateProperties(gatherInfo()).filter(([k]) => wanted.length === 0 || wanted.includes(k));
      io.out(rows.map(([k, v]) => (has('value') ? `${v}\n` : `${k}=${v}\n`)).join(''));
      return EXIT_OK;
    }
    case 'list-timezones':
      io.out(timezoneList(readSetting(`${ZONEINFO}/tzdata.zi`) ?? '').map((z) => `${z}\n`).join(''));
      return EXIT_OK;
    case 'set-timezone':
      return setTimezone(arg, io);
    case 'set-local-rtc': {
      const b = parseBoolean(arg);
      if (b === undefined) {
        io.err(`Failed to parse local RTC setting '${arg}': Invalid argument\n`);
        return EXIT_FAILURE;
      }
      try {
        writeSetting(ETC_ADJTIME, adjtimeWith(readSetting(ETC_ADJTIME), b) ?? '', true);
      } catch (err) {
        io.err(`Failed to set local RTC: ${errorText(err)}\n`);
        return EXIT_FAILURE;
      }
      return EXIT_OK;
    }
    case 'set-ntp':
      if (parseBoolean(arg) === undefined) {
        io.err(`Failed to parse NTP setting '${arg}': Invalid argument\n`);
        return EXIT_FAILURE;
      }
      io.err('Failed to set ntp: NTP not supported\n');
      return EXIT_FAILURE;
    case 'set-time':
      // A container's clock is the host's: the engine never grants CAP_SYS_TIME for it.
      io.err('Failed to set time: Access denied\n');
      return EXIT_FAILURE;
    default:
      io.err('Failed to query server: Could not activate remote peer: systemd-timesyncd is not part of this container.\n');
      return EXIT_FAILURE;
  }
}

function setTimezone(zone: string, io: Io): number {
  if (!zoneInstalled(zone)) {
    io.err(`Failed to set time zone: Invalid or not installed time zone '${zone}'\n`);
    return EXIT_FAILURE;
  }
  try {
    replaceSymlink(ETC_LOCALTIME, `..${ZONEINFO}/${zone}`);
    // Debian's own record of the zone, where the image keeps one: in step with the link.
    if (readSetting(ETC_TIMEZONE) !== undefined) writeSetting(ETC_TIMEZONE, `${zone}\n`);
  } catch (err) {
    io.err(`Failed to set time zone: ${errorText(err)}\n`);
    return EXIT_FAILURE;
  }
  return EXIT_OK;
}

export function timedatectlMain(argv: readonly string[]): void {
  process.exitCode = timedatectl(argv, { out: (s) => fs.writeSync(1, s), err: (s) => fs.writeSync(2, s) });
}
