// One journal entry as the store takes it: the fields in order (a name may repeat, values are
// bytes and may hold anything, newlines and NULs included), with the writer's timestamps and
// the boot it belongs to. The writer's caller fills the trusted "_" fields; clientFields()
// is the filter for what a client sent.
import { isValidFieldName } from './field-name';

export type FieldValue = string | Uint8Array;

/**
 * Fields many entries carry alike (a unit's lines: all but PRIORITY and MESSAGE; a sender's
 * trusted fields), made once and given with each of them: the store finds their data objects
 * once per file, not per entry (journal-file-writer.ts keeps what it found in `stored`).
 */
export class SharedFields {
  /** The store's note of these fields in its current file: its own business. */
  stored: unknown = undefined;
  constructor(readonly fields: ReadonlyArray<readonly [string, FieldValue]>) {}
}

export interface JournalEntry {
  /** The entry's own fields (and `shared`'s, when given). */
  fields: ReadonlyArray<readonly [string, FieldValue]>;
  shared?: SharedFields;
  /** CLOCK_REALTIME, microseconds since the epoch. */
  realtimeUsec: number;
  /** CLOCK_MONOTONIC, microseconds since boot. */
  monotonicUsec: number;
  /** The 128-bit boot id (16 bytes). */
  bootId: Uint8Array;
}

/** The fields of a client's message that may be stored: valid names, no trusted ones. */
export function clientFields(fields: ReadonlyArray<readonly [string, FieldValue]>): Array<readonly [string, FieldValue]> {
  return fields.filter(([name]) => isValidFieldName(name, false));
}

/** `NAME=value` as the bytes of one data object. */
export function fieldPayload(name: string, value: FieldValue): Buffer {
  const v = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const out = Buffer.allocUnsafe(name.length + 1 + v.length);
  out.write(name, 0, 'latin1');
  out[name.length] = 0x3d;
  out.set(v, name.length + 1);
  return out;
}

/** A 128-bit id from its 32 hex digits (with or without dashes), or undefined. */
export function parseId128(text: string): Buffer | undefined {
  const hex = text.trim().replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  return Buffer.from(hex, 'hex');
}
