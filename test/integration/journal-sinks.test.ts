// The journal's write path under the rich ts-init as PID 1: what logger(1), `logger -p auth.err`,
// systemd-cat, python3-systemd's journal.send and a unit's own stdout/stderr send reaches the
// store, and this host's journalctl (systemd 252) reads it back with journald's fields:
// _TRANSPORT, _PID/_UID/_GID/_COMM/_EXE/_CMDLINE, _SYSTEMD_UNIT of the sender's unit, the unit
// directives (SyslogIdentifier=, SyslogLevelPrefix=, LogLevelMax=, LogExtraFields=), a client's
// forged trusted fields dropped. And nothing of it where no units run. (A sender's /proc is read
// when its message is: the senders here are still running then, as journald needs them too.)
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEV_LOG, journalEntries, startJournalRun } from '../helpers/journal-pid1';
import { FIXTURES, runAsPid1 } from '../helpers/ts-init';

const wanted = (name: string) => ({ [`/etc/systemd/system/multi-user.target.wants/${name}`]: `->/etc/systemd/system/${name}` });

const UNITS = {
  '/etc/systemd/system/talker.service':
    '[Service]\n' +
    `ExecStart=/bin/sh -c 'echo out-line; echo "<3>err-line" >&2; (echo from-unit-syslog; sleep 2) | logger -u ${DEV_LOG} -t talker-syslog; exec sleep 1000'\n` +
    'SyslogIdentifier=talker\nLogExtraFields=TEAM=core\n',
  ...wanted('talker.service'),
  '/etc/systemd/system/quiet.service': "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo \"<6>info-hidden\"; echo \"<4>warn-shown\"'\nLogLevelMax=warning\nSyslogFacility=local2\n",
  ...wanted('quiet.service'),
};

const FIX = path.join(FIXTURES, 'journal');
const CLIENTS = `
/usr/bin/python3 ${FIX}/syslog-daemon.py /run/forwarded &
for i in $(seq 50); do [ -e /run/forwarded.ready ] && break; sleep 0.1; done
/usr/bin/python3 ${FIX}/sealed-memfd.py
/usr/bin/python3 ${FIX}/sealed-memfd.py unsealed
# A sender still running when its datagram is read (journald, too, reads /proc of the sender then;
# 2 s: a loaded machine's PID 1 has been seen to take more than half a second).
(echo "via logger"; sleep 2) | logger -u ${DEV_LOG} -t mytag
logger -u ${DEV_LOG} -p auth.err -t authy "auth error"
echo "from systemd-cat" | systemd-cat -t catty -p warning
/usr/bin/python3 -c 'from systemd import journal; journal.send("via python", SYSLOG_IDENTIFIER="pyid", PRIORITY=3, CUSTOM_FIELD="x", _SYSTEMD_UNIT="forged.service"); import time; time.sleep(2)'
for i in $(seq 100); do journalctl -D /var/log/journal -o cat --no-pager 2>/dev/null | grep -q warn-shown && break; sleep 0.1; done
sleep 0.3
echo "--- forwarded"; cat /run/forwarded; echo "--- end"
`;

