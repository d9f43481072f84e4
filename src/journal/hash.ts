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

// SipHash state: v0..v3 as [hi, lo] pairs in one array (h0, l0, h1, l1, h2, l2, h3, l3).
function add64(v: Uint32Array, x: number, y: number): void {
  const lo = v[x + 1] + v[y + 1];
  v[x] = (v[x] + v[y] + (lo > 0xffffffff ? 1 : 0)) >>> 0;
  v[x + 1] = lo >>> 0;
}

function rotl64(v: Uint32Array, x: number, k: number): void {
  const h = v[x];
  const l = v[x + 1];
  if (k === 32) {
    v[x] = l;
    v[x + 1] = h;
  } else if (k < 32) {
    v[x] = ((h << k) | (l >>> (32 - k))) >>> 0;
    v[x + 1] = ((l << k) | (h >>> (32 - k))) >>> 0;
  } else {
    const j = k - 32;
    v[x] = ((l << j) | (h >>> (32 - j))) >>> 0;
    v[x + 1] = ((h << j) | (l >>> (32 - j))) >>> 0;
  }
}

function xor64(v: Uint32Array, x: number, y: number): void {
  v[x] = (v[x] ^ v[y]) >>> 0;
  v[x + 1] = (v[x + 1] ^ v[y + 1]) >>> 0;
}

const V0 = 0;
const V1 = 2;
const V2 = 4;
const V3 = 6;

function sipRound(v: Uint32Array): void {
  add64(v, V0, V1); rotl64(v, V1, 13); xor64(v, V1, V0); rotl64(v, V0, 32);
  add64(v, V2, V3); rotl64(v, V3, 16); xor64(v, V3, V2);
  add64(v, V0, V3); rotl64(v, V3, 21); xor64(v, V3, V0);
  add64(v, V2, V1); rotl64(v, V1, 17); xor64(v, V1, V2); rotl64(v, V2, 32);
}

function absorb(v: Uint32Array, mHi: number, mLo: number): void {
  v[V3] = (v[V3] ^ mHi) >>> 0;
  v[V3 + 1] = (v[V3 + 1] ^ mLo) >>> 0;
  sipRound(v);
  sipRound(v);
  v[V0] = (v[V0] ^ mHi) >>> 0;
  v[V0 + 1] = (v[V0 + 1] ^ mLo) >>> 0;
}

const le32 = (d: Uint8Array, i: number) => (d[i] | (d[i + 1] << 8) | (d[i + 2] << 16) | (d[i + 3] << 24)) >>> 0;

/** SipHash-2-4 of `data` under the 16-byte `key`. */
export function siphash24(data: Uint8Array, key: Uint8Array): bigint {
  const k0l = le32(key, 0);
  const k0h = le32(key, 4);
  const k1l = le32(key, 8);
  const k1h = le32(key, 12);
  const v = new Uint32Array([
    (k0h ^ 0x736f6d65) >>> 0, (k0l ^ 0x70736575) >>> 0,
    (k1h ^ 0x646f7261) >>> 0, (k1l ^ 0x6e646f6d) >>> 0,
    (k0h ^ 0x6c796765) >>> 0, (k0l ^ 0x6e657261) >>> 0,
    (k1h ^ 0x74656462) >>> 0, (k1l ^ 0x79746573) >>> 0,
  ]);
  const n = data.length;
  const whole = n - (n % 8);
  for (let i = 0; i < whole; i += 8) absorb(v, le32(data, i + 4), le32(data, i));
  const tail = new Uint8Array(8);
  tail.set(data.subarray(whole));
  tail[7] = n & 0xff;
  absorb(v, le32(tail, 4), le32(tail, 0));
  v[V2 + 1] = (v[V2 + 1] ^ 0xff) >>> 0;
  sipRound(v);
  sipRound(v);
  sipRound(v);
  sipRound(v);
  const hi = (v[V0] ^ v[V1] ^ v[V2] ^ v[V3]) >>> 0;
  const lo = (v[V0 + 1] ^ v[V1 + 1] ^ v[V2 + 1] ^ v[V3 + 1]) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}
