// PID 1's side of the journal's writer process (journal/journal-writer-main.ts): entries
// are framed (journal/entry-frames.ts), gathered for one event-loop turn and written to the
// writer's stdin in one piece. The queue is bounded: while the writer is behind (a slow or
// full disk, a flood) by more than MAX_QUEUED_BYTES, or not running, entries are dropped and
// counted, and the first entry that fits again is preceded by one saying how many were
// lost. Who can wait instead (a unit's pipe, a stream connection) is held from a quarter of
// the bound on (full, onRoom), as a unit waits for journald. PID 1 never waits for the writer and its
// memory never grows with the backlog. A writer that ends is started again, at most once per
// RESTART_AFTER_MS. Besides entries, PID 1 tells the writer about its units' streams (control
// frames, never dropped: one per spawn or unit change) and answers its questions (which unit a
// pid is in), which come one pid a line on the writer's fd 3.
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import type { FieldValue } from '../journal/entry';
import { controlFrame, encodeFrame, textFrameOf } from '../journal/entry-frames';
import { monotonicNow, timeOrigin } from '../sys/clock';
import { releaseMemorySoon } from '../sys/memory';

/**
 * What PID 1 holds for a writer that is behind (its socket holds some 200 KiB more): a unit's
 * 64 KiB read of short lines makes some 1 MiB of entries, and a few such reads may come in a turn.
 */
export const MAX_QUEUED_BYTES = 4 << 20;
/** A batch this large goes to the writer at once, not at the end of the turn. */
const FLUSH_AT_BYTES = 256 << 10;
/** Flushes less than BURST_GAP_MS apart are one burst; from BURST_BYTES on, its end is followed by a release of memory. */
const BURST_GAP_MS = 100;
const BURST_BYTES = 256 << 10;
const RESTART_AFTER_MS = 1000;
/** A line on the writer's fd 3 (a pid, or an answer of a few lines of output): a longer one is dropped. */
const ANSWER_MAX_CHARS = 64 << 10;

/** A question on the writer's fd 3: "PID" or "PID PPID SESSION". */
const QUESTION = /^([1-9]\d{0,9})(?: (\d{1,10}) (\d{1,10}))?$/;

export type Fields = ReadonlyArray<readonly [string, FieldValue]>;

export interface FeedDeps {
  /** Starts the writer with its stdin a pipe. */
  spawnWriter: () => ChildProcess;
  say: (line: string) => void;
  /**
   * The writer asks which unit a pid is in (on its fd 3, when it has one): answered with control().
   * `stat`: the process's parent and session as the writer read them when it asked (gone since, maybe).
   */
  onQuestion?: (pid: number, stat?: { ppid: number; session: number }) => void;
  /** The writer's answers to PID 1's own questions (a JSON object a line on its fd 3). */
  onAnswer?: (answer: unknown) => void;
}

const TIME_ORIGIN_MS = timeOrigin();
/** CLOCK_MONOTONIC at performance.now()'s zero, in ms (performance.now() is CLOCK_MONOTONIC from there). */
const MONOTONIC_AT_ORIGIN_MS = Number(process.hrtime.bigint()) / 1e6 - monotonicNow();

/** CLOCK_REALTIME and CLOCK_MONOTONIC now, in microseconds: one clock read (PID 1 runs interpreted, where each call counts). */
export function stampsNow(): { realtimeUsec: number; monotonicUsec: number } {
  const now = monotonicNow();
  return { realtimeUsec: Math.round((TIME_ORIGIN_MS + now) * 1000), monotonicUsec: Math.round((MONOTONIC_AT_ORIGIN_MS + now) * 1000) };
}

