// What goes to PID 1's stdout, the container log (`docker logs`, `podman logs`, `kubectl
// logs`), besides the CMD's own output, which is never ts-init's to filter (the CMD writes
// to the same stdout itself). journald's ForwardToConsole=/MaxLevelConsole= are the model:
// a mode says which sources are shown, a level bound which messages.
//   all:   units' output lines and the journal's messages (/dev/log, sd_journal_send, the
//          stdout stream socket), each tagged "name[pid]: " as syslog shows them (default);
//   units: units' output lines only;
//   cmd:   nothing but the CMD's own output.
// Unit output lines count as info, as journald stores them (SyslogLevel='s default) unless a
// level is given. Pure.
import type { ConsoleMode, LogFormat } from '../cli/options';
import type { FieldValue } from '../journal/entry';
import { escapeControls } from './escape-controls';

export interface ConsolePolicy {
  mode: ConsoleMode;
  /** The least important syslog level shown, 0 (emerg) to 7 (debug). */
  maxLevel: number;
}

/** journald's MaxLevelConsole= default is info. */
export const DEFAULT_CONSOLE_POLICY: ConsolePolicy = { mode: 'all', maxLevel: 6 };

/** A unit's stdout/stderr line, or a message one of the journal's sockets received. */
export type ConsoleSource = 'unit-output' | 'journal';

const INFO = 6;
/** The longest message shown, as a unit's output line is cut (line-splitter.ts). */
const MAX_MESSAGE_BYTES = 16 * 1024;

export function showsOnConsole(p: ConsolePolicy, source: ConsoleSource, level = INFO): boolean {
  if (level > p.maxLevel || p.mode === 'cmd') return false;
  return source === 'unit-output' || p.mode === 'all';
}

/** An entry's fields, as the journal's sinks build them (its timestamps are the writer's). */
export type EntryFields = ReadonlyArray<readonly [string, FieldValue]>;

function first(e: EntryFields, name: string): string | undefined {
  const f = e.find(([n]) => n === name);
  if (!f) return undefined;
  const v = f[1];
  return typeof v === 'string' ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
}

const decimal = (v: string | undefined): string | undefined => (v !== undefined && /^\d{1,10}$/.test(v) ? v : undefined);

/**
 * The container log's line for a message the journal received, or undefined when the policy
 * leaves it out (or it has no MESSAGE=). Text: "identifier[pid]: message" (journalctl's short
 * tag: SYSLOG_IDENTIFIER, else _COMM), the message on one line with its control characters,
 * newlines included, escaped (escape-controls.ts) and cut at 16 KiB; json: one object.
 */
export function consoleLineFor(e: EntryFields, policy: ConsolePolicy, format: LogFormat, nowMs = Date.now()): string | undefined {
  const priority = decimal(first(e, 'PRIORITY'));
  const level = priority !== undefined && Number(priority) <= 7 ? Number(priority) : INFO;
  if (!showsOnConsole(policy, 'journal', level)) return undefined;
  let message = first(e, 'MESSAGE');
  if (message === undefined) return undefined;
  if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES) message = `${Buffer.from(message).subarray(0, MAX_MESSAGE_BYTES).toString('utf8').replace(/\ufffd$/, '')}…`;
  const identifier = first(e, 'SYSLOG_IDENTIFIER') ?? first(e, '_COMM') ?? 'unknown';
  const pid = decimal(first(e, '_PID')) ?? decimal(first(e, 'SYSLOG_PID'));
  const unit = first(e, '_SYSTEMD_UNIT');
  if (format === 'json') {
    const time = new Date(nowMs).toISOString();
    return `${JSON.stringify({ time, ...(unit !== undefined && { unit }), identifier, ...(pid !== undefined && { pid: Number(pid) }), priority: level, line: message })}\n`;
  }
  return `${escapeControls(identifier)}${pid !== undefined ? `[${pid}]` : ''}: ${escapeControls(message)}\n`;
}
