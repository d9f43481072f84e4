// D-Bus's wire format (the specification's "Marshaling"): values by signature, with
// alignment, in either byte order on the way in and little-endian on the way out. Pure.
// Reading is bounded everywhere: every length is checked against the bytes there are,
// nesting is limited as the specification limits it, and a bad message is a WireError,
// never an exception from deep inside Buffer or an allocation a sender chose.
//
// Values in JavaScript: y n q i u h d → number, x t → bigint, b → boolean, s o g → string,
// an array → a JS array (a dict a{kv} → an array of [key, value] pairs), a struct → a
// JS array of its fields, a variant → Variant (its signature and value).

import { isUtf8 } from 'node:buffer';

export class WireError extends Error {}

export interface Variant {
  sig: string;
  value: unknown;
}

export const variant = (sig: string, value: unknown): Variant => ({ sig, value });

/** The specification's limits: 32 levels of arrays, 32 of structs, signatures of 255 bytes. */
const MAX_DEPTH = 64;
const MAX_SIGNATURE = 255;
/** An array's length in bytes may not exceed 2^26 (64 MiB). */
const MAX_ARRAY_BYTES = 1 << 26;

const FIXED_SIZE: Record<string, number> = { y: 1, b: 4, n: 2, q: 2, i: 4, u: 4, h: 4, x: 8, t: 8, d: 8, s: 4, o: 4, g: 1, v: 1, a: 4 };

function alignmentOf(code: string): number {
  if (code === '(' || code === '{') return 8;
  const a = FIXED_SIZE[code];
  if (a === undefined) throw new WireError(`bad type code '${code}'`);
  return a;
}

/** The end (exclusive) of the single complete type starting at `i`. */
export function completeTypeEnd(sig: string, i: number, depth = 0): number {
  if (depth > MAX_DEPTH) throw new WireError('signature nested too deep');
  const c = sig[i];
  if (c === undefined) throw new WireError(`signature '${sig}' ends early`);
  if (c === 'a') {
    if (sig[i + 1] === '{') {
      const keyEnd = completeTypeEnd(sig, i + 2, depth + 1);
      if (!'ybnqiuxtdhsog'.includes(sig[i + 2] ?? '')) throw new WireError('dict key must be a basic type');
      const valEnd = completeTypeEnd(sig, keyEnd, depth + 1);
      if (sig[valEnd] !== '}') throw new WireError('dict entry must have two types');
      return valEnd + 1;
    }
    return completeTypeEnd(sig, i + 1, depth + 1);
  }
  if (c === '(') {
    let j = i + 1;
    if (sig[j] === ')') throw new WireError('empty struct');
    while (sig[j] !== ')') j = completeTypeEnd(sig, j, depth + 1);
    return j + 1;
  }
  if ('ybnqiuxtdhsogv'.includes(c)) return i + 1;
  throw new WireError(`bad type code '${c}' in signature`);
}

/** The complete types of a signature ("sa{sv}" → ["s", "a{sv}"]); throws on a malformed one. */
export function splitSignature(sig: string): string[] {
  if (sig.length > MAX_SIGNATURE) throw new WireError('signature too long');
  const out: string[] = [];
  for (let i = 0; i < sig.length; ) {
    const end = completeTypeEnd(sig, i);
    out.push(sig.slice(i, end));
    i = end;
  }
  return out;
}

/**
 * splitSignature of the signatures PID 1 writes and of the few a peer sends: a list's rows and
 * a message's header fields are split once, not for every struct (PID 1 runs interpreted, and
 * ListUnits' rows were each split again). Bounded: past the bound a signature is split anew.
 */
const MAX_SPLIT_SIGNATURES = 256;
const splitCache = new Map<string, readonly string[]>();
export function splitSignatureOnce(sig: string): readonly string[] {
  let types = splitCache.get(sig);
  if (types === undefined) {
    types = splitSignature(sig);
    if (splitCache.size < MAX_SPLIT_SIGNATURES) splitCache.set(sig, types);
  }
  return types;
}

/** The basic types, whose one-character signatures need no splitting. */
const BASIC_TYPES = 'ybnqiuxtdhsog';

// ---- writing ----

