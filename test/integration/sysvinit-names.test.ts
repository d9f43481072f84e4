// systemd-sysv's links (/sbin/shutdown, runlevel, ...) point at the ts-init executable:
// they answer as systemd does and shut the container down through PID 1.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAsPid1, TS_INIT } from '../helpers/ts-init';
import { tempDir } from '../helpers/temp-dir';

/** The rich init, booting the namespace's systemd directories (where that is not already the default). */
const RICH = { env: { ...process.env, TS_INIT_RICH: '1' } };

let bin: string;
beforeAll(() => {
  bin = tempDir('ts-init-bin-');
  for (const n of ['shutdown', 'runlevel', 'halt', 'telinit']) fs.symlinkSync(TS_INIT, path.join(bin, n));
});

describe('sysvinit names', () => {
  it('runlevel says "N 5" for a graphical default target; shutdown -h now ends PID 1 at once, status 0', async () => {
    const setup = 'ln -s /lib/systemd/system/graphical.target /etc/systemd/system/default.target && printf "[Service]\\nExecStart=/bin/sleep 100\\n" > /etc/systemd/system/idle.service && mkdir /etc/systemd/system/multi-user.target.wants && ln -s ../idle.service /etc/systemd/system/multi-user.target.wants/';
    const r = await runAsPid1(['--', '/bin/sh', '-c', `PATH=${bin}:$PATH; runlevel; shutdown -k now; echo k=$?; shutdown +5; echo later=$?; shutdown -h now; echo asked=$?; sleep 30; echo not-reached`], RICH, setup);
    // The shell is stopped with everything else, often before it can say what shutdown answered.
    expect(r.stdout).toMatch(/^N 5\nk=0\nlater=1\n(asked=0\n)?$/);
    expect(r.stderr).toContain("shutdown: Failed to schedule shutdown at +5: scheduled shutdowns are not supported by ts-init; use 'shutdown now'");
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(10_000);
  });

  it('outside ts-init runlevel says "unknown" and fails, as systemd does without a runlevel record', async () => {
    const r = await runAsPid1(['--no-units', '--', '/bin/sh', '-c', `PATH=${bin}:$PATH; runlevel; echo rc=$?`]);
    expect(r.stdout).toBe('unknown\nrc=1\n');
  });
});
