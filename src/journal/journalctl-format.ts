// How journalctl prints an entry, as systemd 252's output modes do (logs-show.c): the short
// family (a timestamp, host, identifier[pid]: message, continuation lines indented under the
// message), cat, json and json-pretty, export and verbose; a value that is not printable text
// is "[N blob data]" unless -a. Pure: an entry in, bytes out.
import type { OutputMode } from './journalctl-args';
import type { ReadEntry } from './journal-file-reader';
import { id128Hex } from './format';

export interface FormatOptions {
  mode: OutputMode;
  all: boolean;
  utc: boolean;
  /** -o json* shows __SEQNUM and __SEQNUM_ID, as journalctl 254 and later do (image-systemd.ts). */
  seqnum?: boolean;
}

/** The entry and what its cursor needs of its file. */
export interface ShownEntry extends ReadEntry {
  seqnumId: Buffer;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
/** JSON_THRESHOLD: json shows longer values as null unless -a. */
const JSON_THRESHOLD = 4096;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** systemd's format_bytes: 1024-based, one decimal, "B" below a KiB. */
export function formatBytes(n: number): string {
  const suffixes = ['E', 'P', 'T', 'G', 'M', 'K'];
  for (let i = 0; i < suffixes.length; i++) {
    const factor = 1024 ** (6 - i);
    if (n >= factor) {
      const digit = Math.floor((Math.floor(n / (factor / 1024)) * 10) / 1024) % 10;
      return `${Math.floor(n / factor)}.${digit}${suffixes[i]}`;
    }
  }
  return `${n}B`;
}

/**
 * systemd's utf8_is_printable_newline: valid UTF-8 with no control character (C0 but tab and,
 * when `newline`, line feed; DEL and C1).
 */
export function isPrintable(b: Uint8Array, newline = true): boolean {
  const s = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const text = s.toString('utf8');
  if (text.includes('\ufffd') && !Buffer.from(text, 'utf8').equals(s)) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 ? c !== 0x09 && !(newline && c === 0x0a) : c >= 0x7f && c <= 0x9f) return false;
  }
  return true;
}

interface Clock {
  year: number;
  month: number;
  day: number;
  weekday: number;
  hour: number;
  minute: number;
  second: number;
  /** Minutes east of UTC. */
  offset: number;
}

function clock(usec: number, utc: boolean): Clock {
  const d = new Date(Math.floor(usec / 1000));
  if (utc) {
    return { year: d.getUTCFullYear(), month: d.getUTCMonth(), day: d.getUTCDate(), weekday: d.getUTCDay(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), offset: 0 };
  }
  return { year: d.getFullYear(), month: d.getMonth(), day: d.getDate(), weekday: d.getDay(), hour: d.getHours(), minute: d.getMinutes(), second: d.getSeconds(), offset: -d.getTimezoneOffset() };
}

/** The time zone's abbreviation (strftime's %Z) as far as the runtime knows it. */
function zoneName(usec: number, utc: boolean): string {
  if (utc) return 'UTC';
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(new Date(Math.floor(usec / 1000))).find((p) => p.type === 'timeZoneName');
  const name = part?.value ?? 'UTC';
  return name === 'GMT' ? (process.env.TZ === 'GMT' ? 'GMT' : 'UTC') : name;
}

const hms = (c: Clock) => `${pad(c.hour)}:${pad(c.minute)}:${pad(c.second)}`;
const usecPart = (usec: number) => pad(usec % 1_000_000, 6);
const zoneOffset = (c: Clock) => `${c.offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(c.offset) / 60))}${pad(Math.abs(c.offset) % 60)}`;

/** "Thu 2026-01-01 00:00:00 UTC" (systemd's format_timestamp), with microseconds when `us`. */
export function fullTimestamp(usec: number, utc: boolean, us = false): string {
  const c = clock(usec, utc);
  return `${DAYS[c.weekday]} ${c.year}-${pad(c.month + 1)}-${pad(c.day)} ${hms(c)}${us ? `.${usecPart(usec)}` : ''} ${zoneName(usec, utc)}`;
}

function realtimeStamp(mode: OutputMode, usec: number, utc: boolean): string {
  const c = clock(usec, utc);
  switch (mode) {
    case 'short-iso':
      return `${c.year}-${pad(c.month + 1)}-${pad(c.day)}T${hms(c)}${zoneOffset(c)}`;
    case 'short-iso-precise':
      return `${c.year}-${pad(c.month + 1)}-${pad(c.day)}T${hms(c)}.${usecPart(usec)}${zoneOffset(c)}`;
    case 'short-precise':
      return `${MONTHS[c.month]} ${pad(c.day)} ${hms(c)}.${usecPart(usec)}`;
    case 'short-full':
      return fullTimestamp(usec, utc);
    case 'short-unix':
      return `${Math.floor(usec / 1_000_000)}.${usecPart(usec)}`;
    default:
      return `${MONTHS[c.month]} ${pad(c.day)} ${hms(c)}`;
  }
}

