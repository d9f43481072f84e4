// Unit output: each line a unit prints is passed to ts-init's stdout tagged with
// the unit name, or its SyslogIdentifier= when it has one, as journald tags the lines
// it shows ("cron.service: line", its control characters escaped, or a JSON object
// with --log-format json), and kept in the unit's ring for `ctl logs`.
//
// A pipe whose lines go to stdout is not read while stdout's queue is full: the unit
// waits, as a service waits for journald, and PID 1 does not read and drop its output
// at full speed (some 100 MB/s of garbage for one chatty unit). Its lines reach the ring
// at stdout's pace, none lost. A pipe someone waits to see the end of (a unit's exit, a
// failure report, shutdown) is read regardless; what stdout cannot take of it is dropped.
import type { Readable } from 'node:stream';
import type { LogFormat } from '../cli/options';
import { releaseMemorySoon } from '../sys/memory';
import { type ConsolePolicy, consoleLineFor, DEFAULT_CONSOLE_POLICY, type EntryFields, showsOnConsole } from './console-policy';
import { escapeControls } from './escape-controls';
import { LineSplitter } from './line-splitter';
import { LogRing, type LogLine } from './log-ring';
import { StdoutWriter } from './stdout-writer';

export function formatLine(l: LogLine, format: LogFormat): string {
  if (format === 'json') {
    return `${JSON.stringify({ time: new Date(l.time).toISOString(), unit: l.unit, ...(l.identifier !== undefined && { identifier: l.identifier }), stream: l.stream, line: l.line })}\n`;
  }
  return `${l.identifier ?? l.unit}: ${escapeControls(l.line)}\n`;
}

export class ServiceOutput {
  private readonly rings = new Map<string, LogRing>();
  /** Pipes not yet at their end: a process's last lines may still be in them after it was reaped. */
  private readonly open = new Set<Readable>();
  private closedWaiters: Array<() => void> = [];
  /** The same pipes by unit, and who waits for one unit's pipes to end. */
  private readonly openByUnit = new Map<string, Set<Readable>>();
  private readonly unitWaiters = new Map<string, Array<() => void>>();
  /** Pipes paused until stdout's queue has room, and those read to their end whatever stdout does (with how many wait for that). */
  private readonly waiting = new Set<Readable>();
  private readonly toTheEnd = new Map<Readable, number>();
  private roomAsked = false;
  /**
   * The journal's hook (set by the wiring when the journal runs): every unit line, echoed or
   * not; a journal that is behind holds the unit's pipes as a full stdout does (as a unit
   * waits for journald).
   */
  toJournal: { line(unit: string, line: string): void; full(): boolean; onRoom(then: () => void): void } | undefined;
  /**
   * The journal's writer, where it runs (set by the wiring): a unit's stdout and stderr are then
   * connections of its stream socket (sinks/unit-streams.ts), and the writer stores and echoes
   * the lines; PID 1 reads none of them (nor keeps them in the ring).
   */
  toJournalStream:
    | {
        open(unit: string, stream: 'stdout' | 'stderr', echo: boolean, tag: string | undefined): { fd: number; started(pid: number | undefined): void } | undefined;
        /** The unit's last lines since a moment, as the writer kept them (for a failure report); [] when it does not answer in time. */
        recent(unit: string, sinceMs: number, max: number): Promise<string[]>;
      }
    | undefined;

  constructor(
    private readonly format: LogFormat,
    private readonly writer = new StdoutWriter(),
    private readonly console: ConsolePolicy = DEFAULT_CONSOLE_POLICY,
  ) {}

  ring(unit: string): LogRing {
    let r = this.rings.get(unit);
    if (!r) {
      r = new LogRing();
      this.rings.set(unit, r);
    }
    return r;
  }

  /** A connection to the journal's writer for a unit process's stdout or stderr, or undefined (then a pipe, attach). */
  journalStream(unit: string, stream: 'stdout' | 'stderr', identifier: string | undefined): { fd: number; started(pid: number | undefined): void } | undefined {
    return this.toJournalStream?.open(unit, stream, showsOnConsole(this.console, 'unit-output'), identifier);
  }

