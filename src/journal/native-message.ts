// sd_journal_send's datagram (the native protocol) as journald reads it: fields one per
// line, `NAME=value\n`, or binary-safe `NAME\n` + 64-bit little-endian length + value + `\n`.
// A field whose name journald would not store (invalid, or trusted: "_...") is skipped, its
// value too; anything malformed ends the parse with what came before it. Bounded: at most
// MAX_FIELDS fields are read, the rest of the datagram is not. Pure.
import type { FieldValue } from './entry';
import { isValidFieldName } from './field-name';

/** journald's ENTRY_FIELD_COUNT_MAX. */
export const MAX_FIELDS = 1024;

export interface NativeMessage {
  fields: Array<[string, FieldValue]>;
  /** Fields left out: invalid or trusted names, or beyond MAX_FIELDS. */
  skipped: number;
  /** The datagram ended in the middle of a field. */
  truncated: boolean;
}

export function parseNativeMessage(data: Uint8Array): NativeMessage {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const fields: Array<[string, FieldValue]> = [];
  let skipped = 0;
  let p = 0;
  while (p < buf.length) {
    const nl = buf.indexOf(10, p);
    if (nl === p) {
      p++; // an empty line (journald ignores it)
      continue;
    }
    const lineEnd = nl < 0 ? buf.length : nl;
    // Searched within the line only: junk of many short lines costs its length, not its square.
    const inLine = buf.subarray(p, lineEnd).indexOf(0x3d);
    const eq = inLine < 0 ? -1 : p + inLine;
    let name: string;
    let value: Buffer;
    if (eq >= 0) {
      name = buf.toString('latin1', p, eq);
      value = buf.subarray(eq + 1, lineEnd);
      p = lineEnd + 1;
    } else {
      // Binary-safe: NAME\n, then a 64-bit length, the value and a newline.
      if (nl < 0 || nl + 9 > buf.length) return { fields, skipped, truncated: true };
      name = buf.toString('latin1', p, nl);
      const len = buf.readBigUInt64LE(nl + 1);
      const start = nl + 9;
      if (len > BigInt(buf.length - start - 1)) return { fields, skipped, truncated: true };
      const n = Number(len);
      if (buf[start + n] !== 10) return { fields, skipped, truncated: true };
      value = buf.subarray(start, start + n);
      p = start + n + 1;
    }
    if (fields.length >= MAX_FIELDS) return { fields, skipped: skipped + 1, truncated: true };
    if (!isValidFieldName(name, false)) {
      skipped++;
      continue;
    }
    fields.push([name, Buffer.from(value)]);
  }
  return { fields, skipped, truncated: false };
}