/** The first value of each field. */
function firstValues(e: ReadEntry): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const [n, v] of e.fields) if (!m.has(n)) m.set(n, v);
  return m;
}

/**
 * A field value shown in a short line's prefix: printable, else left out. (journalctl's length
 * threshold applies only with --no-full, which ellipsizes, and is not read here.)
 */
function shown(v: Buffer | undefined, all: boolean): string | undefined {
  if (v === undefined) return undefined;
  if (!all && !isPrintable(v)) return undefined;
  return v.toString('utf8');
}

const decimal = (v: Buffer | undefined): number | undefined => (v && /^\d+$/.test(v.toString('latin1')) ? Number(v.toString('latin1')) : undefined);

/**
 * systemd's strip_tab_ansi, which the short formats apply unless -a: colour sequences
 * (ESC [ digits and ";" m) and operating system commands (ESC ] printable ASCII BEL: a
 * window title, a hyperlink) removed, a tab as eight spaces. A sequence cut short or holding
 * anything else is left as it is (and then shows the message as a blob).
 */
export function stripTabAnsi(b: Buffer): Buffer {
  if (!b.includes(0x1b) && !b.includes(0x09)) return b;
  const out: number[] = [];
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === 0x09) out.push(0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20);
    else if (c === 0x1b && b[i + 1] === 0x5b) {
      let j = i + 2;
      while (j < b.length && ((b[j]! >= 0x30 && b[j]! <= 0x39) || b[j] === 0x3b)) j++;
      if (j < b.length && b[j] === 0x6d) i = j;
      else out.push(c);
    } else if (c === 0x1b && b[i + 1] === 0x5d) {
      let j = i + 2;
      while (j < b.length && b[j]! >= 0x20 && b[j]! <= 0x7e) j++;
      if (j < b.length && b[j] === 0x07) i = j;
      else out.push(c);
    } else out.push(c);
  }
  return Buffer.from(out);
}

/** The message's lines, the first after the prefix and the others indented under it (each as printf's %.*s: up to a NUL). */
function multiline(prefixColumns: number, message: Buffer): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  let line = 0;
  while (pos < message.length) {
    let end = message.indexOf(0x0a, pos);
    if (end < 0) end = message.length;
    const nul = message.indexOf(0, pos);
    if (line > 0) parts.push(Buffer.alloc(prefixColumns, 0x20));
    parts.push(message.subarray(pos, nul >= 0 && nul < end ? nul : end), Buffer.from('\n'));
    pos = end + 1;
    line++;
  }
  return Buffer.concat(parts);
}

function short(e: ReadEntry, o: FormatOptions): Buffer | undefined {
  const f = firstValues(e);
  const raw = f.get('MESSAGE');
  if (raw === undefined) return undefined; // journalctl skips an entry without MESSAGE=
  const message = o.all ? raw : stripTabAnsi(raw);
  let stamp: string;
  if (o.mode === 'short-monotonic') {
    const m = decimal(f.get('_SOURCE_MONOTONIC_TIMESTAMP')) ?? e.monotonicUsec;
    stamp = `[${String(Math.floor(m / 1_000_000)).padStart(5)}.${usecPart(m)}]`;
  } else {
    const src = decimal(f.get('_SOURCE_REALTIME_TIMESTAMP'));
    const t = src !== undefined && src > 0 && src < 2 ** 53 ? src : e.realtimeUsec;
    stamp = realtimeStamp(o.mode, t, o.utc);
  }
  let prefix = stamp;
  const host = shown(f.get('_HOSTNAME'), o.all);
  if (host !== undefined) prefix += ` ${host}`;
  prefix += ` ${shown(f.get('SYSLOG_IDENTIFIER'), o.all) ?? shown(f.get('_COMM'), o.all) ?? 'unknown'}`;
  const pid = shown(f.get('_PID'), o.all) ?? shown(f.get('SYSLOG_PID'), o.all);
  if (pid !== undefined) prefix += `[${pid}]`;
  prefix += ': ';
  const head = Buffer.from(prefix, 'utf8');
  if (!o.all && !isPrintable(message)) return Buffer.concat([head, Buffer.from(`[${formatBytes(message.length)} blob data]\n`)]);
  if (message.length === 0) return Buffer.concat([head, Buffer.from('\n')]);
  return Buffer.concat([head, multiline(head.length, message)]);
}

/** The entry's cursor, as sd_journal_get_cursor writes it. */
export function cursorOf(e: ShownEntry): string {
  const hex = (n: number | bigint) => n.toString(16);
  return `s=${id128Hex(e.seqnumId)};i=${hex(e.seqnum)};b=${id128Hex(e.bootId)};m=${hex(e.monotonicUsec)};t=${hex(e.realtimeUsec)};x=${hex(e.xorHash)}`;
}

