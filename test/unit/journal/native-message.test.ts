import { describe, expect, it } from 'vitest';
import { MAX_FIELDS, parseNativeMessage } from '../../../src/journal/native-message';

const text = (fields: Array<[string, unknown]>) => fields.map(([n, v]) => [n, Buffer.from(v as Uint8Array).toString('latin1')]);

describe("sd_journal_send's datagram", () => {
  it('KEY=VALUE lines', () => {
    const m = parseNativeMessage(Buffer.from('MESSAGE=hello\nPRIORITY=3\nCODE_FILE=a.c\n'));
    expect(text(m.fields)).toEqual([['MESSAGE', 'hello'], ['PRIORITY', '3'], ['CODE_FILE', 'a.c']]);
  });

  it('the binary-safe form keeps newlines and NULs', () => {
    const value = Buffer.from('two\nlines\0and a NUL');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(value.length));
    const m = parseNativeMessage(Buffer.concat([Buffer.from('MESSAGE\n'), len, value, Buffer.from('\nX=1\n')]));
    expect(Buffer.from(m.fields[0][1] as Uint8Array)).toEqual(value);
    expect(text(m.fields)[1]).toEqual(['X', '1']);
  });

  it("a client's trusted and invalid fields are dropped, the rest kept", () => {
    const m = parseNativeMessage(Buffer.from('_PID=1\n_SYSTEMD_UNIT=ssh.service\nlower=x\n9X=1\nMESSAGE=ok\n'));
    expect(text(m.fields)).toEqual([['MESSAGE', 'ok']]);
    expect(m.skipped).toBe(4);
  });

  it('a binary length beyond the datagram ends the parse', () => {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(2n ** 63n);
    const m = parseNativeMessage(Buffer.concat([Buffer.from('A=1\nMESSAGE\n'), len, Buffer.from('xx')]));
    expect(m.truncated).toBe(true);
    expect(text(m.fields)).toEqual([['A', '1']]);
  });

  it('random junk never throws and is bounded', () => {
    for (let i = 0; i < 200; i++) {
      const junk = Buffer.from(Array.from({ length: (i * 37) % 700 }, (_, k) => (k * 131 + i * 7) % 256));
      const m = parseNativeMessage(junk);
      expect(m.fields.length).toBeLessThanOrEqual(MAX_FIELDS);
    }
    expect(parseNativeMessage(Buffer.from('A=1\n'.repeat(MAX_FIELDS + 10))).fields.length).toBe(MAX_FIELDS);
  });
});