  /** Reads a unit process's pipe to its end. echo=false keeps lines only in the ring; identifier: SyslogIdentifier=. */
  attach(unit: string, stream: 'stdout' | 'stderr', source: Readable, { echo: asked = true, identifier }: { echo?: boolean; identifier?: string } = {}): void {
    const echo = asked && showsOnConsole(this.console, 'unit-output'); // --log-console
    const splitter = new LineSplitter((line) => this.line(unit, stream, line, echo, identifier));
    this.open.add(source);
    let mine = this.openByUnit.get(unit);
    if (!mine) this.openByUnit.set(unit, (mine = new Set()));
    mine.add(source);
    const finish = (): void => {
      if (!this.open.delete(source)) return;
      splitter.end();
      this.waiting.delete(source);
      mine.delete(source);
      if (mine.size === 0) {
        this.openByUnit.delete(unit);
        for (const w of this.unitWaiters.get(unit)?.splice(0) ?? []) w();
        this.unitWaiters.delete(unit);
      }
      if (this.open.size === 0) for (const w of this.closedWaiters.splice(0)) w();
    };
    source.on('data', (chunk: Buffer) => {
      splitter.push(chunk);
      if (((echo && this.writer.full()) || this.toJournal?.full()) && !this.toTheEnd.has(source)) this.wait(source);
    });
    source.on('end', finish);
    source.on('close', finish);
    source.on('error', finish);
  }

  /** Stops reading source until stdout's queue has room; the first pipe to wait asks for the garbage of the burst to be given back. */
  private wait(source: Readable): void {
    source.pause();
    this.waiting.add(source);
    if (this.roomAsked) return;
    this.roomAsked = true;
    this.whenRoom(() => {
      this.roomAsked = false;
      for (const s of this.waiting) s.resume();
      this.waiting.clear();
    });
    releaseMemorySoon();
  }

  /** then() once stdout's queue and the journal both have room. */
  private whenRoom(then: () => void): void {
    if (this.writer.full()) this.writer.onRoom(() => this.whenRoom(then));
    else if (this.toJournal?.full()) this.toJournal.onRoom(() => this.whenRoom(then));
    else then();
  }

  /** Reads these pipes to their end, stdout's queue full or not, until the returned function is called. */
  private readToTheEnd(pipes: Iterable<Readable>): () => void {
    const list = [...pipes];
    for (const p of list) {
      this.toTheEnd.set(p, (this.toTheEnd.get(p) ?? 0) + 1);
      if (this.waiting.delete(p)) p.resume();
    }
    return () => {
      for (const p of list.splice(0)) {
        const n = this.toTheEnd.get(p)! - 1;
        if (n > 0) this.toTheEnd.set(p, n);
        else this.toTheEnd.delete(p);
      }
    };
  }

  /**
   * Resolves when every attached pipe has reached its end, or after timeoutMs: a
   * daemon left running (KillMode=none) may hold its pipe open for ever.
   */
  drained(timeoutMs: number): Promise<void> {
    if (this.open.size === 0) return Promise.resolve();
    const release = this.readToTheEnd(this.open);
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        release();
        resolve();
      }
      this.closedWaiters.push(done);
    });
  }

  /** The unit's last n kept lines, without making a ring for a unit that has none. */
  recent(unit: string, n: number): LogLine[] {
    return this.rings.get(unit)?.tail(n) ?? [];
  }

  /**
   * The unit's output lines since a moment (at most max), once its pipes have ended: from the
   * ring, or, for a unit whose output went to the journal's writer, as the writer kept them.
   */
  async recentLines(unit: string, sinceMs: number, max: number): Promise<string[]> {
    await this.unitDrained(unit, 200);
    const ring = this.recent(unit, max)
      .filter((l) => l.time >= sinceMs)
      .map((l) => l.line);
    if (ring.length > 0 || !this.toJournalStream) return ring;
    return this.toJournalStream.recent(unit, sinceMs, max);
  }

  /** Drops a unit's kept lines (a finished per-connection instance: no one asks for them again). */
  forget(unit: string): void {
    this.rings.delete(unit);
  }

  /** Resolves when the unit's pipes have all ended (its last lines are in), or after timeoutMs. */
  unitDrained(unit: string, timeoutMs: number): Promise<void> {
    const pipes = this.openByUnit.get(unit);
    if (!pipes) return Promise.resolve();
    const release = this.readToTheEnd(pipes);
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        release();
        resolve();
      }
      let list = this.unitWaiters.get(unit);
      if (!list) this.unitWaiters.set(unit, (list = []));
      list.push(done);
    });
  }

  line(unit: string, stream: 'stdout' | 'stderr', line: string, echo = true, identifier?: string): void {
    const l: LogLine = { time: Date.now(), unit, ...(identifier !== undefined && { identifier }), stream, line };
    this.ring(unit).add(l);
    this.toJournal?.line(unit, line);
    if (echo) this.writer.write(formatLine(l, this.format));
  }

  /** A message one of the journal's sockets received, to the container log as --log-console says (console-policy.ts). */
  journalMessage(fields: EntryFields): void {
    const line = consoleLineFor(fields, this.console, this.format);
    if (line !== undefined) this.writer.write(line);
  }

  /** See StdoutWriter.flushed: bounded by timeoutMs, resolves to the lines not written. */
  flushed(timeoutMs?: number): Promise<number> {
    return this.writer.flushed(timeoutMs);
  }
}
