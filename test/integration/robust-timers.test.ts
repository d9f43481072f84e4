// Spans longer than a runtime timer holds (2^31-1 ms, about 24.8 days) mean what they
// say: a 30-day hook timeout, TimeoutStartSec=30d and WatchdogSec=30d do not fire at once.
import { describe, expect, it } from 'vitest';
import { runAsPid1, TS_INIT } from '../helpers/ts-init';
import { notifyDaemon, unitDir } from '../helpers/units';

describe('long spans', () => {
  it('--hook-timeout 2592000 (30 days) lets a half-second hook finish', async () => {
    const r = await runAsPid1(['--hook-timeout', '2592000', '--initcmd', 'cat >/dev/null; sleep 0.5', '--', '/bin/echo', 'cmd-ran']);
    expect(r.stderr).not.toMatch(/still running after/);
    expect(r.stdout).toContain('cmd-ran');
    expect(r.code).toBe(0);
  });

  it('TimeoutStartSec=30d and WatchdogSec=30d neither fail a unit at once; infinity neither', async () => {
    const dir = unitDir({
      'slowstart.service': `[Service]\nType=notify\nTimeoutStartSec=30d\nExecStart=${notifyDaemon(1, 'slow')}\n`,
      'watched.service': `[Service]\nWatchdogSec=30d\nExecStart=/bin/sleep 100\n`,
      'forever.service': `[Service]\nTimeoutStartSec=infinity\nWatchdogSec=infinity\nExecStart=/bin/sleep 100\n`,
    });
    const r = await runAsPid1(['--units', dir, '--', '/bin/sh', '-c', `sleep 1.5; "${TS_INIT}" ctl status`]);
    expect(r.code).toBe(0);
    for (const u of ['slowstart', 'watched', 'forever']) expect(r.stdout).toMatch(new RegExp(`^${u}\\.service\\s+loaded\\s+active\\s+running`, 'm'));
    expect(r.stderr).not.toMatch(/timed out|watchdog timeout/);
  });
});
