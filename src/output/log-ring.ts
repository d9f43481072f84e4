// The recent output of each unit, for `ts-init ctl logs [-f] UNIT`: a bounded ring
// of lines, and followers that see new lines as they come. Pure.

export interface LogLine {
  time: number;
  unit: string;
  /** SyslogIdentifier=: the line's tag where systemd shows the identifier (console, status). */
  identifier?: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

export class LogRing {
  private readonly lines: LogLine[] = [];
  private readonly followers = new Set<(l: LogLine) => void>();

  constructor(private readonly capacity = 1000) {}

  add(line: LogLine): void {
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
    for (const f of this.followers) f(line);
  }

  tail(n = this.capacity): LogLine[] {
    return this.lines.slice(Math.max(0, this.lines.length - n));
  }

  follow(listener: (l: LogLine) => void): () => void {
    this.followers.add(listener);
    return () => this.followers.delete(listener);
  }
}
