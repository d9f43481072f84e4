import { describe, expect, it } from 'vitest';
import { finalExitCode, spawnErrorExitCode } from '../../../src/process/exit-code';
import { exitCodeOf, exitFromNode, exitFromWaitStatus } from '../../../src/process/process-exit';
import { decodeWaitStatus } from '../../../src/sys/libc';

describe('exit codes', () => {
  it('128+N for signals, the code otherwise, -e remaps the final value', () => {
    expect(exitCodeOf({ code: 3 })).toBe(3);
    expect(exitCodeOf({ signal: 15 })).toBe(143);
    expect(finalExitCode({ signal: 15 }, new Set([143]))).toBe(0);
    expect(finalExitCode({ code: 1 }, new Set([143]))).toBe(1);
  });

  it('spawn errors map to the shell codes', () => {
    expect(spawnErrorExitCode('ENOENT')).toBe(127);
    expect(spawnErrorExitCode('EACCES')).toBe(126);
    expect(spawnErrorExitCode('ENOEXEC')).toBe(126);
  });

  it('decodes raw wait statuses', () => {
    expect(decodeWaitStatus(7, 0x2a00)).toEqual({ pid: 7, kind: 'exited', code: 42 });
    expect(decodeWaitStatus(7, 0x0f)).toEqual({ pid: 7, kind: 'signaled', signal: 15, coreDumped: false });
    expect(decodeWaitStatus(7, 0x8b)).toEqual({ pid: 7, kind: 'signaled', signal: 11, coreDumped: true });
    expect(decodeWaitStatus(7, 0x137f)).toEqual({ pid: 7, kind: 'stopped', signal: 19 });
  });
});

describe('one exit type from both collectors', () => {
  it('libuv and the reaper say the same thing the same way', () => {
    expect(exitFromNode(null, 'SIGKILL')).toEqual({ signal: 9 });
    expect(exitFromNode(5, null)).toEqual({ code: 5 });
    expect(exitFromWaitStatus(decodeWaitStatus(7, 0x0500))).toEqual({ code: 5 });
    expect(exitFromWaitStatus(decodeWaitStatus(7, 0x09))).toEqual({ signal: 9, coreDumped: false });
    expect(exitFromWaitStatus(decodeWaitStatus(7, 0x8b))).toEqual({ signal: 11, coreDumped: true });
  });

  it('a stop or a continue is not an end', () => {
    expect(exitFromWaitStatus(decodeWaitStatus(7, 0x137f))).toBeUndefined();
    expect(exitFromWaitStatus(decodeWaitStatus(7, 0xffff))).toBeUndefined();
  });
});
