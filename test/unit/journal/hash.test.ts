// The journal format's hash functions against their published reference values.
import { describe, expect, it } from 'vitest';
import { jenkinsHash64, siphash24 } from '../../../src/journal/hash';

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => i);

describe('jenkinsHash64 (lookup3 hashlittle2, seeds 0)', () => {
  it('gives lookup3 driver values', () => {
    // lookup3.c's driver5: hashlittle2("", 0) -> c=deadbeef b=deadbeef;
    // hashlittle2("Four score and seven years ago", 30) -> c=17770551 b=ce7226e6.
    expect(jenkinsHash64(new Uint8Array())).toBe(0xdeadbeefdeadbeefn);
    expect(jenkinsHash64(Buffer.from('Four score and seven years ago'))).toBe(0x17770551ce7226e6n);
  });
  it('covers every tail length without throwing and differs by content', () => {
    const seen = new Set<bigint>();
    for (let n = 0; n <= 40; n++) seen.add(jenkinsHash64(bytes(n)));
    expect(seen.size).toBe(41);
  });
});

describe('siphash24', () => {
  it('gives the reference vectors of the SipHash paper', () => {
    const key = bytes(16);
    expect(siphash24(new Uint8Array(), key)).toBe(0x726fdb47dd0e0e31n);
    expect(siphash24(bytes(15), key)).toBe(0xa129ca6149be45e5n);
    expect(siphash24(bytes(8), key)).toBe(0x93f5f5799a932462n);
  });
});
