// Cuts a byte stream into whole lines. A line longer than maxBytes (of UTF-8) is cut
// into pieces of at most that size, at a character's boundary, so a program that never
// prints a newline cannot grow ts-init's memory without bound. Pure.
//
// It works on bytes and decodes each line on its own: a line sliced out of a decoded
// chunk would be a V8 slice that keeps the whole chunk (up to 64 KiB) alive for as long
// as the line is kept in the unit's ring.

const NL = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  /** The line begun in earlier chunks (copied: a view would keep the chunk alive). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly emit: (line: string) => void,
    private readonly maxBytes = 16 * 1024,
  ) {}

  push(chunk: Buffer): void {
    let from = 0;
    for (let nl = chunk.indexOf(NL); nl >= 0; nl = chunk.indexOf(NL, from)) {
      this.endLine(chunk, from, nl);
      from = nl + 1;
    }
    if (from < chunk.length) this.keep(chunk.subarray(from));
  }

  /** The stream ended: a last line without a newline is still a line. */
  end(): void {
    if (this.pendingBytes > 0) this.endLine(Buffer.alloc(0), 0, 0);
  }

  private keep(part: Buffer): void {
    this.pending.push(Buffer.from(part));
    this.pendingBytes += part.length;
    if (this.pendingBytes <= this.maxBytes) return;
    let text = Buffer.concat(this.pending);
    while (text.length > this.maxBytes) {
      const cut = charBoundary(text, 0, this.maxBytes);
      this.emit(text.toString('utf8', 0, cut));
      text = text.subarray(cut);
    }
    this.pending = [Buffer.from(text)];
    this.pendingBytes = text.length;
  }

  /** The line that chunk[start, nl) ends (no view of it is made: a flood's lines are each one string and nothing else). */
  private endLine(chunk: Buffer, start: number, nl: number): void {
    let line = chunk;
    let from = start;
    let end = nl;
    if (this.pendingBytes > 0) {
      line = Buffer.concat([...this.pending, chunk.subarray(start, nl)]);
      this.pending = [];
      this.pendingBytes = 0;
      from = 0;
      end = line.length;
    }
    if (end > from && line[end - 1] === CR) end--;
    if (end === from) return this.emit('');
    if (end - from <= this.maxBytes) return this.emit(line.toString('utf8', from, end));
    while (from < end) {
      const cut = from + this.maxBytes >= end ? end : charBoundary(line, from, from + this.maxBytes);
      this.emit(line.toString('utf8', from, cut));
      from = cut;
    }
  }
}

/** The largest index in (from, at] that does not split a UTF-8 sequence (at itself if there is none). */
function charBoundary(buf: Buffer, from: number, at: number): number {
  for (let i = at; i > at - 4 && i > from; i--) {
    if ((buf[i]! & 0xc0) !== 0x80) return i;
  }
  return at;
}
