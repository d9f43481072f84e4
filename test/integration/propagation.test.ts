// How units reach each other under ts-init as PID 1, as under systemd: PartOf= and
// ReloadPropagatedFrom= (Debian's postgresql and its clusters), BindsTo=, Upholds=, a
// service's own .wants/ (Debian 13's ssh.service.wants/sshd-keygen.service), a forking daemon
// that moves to a new main process (nginx's binary upgrade), GuessMainPID=, and
// `systemctl disable` of a SysV-only service. Each runs in the namespace's private systemd
// directories, driven by systemctl from the CMD; "@ ..." lines are the CMD's answers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAsPid1, TS_INIT } from '../helpers/ts-init';
import { tempDir } from '../helpers/temp-dir';
import { placeFiles } from '../helpers/place-files';

const RICH = { env: { ...process.env, TS_INIT_RICH: '1' } };
const ETC = '/etc/systemd/system';
const VENDOR = '/usr/lib/systemd/system';

let bin: string;
beforeAll(() => {
  bin = tempDir('ts-init-bin-');
  fs.symlinkSync(TS_INIT, path.join(bin, 'systemctl'));
});

/** Polls a shell test for up to 10 s (a loaded machine is slow), then goes on either way. */
const WAITFOR = 'waitfor() { i=0; while [ $i -lt 200 ]; do if eval "$1"; then return 0; fi; sleep 0.05; i=$((i+1)); done; echo "@ timed out: $1"; return 1; }';

const enabled = (name: string, dir = ETC) => ({ [`${ETC}/multi-user.target.wants/${name}`]: `->${dir}/${name}` });

/** Runs the CMD lines in the namespace with the files in place; returns the "@ " answers. */
async function session(files: Record<string, string>, lines: string[], extraSetup = ''): Promise<{ answers: string[]; stdout: string; stderr: string }> {
  // The extra setup first: it may hide directories the files go into.
  const setup = [extraSetup, placeFiles(files)].filter(Boolean).join(' && ');
  const script = [`PATH=${bin}:$PATH`, WAITFOR, ...lines].join('\n');
  const r = await runAsPid1(['-v', '--', '/bin/sh', '-c', script], RICH, setup);
  expect(r.code, r.stderr).toBe(0);
  if (process.env.PROPAGATION_DEBUG) console.log(r.stdout, r.stderr);
  const answers = r.stdout.split('\n').filter((l) => l.startsWith('@ ')).map((l) => l.slice(2));
  return { answers, stdout: r.stdout, stderr: r.stderr };
}

describe('PartOf= and ReloadPropagatedFrom= (a postgresql-like pair)', () => {
  it('restart, reload and stop of the umbrella reach the cluster; start brings it back through its .wants/', async () => {
    const { answers } = await session(
      {
        [`${ETC}/postgresql.service`]: '[Unit]\nDescription=PostgreSQL RDBMS\n[Service]\nType=oneshot\nExecStart=/bin/true\nExecReload=/bin/true\nRemainAfterExit=on\n[Install]\nWantedBy=multi-user.target\n',
        [`${ETC}/postgresql@.service`]:
          '[Unit]\nDescription=PostgreSQL Cluster %i\nPartOf=postgresql.service\nReloadPropagatedFrom=postgresql.service\nBefore=postgresql.service\n' +
          `[Service]\nExecStart=/bin/sh -c "trap 'echo reloaded >> /run/pg-%i.log' HUP; echo $$$$ > /run/pg-%i.serving; while :; do sleep 0.05; done"\nExecReload=/bin/kill -HUP $MAINPID\n`,
        ...enabled('postgresql.service'),
        // As Debian's postgresql generator links the clusters: from the umbrella's own .wants/.
        [`${ETC}/postgresql.service.wants/postgresql@15-main.service`]: `->${ETC}/postgresql@.service`,
        // A target has no reload of its own, but passes one on.
        [`${ETC}/db.target`]: '[Unit]\nPropagatesReloadTo=postgresql@15-main.service\n',
        ...enabled('db.target'),
      },
      [
        'waitfor "test -s /run/pg-15-main.serving"',
        'P1=$(systemctl show -p MainPID --value postgresql@15-main)',
        'echo "@ booted $(systemctl is-active postgresql) $(systemctl is-active postgresql@15-main) $([ "$P1" = "$(cat /run/pg-15-main.serving)" ] && echo same-pid)"',
        'systemctl reload postgresql',
        'waitfor "grep -q reloaded /run/pg-15-main.log 2>/dev/null" && echo "@ reload reached the cluster"',
        'rm /run/pg-15-main.serving',
        'systemctl restart postgresql',
        'waitfor "test -s /run/pg-15-main.serving"',
        'waitfor "[ \\"\\$(systemctl is-active postgresql@15-main)\\" = active ]"',
        'P2=$(systemctl show -p MainPID --value postgresql@15-main)',
        'echo "@ restarted $([ "$P2" != "$P1" ] && echo new-pid) $(kill -0 $P1 2>/dev/null && echo old-alive || echo old-gone)"',
        'systemctl stop postgresql',
        'waitfor "[ \\"\\$(systemctl is-active postgresql@15-main)\\" = inactive ]"',
        'echo "@ stopped $(systemctl is-active postgresql) $(systemctl is-active postgresql@15-main) $(kill -0 $P2 2>/dev/null && echo alive || echo gone)"',
        'rm -f /run/pg-15-main.serving',
        'systemctl start postgresql',
        'waitfor "test -s /run/pg-15-main.serving"',
        'echo "@ started $(systemctl is-active postgresql) $(systemctl is-active postgresql@15-main)"',
        // A part does not take the whole with it.
        'systemctl stop postgresql@15-main',
        'echo "@ part stopped $(systemctl is-active postgresql)"',
        'rm -f /run/pg-15-main.serving; systemctl start postgresql@15-main',
        'waitfor "test -s /run/pg-15-main.serving"',
        'systemctl reload db.target; echo "@ target reload rc=$?"',
        'waitfor "[ \\$(grep -c reloaded /run/pg-15-main.log) -ge 2 ]" && echo "@ target reload reached the cluster"',
      ],
    );
    expect(answers).toEqual([
      'booted active active same-pid',
      'reload reached the cluster',
      'restarted new-pid old-gone',
      'stopped inactive inactive gone',
      'started active active',
      'part stopped active',
      'target reload rc=0',
      'target reload reached the cluster',
    ]);
  });
});

