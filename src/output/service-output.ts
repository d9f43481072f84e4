// Unit output: each line a unit prints is passed to ts-init's stdout tagged with
// the unit name ("cron.service: line", or a JSON object with --log-format json),
// and kept in the unit's ring for `ctl logs`.
import type { Readable } from 'node:stream';
import type { LogFormat } from '../cli/options';
import { LineSplitter } from './line-splitter';
import { LogRing, type LogLine } from './log-ring';
import { StdoutWriter } from './stdout-writer';

export function formatLine(l: LogLine, format: LogFormat): string {
  if (format === 'json') {
    return `${JSON.stringify({ time: new Date(l.time).toISOString(), unit: l.unit, stream: l.stream, line: l.line })}\n`;
  }
  return `${l.unit}: ${l.line}\n`;
}

export class ServiceOutput {
  private readonly rings = new Map<string, LogRing>();

  constructor(
    private readonly format: LogFormat,
    private readonly writer = new StdoutWriter(),
  ) {}

  ring(unit: string): LogRing {
    let r = this.rings.get(unit);
    if (!r) {
      r = new LogRing();
      this.rings.set(unit, r);
    }
    return r;
  }

  /** Reads a unit process's pipe to its end. echo=false keeps lines only in the ring. */
  attach(unit: string, stream: 'stdout' | 'stderr', source: Readable, echo = true): void {
    source.setEncoding('utf8');
    const splitter = new LineSplitter((line) => this.line(unit, stream, line, echo));
    source.on('data', (chunk: string) => splitter.push(chunk));
    source.on('end', () => splitter.end());
    source.on('error', () => splitter.end());
  }

  line(unit: string, stream: 'stdout' | 'stderr', line: string, echo = true): void {
    const l: LogLine = { time: Date.now(), unit, stream, line };
    this.ring(unit).add(l);
    if (echo) this.writer.write(formatLine(l, this.format));
  }

  flushed(): Promise<void> {
    return this.writer.flushed();
  }
}
