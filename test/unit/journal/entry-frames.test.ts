import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder } from '../../../src/journal/entry-frames';

const BOOT = Buffer.alloc(16, 7);

describe('entries on the pipe to the writer', () => {
  it('come back whole, however the stream is cut', () => {
    const a = encodeFrame([['MESSAGE', 'one'], ['BIN', Uint8Array.from([0, 10, 61, 255])]], 1_700_000_000_000_123, 42);
    const b = encodeFrame([['MESSAGE', 'two=2']], 5, 6);
    const all = Buffer.concat([a, b]);
    for (let cut = 0; cut <= all.length; cut += 7) {
      const d = new FrameDecoder(BOOT);
      const got = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))];
      expect(got.map((e) => e.fields.map(([n, v]) => `${n}=${Buffer.from(v as Uint8Array).toString('latin1')}`))).toEqual([['MESSAGE=one', 'BIN=\0\n=\xff'], ['MESSAGE=two=2']]);
      expect(got[0].realtimeUsec).toBe(1_700_000_000_000_123);
      expect(got[1].monotonicUsec).toBe(6);
    }
  });

  it('a stream that is not frames is refused', () => {
    expect(() => new FrameDecoder(BOOT).push(Buffer.from('garbage, not a frame'))).toThrow(/frame/);
  });
});