export class JournalFeed {
  private child: ChildProcess | undefined;
  private batch: Buffer[] = [];
  /** Text frames since the last binary one, joined: one Buffer per batch, not one per entry. */
  private text = '';
  /** The batch's size, text counted in characters (its UTF-8 may be longer, within FLUSH_AT_BYTES's bound). */
  private batchBytes = 0;
  /** The current burst of flushes (BURST_GAP_MS apart at most): its bytes, and when it last flushed. */
  private burstBytes = 0;
  private lastFlushMs: number | undefined;
  private flushQueued = false;
  private dropped = 0;
  private closing = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private lastStartMs = 0;
  private roomWaiters: Array<() => void> = [];
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
    child.stdin?.on('drain', () => this.tellRoom());
    const questions = child.stdio?.[3] as Socket | null | undefined;
    if (questions) {
      let partial = '';
      questions.on('error', () => {});
      questions.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop()!;
        if (partial.length > ANSWER_MAX_CHARS) partial = '';
        for (const l of lines) {
          const q = QUESTION.exec(l);
          if (q) this.deps.onQuestion?.(Number(q[1]), q[2] !== undefined ? { ppid: Number(q[2]), session: Number(q[3]) } : undefined);
          else if (l.startsWith('{') && l.length <= ANSWER_MAX_CHARS) {
            try {
              this.deps.onAnswer?.(JSON.parse(l));
            } catch {
              // not an answer
            }
          }
        }
      });
    }
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
    this.tellRoom();
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

  /** Whether a writer runs and takes input (a unit's stream may be handed to it). */
  running(): boolean {
    return this.child?.stdin?.writable === true && !this.closing;
  }

  /**
   * A message of PID 1's to the writer (sinks/writer-streams.ts's StreamControl): queued
   * whatever the bound (a few per spawn), in order with the entries; false without a writer.
   */
  control(message: unknown): boolean {
    if (!this.child?.stdin?.writable) return false;
    this.push(controlFrame(message));
    return true;
  }

  /** Bytes waiting for the writer: this turn's batch and what its pipe has not taken. */
  get queuedBytes(): number {
    return this.batchBytes + (this.child?.stdin?.writableLength ?? 0);
  }

  /**
   * A quarter of the bound is queued: who can wait (a unit's pipe, a stream connection) stops
   * sending until onRoom; datagrams, which cannot wait, are dropped only at the bound itself. The
   * rest is for what comes anyway: an exited unit's pipe is read to its end, and its 64 KiB of
   * short lines make some 1.8 MiB of entries (each carries some 300 bytes of journald's fields).
   * A writer that is not running holds nobody.
   */
  full(): boolean {
    return this.child !== undefined && this.queuedBytes >= MAX_QUEUED_BYTES / 4;
  }

  /** then() once the queue is no longer full (at once when it is not). */
  onRoom(then: () => void): void {
    if (!this.full()) then();
    else this.roomWaiters.push(then);
  }

  private tellRoom(): void {
    if (this.full() || this.roomWaiters.length === 0) return;
    for (const w of this.roomWaiters.splice(0)) w();
  }

  /** Hands one entry on (stamped now, unless stamps are given); dropped and counted when the writer is behind. */
  submit(fields: Fields, stamps = stampsNow()): boolean {
    return this.enqueue(encodeFrame(fields, stamps.realtimeUsec, stamps.monotonicUsec), stamps);
  }

  /** Hands one entry on, stamped now, given as entry-frames.ts's textFields make them. */
  submitText(fieldsText: string): boolean {
    const stamps = stampsNow();
    return this.enqueue(textFrameOf(fieldsText, stamps.realtimeUsec, stamps.monotonicUsec), stamps);
  }

  private enqueue(frame: string | Buffer, stamps: { realtimeUsec: number; monotonicUsec: number }): boolean {
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

  private push(frame: string | Buffer): void {
    if (typeof frame === 'string') this.text += frame;
    else {
      this.textToBatch();
      this.batch.push(frame);
    }
    this.batchBytes += frame.length;
    if (this.batchBytes >= FLUSH_AT_BYTES) return this.flush();
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  private textToBatch(): void {
    if (this.text.length === 0) return;
    this.batch.push(Buffer.from(this.text, 'utf8'));
    this.text = '';
  }

  private flush(): void {
    const stdin = this.child?.stdin;
    this.textToBatch();
    const parts = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    if (!stdin?.writable || parts.length === 0) return;
    const bytes = parts.length === 1 ? parts[0]!.length : parts.reduce((n, b) => n + b.length, 0);
    stdin.write(parts.length === 1 ? parts[0] : Buffer.concat(parts));
    // A burst's entries are garbage once written: given back once it is over (every flush of a
    // burst moves the release on; a trickle of lines never calls for one).
    this.burstBytes = this.lastFlushMs !== undefined && Date.now() - this.lastFlushMs < BURST_GAP_MS ? this.burstBytes + bytes : bytes;
    this.lastFlushMs = Date.now();
    if (this.burstBytes >= BURST_BYTES || stdin.writableLength >= FLUSH_AT_BYTES) releaseMemorySoon();
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
    ['_RUNTIME_SCOPE', 'system'],
  ];
}