describe('the journal of the rich PID 1', () => {
  it('stores every client and unit line with the fields journald gives them, read by journalctl 252', async () => {
    const r = await startJournalRun(UNITS, CLIENTS).done;
    expect(r.code).toBe(0);
    const all = journalEntries(r.journal);
    const by = (msg: string) => all.find((e) => e.MESSAGE === msg);

    expect(by('via logger')).toMatchObject({ _TRANSPORT: 'syslog', SYSLOG_IDENTIFIER: 'mytag', PRIORITY: '5', SYSLOG_FACILITY: '1', _UID: '0', _GID: '0', _COMM: 'logger', _EXE: '/usr/bin/logger' });
    expect(by('via logger')?._CMDLINE).toMatch(/^logger -u/);
    expect(by('auth error')).toMatchObject({ _TRANSPORT: 'syslog', SYSLOG_IDENTIFIER: 'authy', PRIORITY: '3', SYSLOG_FACILITY: '4' });
    expect(by('from systemd-cat')).toMatchObject({ _TRANSPORT: 'stdout', SYSLOG_IDENTIFIER: 'catty', PRIORITY: '4' });
    const py = by('via python');
    expect(py).toMatchObject({ _TRANSPORT: 'journal', SYSLOG_IDENTIFIER: 'pyid', PRIORITY: '3', CUSTOM_FIELD: 'x', _COMM: 'python3' });
    expect(py?._SYSTEMD_UNIT).toBeUndefined(); // the forged trusted field is gone; the CMD is no unit's

    // A unit's stdout and stderr, its directives, and what its processes send through syslog(3).
    expect(by('out-line')).toMatchObject({ _TRANSPORT: 'stdout', _SYSTEMD_UNIT: 'talker.service', SYSLOG_IDENTIFIER: 'talker', PRIORITY: '6', TEAM: 'core' });
    expect(by('err-line')).toMatchObject({ _SYSTEMD_UNIT: 'talker.service', PRIORITY: '3' });
    expect(by('from-unit-syslog')).toMatchObject({ _TRANSPORT: 'syslog', _SYSTEMD_UNIT: 'talker.service', SYSLOG_IDENTIFIER: 'talker-syslog', TEAM: 'core', _COMM: 'logger' });
    expect(by('warn-shown')).toMatchObject({ _SYSTEMD_UNIT: 'quiet.service', PRIORITY: '4', SYSLOG_FACILITY: '18' });
    expect(by('info-hidden')).toBeUndefined();
    expect(all.every((e) => typeof e._BOOT_ID === 'string' && typeof e._MACHINE_ID === 'string' && typeof e._HOSTNAME === 'string')).toBe(true);

    // sd_journal_send's memfd form: sealed, taken; unsealed, refused.
    expect(by('from-a-sealed-memfd')).toMatchObject({ _TRANSPORT: 'journal', SYSLOG_IDENTIFIER: 'memfd-test' });
    expect(by('from-an-unsealed-memfd')).toBeUndefined();
    expect(all.some((e) => e.MESSAGE === 'from-a-unsealed-memfd')).toBe(false);

    // ForwardToSyslog=: a syslog daemon listening on /run/systemd/journal/syslog gets each entry as journald sends it:
    // a syslog datagram as it came (logger's tag has no pid), what else came as a datagram made of the entry.
    const forwarded = r.stdout.split('--- forwarded\n')[1].split('--- end')[0];
    expect(forwarded).toMatch(/^<13>\w{3} [ \d]\d \d\d:\d\d:\d\d mytag: via logger$/m);
    expect(forwarded).toMatch(/^<35>.* authy: auth error$/m);
    expect(forwarded).toMatch(/^<12>.* catty\[\d+\]: from systemd-cat$/m);
    expect(forwarded).toMatch(/^<11>.* pyid\[\d+\]: via python$/m);

    // ts-init's own lines, and journalctl's own filters over the store.
    expect(all.some((e) => e.SYSLOG_IDENTIFIER === 'ts-init' && e._TRANSPORT === 'driver')).toBe(true);
    expect(journalEntries(r.journal, ['-u', 'talker.service']).map((e) => e.MESSAGE)).toEqual(expect.arrayContaining(['out-line', 'err-line', 'from-unit-syslog']));
    expect(journalEntries(r.journal, ['-p', 'err', '-t', 'authy']).map((e) => e.MESSAGE)).toEqual(['auth error']);
  });

  it("keeps every line of a unit that writes as fast as it can: its pipe waits for the writer, nothing is dropped", async () => {
    const units = {
      '/etc/systemd/system/chatty.service': "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'seq 1 20000 | sed s/^/chatty-/'\nStandardOutput=journal\n",
      ...wanted('chatty.service'),
      // Past journald's default burst (10,000 per 30 s), which would suppress the rest.
      '/run/systemd/journald.conf.d/no-limit.conf': '[Journal]\nRateLimitBurst=0\n',
    };
    const script = 'for i in $(seq 300); do [ "$(journalctl -D /var/log/journal -u chatty.service _TRANSPORT=stdout -n 1 -o cat --no-pager 2>/dev/null)" = chatty-20000 ] && break; sleep 0.2; done';
    const r = await startJournalRun(units, script).done;
    const lines = journalEntries(r.journal, ['-u', 'chatty.service', '_TRANSPORT=stdout']).map((e) => e.MESSAGE);
    expect(lines).toEqual(Array.from({ length: 20000 }, (_, i) => `chatty-${i + 1}`));
    expect(journalEntries(r.journal).some((e) => /^Suppressed/.test(String(e.MESSAGE)))).toBe(false);
  });

  it("syslog.socket (systemd's, which rsyslog requires) listens before any service: what the first service logs reaches the daemon", async () => {
    const units = {
      // Debian's /lib/systemd/system/syslog.socket, shipped by the systemd package.
      '/usr/lib/systemd/system/syslog.socket':
        '[Unit]\nDescription=Syslog Socket\nDefaultDependencies=no\nBefore=sockets.target\nConflicts=shutdown.target\nBefore=shutdown.target\n' +
        '[Socket]\nListenDatagram=/run/systemd/journal/syslog\nSocketMode=0666\nPassCredentials=yes\nPassSecurity=yes\nReceiveBuffer=8M\nService=syslog.service\n',
      '/etc/systemd/system/fake-rsyslog.service':
        `[Unit]\nRequires=syslog.socket\n[Service]\nType=simple\nExecStart=/usr/bin/python3 ${FIX}/activated-syslog-daemon.py /run/forwarded\n[Install]\nWantedBy=multi-user.target\nAlias=syslog.service\n`,
      '/etc/systemd/system/syslog.service': '->/etc/systemd/system/fake-rsyslog.service',
      ...wanted('fake-rsyslog.service'),
      '/etc/systemd/system/early.service': `[Service]\nType=oneshot\nExecStart=/usr/bin/logger -u ${DEV_LOG} -t early first-service-line\n`,
      ...wanted('early.service'),
    };
    const script = 'for i in $(seq 50); do grep -q first-service-line /run/forwarded 2>/dev/null && break; sleep 0.1; done; echo "--- forwarded"; cat /run/forwarded';
    const r = await startJournalRun(units, script).done;
    expect(r.stdout.split('--- forwarded\n')[1]).toMatch(/^<13>.* early: first-service-line$/m);
  });

  it('listens nowhere where no image units run (--units only): no sockets, no writer', async () => {
    const r = await runAsPid1(['--units', '/nonexistent', '--', '/bin/sh', '-c', 'ls /run/systemd/journal 2>&1; pgrep -c ts-init-journal || true']);
    expect(r.stdout).toMatch(/No such file or directory\n0\n$/);
  });
});
