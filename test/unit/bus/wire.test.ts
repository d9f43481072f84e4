import { describe, expect, it } from 'vitest';
import { decodeHeader, decodeMessage, encodeMessage, frameLength, headerLength, type Message, MessageType } from '../../../src/bus/message';
import { Reader, splitSignature, variant, WireError, Writer } from '../../../src/bus/wire';

function roundTrip(sig: string, values: unknown[]): unknown[] {
  const w = new Writer();
  w.values(sig, values);
  return new Reader(Buffer.from(w.bytes()), 0, true).values(sig);
}

describe('signatures', () => {
  it('splits into complete types and refuses malformed ones', () => {
    expect(splitSignature('sa{sv}(iu)as')).toEqual(['s', 'a{sv}', '(iu)', 'as']);
    expect(splitSignature('')).toEqual([]);
    for (const bad of ['a', '(', '()', 'a{vs}', 'a{s}', 'a{sss}', 'z', '(i', 'a'.repeat(70) + 'i', 's'.repeat(256)]) {
      expect(() => splitSignature(bad), bad).toThrow(WireError);
    }
  });
});

describe('marshalling', () => {
  it('round-trips every basic and container type', () => {
    const values = [7, true, -3, 65535, -70000, 4000000000, -(2n ** 40n), 2n ** 63n, 1.5, 'hé', '/a/b', 'a{sv}', variant('as', ['x', 'y'])];
    expect(roundTrip('ybnqiuxtdsogv', values)).toEqual(values);
    const rows = [['a', 1, [['k', variant('s', 'v')]]], ['b', 2, []]];
    expect(roundTrip('a(sua{sv})', [rows])).toEqual([rows]);
    expect(roundTrip('a(ssssssouso)', [[]])).toEqual([[]]);
  });

  it('pads as the specification says: an array length counts its elements, not the padding before them', () => {
    const w = new Writer();
    w.values('a(s)', [[['x']]]);
    // array length 6, 4 bytes of padding to the struct's 8, string length 1, "x\0"
    expect([...w.bytes()]).toEqual([6, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 120, 0]);
  });

  it('writes strings in place as the buffer grows, with zero padding and their NULs, ASCII or not', () => {
    const long = 'x'.repeat(300);
    const values = [[long, 'é€', '', 'a\u00ff', long + 'ü']];
    // The reader refuses non-zero padding and a missing NUL: a round trip checks both.
    expect(roundTrip('a(sy)', [values[0]!.map((v, i) => [v, i])])).toEqual([values[0]!.map((v, i) => [v, i])]);
    const w = new Writer();
    w.values('ys', [1, 'é']);
    expect([...w.bytes()]).toEqual([1, 0, 0, 0, 2, 0, 0, 0, 0xc3, 0xa9, 0]);
  });

  it('reads big-endian messages too', () => {
    const b = Buffer.from([0, 0, 0, 3, 0x61, 0x62, 0x63, 0]);
    expect(new Reader(b, 0, false).values('s')).toEqual(['abc']);
  });

  it('refuses, with a WireError, what lies about its lengths or contents', () => {
    const bad: Array<[string, number[]]> = [
      ['s', [5, 0, 0, 0, 0x61, 0]], // string longer than the bytes there are
      ['s', [1, 0, 0, 0, 0x61, 1]], // not NUL-terminated
      ['s', [2, 0, 0, 0, 0x61, 0, 0]], // NUL inside
      ['s', [1, 0, 0, 0, 0xff, 0]], // not UTF-8
      ['b', [2, 0, 0, 0]], // boolean 2
      ['au', [0xff, 0xff, 0xff, 0x7f]], // array of 2 GiB
      ['au', [8, 0, 0, 0, 1, 0, 0, 0]], // array length past the end
      ['au', [3, 0, 0, 0, 1, 0, 0, 0]], // array length inside an element
      ['v', [2, 0x61, 0x61, 0]], // variant of two types
      ['yu', [1, 1, 0, 0, 5, 0, 0, 0]], // non-zero padding
    ];
    for (const [sig, bytes] of bad) expect(() => new Reader(Buffer.from(bytes), 0, true).values(sig), `${sig} ${bytes}`).toThrow(WireError);
  });

  it('refuses variants nested without end', () => {
    // 100 variants, each holding the next: v → "v" → ...
    const bytes: number[] = [];
    for (let i = 0; i < 100; i++) bytes.push(1, 0x76, 0);
    bytes.push(1, 0x79, 0, 7);
    expect(() => new Reader(Buffer.from(bytes), 0, true).values('v')).toThrow(WireError);
  });
});

describe('messages', () => {
  const call: Message = {
    type: MessageType.MethodCall,
    flags: 0,
    serial: 9,
    path: '/org/freedesktop/systemd1',
    interface: 'org.freedesktop.systemd1.Manager',
    member: 'GetUnit',
    destination: 'org.freedesktop.systemd1',
    sender: ':1.5',
    signature: 's',
    body: ['ssh.service'],
  };

  it('encodes and decodes, and frames from the first 16 bytes', () => {
    const b = encodeMessage(call);
    expect(frameLength(b.subarray(0, 16))).toBe(b.length);
    expect(frameLength(b.subarray(0, 15))).toBeUndefined();
    expect(decodeMessage(b)).toEqual(call);
    expect(decodeHeader(b.subarray(0, headerLength(b))).m).toEqual({ ...call, body: [] });
  });

  it('refuses a message whose body does not match its signature, or that lacks what its type needs', () => {
    const b = encodeMessage(call);
    const short = Buffer.from(b);
    short.writeUInt32LE(b.readUInt32LE(4) + 4, 4); // body length says more than there is
    expect(() => decodeMessage(short)).toThrow(WireError);
    expect(() => decodeMessage(encodeMessage({ ...call, member: undefined }))).toThrow(WireError);
    expect(() => decodeMessage(encodeMessage({ ...call, type: MessageType.MethodReturn }))).toThrow(WireError);
    const badMark = Buffer.from(b);
    badMark[0] = 0x51;
    expect(() => frameLength(badMark)).toThrow(WireError);
  });

  it('never throws anything but WireError or RangeError on random bytes', () => {
    let seed = 1;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed);
    const good = encodeMessage(call);
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.from(good);
      for (let j = 0; j < 1 + (i % 6); j++) b[rnd() % b.length] = rnd() & 0xff;
      try {
        decodeMessage(b);
      } catch (err) {
        expect(err instanceof WireError || err instanceof RangeError).toBe(true);
      }
    }
  });
});
