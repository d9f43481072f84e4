// A boot's entries go into one journal file. PID 1 stamps its own lines (a unit started, finished)
// when it makes them and the writer its units' lines when it reads them, so a line of PID 1's can
// reach the writer after a later line of a unit's; the writer used to store it as it came, earlier
// than the file's last entry, and that starts a new file (journald's rule when the clock goes
// back): in the vm image's boot, eight files for 400 entries, each new file some 30 ms of the
// writer's CPU. Now such a line takes the time of the entry stored before it.
import { describe, expect, it } from 'vitest';
import { journalEntries, startJournalRun } from '../helpers/journal-pid1';

const ONESHOTS = 10;
const FLOOD = 20000;
const wanted = (name: string) => ({ [`/etc/systemd/system/multi-user.target.wants/${name}`]: `->/etc/systemd/system/${name}` });
const files: Record<string, string> = {
  '/run/systemd/journald.conf.d/limits.conf': '[Journal]\nRateLimitBurst=0\n',
  // Keeps the writer busy with its lines while PID 1 says the oneshots ended, one after another.
  '/etc/systemd/system/flood.service': `[Service]\nExecStart=/bin/sh -c 'seq ${FLOOD} | sed s/^/flood-line-/; exec sleep 1000'\n`,
  ...wanted('flood.service'),
};
for (let n = 1; n <= ONESHOTS; n++) {
  files[`/etc/systemd/system/oneshot${n}.service`] = `[Service]\nType=oneshot\nExecStart=/bin/sleep 0.0${n - 1}\n`;
  Object.assign(files, wanted(`oneshot${n}.service`));
}

describe("a boot's entries in one journal file", () => {
  it("units' lines and PID 1's, interleaved, go into system.journal in time order: no file is started", async () => {
    const script = `
for i in $(seq 100); do journalctl -D /var/log/journal -o cat --no-pager 2>/dev/null | grep -q -x flood-line-${FLOOD} && break; sleep 0.1; done
echo files: $(ls /var/log/journal/*/)
`;
    const r = await startJournalRun(files, script).done;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('files: system.journal\n');
    const all = journalEntries(r.journal);
    expect(all.filter((e) => /^flood-line-\d+$/.test(String(e.MESSAGE))).length).toBe(FLOOD);
    // PID 1's lines about the oneshots are there too, and the file is in time order.
    expect(all.filter((e) => e._PID === '1' && /^oneshot\d+\.service$/.test(String(e.UNIT))).length).toBeGreaterThanOrEqual(2 * ONESHOTS);
    const stamps = all.map((e) => Number(e.__REALTIME_TIMESTAMP));
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
  }, 60_000);
});
