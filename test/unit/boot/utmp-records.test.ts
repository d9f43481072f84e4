import { describe, expect, it } from 'vitest';
import {
  BOOT_TIME,
  bootRecord,
  currentRunlevel,
  decodeRecord,
  encodeRecord,
  RUN_LVL,
  runlevelOfTarget,
  runlevelRecord,
  shutdownRecord,
  UTMP_RECORD_SIZE,
  utmpSlot,
} from '../../../src/boot/utmp-records';

const T = 1_765_000_000_123_456n;
const R = '6.1.0-test-amd64';

describe("systemd-update-utmp's records in glibc's x86_64 struct utmp", () => {
  it('the boot record: BOOT_TIME, reboot, ~ and ~~, the kernel release, the time to the microsecond, 384 bytes', () => {
    const buf = encodeRecord(bootRecord(T, R));
    expect(buf.length).toBe(UTMP_RECORD_SIZE);
    expect(buf.readInt16LE(0)).toBe(BOOT_TIME);
    expect(buf.toString('latin1', 8, 9)).toBe('~');
    expect(buf.toString('latin1', 40, 42)).toBe('~~');
    expect(buf.toString('latin1', 44, 50)).toBe('reboot');
    expect(buf.toString('latin1', 76, 76 + R.length)).toBe(R);
    expect(buf.readInt32LE(340)).toBe(1_765_000_000);
    expect(buf.readInt32LE(344)).toBe(123_456);
    expect(decodeRecord(buf)).toEqual({ type: BOOT_TIME, pid: 0, line: '~', id: '~~', user: 'reboot', host: R, timeUs: T });
  });

  it("the runlevel record carries the runlevel and the previous one in ut_pid's two low bytes; none when unchanged", () => {
    const three = '3'.charCodeAt(0);
    expect(runlevelRecord(T, R, three, 0)).toMatchObject({ type: RUN_LVL, user: 'runlevel', pid: three });
    expect(runlevelRecord(T, R, '5'.charCodeAt(0), three)!.pid).toBe(('5'.charCodeAt(0)) | (three << 8));
    expect(runlevelRecord(T, R, three, three)).toBeUndefined();
    expect(shutdownRecord(T, R)).toMatchObject({ type: RUN_LVL, user: 'shutdown', pid: 0 });
    expect([runlevelOfTarget('graphical.target'), runlevelOfTarget('multi-user.target'), runlevelOfTarget('rescue.target')]).toEqual([53, 51, 49]);
    expect(runlevelOfTarget('default.target')).toBeUndefined();
  });

  it('a long field is cut to its size without a NUL, as strncpy does', () => {
    const buf = encodeRecord({ ...bootRecord(T, R), user: 'u'.repeat(40) });
    expect(buf.toString('latin1', 44, 76)).toBe('u'.repeat(32));
    expect(decodeRecord(buf).user).toBe('u'.repeat(32));
  });

  it("utmp's slot: over the first record of the type, else after the last whole record (a torn tail is written over)", () => {
    const boot = encodeRecord(bootRecord(T, R));
    const level = encodeRecord(runlevelRecord(T, R, 51, 0)!);
    const file = Buffer.concat([boot, level]);
    expect(utmpSlot(file, BOOT_TIME)).toBe(0);
    expect(utmpSlot(file, RUN_LVL)).toBe(UTMP_RECORD_SIZE);
    expect(utmpSlot(boot, RUN_LVL)).toBe(UTMP_RECORD_SIZE);
    expect(utmpSlot(Buffer.concat([boot, Buffer.alloc(100)]), RUN_LVL)).toBe(UTMP_RECORD_SIZE);
    expect(currentRunlevel(file)).toBe(51);
    expect(currentRunlevel(boot)).toBe(0);
  });
});
