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

// A plain 64-bit (bigint) SipHash-2-4, written from the paper, to check the 32-bit one at every tail length.
function sipReference(data: Uint8Array, key: Uint8Array): bigint {
  const M = (1n << 64n) - 1n;
  const rotl = (x: bigint, b: bigint) => ((x << b) | (x >> (64n - b))) & M;
  const le = (d: Uint8Array, i: number, n: number) => {
    let x = 0n;
    for (let k = n - 1; k >= 0; k--) x = (x << 8n) | BigInt(d[i + k]);
    return x;
  };
  const k0 = le(key, 0, 8);
  const k1 = le(key, 8, 8);
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;
  const round = () => {
    v0 = (v0 + v1) & M; v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & M; v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & M; v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & M; v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  };
  const whole = data.length - (data.length % 8);
  for (let i = 0; i < whole; i += 8) {
    const m = le(data, i, 8);
    v3 ^= m; round(); round(); v0 ^= m;
  }
  const m = (BigInt(data.length & 0xff) << 56n) | le(data, whole, data.length - whole);
  v3 ^= m; round(); round(); v0 ^= m;
  v2 ^= 0xffn;
  round(); round(); round(); round();
  return v0 ^ v1 ^ v2 ^ v3;
}

describe('siphash24 against a 64-bit reference', () => {
  it('agrees at every length up to 80 bytes and for random keys', () => {
    for (let n = 0; n <= 80; n++) {
      const key = Uint8Array.from({ length: 16 }, (_, i) => (i * 37 + n) & 0xff);
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 151 + 7 * n) & 0xff);
      expect(siphash24(data, key)).toBe(sipReference(data, key));
    }
  });
});
