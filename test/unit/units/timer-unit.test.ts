import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildUnit } from '../../../src/units/build-unit';
import { formatCalendar } from '../../../src/units/calendar';
import { loadUnits } from '../../../src/units/load';
import { parseUnitText } from '../../../src/units/syntax';
import { tempDir } from '../../helpers/temp-dir';

const build = (text: string, name = 'x.timer') => buildUnit(name, parseUnitText(text, `/u/${name}`), [], { hostname: 'box' });

// Debian 12's and 13's own timer units, as their packages ship them.
const DEBIAN: Record<string, string> = {
  'apt-daily.timer': '[Unit]\nDescription=Daily apt download activities\n\n[Timer]\nOnCalendar=*-*-* 6,18:00\nRandomizedDelaySec=12h\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n',
  'apt-daily-upgrade.timer': '[Unit]\nDescription=Daily apt upgrade and clean activities\nAfter=apt-daily.timer\n\n[Timer]\nOnCalendar=*-*-* 6:00\nRandomizedDelaySec=60m\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n',
  'logrotate.timer': '[Unit]\nDescription=Daily rotation of log files\nDocumentation=man:logrotate(8) man:logrotate.conf(5)\n\n[Timer]\nOnCalendar=daily\nAccuracySec=1h\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n',
  'man-db.timer': '[Unit]\nDescription=Daily man-db regeneration\nDocumentation=man:mandb(8)\n\n[Timer]\nOnCalendar=daily\nRandomizedDelaySec=12h\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n',
  'dpkg-db-backup.timer': '[Unit]\nDescription=Daily dpkg database backup timer\nDocumentation=man:dpkg(1)\n\n[Timer]\nOnCalendar=daily\nAccuracySec=1h\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n',
  'e2scrub_all.timer': '[Unit]\nDescription=Periodic ext4 Online Metadata Check for All Filesystems\nConditionPathExists=!/etc/e2scrub.conf\n\n[Timer]\n# Run at 3:10 every Sunday\nOnCalendar=Sun *-*-* 03:10:00\nRandomizedDelaySec=60\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n',
  'phpsessionclean.timer': '[Unit]\nDescription=Clean PHP session files every 30 mins\n\n[Timer]\nOnCalendar=*-*-* *:09,39:00\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n',
  'sysstat-collect.timer': '[Unit]\nDescription=Run system activity accounting tool every 10 minutes\n\n[Timer]\nOnCalendar=*:00/10\n\n[Install]\nWantedBy=sysstat.service\n',
  'fstrim.timer': '[Unit]\nDescription=Discard unused filesystem blocks once a week\nDocumentation=man:fstrim\nConditionVirtualization=!container\nConditionPathExists=!/etc/initrd-release\n\n[Timer]\nOnCalendar=weekly\nAccuracySec=1h\nPersistent=true\nRandomizedDelaySec=100min\n\n[Install]\nWantedBy=timers.target\n',
};

