// The two hash functions of journald's file format, over byte strings.
//   jenkinsHash64: Bob Jenkins' lookup3 hashlittle2 with both seeds 0, the primary (c) in the
//     high 32 bits and the secondary (b) in the low 32 bits. Files without the keyed-hash flag
//     index their hash tables with it, and every file's entry `xor_hash` uses it (so cursors and
//     the reader's duplicate detection agree across files whatever their hash).
//   siphash24: SipHash-2-4 with a 128-bit key; files with HEADER_INCOMPATIBLE_KEYED_HASH hash
//     data and field payloads with it, keyed by the file's own file_id, so a client cannot
//     precompute colliding payloads to turn a hash chain into a list.
// The writer's forms (`...Into`) hash bytes [start, end) of a buffer and leave the 64-bit value
// in `out` as two 32-bit halves: int32 arithmetic that V8 keeps in registers, no bigint and no
// allocation per call (a payload is hashed twice per new data object, on the writer's hot
// path). The bigint forms are for readers and the tests.

/** Where the `...Into` functions leave a hash: out[0] the low 32 bits, out[1] the high ones. */
export type HashOut = Uint32Array;

const rot32 = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/** lookup3's hashlittle2(data[start, end), &c=0, &b=0): out = [b, c]. */
export function jenkinsInto(data: Uint8Array, start: number, end: number, out: HashOut): void {
  let length = end - start;
  let a = (0xdeadbeef + length) | 0;
  let b = a;
  let c = a;
  let k = start;
  while (length > 12) {
    a = (a + (data[k] | (data[k + 1] << 8) | (data[k + 2] << 16) | (data[k + 3] << 24))) | 0;
    b = (b + (data[k + 4] | (data[k + 5] << 8) | (data[k + 6] << 16) | (data[k + 7] << 24))) | 0;
    c = (c + (data[k + 8] | (data[k + 9] << 8) | (data[k + 10] << 16) | (data[k + 11] << 24))) | 0;
    // mix(a, b, c)
    a = (a - c) | 0; a ^= rot32(c, 4); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot32(a, 6); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot32(b, 8); b = (b + a) | 0;
    a = (a - c) | 0; a ^= rot32(c, 16); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot32(a, 19); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot32(b, 4); b = (b + a) | 0;
    length -= 12;
    k += 12;
  }
  if (length > 0) {
    // The last 1..12 bytes, little-endian into a, b, c (lookup3's byte-wise tail).
    let ta = 0;
    let tb = 0;
    let tc = 0;
    for (let i = 0; i < length; i++) {
      const v = data[k + i] << ((i & 3) * 8);
      if (i < 4) ta |= v;
      else if (i < 8) tb |= v;
      else tc |= v;
    }
    a = (a + ta) | 0;
    b = (b + tb) | 0;
    c = (c + tc) | 0;
    // final(a, b, c)
    c ^= b; c = (c - rot32(b, 14)) | 0;
    a ^= c; a = (a - rot32(c, 11)) | 0;
    b ^= a; b = (b - rot32(a, 25)) | 0;
    c ^= b; c = (c - rot32(b, 16)) | 0;
    a ^= c; a = (a - rot32(c, 4)) | 0;
    b ^= a; b = (b - rot32(a, 14)) | 0;
    c ^= b; c = (c - rot32(b, 24)) | 0;
  }
  out[0] = b;
  out[1] = c;
}

const le32 = (d: Uint8Array, i: number) => d[i] | (d[i + 1] << 8) | (d[i + 2] << 16) | (d[i + 3] << 24);

/** A SipHash key as four little-endian 32-bit words (k0 low, k0 high, k1 low, k1 high). */
export function sipKey(key: Uint8Array): Int32Array {
  return Int32Array.of(le32(key, 0), le32(key, 4), le32(key, 8), le32(key, 12));
}

/**
 * SipHash-2-4 of data[start, end) under `key` (sipKey's words). v0..v3 are kept as high/low
 * 32-bit halves in locals of this one function, and the round is written once inside one loop
 * that runs the message blocks (2 rounds each) and then the finalisation (4 rounds): V8 keeps
 * all of it in registers. A 64-bit sum's carry out of the low half is worked out with bit operations.
 */
