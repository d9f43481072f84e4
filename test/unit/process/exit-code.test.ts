import { describe, expect, it } from 'vitest';
import { endFromNode, exitCodeOf, finalExitCode, spawnErrorExitCode } from '../../../src/process/exit-code';
import { decodeWaitStatus } from '../../../src/sys/libc';

describe('exit codes', () => {
  it('128+N for signals, the code otherwise, -e remaps the final value', () => {
    expect(exitCodeOf({ code: 3 })).toBe(3);
    expect(exitCodeOf({ signal: 15 })).toBe(143);
    expect(finalExitCode({ signal: 15 }, new Set([143]))).toBe(0);
    expect(finalExitCode({ code: 1 }, new Set([143]))).toBe(1);
    expect(endFromNode(null, 'SIGKILL')).toEqual({ signal: 9 });
    expect(endFromNode(5, null)).toEqual({ code: 5 });
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
