// Attacks on the journal's sockets by an unprivileged user (uid 65534), run for real: datagrams
// of every size and content, binary junk, invalid and forged trusted fields, lying binary
// lengths, memfds that are not sealed, junk stream headers, a flood. PID 1 keeps answering its
// control socket (ping p99 measured during the flood), its memory stays bounded, the flood is
// rate-limited per sender with journald's "Suppressed N messages" line, nothing from an unsealed
// memfd or a forged _SYSTEMD_UNIT is stored, and a well-behaved unit's lines still get in. And a
// writer that stalls (SIGSTOP, as a hung disk would hold it), which reads the datagram sockets,
// leaves their senders waiting in the kernel, never PID 1.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEV_LOG, journalEntries, startJournalRun } from '../helpers/journal-pid1';
import { FIXTURES } from '../helpers/ts-init';

const FLOOD = path.join(FIXTURES, 'journal/flood.py');
const PING = path.join(FIXTURES, 'journal/ping-latency.py');
const AS_NOBODY = 'setpriv --reuid 65534 --regid 65534 --clear-groups';
/** PID 1's private memory in kB. */
const RSS_ANON = "awk '/RssAnon/ {print $2}' /proc/1/status";

const wanted = (name: string) => ({ [`/etc/systemd/system/multi-user.target.wants/${name}`]: `->/etc/systemd/system/${name}` });
const STEADY = {
  '/etc/systemd/system/steady.service': "[Service]\nExecStart=/bin/sh -c 'i=0; while :; do i=$((i+1)); echo steady-$i; sleep 0.2; done'\n",
  ...wanted('steady.service'),
};
/** A small burst so the rate limit shows within the test (journald's own default is 10,000 per 30 s). */
const CONF = { '/run/systemd/journald.conf.d/limits.conf': '[Journal]\nRateLimitIntervalSec=2s\nRateLimitBurst=50\n' };

const numbers = (line: string) => Object.fromEntries([...line.matchAll(/(\w+)=([\d.]+)/g)].map((m) => [m[1], Number(m[2])]));

describe('the journal under attack by uid 65534', () => {
  it('junk of every kind and a flood: PID 1 answers, stays bounded, limits the sender, stores nothing forged', async () => {
    const script = `
echo rss-before=$(${RSS_ANON})
${AS_NOBODY} /usr/bin/python3 ${FLOOD} 4 syslog,native,memfd,stream > /run/flood.out 2>&1 &
sleep 0.3
/usr/bin/python3 ${PING} 3.5
wait
cat /run/flood.out
echo rss-after=$(${RSS_ANON})
sleep 2.1
(echo after-the-flood; sleep 0.3) | ${AS_NOBODY} logger -u ${DEV_LOG} -t nobody
`;
    const r = await startJournalRun({ ...STEADY, ...CONF }, script).done;
    expect(r.code).toBe(0);
    const ping = numbers(r.stdout.match(/pings=.*/)![0]);
    const flood = numbers(r.stdout.match(/sent=.*/)![0]);
    const before = Number(r.stdout.match(/rss-before=(\d+)/)![1]);
    const after = Number(r.stdout.match(/rss-after=(\d+)/)![1]);
    console.log(`flood: ${flood.sent} datagrams; ping ${JSON.stringify(ping)}; PID 1 RssAnon ${before} -> ${after} kB`);
    expect(flood.sent).toBeGreaterThan(200);
    // Every ping is answered, none waits behind the flood for long. (The target, p99
    // under 50 ms, is the bench's, on a quiet machine: here 2 cores are shared with a parallel
    // suite, and the ping's own client and the flood wait for a CPU too. Before PID 1 read its
    // datagram sockets in bounded turns, a flood held every ping for seconds.)
    expect(ping.pings).toBeGreaterThan(5);
    expect(ping.p50).toBeLessThan(1000);
    expect(ping.max).toBeLessThan(5000);
    expect(after - before).toBeLessThan(32 * 1024);

    const all = journalEntries(r.journal);
    const suppressed = all.filter((e) => typeof e.MESSAGE === 'string' && /^Suppressed \d+ messages from uid 65534$/.test(e.MESSAGE));
    expect(suppressed.length).toBeGreaterThan(0);
    expect(all.some((e) => e.MESSAGE === 'from-an-unsealed-memfd')).toBe(false);
    expect(all.some((e) => e._SYSTEMD_UNIT === 'forged.service' || (e._PID === '1' && e._UID === '65534'))).toBe(false);
    expect(all.filter((e) => e._UID === '65534').length).toBeLessThan(50 * 5);
    // The sender still gets in after its limit's interval, and so does a unit under its own.
    expect(all.find((e) => e.MESSAGE === 'after-the-flood')).toMatchObject({ _UID: '65534', _TRANSPORT: 'syslog' });
    const steady = all.filter((e) => e._SYSTEMD_UNIT === 'steady.service').map((e) => Number(String(e.MESSAGE).slice(7)));
    expect(steady.length).toBeGreaterThan(20);
    expect(steady).toEqual(Array.from({ length: steady.length }, (_, i) => steady[0] + i)); // none lost
  });

  it('a stalled writer: the datagrams wait in the kernel (PID 1 never reads them), PID 1 answers as before; what waited is stored once it runs', async () => {
    const script = `
for i in $(seq 50); do writer=$(pgrep -x ts-init-journal) && break; sleep 0.1; done
echo writer=$writer state=$(kill -STOP $writer && sleep 0.1 && awk '{print $3}' /proc/$writer/stat)
echo rss-before=$(${RSS_ANON})
/usr/bin/python3 ${FLOOD} 5 syslog,syslog,syslog,native > /run/flood.out 2>&1 &
echo flood-pid=$!
/usr/bin/python3 ${PING} 5
wait
cat /run/flood.out
echo rss-after=$(${RSS_ANON})
kill -CONT $writer
`;
    // Root's flood, unlimited: only the writer's pace holds it back, and the writer is stopped.
    const conf = { '/run/systemd/journald.conf.d/limits.conf': '[Journal]\nRateLimitBurst=0\n' };
    const r = await startJournalRun({ ...STEADY, ...conf }, script).done;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^writer=\d+ state=T$/m);
    const ping = numbers(r.stdout.match(/pings=.*/)![0]);
    const before = Number(r.stdout.match(/rss-before=(\d+)/)![1]);
    const after = Number(r.stdout.match(/rss-after=(\d+)/)![1]);
    const flood = numbers(r.stdout.match(/sent=.*/)![0]);
    console.log(`stalled writer: ${flood.sent} datagrams sent, ${flood.refused} refused; ping ${JSON.stringify(ping)}; PID 1 RssAnon ${before} -> ${after} kB`);
    expect(ping.p50).toBeLessThan(1000);
    expect(ping.max).toBeLessThan(5000);
    expect(after - before).toBeLessThan(32 * 1024);
    // The sockets' queues filled and the sender was refused (it does not wait): nobody but the
    // stopped writer reads them. (PID 1 read them before, and dropped what its queue could not hold.)
    expect(flood.refused).toBeGreaterThan(0);
    const all = journalEntries(r.journal);
    expect(all.some((e) => /^Suppressed \d+ messages: the journal's writer was behind/.test(String(e.MESSAGE)))).toBe(false);
    // (By its pid, which the kernel gave: it is gone when they are read, and its /proc with it.)
    const floodPid = r.stdout.match(/flood-pid=(\d+)/)![1];
    const stored = all.filter((e) => e._PID === floodPid && (e._TRANSPORT === 'syslog' || e._TRANSPORT === 'journal')).length;
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThanOrEqual(flood.sent);
  });
});
