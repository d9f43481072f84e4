import { describe, expect, it } from 'vitest';
import {
  adjtimeWith,
  parseBoolean,
  rtcIsLocal,
  type TimedateInfo,
  timedateStatus,
  timezoneList,
  timezoneNameIsValid,
  zoneOfLink,
} from '../../../src/host-settings/timedate-settings';

const INFO: TimedateInfo = {
  localTime: 'Mon 2026-12-07 14:56:19 CET',
  universalTime: 'Mon 2026-12-07 13:56:19 UTC',
  timezone: 'Europe/Berlin',
  zoneAbbreviation: 'CET, +0100',
  synchronized: false,
  rtcLocal: false,
};

describe('time settings as timedatectl reads and shows them', () => {
  it('takes the zone from the /etc/localtime link', () => {
    expect(zoneOfLink('../usr/share/zoneinfo/Europe/Berlin')).toBe('Europe/Berlin');
    expect(zoneOfLink('/usr/share/zoneinfo/Etc/UTC')).toBe('Etc/UTC');
    expect(zoneOfLink('/somewhere/else')).toBeUndefined();
    expect(zoneOfLink(undefined)).toBeUndefined();
  });

  it('refuses zone names that could leave the zone database', () => {
    for (const ok of ['UTC', 'Europe/Berlin', 'Etc/GMT+1', 'America/Argentina/Buenos_Aires']) expect(timezoneNameIsValid(ok), ok).toBe(true);
    for (const bad of ['', '/etc/passwd', '../x', 'Europe/../../etc', 'a//b', 'a b', 'Europe/']) expect(timezoneNameIsValid(bad), bad).toBe(false);
  });

  it('lists tzdata.zi zones and links with UTC, sorted as strcmp', () => {
    const zi = '# version\nR EU 1981 ma - Mar lSu 1u 1 S\nZ Europe/Berlin 0:53:28 - LMT 1893 Ap\nL Europe/Berlin Arctic/Longyearbyen\nZ Etc/UTC 0 - UTC\nL Etc/UTC Zulu\n';
    expect(timezoneList(zi)).toEqual(['Arctic/Longyearbyen', 'Etc/UTC', 'Europe/Berlin', 'UTC', 'Zulu']);
    expect(timezoneList('')).toEqual(['UTC']);
  });

  it("reads and writes /etc/adjtime's RTC mode", () => {
    expect(rtcIsLocal('0.0 0 0\n0\nLOCAL\n')).toBe(true);
    expect(rtcIsLocal(undefined)).toBe(false);
    expect(adjtimeWith(undefined, true)).toBe('0.0 0 0\n0\nLOCAL\n');
    expect(adjtimeWith('0.0 0 0\n0\nLOCAL\n', false)).toBeUndefined();
    expect(adjtimeWith('1.5 0 0\n0\nLOCAL\n', false)).toBe('1.5 0 0\n0\nUTC\n');
  });

  it("prints systemd 252's status, and its warning for an RTC in local time", () => {
    expect(timedateStatus(INFO)).toBe(
      [
        '               Local time: Mon 2026-12-07 14:56:19 CET',
        '           Universal time: Mon 2026-12-07 13:56:19 UTC',
        '                 RTC time: n/a',
        '                Time zone: Europe/Berlin (CET, +0100)',
        'System clock synchronized: no',
        '              NTP service: n/a',
        '          RTC in local TZ: no',
        '',
      ].join('\n'),
    );
    const local = timedateStatus({ ...INFO, rtcLocal: true });
    expect(local).toContain('          RTC in local TZ: yes\n\nWarning: The system is configured to read the RTC time in the local time zone.\n');
    expect(local.endsWith("         'timedatectl set-local-rtc 0'.\n")).toBe(true);
  });

  it("parses booleans as systemd's parse_boolean", () => {
    expect(['1', 'yes', 'on', 'TRUE'].map(parseBoolean)).toEqual([true, true, true, true]);
    expect(['0', 'no', 'off', 'f'].map(parseBoolean)).toEqual([false, false, false, false]);
    expect(parseBoolean('maybe')).toBeUndefined();
  });
});
