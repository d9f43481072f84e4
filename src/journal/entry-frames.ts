// Entries on the pipe from PID 1 to the journal's writer process. A frame is one of:
//   - text ('T'): `T<realtime> <monotonic>\n`, each field as `NAME=value\n`, and an empty line.
//     Made when every value is text without a newline (every unit line, stream line and
//     syslog message's usual fields): PID 1 runs interpreted, where building one string costs
//     a fraction of the dozen Buffer calls per entry the binary form takes (measured: the
//     binary frame was some 70% of PID 1's CPU per unit line).
//   - binary ('B'): a 32-bit length, the realtime and monotonic stamps (float64 microseconds),
//     a field count and each field as a 32-bit length and `NAME=value`; for values that are
//     bytes or hold a newline (the native protocol's).
//   - control ('C'): `C<JSON>\n`, a message of PID 1's about its units' streams
//     (sinks/writer-streams.ts), handed to the decoder's onControl in the order it came.
// The boot id is the writer's, given once when it starts. Pure.
import type { FieldValue, JournalEntry } from './entry';
import { fieldPayload } from './entry';

/** The largest frame either side accepts (a memfd entry's bound plus its trusted fields). */
export const MAX_FRAME_BYTES = 3 << 20;

const TEXT = 0x54; // 'T'
const BINARY = 0x42; // 'B'
const CONTROL = 0x43; // 'C'
const NL = 0x0a;
/** Field names the decoder keeps (a client may send many; journald's own limit is 1024 fields per entry). */
const NAMES_MAX = 1024;

/**
 * A text frame's fields, `NAME=value\n` each, or undefined when a value is bytes or holds a
 * newline. A sink that sends many entries alike (a unit's lines) keeps the fixed part of this
 * text and adds only what changes (textFrameOf).
 */
export function textFields(fields: ReadonlyArray<readonly [string, FieldValue]>): string | undefined {
  let s = '';
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const v = f[1];
    if (typeof v !== 'string' || v.indexOf('\n') >= 0) return undefined;
    s += `${f[0]}=${v}\n`;
  }
  return s;
}

/** A control frame: one JSON line (JSON escapes every newline in its strings). */
export function controlFrame(message: unknown): string {
  return `C${JSON.stringify(message)}\n`;
}

/** The text frame of fields as textFields makes them. */
export function textFrameOf(fieldsText: string, realtimeUsec: number, monotonicUsec: number): string {
  return `T${realtimeUsec} ${monotonicUsec}\n${fieldsText}\n`;
}

/** The entry as a text frame, or undefined when a value is bytes or holds a newline. */
export function textFrame(fields: ReadonlyArray<readonly [string, FieldValue]>, realtimeUsec: number, monotonicUsec: number): string | undefined {
  const text = textFields(fields);
  return text === undefined ? undefined : textFrameOf(text, realtimeUsec, monotonicUsec);
}

/** The entry as a binary frame (any values). */
export function binaryFrame(fields: ReadonlyArray<readonly [string, FieldValue]>, realtimeUsec: number, monotonicUsec: number): Buffer {
  const payloads = fields.map(([n, v]) => fieldPayload(n, v));
  let size = 1 + 4 + 8 + 8 + 4;
  for (const p of payloads) size += 4 + p.length;
  const out = Buffer.allocUnsafe(size);
  out[0] = BINARY;
  out.writeUInt32LE(size - 5, 1);
  out.writeDoubleLE(realtimeUsec, 5);
  out.writeDoubleLE(monotonicUsec, 13);
  out.writeUInt32LE(payloads.length, 21);
  let at = 25;
  for (const p of payloads) {
    out.writeUInt32LE(p.length, at);
    p.copy(out, at + 4);
    at += 4 + p.length;
  }
  return out;
}

/** One frame for the entry's fields and stamps: text where it can be, else binary. */
export function encodeFrame(fields: ReadonlyArray<readonly [string, FieldValue]>, realtimeUsec: number, monotonicUsec: number): string | Buffer {
  return textFrame(fields, realtimeUsec, monotonicUsec) ?? binaryFrame(fields, realtimeUsec, monotonicUsec);
}

/** Reads frames from a byte stream in whatever chunks it comes. */
export class FrameDecoder {
  private pending: Buffer[] = [];
  /** Field names seen, by a hash of their bytes (nameOf). */
  private readonly names = new Map<number, string>();
  private pendingBytes = 0;

  constructor(
    private readonly bootId: Uint8Array,
    private readonly onControl: (message: unknown) => void = () => {},
  ) {}