describe('BindsTo=', () => {
  it('a bound unit stops with the other (a stop, or going down by itself), is pulled in by its start, and does not stay up while the other is skipped by a condition', async () => {
    const sleeper = '[Service]\nExecStart=/bin/sleep 1000\n';
    const { answers, stderr } = await session(
      {
        [`${ETC}/base.service`]: sleeper,
        [`${ETC}/bound.service`]: `[Unit]\nBindsTo=base.service\nAfter=base.service\n${sleeper}`,
        [`${ETC}/cond.service`]: '[Unit]\nConditionPathExists=/nonexistent\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n',
        [`${ETC}/needs-cond.service`]: `[Unit]\nBindsTo=cond.service\nAfter=cond.service\n${sleeper}`,
        ...enabled('base.service'),
        ...enabled('bound.service'),
        ...enabled('needs-cond.service'),
      },
      [
        'waitfor "[ \\"\\$(systemctl is-active bound)\\" = active ]"',
        'waitfor "[ \\"\\$(systemctl is-active needs-cond)\\" = inactive ]"',
        'echo "@ boot bound=$(systemctl is-active bound) cond=$(systemctl is-active cond) needs-cond=$(systemctl is-active needs-cond)"',
        'systemctl stop base',
        'waitfor "[ \\"\\$(systemctl is-active bound)\\" = inactive ]"',
        'echo "@ base stopped: bound=$(systemctl is-active bound)"',
        'systemctl start bound',
        'echo "@ bound started: base=$(systemctl is-active base) bound=$(systemctl is-active bound)"',
        'systemctl kill base',
        'waitfor "[ \\"\\$(systemctl is-active bound)\\" = inactive ]"',
        'echo "@ base died: base=$(systemctl is-active base) bound=$(systemctl is-active bound)"',
      ],
    );
    expect(answers).toEqual([
      'boot bound=active cond=inactive needs-cond=inactive',
      'base stopped: bound=inactive',
      'bound started: base=active bound=active',
      'base died: base=inactive bound=inactive',
    ]);
    expect(stderr).toContain('stop of needs-cond.service (BindsTo=cond.service, which is inactive');
  });
});

