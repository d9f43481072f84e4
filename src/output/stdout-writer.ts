// Writes whole lines to ts-init's stdout without ever blocking the event loop:
// one write at a time on libuv's thread pool, a bounded queue behind it, and when
// the reader is too slow, lines are dropped (and counted, and said) rather than
// stalling PID 1. The bound is in bytes as written (UTF-8) and counts the batch being
// written too: what a unit prints costs PID 1 at most that while stdout is not read.
import * as fs from 'node:fs';
import { setLongTimeout } from '../process/long-timeout';

export class StdoutWriter {
  private queue: string[] = [];
  private queuedBytes = 0;
  private writing = false;
  private dropped = 0;
  /** Lines in the batch being written now, and its bytes. */
  private inFlight = 0;
  private inFlightBytes = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly fd = 1,
    private readonly maxQueuedBytes = 4 * 1024 * 1024,
  ) {}

  /** text must be one or more whole lines, each ending in "\n". */
  write(text: string): void {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (this.queuedBytes + this.inFlightBytes + bytes > this.maxQueuedBytes) {
      this.dropped++;
      return;
    }
    this.queue.push(text);
    this.queuedBytes += bytes;
    this.pump();
  }

  /**
   * Resolves once everything queued so far has been written (used before exit), or
   * after timeoutMs: a reader that stopped reading must not hold up shutdown. Resolves
   * to the number of lines that were dropped and not yet said, or are still unwritten.
   */
  flushed(timeoutMs = Infinity): Promise<number> {
    const unwritten = (): number => this.dropped + this.queue.length + this.inFlight;
    if (!this.writing && this.queue.length === 0) return Promise.resolve(this.dropped);
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
    if (this.dropped > 0 && this.queue.length === 0) {
      this.queue.push(`[ts-init] ${this.dropped} output lines dropped: stdout is not keeping up\n`);
      this.dropped = 0;
    }
    if (this.queue.length === 0) {
      for (const w of this.idleWaiters.splice(0)) w();
      return;
    }
    const batch = Buffer.from(this.queue.join(''));
    this.inFlight = this.queue.length;
    this.inFlightBytes = batch.length;
    this.queue = [];
    this.queuedBytes = 0;
    this.writing = true;
    this.writeAll(batch, () => {
      this.writing = false;
      this.inFlight = 0;
      this.inFlightBytes = 0;
      this.pump();
    });
  }

  private writeAll(buf: Buffer, done: () => void): void {
    fs.write(this.fd, buf, 0, buf.length, null, (err, written) => {
      if (err) {
        // EAGAIN on a non-blocking stdout: try again shortly; anything else: give up on this batch.
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') setTimeout(() => this.writeAll(buf, done), 10);
        else done();
        return;
      }
      if (written < buf.length) this.writeAll(buf.subarray(written), done);
      else done();
    });
  }
}
