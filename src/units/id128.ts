// 128-bit IDs (the machine ID) as systemd reads them: a machine-id file's text, and
// sd_id128_from_string's two forms. Pure.

/** A machine-id file's text read as systemd's id128_read (ID128_FORMAT_PLAIN): the ID, or why not. */
export type Id128Read = { ok: true; id: string } | { ok: false; why: 'empty' | 'uninitialized' | 'null' | 'invalid' };

export function readId128Text(text: string): Id128Read {
  if (text === '') return { ok: false, why: 'empty' };
  if (text === 'uninitialized' || text === 'uninitialized\n') return { ok: false, why: 'uninitialized' };
  const m = /^([0-9a-fA-F]{32})\n?$/.exec(text);
  if (!m) return { ok: false, why: 'invalid' };
  const id = m[1]!.toLowerCase();
  return /^0+$/.test(id) ? { ok: false, why: 'null' } : { ok: true, id };
}

/** systemd's sd_id128_from_string: 32 hex digits, or the UUID form with dashes ($container_uuid). */
export function parseId128String(s: string): string | undefined {
  const plain = /^[0-9a-fA-F]{32}$/.test(s) ? s : /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s) ? s.replace(/-/g, '') : undefined;
  if (plain === undefined || /^0+$/.test(plain)) return undefined;
  return plain.toLowerCase();
}
