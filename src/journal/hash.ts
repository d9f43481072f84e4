// The two hash functions of journald's file format, over byte strings.
//   jenkinsHash64: Bob Jenkins' lookup3 hashlittle2 with both seeds 0, the primary (c) in the
//     high 32 bits and the secondary (b) in the low 32 bits. Files without the keyed-hash flag
//     index their hash tables with it, and every file's entry `xor_hash` uses it (so cursors and
//     the reader's duplicate detection agree across files whatever their hash).
//   siphash24: SipHash-2-4 with a 128-bit key; files with HEADER_INCOMPATIBLE_KEYED_HASH hash
//     data and field payloads with it, keyed by the file's own file_id, so a client cannot
//     precompute colliding payloads to turn a hash chain into a list.
// Both return the 64-bit value as a bigint; the arithmetic is done in 32-bit halves (a bigint
// per operation would cost some 50 µs per 200-byte message).

const rot32 = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

/** lookup3's hashlittle2(data, length, &c=0, &b=0), returned as (c << 32) | b. */
export function jenkinsHash64(data: Uint8Array): bigint {
  let length = data.length;
  let a = (0xdeadbeef + length) >>> 0;
  let b = a;
  let c = a;
  let k = 0;
  while (length > 12) {
    a = (a + (data[k] | (data[k + 1] << 8) | (data[k + 2] << 16) | (data[k + 3] << 24))) >>> 0;
    b = (b + (data[k + 4] | (data[k + 5] << 8) | (data[k + 6] << 16) | (data[k + 7] << 24))) >>> 0;
    c = (c + (data[k + 8] | (data[k + 9] << 8) | (data[k + 10] << 16) | (data[k + 11] << 24))) >>> 0;
    // mix(a, b, c)
    a = (a - c) >>> 0; a = (a ^ rot32(c, 4)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rot32(a, 6)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rot32(b, 8)) >>> 0; b = (b + a) >>> 0;
    a = (a - c) >>> 0; a = (a ^ rot32(c, 16)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rot32(a, 19)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rot32(b, 4)) >>> 0; b = (b + a) >>> 0;
    length -= 12;
    k += 12;
  }
  if (length === 0) return (BigInt(c) << 32n) | BigInt(b);
  // The last 1..12 bytes, little-endian into c, b, a (lookup3's byte-wise tail).
  const at = (i: number) => (i < length ? data[k + i] : 0);
  c = (c + (at(8) | (at(9) << 8) | (at(10) << 16) | (at(11) << 24))) >>> 0;
  b = (b + (at(4) | (at(5) << 8) | (at(6) << 16) | (at(7) << 24))) >>> 0;
  a = (a + (at(0) | (at(1) << 8) | (at(2) << 16) | (at(3) << 24))) >>> 0;
  // final(a, b, c)
  c = (c ^ b) >>> 0; c = (c - rot32(b, 14)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rot32(c, 11)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rot32(a, 25)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rot32(b, 16)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rot32(c, 4)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rot32(a, 14)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rot32(b, 24)) >>> 0;
  return (BigInt(c) << 32n) | BigInt(b);
}

const le32 = (d: Uint8Array, i: number) => (d[i] | (d[i + 1] << 8) | (d[i + 2] << 16) | (d[i + 3] << 24)) >>> 0;

/**
 * SipHash-2-4 of `data` under the 16-byte `key`. v0..v3 are kept as high/low 32-bit halves in
 * locals of this one function, and the round is written once inside one loop that runs the
 * message blocks (2 rounds each) and then the finalisation (4 rounds): V8 keeps all of it in
 * registers, where a round as a closure over the state cost a tenth of an append.
 */
