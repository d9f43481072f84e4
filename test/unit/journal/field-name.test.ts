// journald's rule for field names, and what a client may set.
import { describe, expect, it } from 'vitest';
import { clientFields, fieldPayload, parseId128 } from '../../../src/journal/entry';
import { isTrustedField, isValidFieldName } from '../../../src/journal/field-name';

describe('isValidFieldName', () => {
  it.each(['MESSAGE', 'PRIORITY', 'A', 'A1', 'CODE_FILE', 'X'.repeat(64), 'SYSLOG_IDENTIFIER'])('accepts %s', (n) => {
    expect(isValidFieldName(n, false)).toBe(true);
  });
  it.each(['', 'message', 'Message', '1ABC', '9', 'A-B', 'A B', 'A=B', 'X'.repeat(65), 'ÄB', 'A\n', 'A.B'])('refuses %j', (n) => {
    expect(isValidFieldName(n, false)).toBe(false);
    expect(isValidFieldName(n, true)).toBe(false);
  });
  it('takes "_" names only from the trusted side', () => {
    for (const n of ['_PID', '_SYSTEMD_UNIT', '__CURSOR', '_']) {
      expect(isValidFieldName(n, false)).toBe(false);
      expect(isValidFieldName(n, true)).toBe(true);
      expect(isTrustedField(n)).toBe(true);
    }
    expect(isTrustedField('MESSAGE')).toBe(false);
  });
});

describe('clientFields', () => {
  it('drops trusted and invalid names, keeps order and repeats', () => {
    const got = clientFields([
      ['MESSAGE', 'hi'],
      ['_PID', '1'],
      ['bad', 'x'],
      ['TAG', 'a'],
      ['TAG', 'b'],
      ['_SYSTEMD_UNIT', 'evil.service'],
    ]);
    expect(got).toEqual([
      ['MESSAGE', 'hi'],
      ['TAG', 'a'],
      ['TAG', 'b'],
    ]);
  });
});

describe('fieldPayload / parseId128', () => {
  it('joins name and binary value with "="', () => {
    expect(fieldPayload('A', Uint8Array.from([0, 10, 61]))).toEqual(Buffer.from([0x41, 0x3d, 0, 10, 61]));
    expect(fieldPayload('MESSAGE', 'héllo').toString()).toBe('MESSAGE=héllo');
  });
  it('reads 128-bit ids with or without dashes', () => {
    expect(parseId128('0123456789abcdef0123456789ABCDEF')?.toString('hex')).toBe('0123456789abcdef0123456789abcdef');
    expect(parseId128('01234567-89ab-cdef-0123-456789abcdef\n')?.length).toBe(16);
    expect(parseId128('xyz')).toBeUndefined();
  });
});