/**
 * A growing little-endian buffer; positions are relative to its start (the message's start).
 * Every byte past `length` is zero (the buffer is allocated zeroed, and nothing is written past
 * `length` without moving it on): alignment padding needs no writing.
 */
export class Writer {
  private buf = Buffer.alloc(256);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  align(n: number): void {
    const pad = (n - (this.length % n)) % n;
    if (pad === 0) return;
    this.room(pad);
    this.length += pad;
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.length++] = v & 0xff;
  }

  u32(v: number): void {
    this.align(4);
    this.room(4);
    const b = this.buf;
    const at = this.length;
    b[at] = v & 0xff;
    b[at + 1] = (v >>> 8) & 0xff;
    b[at + 2] = (v >>> 16) & 0xff;
    b[at + 3] = (v >>> 24) & 0xff;
    this.length = at + 4;
  }

  /** Patches a u32 written earlier (an array's length). */
  setU32(at: number, v: number): void {
    this.buf.writeUInt32LE(v >>> 0, at);
  }

  /** The string's UTF-8 written in place (no Buffer made for each); its NUL is the zero already there. */
  private str(s: string, sizeBytes: 1 | 4): void {
    const n = Buffer.byteLength(s, 'utf8');
    if (sizeBytes === 1) this.u8(n);
    else this.u32(n);
    this.room(n + 1);
    if (n > 0) this.buf.write(s, this.length, n, 'utf8');
    this.length += n + 1;
  }

  /** Writes one value of the single complete type `sig`. */
  value(sig: string, v: unknown): void {
    const c = sig[0];
    switch (c) {
      case 'y':
        return this.u8(Number(v));
      case 'b':
        return this.u32(v ? 1 : 0);
      case 'n':
      case 'q':
        this.align(2);
        this.room(2);
        if (c === 'n') this.buf.writeInt16LE(Number(v), this.length);
        else this.buf.writeUInt16LE(Number(v), this.length);
        this.length += 2;
        return;
      case 'i':
        this.align(4);
        this.room(4);
        this.buf.writeInt32LE(Number(v), this.length);
        this.length += 4;
        return;
      case 'u':
      case 'h':
        return this.u32(Number(v));
      case 'x':
      case 't':
        this.align(8);
        this.room(8);
        if (c === 'x') this.buf.writeBigInt64LE(BigInt(v as bigint), this.length);
        else this.buf.writeBigUInt64LE(BigInt(v as bigint), this.length);
        this.length += 8;
        return;
      case 'd':
        this.align(8);
        this.room(8);
        this.buf.writeDoubleLE(Number(v), this.length);
        this.length += 8;
        return;
      case 's':
      case 'o':
        return this.str(String(v), 4);
      case 'g':
        return this.str(String(v), 1);
      case 'v': {
        const x = v as Variant;
        this.str(x.sig, 1);
        return this.value(x.sig, x.value);
      }
      case 'a': {
        const elem = sig.slice(1);
        this.u32(0);
        const lengthAt = this.length - 4;
        this.align(alignmentOf(elem[0]!));
        const start = this.length;
        for (const item of v as unknown[]) this.value(elem, item);
        this.setU32(lengthAt, this.length - start);
        return;
      }
      case '(':
      case '{': {
        this.align(8);
        const fields = splitSignatureOnce(sig.slice(1, -1));
        const values = v as unknown[];
        for (let i = 0; i < fields.length; i++) this.value(fields[i]!, values[i]);
        return;
      }
      default:
        throw new WireError(`cannot write type '${sig}'`);
    }
  }

  /** Writes the values of a whole signature (a message body). */
  values(sig: string, vs: readonly unknown[]): void {
    const types = splitSignatureOnce(sig);
    if (types.length !== vs.length) throw new WireError(`signature '${sig}' wants ${types.length} values, got ${vs.length}`);
    for (let i = 0; i < types.length; i++) this.value(types[i]!, vs[i]);
  }
}

// ---- reading ----

/** A character outside 0x01-0x7f: the string is not plain ASCII (or holds a NUL). */
const NOT_PLAIN_ASCII = /[^\x01-\x7f]/;