  /** The whole entries this chunk completes; throws on a frame no writer makes (the stream is not ours). */
  push(chunk: Buffer): JournalEntry[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    let buf = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    const out: JournalEntry[] = [];
    let at = 0;
    while (at < buf.length) {
      if (buf[at] === TEXT) {
        const end = buf.indexOf('\n\n', at);
        if (end < 0) {
          if (buf.length - at > MAX_FRAME_BYTES) throw new Error('journal frame without an end');
          break;
        }
        out.push(this.decodeText(buf, at + 1, end + 1));
        at = end + 2;
        continue;
      }
      if (buf[at] === CONTROL) {
        const end = buf.indexOf(NL, at);
        if (end < 0) {
          if (buf.length - at > MAX_FRAME_BYTES) throw new Error('journal control frame without an end');
          break;
        }
        let message: unknown;
        try {
          message = JSON.parse(buf.toString('utf8', at + 1, end));
        } catch {
          throw new Error('journal control frame that is not JSON');
        }
        this.onControl(message);
        at = end + 1;
        continue;
      }
      if (buf[at] !== BINARY) throw new Error(`journal frame of kind ${buf[at]}`);
      if (buf.length - at < 5) break;
      const len = buf.readUInt32LE(at + 1);
      if (len < 20 || len > MAX_FRAME_BYTES) throw new Error(`journal frame of ${len} bytes`);
      if (buf.length - at - 5 < len) break;
      out.push(this.decodeBinary(buf.subarray(at + 5, at + 5 + len)));
      at += 5 + len;
    }
    buf = buf.subarray(at);
    this.pending = buf.length > 0 ? [Buffer.from(buf)] : [];
    this.pendingBytes = buf.length;
    return out;
  }

  /** The text frame in buf[from, end): its stamps line, then `NAME=value\n` lines. */
  private decodeText(buf: Buffer, from: number, end: number): JournalEntry {
    let nl = buf.indexOf(NL, from);
    const stamps = buf.toString('latin1', from, nl);
    const space = stamps.indexOf(' ');
    const realtimeUsec = Number(stamps.slice(0, space));
    const monotonicUsec = Number(stamps.slice(space + 1));
    if (space <= 0 || !Number.isFinite(realtimeUsec) || !Number.isFinite(monotonicUsec)) throw new Error('journal frame without stamps');
    const fields: Array<[string, Uint8Array]> = [];
    for (let at = nl + 1; at < end; at = nl + 1) {
      // The name, up to '=' (names are short: scanned here, and hashed on the way for nameOf).
      let eq = at;
      let hash = 0;
      for (; eq < end; eq++) {
        const c = buf[eq];
        if (c === 0x3d || c === NL) break;
        hash = (Math.imul(hash, 31) + c) | 0;
      }
      if (eq === at || buf[eq] !== 0x3d) throw new Error('journal frame field without a name');
      nl = buf.indexOf(NL, eq + 1);
      fields.push([this.nameOf(buf, at, eq, hash), buf.subarray(eq + 1, nl)]);
    }
    return { fields, realtimeUsec, monotonicUsec, bootId: this.bootId };
  }

  /**
   * The field name in buf[from, to) as a string: the one made before for the same bytes (a
   * flood repeats a dozen names), so no string is made per field and the writer's lookups by
   * name find a string whose hash V8 has already worked out.
   */
  private nameOf(buf: Buffer, from: number, to: number, hash: number): string {
    const known = this.names.get(hash);
    if (known !== undefined && known.length === to - from) {
      let same = true;
      for (let i = 0; i < known.length; i++) {
        if (known.charCodeAt(i) !== buf[from + i]) {
          same = false;
          break;
        }
      }
      if (same) return known;
    }
    const name = buf.toString('latin1', from, to);
    if (this.names.size >= NAMES_MAX) this.names.clear();
    this.names.set(hash, name);
    return name;
  }

  private decodeBinary(f: Buffer): JournalEntry {
    const realtimeUsec = f.readDoubleLE(0);
    const monotonicUsec = f.readDoubleLE(8);
    const n = f.readUInt32LE(16);
    const fields: Array<[string, Uint8Array]> = [];
    let at = 20;
    for (let i = 0; i < n; i++) {
      if (at + 4 > f.length) throw new Error('journal frame cut short');
      const len = f.readUInt32LE(at);
      const p = f.subarray(at + 4, at + 4 + len);
      if (p.length !== len) throw new Error('journal frame cut short');
      const eq = p.indexOf(0x3d);
      if (eq <= 0) throw new Error('journal frame field without a name');
      fields.push([p.toString('latin1', 0, eq), p.subarray(eq + 1)]);
      at += 4 + len;
    }
    return { fields, realtimeUsec, monotonicUsec, bootId: this.bootId };
  }
}
