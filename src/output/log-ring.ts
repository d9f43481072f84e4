// The recent output of each unit, for `ts-init ctl logs [-f] UNIT`: a bounded ring
// of lines, and followers that see new lines as they come. Pure.
//
// Bounded in lines and in bytes: any unit, however unprivileged, decides what it prints,
// and PID 1 keeps it. Lines are kept whole (the oldest go first); one longer than
// maxLineBytes is kept cut, with a marker saying how much is missing.

export interface LogLine {
  time: number;
  unit: string;
  /** SyslogIdentifier=: the line's tag where systemd shows the identifier (console, status). */
  identifier?: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

/** What the ring may hold per unit; docs/bounded.md lists these. */
export const RING_MAX_LINES = 1000;
export const RING_MAX_BYTES = 1024 * 1024;
export const RING_MAX_LINE_BYTES = 16 * 1024;
/** What a kept line costs besides its text (the record, its slot). */
const LINE_OVERHEAD_BYTES = 64;

/** A character the runtime cannot keep in one byte: a string holding one takes 2 bytes a character. */
const WIDE = /[^\x00-\xff]/;

/**
 * A line's text as the ring counts it: its UTF-8 bytes, or what the runtime holds for
 * it where that is more (a line of ASCII with one € in it: 2 bytes a character).
 */
export function textBytes(s: string): number {
  const utf8 = Buffer.byteLength(s, 'utf8');
  return WIDE.test(s) ? Math.max(utf8, 2 * s.length) : utf8;
}

/** The line cut to at most maxBytes of UTF-8 (whole characters) and the marker. */
export function cutLine(line: string, maxBytes: number): string {
  const bytes = Buffer.from(line, 'utf8');
  let end = maxBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return `${bytes.toString('utf8', 0, end)} [line cut: ${bytes.length - end} more bytes]`;
}

export class LogRing {
  /** Slots before head are emptied as lines go, so a line gone is not held until compaction. */
  private lines: Array<LogLine | undefined> = [];
  /** What each line is counted as, beside it. */
  private sizes: number[] = [];
  /** lines before head are gone (the arrays are compacted now and then, not on every line). */
  private head = 0;
  private bytes = 0;
  private readonly followers = new Set<(l: LogLine) => void>();

  constructor(
    private readonly capacity = RING_MAX_LINES,
    private readonly maxBytes = RING_MAX_BYTES,
    private readonly maxLineBytes = RING_MAX_LINE_BYTES,
  ) {}

  add(line: LogLine): void {
    if (Buffer.byteLength(line.line, 'utf8') > this.maxLineBytes) line = { ...line, line: cutLine(line.line, this.maxLineBytes) };
    const size = textBytes(line.line);
    this.lines.push(line);
    this.sizes.push(size + LINE_OVERHEAD_BYTES);
    this.bytes += size + LINE_OVERHEAD_BYTES;
    while (this.lines.length - this.head > this.capacity || (this.bytes > this.maxBytes && this.lines.length - this.head > 1)) {
      this.bytes -= this.sizes[this.head]!;
      this.lines[this.head++] = undefined;
    }
    if (this.head > 64 && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
    for (const f of this.followers) f(line);
  }

  tail(n = this.capacity): LogLine[] {
    return this.lines.slice(Math.max(this.head, this.lines.length - n)) as LogLine[];
  }

  /** The bytes the kept lines are counted as (for tests and the bound). */
  size(): number {
    return this.bytes;
  }

  follow(listener: (l: LogLine) => void): () => void {
    this.followers.add(listener);
    return () => this.followers.delete(listener);
  }
}
