// A unit's output goes straight to the journal's writer, as systemd hands a service a connection
// of journald's stdout socket: the unit's stdout and stderr are sockets whose other end is the
// writer, which stores the lines with the unit's fields and shows them on the container log
// (PID 1's stdout, which it shares) as PID 1 showed them; `ts-init ctl logs` reads them from
// the journal. PID 1 never waits for the writer: with the writer stopped (as a hung disk holds
// it), units still start and PID 1 answers; a writer that ends is started again and new units
// write to it. Where nothing is stored (Storage=none) units keep PID 1's pipes, as before.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { journalEntries, startJournalRun } from '../helpers/journal-pid1';
import { FIXTURES } from '../helpers/ts-init';

const PING = path.join(FIXTURES, 'journal/ping-latency.py');
const wanted = (name: string) => ({ [`/etc/systemd/system/multi-user.target.wants/${name}`]: `->/etc/systemd/system/${name}` });
const TALKER = {
  '/etc/systemd/system/talker.service':
    "[Service]\nExecStart=/bin/sh -c 'echo out-line; printf \"<3>err \\\\033[2K\\\\r forged\\\\n\" >&2; exec sleep 1000'\nSyslogIdentifier=talker\n",
  ...wanted('talker.service'),
};
/** Started by the CMD's script (ctl start), once the writer is in the state the test wants. */
const LATE = (n: number) => ({ [`/etc/systemd/system/late${n}.service`]: `[Service]\nType=oneshot\nExecStart=/bin/echo late-line-${n}\n` });
const CTL = '"$(readlink /proc/1/exe)" ctl';
const numbers = (line: string) => Object.fromEntries([...line.matchAll(/(\w+)=([\d.]+)/g)].map((m) => [m[1], Number(m[2])]));

