// .timer units with ts-init as PID 1: OnBootSec=, OnActiveSec= and OnCalendar= fire within
// their accuracy, Persistent= catches up a run missed while the container was down (a stamp
// older than the last due elapse) and leaves a recent one alone, a stamp that is a directory
// is said and not used, and systemctl's list-timers, status, start, stop and enable speak of
// timers as systemd 252 does.
import { describe, expect, it } from 'vitest';
import { PINNED_TS_INIT, runAsPid1 } from '../helpers/ts-init';
import { unitDir } from '../helpers/units';

const RICH = { env: { ...process.env, TS_INIT_RICH: '1', TZ: 'UTC' } };
const tick = (name: string): string => `[Unit]\nDescription=${name}\n[Service]\nType=oneshot\nExecStart=/run/bin/tick %n\n`;

const VENDOR: Record<string, string> = {
  'tick.service': tick('tick'),
  'active.service': tick('active'),
  'tock.service': tick('tock'),
  'daily.service': tick('daily'),
  'fresh.service': tick('fresh'),
  'odd.service': tick('odd'),
  'manual.service': tick('manual'),
  'spin.service': tick('spin'),
  'boot.timer': '[Unit]\nDescription=Boot tick\n[Timer]\nOnBootSec=1s\nAccuracySec=1ms\nUnit=tick.service\n[Install]\nWantedBy=timers.target\n',
  'active.timer': '[Timer]\nOnActiveSec=2s\nAccuracySec=200ms\n[Install]\nWantedBy=timers.target\n',
  'cal.timer': '[Timer]\nOnCalendar=*:*:0/2\nAccuracySec=1ms\nUnit=tock.service\n[Install]\nWantedBy=timers.target\n',
  'daily.timer': '[Timer]\nOnCalendar=daily\nPersistent=yes\nAccuracySec=1ms\n[Install]\nWantedBy=timers.target\n',
  'fresh.timer': '[Timer]\nOnCalendar=daily\nPersistent=yes\nAccuracySec=1ms\n[Install]\nWantedBy=timers.target\n',
  'odd.timer': '[Timer]\nOnCalendar=daily\nPersistent=yes\nAccuracySec=1ms\n[Install]\nWantedBy=timers.target\n',
  'manual.timer': '[Timer]\nOnActiveSec=1s\nAccuracySec=1ms\n[Install]\nWantedBy=timers.target\n',
  // Due again as soon as its unit is down: its unit's start limit ends it, never a loop.
  'spin.timer': '[Timer]\nOnActiveSec=0\nOnUnitInactiveSec=0\nAccuracySec=1us\n[Install]\nWantedBy=timers.target\n',
};
const ENABLED = ['boot', 'active', 'cal', 'daily', 'fresh', 'odd', 'spin'];

