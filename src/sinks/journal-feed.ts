// PID 1's side of the journal's writer process (journal/journal-writer-main.ts): entries
// are framed (journal/entry-frames.ts), gathered for one event-loop turn and written to the
// writer's stdin in one piece. The queue is bounded: while the writer is behind (a slow or
// full disk, a flood) by more than MAX_QUEUED_BYTES, or not running, entries are dropped and
// counted, and the first entry that fits again is preceded by one saying how many were
// lost. PID 1 never waits for the writer and its memory never grows with the backlog. A
// writer that ends is started again, at most once per RESTART_AFTER_MS.
import type { ChildProcess } from 'node:child_process';
import type { FieldValue } from '../journal/entry';
import { encodeFrame } from '../journal/entry-frames';

/** What PID 1 holds for a writer that is behind (the pipe itself holds another 64 KiB). */
export const MAX_QUEUED_BYTES = 1 << 20;
const RESTART_AFTER_MS = 1000;

export type Fields = ReadonlyArray<readonly [string, FieldValue]>;

export interface FeedDeps {
  /** Starts the writer with its stdin a pipe. */
  spawnWriter: () => ChildProcess;
  say: (line: string) => void;
}

/** CLOCK_REALTIME and CLOCK_MONOTONIC now, in microseconds. */
export function stampsNow(): { realtimeUsec: number; monotonicUsec: number } {
  return { realtimeUsec: Math.round((performance.timeOrigin + performance.now()) * 1000), monotonicUsec: Number(process.hrtime.bigint() / 1000n) };
}

export class JournalFeed {
  private child: ChildProcess | undefined;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private flushQueued = false;
  private dropped = 0;
  private closing = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private lastStartMs = 0;
  /** Entries handed on and dropped since the start (for tests and the docs' numbers). */
  readonly counts = { stored: 0, dropped: 0 };

  constructor(private readonly deps: FeedDeps) {}

  start(): void {
    if (this.closing || this.child) return;
    this.lastStartMs = Date.now();
    let child: ChildProcess;
    try {
      child = this.deps.spawnWriter();
    } catch (e) {
      this.deps.say(`journal: the writer did not start: ${(e as Error).message}`);
      this.restartLater();
      return;
    }
    this.child = child;
    child.stdin?.on('error', () => {}); // EPIPE: the exit handler restarts it
    child.once('error', (e) => {
      this.deps.say(`journal: the writer did not start: ${e.message}`);
      this.gone(child);
    });
    child.once('exit', (code, signal) => {
      if (!this.closing) this.deps.say(`journal: the writer ended (${signal ?? `status ${code}`}); starting it again`);
      this.gone(child);
    });
  }

  private gone(child: ChildProcess): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.restartLater();
  }

  private restartLater(): void {
    if (this.closing || this.restartTimer) return;
    const wait = Math.max(0, this.lastStartMs + RESTART_AFTER_MS - Date.now());
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.start();
    }, wait);
    this.restartTimer.unref();
  }

  /** Bytes waiting for the writer: this turn's batch and what its pipe has not taken. */
  get queuedBytes(): number {
    return this.batchBytes + (this.child?.stdin?.writableLength ?? 0);
  }

  /** Hands one entry on (stamped now, unless stamps are given); dropped and counted when the writer is behind. */
  submit(fields: Fields, stamps = stampsNow()): boolean {
    const frame = encodeFrame(fields, stamps.realtimeUsec, stamps.monotonicUsec);
    const room = MAX_QUEUED_BYTES - this.queuedBytes;
    if (!this.child?.stdin?.writable || frame.length + (this.dropped > 0 ? 256 : 0) > room) {
      this.dropped++;
      this.counts.dropped++;
      return false;
    }
    if (this.dropped > 0) {
      const n = this.dropped;
      this.dropped = 0;
      this.push(encodeFrame(droppedNotice(n), stamps.realtimeUsec, stamps.monotonicUsec));
    }
    this.push(frame);
    this.counts.stored++;
    return true;
  }

  private push(frame: Buffer): void {
    this.batch.push(frame);
    this.batchBytes += frame.length;
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushQueued = false;
    const stdin = this.child?.stdin;
    const parts = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    if (!stdin?.writable || parts.length === 0) return;
    stdin.write(parts.length === 1 ? parts[0] : Buffer.concat(parts));
  }

  /** Gives the writer what is queued, ends its input and waits (at most timeoutMs) for it to close the store. */
  close(timeoutMs: number): Promise<void> {
    this.flush();
    this.closing = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.stdin?.end();
    });
  }
}

/** The entry that says how many were lost, as journald's own such lines are (its driver's). */
export function droppedNotice(n: number): Fields {
  return [
    ['MESSAGE', `Suppressed ${n} messages: the journal's writer was behind (dropped, not stored)`],
    ['PRIORITY', '4'],
    ['SYSLOG_IDENTIFIER', 'ts-init'],
    ['_TRANSPORT', 'driver'],
    ['_PID', String(process.pid)],
    ['_UID', '0'],
    ['_GID', '0'],
  ];
}