export function siphash24(data: Uint8Array, key: Uint8Array): bigint {
  const k0l = le32(key, 0);
  const k0h = le32(key, 4);
  const k1l = le32(key, 8);
  const k1h = le32(key, 12);
  let v0h = (k0h ^ 0x736f6d65) >>> 0;
  let v0l = (k0l ^ 0x70736575) >>> 0;
  let v1h = (k1h ^ 0x646f7261) >>> 0;
  let v1l = (k1l ^ 0x6e646f6d) >>> 0;
  let v2h = (k0h ^ 0x6c796765) >>> 0;
  let v2l = (k0l ^ 0x6e657261) >>> 0;
  let v3h = (k1h ^ 0x74656462) >>> 0;
  let v3l = (k1l ^ 0x79746573) >>> 0;
  const n = data.length;
  const whole = n - (n % 8);
  let i = 0;
  let final = false;
  for (;;) {
    let mh = 0;
    let ml = 0;
    let rounds = 4;
    if (!final) {
      if (i < whole) {
        ml = le32(data, i);
        mh = le32(data, i + 4);
      } else {
        // The last 0..7 bytes, with the length's low byte on top.
        mh = (n & 0xff) << 24;
        for (let k = whole; k < n; k++) {
          const shift = (k - whole) * 8;
          if (shift < 32) ml |= data[k] << shift;
          else mh |= data[k] << (shift - 32);
        }
        mh >>>= 0;
        ml >>>= 0;
      }
      v3h = (v3h ^ mh) >>> 0;
      v3l = (v3l ^ ml) >>> 0;
      rounds = 2;
    } else v2l = (v2l ^ 0xff) >>> 0;
    for (let r = 0; r < rounds; r++) {
      let t = v0l + v1l; // v0 += v1; v1 <<<= 13; v1 ^= v0; v0 <<<= 32
      v0h = (v0h + v1h + (t > 0xffffffff ? 1 : 0)) >>> 0;
      v0l = t >>> 0;
      t = ((v1h << 13) | (v1l >>> 19)) >>> 0;
      v1l = (((v1l << 13) | (v1h >>> 19)) ^ v0l) >>> 0;
      v1h = (t ^ v0h) >>> 0;
      t = v0h;
      v0h = v0l;
      v0l = t;
      t = v2l + v3l; // v2 += v3; v3 <<<= 16; v3 ^= v2
      v2h = (v2h + v3h + (t > 0xffffffff ? 1 : 0)) >>> 0;
      v2l = t >>> 0;
      t = ((v3h << 16) | (v3l >>> 16)) >>> 0;
      v3l = (((v3l << 16) | (v3h >>> 16)) ^ v2l) >>> 0;
      v3h = (t ^ v2h) >>> 0;
      t = v0l + v3l; // v0 += v3; v3 <<<= 21; v3 ^= v0
      v0h = (v0h + v3h + (t > 0xffffffff ? 1 : 0)) >>> 0;
      v0l = t >>> 0;
      t = ((v3h << 21) | (v3l >>> 11)) >>> 0;
      v3l = (((v3l << 21) | (v3h >>> 11)) ^ v0l) >>> 0;
      v3h = (t ^ v0h) >>> 0;
      t = v2l + v1l; // v2 += v1; v1 <<<= 17; v1 ^= v2; v2 <<<= 32
      v2h = (v2h + v1h + (t > 0xffffffff ? 1 : 0)) >>> 0;
      v2l = t >>> 0;
      t = ((v1h << 17) | (v1l >>> 15)) >>> 0;
      v1l = (((v1l << 17) | (v1h >>> 15)) ^ v2l) >>> 0;
      v1h = (t ^ v2h) >>> 0;
      t = v2h;
      v2h = v2l;
      v2l = t;
    }
    if (final) break;
    v0h = (v0h ^ mh) >>> 0;
    v0l = (v0l ^ ml) >>> 0;
    if (i >= whole) final = true;
    i += 8;
  }
  const hi = (v0h ^ v1h ^ v2h ^ v3h) >>> 0;
  const lo = (v0l ^ v1l ^ v2l ^ v3l) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}
