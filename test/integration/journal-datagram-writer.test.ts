// /dev/log and the native socket are the journal writer's to read, as they are journald's: PID 1
// binds them before any unit and hands them to the writer, and never reads a datagram itself.
// With the writer stopped, what is sent waits in the socket's queue (PID 1 used to drain it); a
// syslog flood costs PID 1 next to no CPU (it used to cost it some 70-90 us per datagram); and a
// writer that is killed is started again with the same sockets: what was sent meanwhile, and
// after, is stored, with its sender's unit.
import { describe, expect, it } from 'vitest';
import { DEV_LOG, journalEntries, startJournalRun } from '../helpers/journal-pid1';

const wanted = (name: string) => ({ [`/etc/systemd/system/multi-user.target.wants/${name}`]: `->/etc/systemd/system/${name}` });
/**
 * A unit whose process sends through syslog(3) when told to (a file appears), so its _SYSTEMD_UNIT can
 * be checked after a restart. Senders whose /proc is checked stay a while (journald, too, reads the
 * sender's /proc when it reads its datagram).
 */
const TALKER = {
  '/etc/systemd/system/talker.service':
    `[Service]\nExecStart=/bin/sh -c 'while [ ! -e /run/talk ]; do sleep 0.05; done; (echo after-restart; sleep 2) | logger -u ${DEV_LOG} -t talker; exec sleep 1000'\n`,
  ...wanted('talker.service'),
};
const NO_LIMIT = { '/run/systemd/journald.conf.d/limits.conf': '[Journal]\nRateLimitBurst=0\n' };
/**
 * The first datagram's length waiting in the queue of the socket whose inode is $INO (ss's Recv-Q of
 * a datagram socket): 0 when nothing waits. By inode: the network namespace, and with it ss's list,
 * is the host's, where other runs' dev-log sockets have the same path.
 */
const QUEUED = `ss -xaH | awk -v ino=$INO '$6 == ino {print $3}'`;
/** PID 1's CPU (user + system) in clock ticks. */
const PID1_TICKS = "awk '{print $14 + $15}' /proc/1/stat";
const DATAGRAMS = 20000;
const FLOOD = `/usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for i in range(${DATAGRAMS}): s.sendto(b"<13>flood: flood-line %d" % i, "${DEV_LOG}")
'`;
const waitFor = (what: string) => `for i in $(seq 150); do journalctl -D /var/log/journal -o cat --no-pager 2>/dev/null | grep -q '${what}' && break; sleep 0.1; done`;

describe("the datagram sockets are the journal writer's", () => {
  it('PID 1 reads none: with the writer stopped they wait in the queue; a flood costs PID 1 next to no CPU', async () => {
    const script = `
for i in $(seq 50); do writer=$(pgrep -x ts-init-journal) && break; sleep 0.1; done
echo writer-fd5=$(readlink /proc/$writer/fd/5) writer-fd6=$(readlink /proc/$writer/fd/6)
INO=$(readlink /proc/$writer/fd/5 | tr -dc 0-9)
echo path=$(ss -xaH | awk -v ino=$INO '$6 == ino {print $5}')
kill -STOP $writer
(echo while-stopped; sleep 3) | logger -u ${DEV_LOG} -t held &
sleep 0.5
echo queued=$(${QUEUED})
kill -CONT $writer
${waitFor('while-stopped')}
echo ticks-before=$(${PID1_TICKS}) clk=$(getconf CLK_TCK)
${FLOOD}
logger -u ${DEV_LOG} -t flood flood-done
${waitFor('flood-done')}
echo ticks-after=$(${PID1_TICKS})
`;
    const r = await startJournalRun(NO_LIMIT, script).done;
    expect(r.code).toBe(0);
    // The writer, reading the sockets, still ends with its input at shutdown (its poll(2) on the runtime's thread pool never holds the exit).
    expect(r.stderr).not.toMatch(/still running after .* grace/);
    expect(r.stdout).toMatch(/writer-fd5=socket:\[\d+\] writer-fd6=socket:\[\d+\]/);
    expect(r.stdout).toContain(`path=${DEV_LOG}\n`);
    // While the writer was stopped, the datagram waited in the socket's queue: nobody else reads it.
    expect(Number(r.stdout.match(/queued=(\d+)/)?.[1])).toBeGreaterThan(0);
    const all = journalEntries(r.journal);
    expect(all.find((e) => e.MESSAGE === 'while-stopped')).toMatchObject({ _TRANSPORT: 'syslog', SYSLOG_IDENTIFIER: 'held', _COMM: 'logger' });
    expect(all.filter((e) => String(e.MESSAGE).startsWith('flood-line ')).length).toBe(DATAGRAMS);
    const clk = Number(r.stdout.match(/clk=(\d+)/)![1]);
    const ticks = Number(r.stdout.match(/ticks-after=(\d+)/)![1]) - Number(r.stdout.match(/ticks-before=(\d+)/)![1]);
    const usPer = ((ticks / clk) * 1e6) / DATAGRAMS;
    console.log(`PID 1: ${ticks} ticks for ${DATAGRAMS} datagrams (${usPer.toFixed(1)} us each)`);
    // Reading, making and handing on each cost PID 1 some 70-90 us; its share now is an answer per sender.
    expect(usPer).toBeLessThan(15);
  });

  it('a killed writer is started again with the same sockets: what was sent meanwhile and after is stored, with its unit', async () => {
    const script = `
for i in $(seq 50); do writer=$(pgrep -x ts-init-journal) && break; sleep 0.1; done
before=$(readlink /proc/$writer/fd/5)/$(readlink /proc/$writer/fd/6)
kill -KILL $writer
logger -u ${DEV_LOG} -t gap sent-while-gone
/usr/bin/python3 -c 'from systemd import journal; journal.send("native-while-gone", SYSLOG_IDENTIFIER="gap")' &
for i in $(seq 50); do again=$(pgrep -x ts-init-journal) && [ "$again" != "$writer" ] && break; sleep 0.1; done
wait
after=$(readlink /proc/$again/fd/5)/$(readlink /proc/$again/fd/6)
echo same-sockets=$([ "$before" = "$after" ] && echo yes) restarted=$([ -n "$again" ] && [ "$again" != "$writer" ] && echo yes)
touch /run/talk
${waitFor('after-restart')}
/usr/bin/python3 -c 'from systemd import journal; journal.send("native-after")'
`;
    const r = await startJournalRun(TALKER, script).done;
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/still running after .* grace/);
    expect(r.stdout).toContain('same-sockets=yes restarted=yes');
    const all = journalEntries(r.journal);
    expect(all.find((e) => e.MESSAGE === 'sent-while-gone')).toMatchObject({ _TRANSPORT: 'syslog', SYSLOG_IDENTIFIER: 'gap' });
    expect(all.find((e) => e.MESSAGE === 'native-while-gone')).toMatchObject({ _TRANSPORT: 'journal', SYSLOG_IDENTIFIER: 'gap' });
    expect(all.find((e) => e.MESSAGE === 'after-restart')).toMatchObject({ _TRANSPORT: 'syslog', _SYSTEMD_UNIT: 'talker.service', _COMM: 'logger' });
    expect(all.find((e) => e.MESSAGE === 'native-after')).toMatchObject({ _TRANSPORT: 'journal' });
    // The container log shows the unit's syslog line, as the writer echoes it.
    expect(r.stdout).toMatch(/talker\[\d+\]: after-restart/);
  });
});
