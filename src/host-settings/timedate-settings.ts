// The time settings as timedatectl (systemd 252) reads, checks and shows them: the zone from
// /etc/localtime's link, the zone names systemd knows (tzdata.zi), whether the RTC keeps local
// time (/etc/adjtime's third line), and the status and `show` texts. Pure.
import { fieldTable } from './settings-cli';

export const ZONEINFO = '/usr/share/zoneinfo';

/** The zone an /etc/localtime link names ("../usr/share/zoneinfo/Europe/Berlin" → "Europe/Berlin"). */
export function zoneOfLink(target: string | undefined): string | undefined {
  if (target === undefined) return undefined;
  const m = /(?:^|\/)zoneinfo\/(.+)$/.exec(target);
  return m?.[1];
}

/** systemd's timezone_is_valid() on the name alone (the file must also be a TZif file). */
export function timezoneNameIsValid(name: string): boolean {
  if (!name || name.startsWith('/') || name.endsWith('/') || name.length > 255) return false;
  if (!/^[A-Za-z0-9/_+.-]+$/.test(name)) return false;
  return name.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

/** The zone names of tzdata.zi (zones and links), with UTC, sorted as strcmp sorts them. */
export function timezoneList(tzdataZi: string): string[] {
  const zones = new Set<string>(['UTC']);
  for (const line of tzdataZi.split('\n')) {
    const f = line.trim().split(/\s+/);
    const type = f[0]?.[0];
    if (type === 'Z' || type === 'z') {
      if (f[1]) zones.add(f[1]);
    } else if (type === 'L' || type === 'l') {
      if (f[2]) zones.add(f[2]);
    }
  }
  return [...zones].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Whether /etc/adjtime says the RTC keeps local time. */
export function rtcIsLocal(adjtime: string | undefined): boolean {
  return (adjtime ?? '').split('\n')[2]?.trim() === 'LOCAL';
}

/** /etc/adjtime with the RTC's mode set; undefined: remove the file (it says nothing but the default). */
export function adjtimeWith(adjtime: string | undefined, local: boolean): string | undefined {
  const lines = (adjtime ?? '').split('\n');
  const first = lines[0]?.trim() ? lines[0]! : '0.0 0 0';
  const second = lines[1]?.trim() ? lines[1]! : '0';
  if (!local && first === '0.0 0 0' && second === '0') return undefined;
  return `${first}\n${second}\n${local ? 'LOCAL' : 'UTC'}\n`;
}

export interface TimedateInfo {
  /** "Mon 2026-12-07 14:56:19 CET", as strftime's "%a %Y-%m-%d %H:%M:%S %Z" in the zone. */
  localTime: string;
  universalTime: string;
  timezone: string;
  /** "CET, +0100" (strftime's "%Z, %z" in the zone). */
  zoneAbbreviation: string;
  synchronized: boolean;
  rtcLocal: boolean;
}

const RTC_LOCAL_WARNING = `
Warning: The system is configured to read the RTC time in the local time zone.
         This mode cannot be fully supported. It will create various problems
         with time zone changes and daylight saving time adjustments. The RTC
         time is never updated, it relies on external facilities to maintain it.
         If at all possible, use RTC in UTC by calling
         'timedatectl set-local-rtc 0'.
`;

/** `timedatectl status` as systemd 252 prints it in a container (no RTC, no NTP service). */
export function timedateStatus(i: TimedateInfo): string {
  const text = fieldTable([
    ['Local time:', i.localTime],
    ['Universal time:', i.universalTime],
    ['RTC time:', 'n/a'],
    ['Time zone:', `${i.timezone} (${i.zoneAbbreviation})`],
    ['System clock synchronized:', i.synchronized ? 'yes' : 'no'],
    ['NTP service:', 'n/a'],
    ['RTC in local TZ:', i.rtcLocal ? 'yes' : 'no'],
  ]);
  return i.rtcLocal ? text + RTC_LOCAL_WARNING : text;
}

/** `timedatectl show`'s properties, in systemd's order. */
export function timedateProperties(i: TimedateInfo): Array<[string, string]> {
  return [
    ['Timezone', i.timezone],
    ['LocalRTC', i.rtcLocal ? 'yes' : 'no'],
    ['CanNTP', 'no'],
    ['NTP', 'no'],
    ['NTPSynchronized', i.synchronized ? 'yes' : 'no'],
    ['TimeUSec', i.localTime],
  ];
}

/** systemd's parse_boolean(). */
export function parseBoolean(s: string): boolean | undefined {
  const v = s.toLowerCase();
  if (['1', 'yes', 'y', 'true', 't', 'on'].includes(v)) return true;
  if (['0', 'no', 'n', 'false', 'f', 'off'].includes(v)) return false;
  return undefined;
}
