// Which field names a journal entry may carry, as journald decides it: 1 to 64 characters of
// A-Z, 0-9 and "_", not starting with a digit. A name starting with "_" is a trusted field
// (_PID, _SYSTEMD_UNIT, ...): only the writer's caller sets those, from what it knows of the
// sender; a client's own "_..." fields are dropped, never stored. Pure.

export const FIELD_NAME_MAX = 64;

/** Whether `name` is a field name journald stores; `trusted` allows the "_" prefix. */
export function isValidFieldName(name: string, trusted: boolean): boolean {
  const n = name.length;
  if (n === 0 || n > FIELD_NAME_MAX) return false;
  const first = name.charCodeAt(0);
  if (first >= 0x30 && first <= 0x39) return false;
  if (first === 0x5f && !trusted) return false;
  for (let i = 0; i < n; i++) {
    const ch = name.charCodeAt(i);
    const ok = (ch >= 0x41 && ch <= 0x5a) || (ch >= 0x30 && ch <= 0x39) || ch === 0x5f;
    if (!ok) return false;
  }
  return true;
}

/** Whether the field is a trusted one (set by the journal itself, never by a client). */
export function isTrustedField(name: string): boolean {
  return name.startsWith('_');
}