describe('timer units as they are loaded', () => {
  it("Debian's own timers load without a word, with their values", () => {
    for (const [name, text] of Object.entries(DEBIAN)) {
      const r = build(text, name);
      expect(r.diagnostics, name).toEqual([]);
      expect(r.loadable, name).toBe(true);
      expect(r.unit.kind).toBe('timer');
    }
    const apt = build(DEBIAN['apt-daily.timer']!, 'apt-daily.timer').unit.timer!;
    expect(apt).toMatchObject({ persistent: true, randomizedDelayMs: 12 * 3600_000, accuracyMs: 60_000, remainAfterElapse: true });
    expect(apt.values.map((v) => ('spec' in v ? formatCalendar(v.spec) : v))).toEqual(['*-*-* 06,18:00:00']);
    expect(build(DEBIAN['logrotate.timer']!, 'logrotate.timer').unit.timer!.accuracyMs).toBe(3600_000);
  });

  it('each value setting adds to the list; an empty one clears it; the flags', () => {
    const t = build('[Timer]\nOnBootSec=15min\nOnUnitActiveSec=1d\nOnCalendar=hourly\nUnit=other.service\nFixedRandomDelay=yes\nRemainAfterElapse=no\nOnClockChange=yes\nOnTimezoneChange=yes\nWakeSystem=yes\n').unit.timer!;
    expect(t.values.map((v) => v.base)).toEqual(['OnBootSec', 'OnUnitActiveSec', 'OnCalendar']);
    expect(t.values[0]).toEqual({ base: 'OnBootSec', ms: 900_000 });
    expect(t).toMatchObject({ unit: 'other.service', fixedRandomDelay: true, remainAfterElapse: false, onClockChange: true, onTimezoneChange: true, wakeSystem: true });
    expect(build('[Timer]\nOnBootSec=1\nOnCalendar=\nOnActiveSec=5\n').unit.timer!.values).toEqual([{ base: 'OnActiveSec', ms: 5000 }]);
  });

  it('bad input: a malformed or impossible calendar expression is a warning with its line and is ignored; no value left refuses the timer', () => {
    for (const bad of ['Feb 30', 'bogus', '*-*-* 25:00', '*:0/0']) {
      const r = build(`[Timer]\nOnCalendar=${bad}\n`);
      expect(r.diagnostics[0]).toMatchObject({ file: '/u/x.timer', line: 2, severity: 'warning' });
      expect(r.diagnostics[0]!.message).toMatch(/^OnCalendar: cannot parse calendar specification/);
      expect(r.loadable).toBe(false);
      expect(r.diagnostics.at(-1)!.message).toBe('timer unit lacks value setting; refusing');
    }
    expect(build('[Timer]\nOnCalendar=Feb 30\nOnCalendar=daily\n').loadable).toBe(true);
    expect(build('[Timer]\nOnActiveSec=soon\n').loadable).toBe(false);
    expect(build('[Timer]\nOnActiveSec=1\nUnit=other.timer\n').loadable).toBe(false);
    // A huge repetition is refused by the parser, never a loop.
    expect(build(`[Timer]\nOnCalendar=*-*-* *:*:${'0/1,'.repeat(300)}0\n`).loadable).toBe(false);
  });

  it("loading: a timer pulls in its unit, is ordered before it and timers.target, after the clock's targets when it counts by the calendar", () => {
    const root = tempDir('ts-init-timer-');
    const sys = path.join(root, 'lib/systemd/system');
    fs.mkdirSync(path.join(root, 'etc/systemd/system/timers.target.wants'), { recursive: true });
    fs.mkdirSync(sys, { recursive: true });
    fs.writeFileSync(path.join(sys, 'logrotate.timer'), DEBIAN['logrotate.timer']!);
    fs.writeFileSync(path.join(sys, 'logrotate.service'), '[Service]\nType=oneshot\nExecStart=/usr/sbin/logrotate /etc/logrotate.conf\n');
    fs.writeFileSync(path.join(sys, 'boot.timer'), '[Timer]\nOnBootSec=1h\nUnit=logrotate.service\n');
    fs.symlinkSync('/lib/systemd/system/logrotate.timer', path.join(root, 'etc/systemd/system/timers.target.wants/logrotate.timer'));
    fs.symlinkSync('/lib/systemd/system/boot.timer', path.join(root, 'etc/systemd/system/timers.target.wants/boot.timer'));
    const r = loadUnits({ unitDirs: [], systemDirs: ['/etc/systemd/system', '/lib/systemd/system'], targets: ['default.target'], hostname: 'box', root });
    expect(r.diagnostics).toEqual([]);
    expect(r.units.get('logrotate.timer')).toMatchObject({
      requires: ['sysinit.target'],
      after: ['sysinit.target', 'time-set.target', 'time-sync.target'],
      before: ['timers.target', 'logrotate.service'],
      timer: { unit: 'logrotate.service' },
    });
    expect(r.units.get('boot.timer')!.after).toEqual(['sysinit.target']);
    expect(r.units.has('logrotate.service')).toBe(true);
    expect(r.enabled.has('logrotate.service')).toBe(false);
  });

  it('a thousand timers and their services load (the time is printed; the bench holds the target)', () => {
    const root = tempDir('ts-init-timers-');
    const units = path.join(root, 'etc/ts-init/units');
    fs.mkdirSync(units, { recursive: true });
    for (let i = 0; i < 1000; i++) {
      fs.writeFileSync(path.join(units, `job${i}.timer`), `[Timer]\nOnCalendar=*-*-* ${i % 24}:${i % 60}:00\nRandomizedDelaySec=1h\nPersistent=true\n`);
      fs.writeFileSync(path.join(units, `job${i}.service`), '[Service]\nType=oneshot\nExecStart=/bin/true\n');
    }
    const t0 = performance.now();
    const r = loadUnits({ unitDirs: ['/etc/ts-init/units'], systemDirs: [], targets: [], hostname: 'box', root });
    const ms = performance.now() - t0;
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect([...r.units.keys()].filter((n) => n.endsWith('.timer')).length).toBe(1000);
    console.log(`1000 timers and 1000 services loaded in ${ms.toFixed(0)} ms`);
  });
});
