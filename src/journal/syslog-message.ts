// A syslog(3) datagram as journald reads it from /dev/log: `<PRI>`, an RFC 3164 timestamp
// ("Dec  7 13:53:13 ", skipped and kept as SYSLOG_TIMESTAMP), then `identifier[pid]: ` and
// the message. Also the other way: the datagram journald forwards to a syslog daemon
// (ForwardToSyslog=). Pure.

export const LOG_USER = 1 << 3;
export const LOG_INFO = 6;

export interface SyslogMessage {
  /** Facility and level together (LOG_FAC << 3 | LOG_PRI), as syslog(3) packs them. */
  priority: number;
  identifier?: string;
  pid?: string;
  timestamp?: string;
  message: string;
}

/**
 * `<N>` at the start of text (1 to 3 digits). With `withFacility`, a value without a
 * facility keeps `priority`'s (journald's syslog_parse_priority). Returns the new
 * priority and where the rest starts, or undefined when there is no such prefix.
 */
export function parsePriorityPrefix(text: string, priority: number, withFacility: boolean): { priority: number; rest: number } | undefined {
  if (text.charCodeAt(0) !== 0x3c) return undefined;
  const end = text.indexOf('>', 1);
  if (end < 2 || end > 4) return undefined;
  const digits = text.slice(1, end);
  if (!/^[0-9]+$/.test(digits)) return undefined;
  let value = Number(digits);
  if (!withFacility) {
    if (value > 7) return undefined;
    return { priority: (priority & ~7) | value, rest: end + 1 };
  }
  if (value > 191) return undefined;
  if ((value & ~7) === 0) value = (priority & ~7) | value;
  return { priority: value, rest: end + 1 };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Length of an RFC 3164 timestamp with its space at `at` ("Mmm dd hh:mm:ss "), or 0. */
export function timestampLength(text: string, at: number): number {
  const t = text.slice(at, at + 16);
  if (t.length < 15) return 0;
  if (!MONTHS.includes(t.slice(0, 3)) || t[3] !== ' ') return 0;
  if (!/^[ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}$/.test(t.slice(4, 15))) return 0;
  if (t.length === 16 && t[15] === ' ') return 16;
  return t.length === 15 ? 15 : 0;
}

/** ' ', '\t', '\n', '\r' (by character code: this runs for every character of a datagram's first word). */
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

/** `identifier[pid]: ` as journald's syslog_parse_identifier reads it: a first word ending in ':'. */
export function parseIdentifier(text: string, at: number): { identifier?: string; pid?: string; rest: number } {
  let p = at;
  while (p < text.length && isSpace(text.charCodeAt(p))) p++;
  let l = 0;
  while (p + l < text.length && !isSpace(text.charCodeAt(p + l))) l++;
  if (l === 0 || text.charCodeAt(p + l - 1) !== 0x3a) return { rest: at };
  let e = l;
  l--;
  let pid: string | undefined;
  if (l > 0 && text.charCodeAt(p + l - 1) === 0x5d) {
    const open = text.lastIndexOf('[', p + l - 1);
    if (open >= p) {
      pid = text.slice(open + 1, p + l - 1);
      l = open - p;
    }
  }
  const identifier = l > 0 ? text.slice(p, p + l) : undefined;
  if (p + e < text.length && isSpace(text.charCodeAt(p + e))) e++;
  // One object of one shape (a spread of optional parts made several per datagram).
  return { identifier, pid, rest: p + e };
}

/** One datagram from /dev/log, as journald stores it (trailing newlines and NULs dropped). */
export function parseSyslogDatagram(text: string): SyslogMessage {
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === 10 || text.charCodeAt(end - 1) === 0)) end--;
  const t = text.slice(0, end);
  let priority = LOG_USER | LOG_INFO;
  let at = 0;
  const pri = parsePriorityPrefix(t, priority, true);
  if (pri) ({ priority, rest: at } = pri);
  let timestamp: string | undefined;
  const tl = timestampLength(t, at);
  if (tl > 0) {
    timestamp = t.slice(at, at + 15);
    at += tl;
  }
  const id = parseIdentifier(t, at);
  return { priority, identifier: id.identifier, pid: id.pid, timestamp, message: t.slice(id.rest) };
}

/** The head of the datagram journald forwards to a syslog daemon: `<PRI>Mmm dd hh:mm:ss ` (then `identifier[pid]: message`). */
export function syslogHead(priority: number, realtimeMs: number): string {
  const d = new Date(realtimeMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `<${priority}>${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} `;
}