describe('timer units', () => {
  it('fire within their accuracy, catch up a missed persistent run once, and systemctl shows them', async () => {
    const vendor = unitDir(VENDOR);
    const setup = [
      `cp -r ${vendor}/. /usr/lib/systemd/system/`,
      'mkdir -p /etc/systemd/system/timers.target.wants /run/bin',
      ...ENABLED.map((t) => `ln -s /usr/lib/systemd/system/${t}.timer /etc/systemd/system/timers.target.wants/${t}.timer`),
      `ln -s ${PINNED_TS_INIT} /run/bin/systemctl`,
      `printf '#!/bin/sh\\necho "$1 $(date +%%s.%%N)" >> /run/ticks\\n' > /run/bin/tick && chmod 755 /run/bin/tick`,
      // A private /var/lib: the stamps of a container that last ran daily.timer two days ago,
      // fresh.timer a minute ago, and one whose stamp is a directory.
      'mount -t tmpfs tmpfs /var/lib && mkdir -p /var/lib/systemd/timers',
      "touch -d '2 days ago' /var/lib/systemd/timers/stamp-daily.timer",
      "touch -d '1 minute ago' /var/lib/systemd/timers/stamp-fresh.timer",
      'mkdir /var/lib/systemd/timers/stamp-odd.timer',
      'date +%s.%N > /run/started',
    ].join(' && ');
    const script = [
      'echo "== started"; cat /run/started',
      'sleep 2.6',
      'echo "== list"; systemctl list-timers --all',
      'echo "== list-active"; systemctl list-timers',
      'echo "== status"; systemctl status boot.timer cal.timer',
      'echo "== status-service"; systemctl status daily.service | head -4',
      'echo "== show"; systemctl show -p Unit,Persistent,TimersCalendar,NextElapseUSecRealtime,LastTriggerUSec,SubState daily.timer',
      'echo "== start"; systemctl start manual.timer; systemctl is-active manual.timer',
      'sleep 1.5',
      'echo "== stop"; systemctl stop cal.timer; systemctl is-active cal.timer',
      'echo "== enable"; systemctl enable manual.timer 2>&1; systemctl is-enabled manual.timer',
      'echo "== files"; systemctl list-unit-files --no-legend "*.timer"',
      'sleep 2.2',
      'echo "== stamps"; stat -c "%n %Y" /var/lib/systemd/timers/stamp-daily.timer /var/lib/systemd/timers/stamp-fresh.timer',
      'echo "== ticks"; cat /run/ticks; date +%s.%N',
    ].join('; ');
    const r = await runAsPid1(['--', '/bin/sh', '-c', `PATH=/run/bin:$PATH; ${script}`], RICH, setup);
    expect(r.code, r.stderr).toBe(0);
    const part = (name: string): string => {
      const at = r.stdout.indexOf(`== ${name}\n`);
      const end = r.stdout.indexOf('\n== ', at + 1);
      return r.stdout.slice(at + name.length + 4, end < 0 ? undefined : end + 1);
    };
    const ticks = part('ticks').trim().split('\n');
    const end = Number(ticks.pop());
    const at = (unit: string): number[] => ticks.filter((l) => l.startsWith(`${unit} `)).map((l) => Number(l.split(' ')[1]));
    // The moment PID 1 began is when /run/started was written (just before the exec).
    const started = Number(part('started'));
    // OnBootSec=1s (a container: counted from ts-init's start) fired once, 1 s after the start.
    expect(at('tick.service').length).toBe(1);
    expect(at('tick.service')[0]! - started).toBeGreaterThanOrEqual(0.9);
    expect(at('tick.service')[0]! - started).toBeLessThan(2.5);
    // OnActiveSec=2s with AccuracySec=200ms.
    expect(at('active.service').length).toBe(1);
    expect(at('active.service')[0]! - started).toBeGreaterThanOrEqual(1.9);
    expect(at('active.service')[0]! - started).toBeLessThan(3.5);
    // OnCalendar=*:*:0/2: on even seconds, until stopped (at about 4.1 s), never more than one per elapse.
    const tocks = at('tock.service');
    expect(tocks.length).toBeGreaterThanOrEqual(1);
    expect(tocks.length).toBeLessThanOrEqual(4);
    for (const t of tocks) expect(t % 2).toBeLessThan(0.5);
    for (let i = 1; i < tocks.length; i++) expect(tocks[i]! - tocks[i - 1]!).toBeGreaterThan(1.5);
    // Persistent=: the run missed two days ago is caught up once, at the start; the recent one is not.
    expect(at('daily.service').length).toBe(1);
    expect(at('fresh.service')).toEqual([]);
    expect(at('odd.service')).toEqual([]);
    expect(r.stderr).toMatch(/stamp-odd\.timer is a directory; not used/);
    const stamps = Object.fromEntries(part('stamps').trim().split('\n').map((l) => l.split(' ')));
    expect(Math.abs(Number(stamps['/var/lib/systemd/timers/stamp-daily.timer']) - at('daily.service')[0]!)).toBeLessThan(2);
    expect(Number(stamps['/var/lib/systemd/timers/stamp-fresh.timer'])).toBeLessThan(end - 30);
    // OnUnitInactiveSec=0: the unit ran until its start limit (5 in 10 s), then the timer waits.
    expect(at('spin.service').length).toBe(5);
    expect(r.stderr).toMatch(/spin\.service failed \(Result: start-limit-hit\)/);
    // systemctl start of a timer arms it: manual.service ran about 1 s later.
    expect(part('start')).toBe('active\n');
    expect(at('manual.service').length).toBe(1);
    expect(part('stop')).toBe('inactive\n');
    expect(part('files')).toMatch(/^boot\.timer +enabled/m);
    expect(part('files')).toMatch(/^manual\.timer +enabled/m);
    expect(part('enable')).toMatch(/Created symlink .*timers\.target\.wants\/manual\.timer .*\nenabled\n$/);

    // list-timers: systemd's columns, soonest first, "-" for what there is none of, the footer.
    // (In the last hour of the day, fresh.timer's midnight is minutes away, not hours.)
    const list = part('list').split('\n');
    expect(list[0]).toMatch(/^NEXT +LEFT +LAST +PASSED +UNIT +ACTIVATES$/);
    // LEFT: "ago" (as systemd's list-timers says it) only while the listing is taken in the
    // milliseconds between the elapse and its turn of the event loop.
    expect(list.find((l) => / cal\.timer /.test(l))).toMatch(/^\w{3} \d{4}-\d\d-\d\d \d\d:\d\d:\d[02468] UTC +(\d+(ms|s) left|\d+ms ago) +\w{3} .* UTC +\d+(ms|s) ago +cal\.timer +tock\.service$/);
    expect(list.find((l) => / boot\.timer /.test(l))).toMatch(/^- +- +\w{3} \d{4}-.* UTC +\d+s ago +boot\.timer +tick\.service$/);
    expect(list.find((l) => / fresh\.timer /.test(l))).toMatch(/^\w{3} \d{4}-\d\d-\d\d 00:00:00 UTC +(\d+h( \d+min)?|\d+min|\d+s) left +\w{3} .* UTC +\d+min \d+s ago +fresh\.timer +fresh\.service$/);
    expect(part('list')).toMatch(/\n\n7 timers listed\.\n$/);
    expect(part('list-active')).toMatch(/\n\n\d timers listed\.\nPass --all to see loaded but inactive timers, too\.\n$/);
    const status = part('status');
    expect(status).toMatch(/● boot\.timer - Boot tick\n.*\n +Active: active \(elapsed\) since .*\n +Trigger: n\/a\n +Triggers: ● tick\.service\n/);
    expect(status).toMatch(/● cal\.timer - cal\.timer\n.*\n +Active: active \(waiting\) since .*\n +Trigger: \w{3} \d{4}-.* UTC; \d+(ms|s) left\n +Triggers: ● tock\.service\n/);
    expect(part('status-service')).toMatch(/^○ daily\.service - daily\n +Loaded: .*\n +Active: inactive \(dead\) since .*\nTriggeredBy: ● daily\.timer\n/);
    const show = part('show');
    expect(show).toMatch(/^Unit=daily\.service$/m);
    expect(show).toMatch(/^Persistent=yes$/m);
    expect(show).toMatch(/^TimersCalendar=\{ OnCalendar=\*-\*-\* 00:00:00 ; next_elapse=\w{3} \d{4}-\d\d-\d\d 00:00:00 UTC \}$/m);
    expect(show).toMatch(/^SubState=waiting$/m);
  });
});
