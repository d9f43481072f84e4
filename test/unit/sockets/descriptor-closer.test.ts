import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DescriptorCloser, laneOf } from '../../../src/sockets/descriptor-closer';
import { loadKoffi } from '../../../src/sys/native-loader';

/** A close that finishes only when the test says so: a close blocked in the kernel. */
function heldCloses() {
  const pending: Array<{ fd: number; done: () => void }> = [];
  return { pending, closeAsync: (fd: number, done: () => void) => void pending.push({ fd, done }) };
}

describe('DescriptorCloser', () => {
  it('closes one descriptor at a time per lane, in order; a blocked lane does not hold up the pipe lane', () => {
    const c = heldCloses();
    const closer = new DescriptorCloser(c.closeAsync, (fd) => (fd >= 100 ? 'pipe' : 'other'), 4);
    closer.close(1);
    closer.close(2);
    closer.close(100);
    closer.close(101);
    expect(c.pending.map((p) => p.fd)).toEqual([1, 100]);
    c.pending.splice(1, 1)[0]!.done();
    expect(c.pending.map((p) => p.fd)).toEqual([1, 101]);
    expect(closer.held('other')).toBe(2);
    expect(closer.held('pipe')).toBe(1);
  });

  it('a full lane tells its readers, and calls them back once it is down to half', () => {
    const c = heldCloses();
    const closer = new DescriptorCloser(c.closeAsync, () => 'other', 4);
    for (let fd = 1; fd <= 4; fd++) closer.close(fd);
    expect(closer.full('other')).toBe(true);
    let resumed = 0;
    closer.whenRoom('other', () => resumed++);
    c.pending.shift()!.done();
    expect(resumed).toBe(0);
    c.pending.shift()!.done();
    expect(resumed).toBe(1);
    expect(closer.full('other')).toBe(false);
    closer.whenRoom('other', () => resumed++);
    expect(resumed).toBe(2);
  });

  it('really closes, off the main thread', async () => {
    const [r, w] = pipeFds();
    expect(laneOf(w)).toBe('pipe');
    const devNull = fs.openSync('/dev/null', 'r');
    expect(laneOf(devNull)).toBe('other');
    fs.closeSync(devNull);
    const closer = new DescriptorCloser();
    closer.close(w);
    for (let i = 0; i < 100 && closer.held('pipe') > 0; i++) await new Promise((res) => setTimeout(res, 10));
    expect(closer.held('pipe')).toBe(0);
    expect(() => fs.fstatSync(w)).toThrow(/EBADF/);
    fs.closeSync(r);
  });
});

/** A pipe's two ends (the runtime has no pipe(2) of its own). */
function pipeFds(): [number, number] {
  const fds = Buffer.alloc(8);
  const pipe = loadKoffi().load('libc.so.6').func('int pipe(void *fds)') as (b: Buffer) => number;
  expect(pipe(fds)).toBe(0);
  return [fds.readInt32LE(0), fds.readInt32LE(4)];
}
