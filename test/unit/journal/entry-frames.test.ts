import { describe, expect, it } from 'vitest';
import { binaryFrame, controlFrame, encodeFrame, FrameDecoder, textFrame } from '../../../src/journal/entry-frames';

const BOOT = Buffer.alloc(16, 7);

describe('entries on the pipe to the writer', () => {
  it('come back whole, however the stream is cut', () => {
    const a = encodeFrame([['MESSAGE', 'one'], ['BIN', Uint8Array.from([0, 10, 61, 255])]], 1_700_000_000_000_123, 42);
    const b = encodeFrame([['MESSAGE', 'two=2']], 5, 6);
    const all = Buffer.concat([a, b].map((f) => Buffer.from(f)));
    for (let cut = 0; cut <= all.length; cut += 7) {
      const d = new FrameDecoder(BOOT);
      const got = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))];
      expect(got.map((e) => e.fields.map(([n, v]) => `${n}=${Buffer.from(v as Uint8Array).toString('latin1')}`))).toEqual([['MESSAGE=one', 'BIN=\0\n=\xff'], ['MESSAGE=two=2']]);
      expect(got[0].realtimeUsec).toBe(1_700_000_000_000_123);
      expect(got[1].monotonicUsec).toBe(6);
    }
  });

  it('text values without a newline go as text; bytes and newlines as binary; both come back the same', () => {
    const fields = [['MESSAGE', 'h\u00e9llo = <3> \r\t'], ['PRIORITY', '6'], ['EMPTY', '']] as const;
    expect(typeof encodeFrame(fields, 1, 2)).toBe('string');
    expect(Buffer.isBuffer(encodeFrame([['MESSAGE', 'two\nlines']], 1, 2))).toBe(true);
    expect(Buffer.isBuffer(encodeFrame([['MESSAGE', Uint8Array.from([65])]], 1, 2))).toBe(true);
    const all = Buffer.concat([
      Buffer.from(textFrame(fields, 1_700_000_000_000_123, 42)!),
      binaryFrame(fields, 7, 8),
      Buffer.from(textFrame([['MESSAGE', 'last']], 9, 10)!),
    ]);
    for (let cut = 0; cut <= all.length; cut++) {
      const d = new FrameDecoder(BOOT);
      const got = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))];
      const text = got.map((e) => e.fields.map(([n, v]) => `${n}=${Buffer.from(v as Uint8Array).toString('utf8')}`));
      expect(text).toEqual([['MESSAGE=h\u00e9llo = <3> \r\t', 'PRIORITY=6', 'EMPTY='], ['MESSAGE=h\u00e9llo = <3> \r\t', 'PRIORITY=6', 'EMPTY='], ['MESSAGE=last']]);
      expect(got.map((e) => [e.realtimeUsec, e.monotonicUsec])).toEqual([[1_700_000_000_000_123, 42], [7, 8], [9, 10]]);
    }
  });

  it('a text frame that never ends is refused at the bound', () => {
    const d = new FrameDecoder(BOOT);
    expect(() => d.push(Buffer.concat([Buffer.from('T1 2\nMESSAGE='), Buffer.alloc(3 << 20, 0x61)]))).toThrow(/frame/);
  });

  it('a stream that is not frames is refused', () => {
    expect(() => new FrameDecoder(BOOT).push(Buffer.from('garbage, not a frame'))).toThrow(/frame/);
  });

  it('field names come back right when their bytes hash alike, and the same name is one string', () => {
    const d = new FrameDecoder(BOOT);
    // "Aa" and "BB" have the same 31-polynomial hash.
    const got = d.push(Buffer.from(`${textFrame([['Aa', '1'], ['BB', '2']], 1, 2)}${textFrame([['BB', '3'], ['Aa', '4']], 3, 4)}`));
    expect(got.map((e) => e.fields.map(([n, v]) => `${n}=${Buffer.from(v as Uint8Array).toString()}`))).toEqual([['Aa=1', 'BB=2'], ['BB=3', 'Aa=4']]);
    const again = d.push(Buffer.from(textFrame([['MESSAGE', 'x']], 5, 6)!));
    const more = d.push(Buffer.from(textFrame([['MESSAGE', 'y']], 7, 8)!));
    expect(more[0].fields[0][0]).toBe(again[0].fields[0][0]);
  });

  it("PID 1's control messages come between entries, one JSON line each, newlines in their values escaped", () => {
    const message = { t: 'unit', unit: 'a\nb.service', settings: { extraFields: [['X', 'one\ntwo']] } };
    const all = Buffer.concat([Buffer.from(textFrame([['MESSAGE', 'before']], 1, 2)!), Buffer.from(controlFrame(message)), Buffer.from(textFrame([['MESSAGE', 'after']], 3, 4)!)]);
    expect(controlFrame(message).split('\n')).toHaveLength(2);
    for (let cut = 0; cut <= all.length; cut += 3) {
      const got: unknown[] = [];
      const d = new FrameDecoder(BOOT, (m) => got.push(m));
      const entries = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))];
      expect(entries.map((e) => Buffer.from(e.fields[0][1] as Uint8Array).toString())).toEqual(['before', 'after']);
      expect(got).toEqual([message]);
    }
    expect(() => new FrameDecoder(BOOT).push(Buffer.from('Cnot json\n'))).toThrow(/not JSON/);
  });
});
