// systemd's shell_maybe_quote(): a word printed as is when a shell would read it back
// unchanged, else quoted: "..." with \" \\ \` \$ escaped (show's string lists), or the
// POSIX $'...' form with control characters escaped (show-environment). Pure.

/** What makes systemd quote a word: blanks and controls, non-ASCII bytes, and these. */
const NEEDS_QUOTES = /[\x00-\x20\x7f-\uffff"\\`$*?['()<>|&;!]/;

const C_ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };

export function shellMaybeQuote(s: string, posix = false): string {
  if (!NEEDS_QUOTES.test(s)) return s;
  if (!posix) return `"${s.replace(/["\\`$]/g, (c) => `\\${c}`)}"`;
  let out = "$'";
  for (const ch of s) {
    if (ch === '\\' || ch === "'") out += `\\${ch}`;
    else if (C_ESCAPES[ch]) out += C_ESCAPES[ch];
    else if (ch < ' ' || ch === '\x7f') out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}