function jsonValue(v: Buffer, all: boolean): unknown {
  if (!all && v.length > JSON_THRESHOLD) return null;
  return isPrintable(v) ? v.toString('utf8') : [...v];
}

function jsonObject(e: ShownEntry, all: boolean, seqnum = false): Record<string, unknown> {
  const obj: Record<string, unknown> = {
    __CURSOR: cursorOf(e),
    __REALTIME_TIMESTAMP: String(e.realtimeUsec),
    __MONOTONIC_TIMESTAMP: String(e.monotonicUsec),
    ...(seqnum && { __SEQNUM: String(e.seqnum), __SEQNUM_ID: id128Hex(e.seqnumId) }),
    _BOOT_ID: id128Hex(e.bootId),
  };
  const seen = new Map<string, unknown[]>();
  for (const [n, v] of e.fields) {
    if (n === '_BOOT_ID' || n.startsWith('__')) continue;
    const list = seen.get(n);
    if (list) list.push(jsonValue(v, all));
    else seen.set(n, [jsonValue(v, all)]);
  }
  for (const [n, values] of seen) obj[n] = values.length === 1 ? values[0] : values;
  return obj;
}

/** json-pretty: systemd's layout (tab indent, " : " between name and value). */
function prettyJson(obj: Record<string, unknown>): string {
  const lines = Object.entries(obj).map(([k, v]) => `\t${JSON.stringify(k)} : ${prettyValue(v)}`);
  return `{\n${lines.join(',\n')}\n}\n`;
}

function prettyValue(v: unknown): string {
  if (!Array.isArray(v)) return JSON.stringify(v);
  if (v.length > 0 && typeof v[0] === 'number') return `[\n${v.map((x) => `\t\t${x}`).join(',\n')}\n\t]`;
  return `[\n${v.map((x) => `\t\t${prettyValue(x)}`).join(',\n')}\n\t]`;
}

function exportEntry(e: ShownEntry): Buffer {
  const parts: Buffer[] = [
    Buffer.from(`__CURSOR=${cursorOf(e)}\n__REALTIME_TIMESTAMP=${e.realtimeUsec}\n__MONOTONIC_TIMESTAMP=${e.monotonicUsec}\n_BOOT_ID=${id128Hex(e.bootId)}\n`),
  ];
  for (const [n, v] of e.fields) {
    if (n === '_BOOT_ID' || n.startsWith('__')) continue;
    if (isPrintable(v, false)) parts.push(Buffer.from(`${n}=`, 'latin1'), v, Buffer.from('\n'));
    else {
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(v.length));
      parts.push(Buffer.from(`${n}\n`, 'latin1'), len, v, Buffer.from('\n'));
    }
  }
  parts.push(Buffer.from('\n'));
  return Buffer.concat(parts);
}

function verbose(e: ShownEntry, o: FormatOptions): Buffer {
  const src = decimal(firstValues(e).get('_SOURCE_REALTIME_TIMESTAMP'));
  const t = src !== undefined && src > 0 && src < 2 ** 53 ? src : e.realtimeUsec;
  const parts: Buffer[] = [Buffer.from(`${fullTimestamp(t, o.utc, true)} [${cursorOf(e)}]\n`)];
  for (const [n, v] of e.fields) {
    if (o.all || isPrintable(v)) {
      const head = Buffer.from(`    ${n}=`, 'latin1');
      parts.push(head, v.length === 0 ? Buffer.from('\n') : multiline(head.length, v));
    } else parts.push(Buffer.from(`    ${n}=[${formatBytes(v.length)} blob data]\n`, 'latin1'));
  }
  return Buffer.concat(parts);
}

/** The bytes journalctl prints for one entry in mode `o.mode` (nothing for an entry it skips). */
export function formatEntry(e: ShownEntry, o: FormatOptions): Buffer | undefined {
  switch (o.mode) {
    case 'cat': {
      const m = e.fields.find(([n]) => n === 'MESSAGE');
      return m ? Buffer.concat([m[1], Buffer.from('\n')]) : undefined;
    }
    case 'json':
      return Buffer.from(`${JSON.stringify(jsonObject(e, o.all, o.seqnum))}\n`);
    case 'json-pretty':
      return Buffer.from(prettyJson(jsonObject(e, o.all, o.seqnum)));
    case 'export':
      return exportEntry(e);
    case 'verbose':
      return verbose(e, o);
    default:
      return short(e, o);
  }
}

/** Whether mode prints "-- Boot ID --" between two boots' entries and "-- No entries --" (not cat, json or export). */
export function showsBootSeparator(mode: OutputMode): boolean {
  return mode.startsWith('short') || mode === 'verbose';
}
