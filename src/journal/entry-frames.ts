// Entries on the pipe from PID 1 to the journal's writer process: each a frame of a 32-bit
// length, the realtime and monotonic stamps (float64 microseconds), a field count and each
// field as a 32-bit length and `NAME=value`. The boot id is the writer's, given once when it
// starts. Pure.
import type { FieldValue, JournalEntry } from './entry';
import { fieldPayload } from './entry';

/** The largest frame either side accepts (a memfd entry's bound plus its trusted fields). */
export const MAX_FRAME_BYTES = 3 << 20;

/** One frame for the entry's fields and stamps. */
export function encodeFrame(fields: ReadonlyArray<readonly [string, FieldValue]>, realtimeUsec: number, monotonicUsec: number): Buffer {
  const payloads = fields.map(([n, v]) => fieldPayload(n, v));
  let size = 4 + 8 + 8 + 4;
  for (const p of payloads) size += 4 + p.length;
  const out = Buffer.allocUnsafe(size);
  out.writeUInt32LE(size - 4, 0);
  out.writeDoubleLE(realtimeUsec, 4);
  out.writeDoubleLE(monotonicUsec, 12);
  out.writeUInt32LE(payloads.length, 20);
  let at = 24;
  for (const p of payloads) {
    out.writeUInt32LE(p.length, at);
    p.copy(out, at + 4);
    at += 4 + p.length;
  }
  return out;
}

/** Reads frames from a byte stream in whatever chunks it comes. */
export class FrameDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly bootId: Uint8Array) {}

  /** The whole entries this chunk completes; throws on a frame no writer makes (the stream is not ours). */
  push(chunk: Buffer): JournalEntry[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    let buf = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    const out: JournalEntry[] = [];
    let at = 0;
    while (buf.length - at >= 4) {
      const len = buf.readUInt32LE(at);
      if (len < 20 || len > MAX_FRAME_BYTES) throw new Error(`journal frame of ${len} bytes`);
      if (buf.length - at - 4 < len) break;
      out.push(this.decode(buf.subarray(at + 4, at + 4 + len)));
      at += 4 + len;
    }
    buf = buf.subarray(at);
    this.pending = buf.length > 0 ? [Buffer.from(buf)] : [];
    this.pendingBytes = buf.length;
    return out;
  }

  private decode(f: Buffer): JournalEntry {
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