describe("units' output straight to the journal's writer", () => {
  it("stdout and stderr are the writer's sockets: stored with the unit's fields, shown tagged and escaped, read by ctl logs", async () => {
    const script = `
for i in $(seq 50); do ${CTL} logs talker -n 5 2>/dev/null | grep -q forged && break; sleep 0.1; done
P=$(pgrep -x sleep)
echo fd1=$(readlink /proc/$P/fd/1) fd2=$(readlink /proc/$P/fd/2)
I=$(readlink /proc/$P/fd/1 | tr -dc 0-9); W=$(pgrep -x ts-init-journal)
# The other end of the unit's stdout (accepted: its lines are in): the writer's (ss shows each end's owner).
ss -xpH | awk -v i=$I '$8 == i' | grep -q "pid=$W," && echo peer=writer
ss -xpH | awk -v i=$I '$8 == i' | grep -q "pid=1," && echo peer=pid1
echo "--- logs"; ${CTL} logs talker -n 5; echo "--- end"
`;
    const r = await startJournalRun(TALKER, script).done;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^fd1=socket:\[\d+\] fd2=socket:\[\d+\]$/m);
    expect(r.stdout).toContain('peer=writer\n');
    expect(r.stdout).not.toContain('peer=pid1');
    const all = journalEntries(r.journal);
    expect(all.find((e) => e.MESSAGE === 'out-line')).toMatchObject({ _TRANSPORT: 'stdout', _SYSTEMD_UNIT: 'talker.service', SYSLOG_IDENTIFIER: 'talker', PRIORITY: '6', SYSLOG_FACILITY: '3', _COMM: 'sleep' });
    expect(all.find((e) => e.PRIORITY === '3' && e._SYSTEMD_UNIT === 'talker.service')?.MESSAGE).toEqual([...Buffer.from('err \x1b[2K\r forged')]);
    // The container log: the writer's stdout is PID 1's; the line tagged and its control characters escaped, as PID 1 showed it.
    expect(r.stdout).toContain('talker: out-line\n');
    expect(r.stdout).toContain('talker: <3>err \\x1b[2K\\x0d forged\n');
    expect(r.stdout.split('--- logs\n')[1]!.split('--- end')[0]).toBe('out-line\nerr \\x1b[2K\\x0d forged\n');
  });

  it('ctl logs -f follows the journal: the lines the unit writes from then on', async () => {
    const units = {
      '/etc/systemd/system/ticker.service': "[Service]\nExecStart=/bin/sh -c 'i=0; while :; do i=$((i+1)); echo tick-$i; sleep 0.2; done'\n",
      ...wanted('ticker.service'),
    };
    const script = `
for i in $(seq 50); do ${CTL} logs ticker -n 1 2>/dev/null | grep -q tick && break; sleep 0.1; done
timeout 2 ${CTL} logs -f -n 1 ticker > /run/followed
echo "--- followed"; cat /run/followed; echo "--- end"
`;
    const r = await startJournalRun(units, script).done;
    const ticks = r.stdout.split('--- followed\n')[1]!.split('--- end')[0]!.trim().split('\n').map((l) => Number(l.replace('tick-', '')));
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    expect(ticks).toEqual(ticks.map((_, i) => ticks[0]! + i));
  });

  it("a failed unit's report quotes its last lines, which the writer kept", async () => {
    const units = {
      '/etc/systemd/system/broken.service': "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo first-words; echo last-words >&2; exit 3'\n",
      ...wanted('broken.service'),
    };
    const r = await startJournalRun(units, 'sleep 0.5').done;
    expect(r.stderr).toMatch(/broken\.service failed \(Result: exit-code\).*lastLines=.*first-words.*last-words/);
  });

  it("a unit's first lines have its process's fields, before PID 1 has said its main pid", async () => {
    const units = {
      '/etc/systemd/system/early.service': "[Service]\nType=oneshot\nExecStartPre=/bin/sh -c 'echo pre-line; sleep 0.5'\nExecStart=/bin/sh -c 'echo main-line; sleep 0.5'\n",
      ...wanted('early.service'),
    };
    const r = await startJournalRun(units, 'sleep 1.5').done;
    const all = journalEntries(r.journal);
    for (const m of ['pre-line', 'main-line']) expect(all.find((e) => e.MESSAGE === m), m).toMatchObject({ _SYSTEMD_UNIT: 'early.service', _PID: expect.stringMatching(/^\d+$/), _COMM: 'sh', _UID: '0' });
    expect(all.find((e) => e.MESSAGE === 'pre-line')?._PID).not.toBe(all.find((e) => e.MESSAGE === 'main-line')?._PID);
  });

  it('--log-console=cmd: the writer shows none of the units\' lines; the journal keeps them', async () => {
    const r = await startJournalRun(TALKER, 'for i in $(seq 50); do pgrep -x sleep >/dev/null && break; sleep 0.1; done; sleep 0.3', { TS_INIT_LOG_CONSOLE: 'cmd' }).done;
    expect(r.stdout).not.toContain('talker:');
    expect(journalEntries(r.journal).some((e) => e.MESSAGE === 'out-line')).toBe(true);
  });

  it('a stopped writer never stalls PID 1: a unit still starts and PID 1 answers; its lines are stored once the writer runs again', async () => {
    const script = `
for i in $(seq 50); do writer=$(pgrep -x ts-init-journal) && break; sleep 0.1; done
kill -STOP $writer
timeout 10 ${CTL} start late1.service && echo started-while-stopped
/usr/bin/python3 ${PING} 1
kill -CONT $writer
`;
    const r = await startJournalRun(LATE(1), script).done;
    expect(r.stdout).toContain('started-while-stopped');
    const ping = numbers(r.stdout.match(/pings=.*/)![0]!);
    expect(ping.max).toBeLessThan(5000);
    expect(journalEntries(r.journal).find((e) => e.MESSAGE === 'late-line-1')).toMatchObject({ _SYSTEMD_UNIT: 'late1.service', _TRANSPORT: 'stdout' });
  });

  it('a writer that ends is started again, and units started afterwards write to the new one', async () => {
    const script = `
for i in $(seq 50); do writer=$(pgrep -x ts-init-journal) && break; sleep 0.1; done
kill -KILL $writer
for i in $(seq 50); do again=$(pgrep -x ts-init-journal) && [ "$again" != "$writer" ] && break; sleep 0.1; done
echo restarted=$([ -n "$again" ] && [ "$again" != "$writer" ] && echo yes)
${CTL} start late2.service
`;
    const r = await startJournalRun(LATE(2), script).done;
    expect(r.stdout).toContain('restarted=yes');
    expect(journalEntries(r.journal).find((e) => e.MESSAGE === 'late-line-2')).toMatchObject({ _SYSTEMD_UNIT: 'late2.service' });
    expect(r.stdout).toContain('late2.service: late-line-2\n');
  });

  it('Storage=none: no writer, so units keep PID 1\'s pipes (ctl logs from its memory) and the stream socket is PID 1\'s', async () => {
    const units = { ...TALKER, '/run/systemd/journald.conf.d/none.conf': '[Journal]\nStorage=none\n' };
    const script = `
for i in $(seq 50); do P=$(pgrep -x sleep) && break; sleep 0.1; done
echo writers=$(pgrep -x ts-init-journal | wc -l)
I=$(readlink /proc/$P/fd/1 | tr -dc 0-9)
ss -xpH | awk -v i=$I '$8 == i' | grep -q "pid=1," && echo peer=pid1
echo via-cat | systemd-cat -t catty && echo cat-ok
for i in $(seq 50); do ${CTL} logs talker -n 5 2>/dev/null | grep -q out-line && break; sleep 0.1; done
echo "--- logs"; ${CTL} logs talker -n 1; echo "--- end"
`;
    const r = await startJournalRun(units, `${script}\nexit 0\n`).running.result;
    expect(r.stdout).toMatch(/^writers=0$/m);
    expect(r.stdout).toContain('peer=pid1\n');
    expect(r.stdout).toContain('cat-ok');
    expect(r.stdout).toContain('catty[');
    // PID 1's memory keeps the line as the unit wrote it, its level prefix with it (the journal's has none).
    expect(r.stdout.split('--- logs\n')[1]!.split('--- end')[0]).toBe('<3>err \\x1b[2K\\x0d forged\n');
  });
});
