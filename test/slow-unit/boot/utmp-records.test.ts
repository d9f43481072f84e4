// The boot records ts-init writes as systemd-update-utmp does, read back by this machine's own
// `who` and `last` (util-linux, coreutils through glibc): files in a temporary directory.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UTMP_RECORD_SIZE } from '../../../src/boot/utmp-records';
import { utmpLayoutKnown, writeBootRecord, writeRunlevelRecord, writeShutdownRecord } from '../../../src/boot/utmp';
import { createLogger } from '../../../src/log/logger';
import { tempDir } from '../../helpers/temp-dir';

const log = createLogger(0, 'text');
const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' } });

function files(): { utmp: string; wtmp: string } {
  const dir = tempDir('ts-init-utmp-');
  const f = { utmp: path.join(dir, 'utmp'), wtmp: path.join(dir, 'wtmp') };
  fs.writeFileSync(f.utmp, '');
  fs.writeFileSync(f.wtmp, '');
  return f;
}

describe.runIf(utmpLayoutKnown())('boot records, as who and last read them', () => {
  it('who -b shows the boot, who -r the runlevel, last -x the reboot and the shutdown', () => {
    const f = files();
    const boot = Date.UTC(2026, 11, 7, 13, 5, 0);
    writeBootRecord(log, boot, f);
    writeRunlevelRecord(log, new Set(['multi-user.target', 'sysinit.target']), f, boot + 60_000);
    expect(run('who', ['-b', f.utmp])).toMatch(/^\s+system boot\s+Dec {2}7 13:05\s*$/m);
    expect(run('who', ['-r', f.utmp])).toMatch(/^\s+run-level 3\s+Dec {2}7 13:06\s*$/m);
    writeShutdownRecord(log, f, boot + 3_600_000);
    const last = run('last', ['-x', '-f', f.wtmp, '--time-format', 'iso']);
    expect(last).toMatch(new RegExp(`^reboot\\s+system boot\\s+${os.release().replace(/[.+]/g, '\\$&')}\\s+2026-12-07T13:05:00\\+00:00 - 2026-12-07T14:05:00\\+00:00`, 'm'));
    expect(last).toMatch(/^shutdown\s+system down\s+\S+\s+2026-12-07T14:05:00\+00:00/m);
    expect(last).toMatch(/^runlevel\s+\(to lvl 3\)\s+/m);
    // utmp keeps one of each: the shutdown took the runlevel's slot; wtmp has all three.
    expect(fs.statSync(f.utmp).size).toBe(2 * UTMP_RECORD_SIZE);
    expect(fs.statSync(f.wtmp).size).toBe(3 * UTMP_RECORD_SIZE);
  });

  it('a second boot replaces the boot record in utmp and adds one to wtmp; graphical.target is runlevel 5, last=3', () => {
    const f = files();
    writeBootRecord(log, Date.UTC(2026, 0, 1), f);
    writeRunlevelRecord(log, new Set(['multi-user.target']), f);
    writeBootRecord(log, Date.UTC(2026, 0, 2), f);
    writeRunlevelRecord(log, new Set(['graphical.target', 'multi-user.target']), f);
    writeRunlevelRecord(log, new Set(['graphical.target']), f); // unchanged: nothing written
    expect(run('who', ['-b', f.utmp])).toMatch(/system boot\s+Jan {2}2 00:00/);
    expect(run('who', ['-r', f.utmp])).toMatch(/run-level 5 .*last=3/);
    expect(fs.statSync(f.utmp).size).toBe(2 * UTMP_RECORD_SIZE);
    expect(run('last', ['-x', '-f', f.wtmp]).match(/^reboot /gm)).toHaveLength(2);
  });

  it('absent files stay absent; a symlink or a FIFO is refused with a warning, never followed or blocked on', () => {
    const dir = tempDir('ts-init-utmp-');
    const absent = { utmp: path.join(dir, 'no-utmp'), wtmp: path.join(dir, 'no-wtmp') };
    writeBootRecord(log, Date.now(), absent);
    expect(fs.readdirSync(dir)).toEqual([]);
    const target = path.join(dir, 'target');
    fs.writeFileSync(target, '');
    fs.symlinkSync(target, path.join(dir, 'link'));
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    const warnings: string[] = [];
    const spy = { ...log, warn: (m: string) => warnings.push(m) } as unknown as typeof log;
    writeBootRecord(spy, Date.now(), { utmp: path.join(dir, 'link'), wtmp: path.join(dir, 'fifo') });
    expect(fs.statSync(target).size).toBe(0);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(/cannot write the boot record to .*\/fifo: ENXIO/);
  });
});
