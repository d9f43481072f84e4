// Shortages that pass: an operation that failed with one of these (no free descriptor,
// no memory, a process limit reached for a moment) is worth trying again, unlike a
// missing file or a refused permission.

export const TRANSIENT_ERRORS: ReadonlySet<string> = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'ENOMEM']);

/** An errno name, a thrown error (its code, or the errno name its message starts with), or an error message. */
export function isTransientError(e: unknown): boolean {
  if (typeof e === 'string') return TRANSIENT_ERRORS.has(e) || /\b(EMFILE|ENFILE|EAGAIN|ENOMEM)\b/.test(e);
  if (e && typeof e === 'object') {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return TRANSIENT_ERRORS.has(code);
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string') return isTransientError(message);
  }
  return false;
}

/** What a thrown value says, for a log line. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