describe('Upholds=', () => {
  it('an upheld unit is started again whenever it is found inactive, while the upholder is up', async () => {
    const { answers } = await session(
      {
        [`${ETC}/keeper.service`]: '[Unit]\nUpholds=flaky.service\n[Service]\nExecStart=/bin/sleep 1000\n',
        [`${ETC}/flaky.service`]: "[Service]\nExecStart=/bin/sh -c 'echo run >> /run/flaky.runs; sleep 0.2'\n",
        ...enabled('keeper.service'),
      },
      [
        'waitfor "[ \\$(cat /run/flaky.runs 2>/dev/null | wc -l) -ge 3 ]" && echo "@ upheld: ran 3 times or more"',
        'systemctl stop keeper',
        'waitfor "[ \\"\\$(systemctl is-active flaky)\\" = inactive ]"',
        'n1=$(wc -l < /run/flaky.runs); sleep 1; n2=$(wc -l < /run/flaky.runs)',
        'echo "@ keeper stopped: $([ "$n1" = "$n2" ] && echo no-more-runs || echo "still running $n1 $n2")"',
      ],
    );
    expect(answers).toEqual(['upheld: ran 3 times or more', 'keeper stopped: no-more-runs']);
  });
});

describe("a service's own .wants/", () => {
  it('starting ssh.service starts what its ssh.service.wants/ links, first when ordered so', async () => {
    const { answers } = await session(
      {
        [`${VENDOR}/ssh.service`]: '[Unit]\nAfter=sshd-keygen.service\n[Service]\nExecStartPre=/bin/test -f /run/host-keys\nExecStart=/bin/sleep 1000\n',
        [`${VENDOR}/sshd-keygen.service`]: "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'sleep 0.3; touch /run/host-keys'\n",
        [`${VENDOR}/ssh.service.wants/sshd-keygen.service`]: '->../sshd-keygen.service',
      },
      ['systemctl start ssh', 'echo "@ $(systemctl is-active ssh) $(test -f /run/host-keys && echo keys-made)"'],
    );
    expect(answers).toEqual(['active keys-made']);
  });
});

/** A master that, told USR2, starts a new master (which writes the PID file) and exits once it has: nginx's binary upgrade. */
const NGINXISH = `#!/bin/sh
case "$1" in
  start) "$0" master </dev/null >/dev/null 2>&1 & exit 0 ;;
  master)
    echo $$ > /run/ng.pid
    trap '"$0" master </dev/null >/dev/null 2>&1 & while [ "$(cat /run/ng.pid)" = "$$" ]; do sleep 0.05; done; exit 0' USR2
    while :; do sleep 0.05; done ;;
esac
`;

describe('a forking daemon that moves to a new main process', () => {
  it('PIDFile= is read again when the main process exits: the unit stays active with the new master (nginx binary upgrade)', async () => {
    const { answers } = await session(
      {
        '/run/bin/nginxish': NGINXISH,
        [`${ETC}/nginxish.service`]: '[Service]\nType=forking\nPIDFile=/run/ng.pid\nExecStart=/run/bin/nginxish start\n',
        ...enabled('nginxish.service'),
      },
      [
        'waitfor "[ \\"\\$(systemctl is-active nginxish)\\" = active ]"',
        'OLD=$(systemctl show -p MainPID --value nginxish)',
        'sleep 0.2',
        'systemctl kill --kill-who=main -s SIGUSR2 nginxish',
        'waitfor "! kill -0 $OLD 2>/dev/null"',
        'sleep 0.5',
        'NEW=$(systemctl show -p MainPID --value nginxish)',
        'echo "@ $(systemctl is-active nginxish) $([ "$NEW" != "$OLD" ] && [ "$NEW" = "$(cat /run/ng.pid)" ] && echo followed-new-master) $(kill -0 $NEW 2>/dev/null && echo new-alive)"',
        'systemctl stop nginxish',
        'echo "@ stopped $(systemctl is-active nginxish) $(kill -0 $NEW 2>/dev/null && echo new-alive || echo new-gone)"',
      ],
    );
    expect(answers).toEqual(['active followed-new-master new-alive', 'stopped inactive new-gone']);
  });

  it('GuessMainPID=: a forking unit without PIDFile= takes its daemon as main process, and notices when it dies', async () => {
    const { answers } = await session(
      {
        [`${ETC}/guess.service`]: "[Service]\nType=forking\nExecStart=/bin/sh -c 'sleep 1000 </dev/null >/dev/null 2>&1 & exit 0'\n",
        [`${ETC}/noguess.service`]: "[Service]\nType=forking\nGuessMainPID=no\nExecStart=/bin/sh -c 'sleep 1000 </dev/null >/dev/null 2>&1 & exit 0'\n",
        ...enabled('guess.service'),
        ...enabled('noguess.service'),
      },
      [
        'waitfor "[ \\"\\$(systemctl is-active guess)\\" = active ]"',
        'waitfor "[ \\"\\$(systemctl is-active noguess)\\" = active ]"',
        'M=$(systemctl show -p MainPID --value guess)',
        'echo "@ guess $([ "$M" -gt 1 ] && tr "\\0" " " < /proc/$M/cmdline) noguess=$(systemctl show -p MainPID --value noguess)"',
        '[ "$M" -gt 1 ] && kill -9 $M',
        'waitfor "[ \\"\\$(systemctl is-active guess)\\" != active ]"',
        'echo "@ daemon killed: $(systemctl is-active guess)"',
      ],
    );
    expect(answers).toEqual(['guess sleep 1000  noguess=0', 'daemon killed: failed']);
  });
});

