// systemd-tmpfiles-clean.service under ts-init as PID 1: systemd's own unit, kept, its
// `systemd-tmpfiles --clean` run as ts-init's executable under that name, so that the age
// column is applied whether or not the image has systemd's binary (here the unit names one
// that does not exist). The namespace's /run and unit directories are private tmpfs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAsPid1, TS_INIT } from '../helpers/ts-init';
import { tempDir } from '../helpers/temp-dir';
import { placeFiles } from '../helpers/place-files';

let bin: string;
beforeAll(() => {
  bin = tempDir('ts-init-bin-');
  fs.symlinkSync(TS_INIT, path.join(bin, 'systemctl'));
});

const UNIT = `[Unit]
Description=Cleanup of Temporary Directories
DefaultDependencies=no

[Service]
Type=oneshot
ExecStart=/nonexistent/bin/systemd-tmpfiles --clean
SuccessExitStatus=DATAERR
`;

describe('systemd-tmpfiles-clean.service', () => {
  it('runs ts-init as systemd-tmpfiles --clean: what is older than the age goes, the young and the excluded stay', async () => {
    const setup = placeFiles({
      '/usr/lib/systemd/system/systemd-tmpfiles-clean.service': UNIT,
      '/usr/lib/tmpfiles.d/aging.conf': 'd /run/aging 0755 root root am:1d\nx /run/aging/keep-*\n',
    });
    const cmd = [
      `PATH=${bin}:$PATH`,
      'touch -d "3 days ago" /run/aging/old /run/aging/keep-me',
      'touch /run/aging/new',
      'systemctl start systemd-tmpfiles-clean.service; echo "start=$?"',
      'systemctl show -p Result,ActiveState systemd-tmpfiles-clean.service',
      'ls /run/aging',
    ].join('; ');
    const r = await runAsPid1(['--', '/bin/sh', '-c', cmd], { env: { ...process.env, TS_INIT_RICH: '1' } }, setup);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('start=0');
    expect(r.stdout).toContain('Result=success');
    expect(r.stdout.trim().split('\n').slice(-2)).toEqual(['keep-me', 'new']);
  });
});
