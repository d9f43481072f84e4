// 128-bit IDs as systemd reads them.
import { describe, expect, it } from 'vitest';
import { parseId128String, readId128Text } from '../../../src/units/id128';

const ID = '0123456789abcdef0123456789abcdef';

describe('reading a machine-id file as id128_read does', () => {
  it('32 hex digits with an optional newline; empty, uninitialized, all-zero and anything else refused', () => {
    expect(readId128Text(`${ID}\n`)).toEqual({ ok: true, id: ID });
    expect(readId128Text(ID.toUpperCase())).toEqual({ ok: true, id: ID });
    expect(readId128Text('')).toEqual({ ok: false, why: 'empty' });
    expect(readId128Text('uninitialized\n')).toEqual({ ok: false, why: 'uninitialized' });
    expect(readId128Text('0'.repeat(32))).toEqual({ ok: false, why: 'null' });
    for (const bad of ['\n', `${ID}\n\n`, `${ID.slice(1)}x\n`, '01234567-89ab-cdef-0123-456789abcdef\n', 'hello', ` ${ID}`]) {
      expect(readId128Text(bad), bad).toEqual({ ok: false, why: 'invalid' });
    }
  });

  it('$container_uuid: plain or UUID form', () => {
    expect(parseId128String('01234567-89AB-cdef-0123-456789abcdef')).toBe(ID);
    expect(parseId128String(ID)).toBe(ID);
    expect(parseId128String('nope')).toBeUndefined();
    expect(parseId128String('00000000-0000-0000-0000-000000000000')).toBeUndefined();
  });
});
