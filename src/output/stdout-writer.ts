// Writes whole lines to ts-init's stdout without ever blocking the event loop:
// one write at a time on libuv's thread pool, a bounded queue behind it. The queue holds
// the bytes to be written (UTF-8), encoded straight into 64 KiB blocks, so what it counts
// is what it holds (no object per line), and a batch goes out as those blocks (writev),
// not as a copy of them.
//
// When the reader is slow, the queue asks the units' pipes to wait (full(), onRoom()), as
// journald's stdout streams make a service wait: a unit that prints faster than stdout is
// read is slowed down to stdout's pace, instead of PID 1 reading and dropping its output
// at full speed. Lines that come anyway past the bound (a pipe read to its end at a unit's
// exit, the rest of a chunk already read) are dropped, counted and said; PID 1 never waits.
import * as fs from 'node:fs';
import { setLongTimeout } from '../process/long-timeout';

/** What the queue may hold (UTF-8 bytes, the batch being written included); past it, lines are dropped. */
export const STDOUT_QUEUE_BYTES = 4 * 1024 * 1024;
/** From this much on, units' pipes wait (the rest of the bound is room for what comes anyway). */
export const STDOUT_WAIT_BYTES = 2 * 1024 * 1024;

/** The queue's blocks: a line may span two, the last is filled before another is made. */
const BLOCK_BYTES = 64 * 1024;

export class StdoutWriter {
  /** Blocks of queued bytes; the last is filled up to tailUsed. */
  private queue: Buffer[] = [];
  private tailUsed = 0;
  private queuedLines = 0;
  private queuedBytes = 0;
  private writing = false;
  private dropped = 0;
  /** Lines in the batch being written now, and its bytes. */
  private inFlight = 0;
  private inFlightBytes = 0;
  private idleWaiters: Array<() => void> = [];
  private roomWaiters: Array<() => void> = [];

  constructor(
    private readonly fd = 1,
    private readonly maxQueuedBytes = STDOUT_QUEUE_BYTES,
    private readonly waitBytes = Math.min(STDOUT_WAIT_BYTES, maxQueuedBytes),
  ) {}

  /** text must be `lines` whole lines (one unless said), each ending in "\n". */
  write(text: string, lines = 1): void {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (this.queuedBytes + this.inFlightBytes + bytes > this.maxQueuedBytes) {
      this.dropped += lines;
      return;
    }
    this.append(text, bytes, lines);
    this.pump();
  }

  private append(text: string, bytes: number, lines: number): void {
    const last = this.queue.at(-1);
    const room = last ? last.length - this.tailUsed : 0;
    if (bytes <= room) {
      last!.write(text, this.tailUsed);
      this.tailUsed += bytes;
    } else if (!this.writing) {
      // Nothing is being written, so this line goes out at once: as it is, in no block.
      this.queue.push(Buffer.from(text, 'utf8'));
      this.tailUsed = bytes;
    } else {
      // The line fills this block and goes on in a new one (it is written whole all the same).
      const line = Buffer.from(text, 'utf8');
      if (room > 0) line.copy(last!, this.tailUsed, 0, room);
      const block = Buffer.allocUnsafe(Math.max(BLOCK_BYTES, bytes - room));
      line.copy(block, 0, room);
      this.queue.push(block);
      this.tailUsed = bytes - room;
    }
    this.queuedLines += lines;
    this.queuedBytes += bytes;
  }

  /** True while so much waits to be written that whoever feeds the queue should wait (see onRoom). */
  full(): boolean {
    return this.queuedBytes + this.inFlightBytes >= this.waitBytes;
  }

  /** listener runs once, when the queue is no longer full (at once if it is not). */
  onRoom(listener: () => void): void {
    if (this.full()) this.roomWaiters.push(listener);
    else listener();
  }

  /**
   * Resolves once everything queued so far has been written (used before exit), or
   * after timeoutMs: a reader that stopped reading must not hold up shutdown. Resolves
   * to the number of lines that were dropped and not yet said, or are still unwritten.
   */
  flushed(timeoutMs = Infinity): Promise<number> {
    const unwritten = (): number => this.dropped + this.queuedLines + this.inFlight;
    if (!this.writing && this.queuedLines === 0) return Promise.resolve(this.dropped);
    return new Promise((resolve) => {
      const timer = setLongTimeout(() => resolve(unwritten()), timeoutMs, false);
      this.idleWaiters.push(() => {
        timer.clear();
        resolve(this.dropped);
      });
    });
  }

  private pump(): void {
    if (this.writing) return;
    if (this.dropped > 0 && this.queuedLines === 0) {
      const said = `[ts-init] ${this.dropped} output lines dropped: stdout is not keeping up\n`;
      this.append(said, Buffer.byteLength(said), 1);
      this.dropped = 0;
    }
    if (this.queuedLines === 0) {
      for (const w of this.idleWaiters.splice(0)) w();
      return;
    }
    // The last block goes out as far as it is filled; the next line starts a new one.
    const batch = this.queue;
    batch[batch.length - 1] = batch.at(-1)!.subarray(0, this.tailUsed);
    this.inFlight = this.queuedLines;
    this.inFlightBytes = this.queuedBytes;
    this.queue = [];
    this.tailUsed = 0;
    this.queuedLines = 0;
    this.queuedBytes = 0;
    this.writing = true;
    this.writeAll(batch, () => {
      this.writing = false;
      this.inFlight = 0;
      this.inFlightBytes = 0;
      if (!this.full()) for (const w of this.roomWaiters.splice(0)) w();
      this.pump();
    });
  }

  private writeAll(bufs: Buffer[], done: () => void): void {
    fs.writev(this.fd, bufs, null, (err, written) => {
      if (err) {
        // EAGAIN on a non-blocking stdout: try again shortly; anything else: give up on this batch.
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') setTimeout(() => this.writeAll(bufs, done), 10);
        else done();
        return;
      }
      const rest = unwritten(bufs, written);
      if (rest.length > 0) this.writeAll(rest, done);
      else done();
    });
  }
}

/** What a write of `written` bytes left of bufs (a partly written buffer as its tail). */
export function unwritten(bufs: Buffer[], written: number): Buffer[] {
  let i = 0;
  while (i < bufs.length && written >= bufs[i]!.length) written -= bufs[i++]!.length;
  if (i === bufs.length) return [];
  return [bufs[i]!.subarray(written), ...bufs.slice(i + 1)];
}