export function siphash24Into(data: Uint8Array, start: number, end: number, key: Int32Array, out: HashOut): void {
  const k0l = key[0];
  const k0h = key[1];
  const k1l = key[2];
  const k1h = key[3];
  let v0h = k0h ^ 0x736f6d65;
  let v0l = k0l ^ 0x70736575;
  let v1h = k1h ^ 0x646f7261;
  let v1l = k1l ^ 0x6e646f6d;
  let v2h = k0h ^ 0x6c796765;
  let v2l = k0l ^ 0x6e657261;
  let v3h = k1h ^ 0x74656462;
  let v3l = k1l ^ 0x79746573;
  const n = end - start;
  const whole = start + n - (n % 8);
  let i = start;
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
        for (let k = whole; k < end; k++) {
          const shift = (k - whole) * 8;
          if (shift < 32) ml |= data[k] << shift;
          else mh |= data[k] << (shift - 32);
        }
      }
      v3h ^= mh;
      v3l ^= ml;
      rounds = 2;
    } else v2l ^= 0xff;
    for (let r = 0; r < rounds; r++) {
      let t = (v0l + v1l) | 0; // v0 += v1; v1 <<<= 13; v1 ^= v0; v0 <<<= 32
      v0h = (v0h + v1h + (((v0l & v1l) | ((v0l | v1l) & ~t)) >>> 31)) | 0;
      v0l = t;
      t = (v1h << 13) | (v1l >>> 19);
      v1l = ((v1l << 13) | (v1h >>> 19)) ^ v0l;
      v1h = t ^ v0h;
      t = v0h;
      v0h = v0l;
      v0l = t;
      t = (v2l + v3l) | 0; // v2 += v3; v3 <<<= 16; v3 ^= v2
      v2h = (v2h + v3h + (((v2l & v3l) | ((v2l | v3l) & ~t)) >>> 31)) | 0;
      v2l = t;
      t = (v3h << 16) | (v3l >>> 16);
      v3l = ((v3l << 16) | (v3h >>> 16)) ^ v2l;
      v3h = t ^ v2h;
      t = (v0l + v3l) | 0; // v0 += v3; v3 <<<= 21; v3 ^= v0
      v0h = (v0h + v3h + (((v0l & v3l) | ((v0l | v3l) & ~t)) >>> 31)) | 0;
      v0l = t;
      t = (v3h << 21) | (v3l >>> 11);
      v3l = ((v3l << 21) | (v3h >>> 11)) ^ v0l;
      v3h = t ^ v0h;
      t = (v2l + v1l) | 0; // v2 += v1; v1 <<<= 17; v1 ^= v2; v2 <<<= 32
      v2h = (v2h + v1h + (((v2l & v1l) | ((v2l | v1l) & ~t)) >>> 31)) | 0;
      v2l = t;
      t = (v1h << 17) | (v1l >>> 15);
      v1l = ((v1l << 17) | (v1h >>> 15)) ^ v2l;
      v1h = t ^ v2h;
      t = v2h;
      v2h = v2l;
      v2l = t;
    }
    if (final) break;
    v0h ^= mh;
    v0l ^= ml;
    if (i >= whole) final = true;
    i += 8;
  }
  out[0] = v0l ^ v1l ^ v2l ^ v3l;
  out[1] = v0h ^ v1h ^ v2h ^ v3h;
}

const scratch = new Uint32Array(2);
const toBig = (out: HashOut): bigint => (BigInt(out[1]) << 32n) | BigInt(out[0]);

/** lookup3's hashlittle2(data, length, &c=0, &b=0), returned as (c << 32) | b. */
export function jenkinsHash64(data: Uint8Array): bigint {
  jenkinsInto(data, 0, data.length, scratch);
  return toBig(scratch);
}

/** SipHash-2-4 of `data` under the 16-byte `key`. */
export function siphash24(data: Uint8Array, key: Uint8Array): bigint {
  siphash24Into(data, 0, data.length, sipKey(key), scratch);
  return toBig(scratch);
}
