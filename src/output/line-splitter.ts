// Cuts a byte stream into whole lines. A line longer than maxBytes is cut into
// pieces of that size, so a program that never prints a newline cannot grow
// ts-init's memory without bound. Pure.

export class LineSplitter {
  private pending = '';

  constructor(
    private readonly emit: (line: string) => void,
    private readonly maxBytes = 16 * 1024,
  ) {}

  push(chunk: string): void {
    let text = this.pending + chunk;
    let nl = text.indexOf('\n');
    while (nl >= 0) {
      this.emitCapped(text.slice(0, nl));
      text = text.slice(nl + 1);
      nl = text.indexOf('\n');
    }
    while (text.length > this.maxBytes) {
      this.emit(text.slice(0, this.maxBytes));
      text = text.slice(this.maxBytes);
    }
    this.pending = text;
  }

  /** The stream ended: a last line without a newline is still a line. */
  end(): void {
    if (this.pending) this.emitCapped(this.pending);
    this.pending = '';
  }

  private emitCapped(line: string): void {
    const clean = line.endsWith('\r') ? line.slice(0, -1) : line;
    for (let i = 0; i < clean.length; i += this.maxBytes) this.emit(clean.slice(i, i + this.maxBytes));
    if (clean.length === 0) this.emit('');
  }
}