describe('systemctl disable/enable of a SysV-only service', () => {
  it("turns the script's S links into K links and back, as systemd-sysv-install (update-rc.d) does", async () => {
    const script = '#!/bin/sh\n### BEGIN INIT INFO\n# Provides: legacyd\n# Default-Start: 2 3 4 5\n# Default-Stop: 0 1 6\n### END INIT INFO\ncase "$1" in start|stop) ;; esac\nexit 0\n';
    const links = Object.fromEntries(['2', '3', '4', '5'].map((l) => [`/etc/rc${l}.d/S02legacyd`, '->../init.d/legacyd']));
    // rc0.d, rc6.d and rcS.d are not among the directories every test hides: hide them here.
    const hide = 'for d in /etc/rc0.d /etc/rc6.d /etc/rcS.d; do if [ -d $d ]; then mount -t tmpfs tmpfs $d; fi; done';
    const { answers } = await session(
      { '/etc/init.d/legacyd': script, ...links, '/etc/rc0.d/K01legacyd': '->../init.d/legacyd' },
      [
        'echo "@ $(systemctl is-enabled legacyd)"',
        'systemctl disable legacyd',
        'echo "@ $(systemctl is-enabled legacyd) $(ls /etc/rc0.d /etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d | grep legacyd | tr "\\n" " ")"',
        'systemctl enable legacyd',
        'echo "@ $(systemctl is-enabled legacyd) $(ls /etc/rc0.d /etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d | grep legacyd | tr "\\n" " ")"',
      ],
      hide,
    );
    expect(answers).toEqual([
      'enabled',
      'disabled K01legacyd K02legacyd K02legacyd K02legacyd K02legacyd ',
      'enabled K01legacyd S02legacyd S02legacyd S02legacyd S02legacyd ',
    ]);
  });
});

describe('daemon-reload and generated units', () => {
  it('a reload while the generators run (the watcher\'s, on a change in /etc/systemd/system) neither stops nor restarts a SysV unit', async () => {
    const script = '#!/bin/sh\n### BEGIN INIT INFO\n# Provides: legacyd\n# Default-Start: 2 3 4 5\n# Default-Stop: 0 1 6\n### END INIT INFO\ncase "$1" in\n  start) echo "starting legacyd"; setsid sleep 1000 </dev/null >/dev/null 2>&1 & ;;\n  stop) echo "stopping legacyd" ;;\nesac\nexit 0\n';
    const { answers, stdout, stderr } = await session(
      {
        '/etc/init.d/legacyd': script,
        '/etc/rc2.d/S01legacyd': '->../init.d/legacyd',
        // A generator that takes its time: its output directories stay empty meanwhile.
        '/usr/lib/systemd/system-generators/slow-generator': '#!/bin/sh\nsleep 1.5\n',
      },
      [
        'waitfor "[ \\"\\$(systemctl is-active legacyd)\\" = active ]"',
        'systemctl daemon-reload & sleep 0.3',
        `printf '[Service]\\nExecStart=/bin/true\\n' > ${ETC}/other.service`,
        'wait; sleep 1; systemctl daemon-reload; sleep 0.5',
        'echo "@ $(systemctl is-active legacyd)"',
      ],
    );
    expect(answers).toEqual(['active']);
    // Until the CMD ended (and the shutdown stopped it), the unit was started once and left alone.
    const beforeShutdown = stderr.slice(0, stderr.indexOf('shutting down'));
    expect(beforeShutdown.split('\n').filter((l) => l.includes('unit="legacyd.service"') && l.includes(' -> '))).toEqual([
      expect.stringContaining('inactive (dead) -> activating (start)'),
      expect.stringContaining('activating (start) -> active (running)'),
    ]);
    expect(stdout.slice(0, stdout.indexOf('@ active'))).not.toContain('stopping legacyd');
  });
});
