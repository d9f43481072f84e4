// The stream protocol of /run/systemd/journal/stdout (sd_journal_stream_fd, systemd-cat,
// StandardOutput=journal): a header of seven lines, then the stream's lines. The header is
// identifier, unit id, priority, level_prefix, forward_to_syslog, forward_to_kmsg,
// forward_to_console; a line with a `<N>` prefix takes that level when level_prefix is on.
// A connection PID 1 makes for a unit's output (sinks/unit-streams.ts) has an eighth line, its
// stream's key, which the writer reads only from PID 1 (by the peer's credentials, before the
// unit is given the socket). Pure: the state of one connection, fed line by line.
import { parsePriorityPrefix } from './syslog-message';

export interface StreamHeader {
  identifier?: string;
  unitId?: string;
  priority: number;
  levelPrefix: boolean;
  forwardToSyslog: boolean;
  /** PID 1's eighth line: the key its messages about the stream name it by. */
  key?: string;
}

export type StreamLine = { kind: 'header-done'; header: StreamHeader } | { kind: 'pending' } | { kind: 'bad-header'; why: string } | { kind: 'message'; priority: number; message: string };

const HEADER_LINES = 7;

function boolField(v: string): boolean | undefined {
  if (v === '1') return true;
  if (v === '0') return false;
  return undefined;
}

export class StreamConnection {
  private readonly headerLines: string[] = [];
  header: StreamHeader | undefined;

  /** pid1: the peer is PID 1, whose header has an eighth line (its key). */
  constructor(private readonly pid1 = false) {}

  /** One line of the connection (without its newline), as latin1 text of its bytes. */
  line(text: string): StreamLine {
    if (this.header) {
      const h = this.header;
      const pri = h.levelPrefix ? parsePriorityPrefix(text, h.priority, false) : undefined;
      return pri ? { kind: 'message', priority: pri.priority, message: text.slice(pri.rest) } : { kind: 'message', priority: h.priority, message: text };
    }
    this.headerLines.push(text);
    if (this.headerLines.length < HEADER_LINES + (this.pid1 ? 1 : 0)) return { kind: 'pending' };
    const [identifier, unitId, priority, levelPrefix, toSyslog, toKmsg, toConsole, key] = this.headerLines;
    const level = /^[0-7]$/.test(priority) ? Number(priority) : undefined;
    const flags = [levelPrefix, toSyslog, toKmsg, toConsole].map(boolField);
    if (level === undefined) return { kind: 'bad-header', why: `bad priority line "${priority.slice(0, 16)}"` };
    if (flags.some((f) => f === undefined)) return { kind: 'bad-header', why: 'bad flag line' };
    this.header = {
      ...(identifier !== '' && { identifier }),
      ...(unitId !== '' && { unitId }),
      priority: level,
      levelPrefix: flags[0]!,
      forwardToSyslog: flags[1]!,
      ...(key !== undefined && { key }),
    };
    return { kind: 'header-done', header: this.header };
  }
}