/** Reads values from one message; offsets are from the message's start, as alignment is. */
export class Reader {
  constructor(
    private readonly buf: Buffer,
    public pos: number,
    private readonly little: boolean,
    private readonly end = buf.length,
  ) {}

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.end) throw new WireError('message ends early');
  }

  align(n: number): void {
    const pad = (n - (this.pos % n)) % n;
    this.need(pad);
    for (let i = 0; i < pad; i++) if (this.buf[this.pos + i] !== 0) throw new WireError('non-zero padding');
    this.pos += pad;
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u32(): number {
    this.align(4);
    this.need(4);
    const v = this.little ? this.buf.readUInt32LE(this.pos) : this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  private str(len: number): string {
    this.need(len + 1);
    const at = this.pos;
    if (this.buf[at + len] !== 0) throw new WireError('string not NUL-terminated');
    this.pos += len + 1;
    // Nearly every string is ASCII without a NUL: read as such it is its UTF-8 already, with
    // no Buffer made for it. Anything else is checked byte by byte.
    const text = this.buf.toString('latin1', at, at + len);
    if (!NOT_PLAIN_ASCII.test(text)) return text;
    const b = this.buf.subarray(at, at + len);
    if (b.includes(0)) throw new WireError('NUL inside a string');
    if (!isUtf8(b)) throw new WireError('string is not UTF-8');
    return b.toString('utf8');
  }

  value(sig: string, depth = 0): unknown {
    if (depth > MAX_DEPTH) throw new WireError('value nested too deep');
    const c = sig[0];
    switch (c) {
      case 'y':
        return this.u8();
      case 'b': {
        const v = this.u32();
        if (v > 1) throw new WireError('boolean not 0 or 1');
        return v === 1;
      }
      case 'n':
      case 'q': {
        this.align(2);
        this.need(2);
        const v = c === 'n' ? (this.little ? this.buf.readInt16LE(this.pos) : this.buf.readInt16BE(this.pos)) : this.little ? this.buf.readUInt16LE(this.pos) : this.buf.readUInt16BE(this.pos);
        this.pos += 2;
        return v;
      }
      case 'i': {
        this.align(4);
        this.need(4);
        const v = this.little ? this.buf.readInt32LE(this.pos) : this.buf.readInt32BE(this.pos);
        this.pos += 4;
        return v;
      }
      case 'u':
      case 'h':
        return this.u32();
      case 'x':
      case 't': {
        this.align(8);
        this.need(8);
        const v =
          c === 'x' ? (this.little ? this.buf.readBigInt64LE(this.pos) : this.buf.readBigInt64BE(this.pos)) : this.little ? this.buf.readBigUInt64LE(this.pos) : this.buf.readBigUInt64BE(this.pos);
        this.pos += 8;
        return v;
      }
      case 'd': {
        this.align(8);
        this.need(8);
        const v = this.little ? this.buf.readDoubleLE(this.pos) : this.buf.readDoubleBE(this.pos);
        this.pos += 8;
        return v;
      }
      case 's':
      case 'o':
        return this.str(this.u32());
      case 'g':
        return this.str(this.u8());
      case 'v': {
        const s = this.str(this.u8());
        // A header field's variant is a basic type: one character, nothing to split.
        if (!(s.length === 1 && BASIC_TYPES.includes(s)) && splitSignature(s).length !== 1) throw new WireError('variant must hold one complete type');
        return variant(s, this.value(s, depth + 1));
      }
      case 'a': {
        const len = this.u32();
        if (len > MAX_ARRAY_BYTES) throw new WireError('array too long');
        const elem = sig.slice(1);
        this.align(alignmentOf(elem[0]!));
        this.need(len);
        const stop = this.pos + len;
        const out: unknown[] = [];
        while (this.pos < stop) out.push(this.value(elem, depth + 1));
        if (this.pos !== stop) throw new WireError('array length does not match its elements');
        return out;
      }
      case '(':
      case '{': {
        this.align(8);
        const fields = splitSignatureOnce(sig.slice(1, -1));
        const out: unknown[] = [];
        for (let i = 0; i < fields.length; i++) out.push(this.value(fields[i]!, depth + 1));
        return out;
      }
      default:
        throw new WireError(`cannot read type '${sig}'`);
    }
  }

  values(sig: string): unknown[] {
    const types = splitSignatureOnce(sig);
    const out: unknown[] = [];
    for (let i = 0; i < types.length; i++) out.push(this.value(types[i]!));
    return out;
  }
}
