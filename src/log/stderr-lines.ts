// ts-init's own lines on stderr (its log, tini's warnings). stderr is often a pipe whose
// open file description the CMD shares, and the runtime makes it non-blocking once
// anything touches process.stderr: a slow reader then turns a plain write into EAGAIN.
// A line that cannot be written now waits in a bounded queue and is retried; past the
// bound lines are dropped, counted, and the count is said once the queue drains, as the
// unit-output writer does for stdout. Whatever is queued at exit is written then.
// A pipe is written through a descriptor of ts-init's own, opened non-blocking on the
// same pipe (a new open file description, so the CMD's stays as it was): a reader that
// never reads then costs queued and dropped lines, never a PID 1 stuck in write().
import * as fs from 'node:fs';

const RETRY_MS = 10;
/** How long the exit may wait for a stalled reader before the rest is given up. */
const EXIT_FLUSH_MS = 2_000;

export class StderrLines {
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private dropped = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private exitHooked = false;
  private broken = false;
  private out: number | undefined;

  constructor(
    private readonly fd = 2,
    private readonly maxQueuedBytes = 1024 * 1024,
    /** The line that reports n dropped lines, in the caller's format. */
    private readonly droppedLine: (n: number) => string = (n) => `[ts-init] ${n} log lines dropped: stderr is not keeping up\n`,
  ) {}

  /** text is one or more whole lines. Never throws, never blocks on a full pipe. */
  write(text: string): void {
    if (this.broken) return;
    const buf = Buffer.from(text);
    if (this.queue.length > 0 || this.timer) {
      this.enqueue(buf);
      return;
    }
    const rest = this.tryWrite(buf);
    if (rest) this.enqueue(rest);
  }

  /** Lines waiting for the reader (for tests and the exit). */
  get pending(): number {
    return this.queue.length;
  }

  /**
   * Writes what is queued, waiting for a stalled reader up to timeoutMs (blocking: used
   * when the process is about to exit and nothing else needs the event loop).
   */
  flushBlocking(timeoutMs = EXIT_FLUSH_MS): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = Date.now() + timeoutMs;
    const nap = new Int32Array(new SharedArrayBuffer(4));
    while (this.queue.length > 0 || this.dropped > 0) {
      if (!this.drainOnce()) return; // a broken stderr: nothing more can be said
      if (this.queue.length === 0 && this.dropped === 0) return;
      if (Date.now() >= deadline) return;
      Atomics.wait(nap, 0, 0, 5);
    }
  }

  private enqueue(buf: Buffer): void {
    if (this.queuedBytes + buf.length > this.maxQueuedBytes) {
      this.dropped++;
    } else {
      this.queue.push(buf);
      this.queuedBytes += buf.length;
    }
    this.schedule();
  }

  private schedule(): void {
    if (!this.exitHooked) {
      this.exitHooked = true;
      process.once('exit', () => this.flushBlocking());
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.drainOnce() && (this.queue.length > 0 || this.dropped > 0)) this.schedule();
    }, RETRY_MS);
  }

  /** Writes as much of the queue as the pipe takes now; false when stderr is broken. */
  private drainOnce(): boolean {
    if (this.queue.length === 0 && this.dropped > 0) {
      this.queue.push(Buffer.from(this.droppedLine(this.dropped)));
      this.queuedBytes += this.queue[0]!.length;
      this.dropped = 0;
    }
    if (this.queue.length === 0) return true;
    const rest = this.tryWrite(Buffer.concat(this.queue));
    if (rest === undefined) {
      this.queue = [];
      this.queuedBytes = 0;
      return !this.broken;
    }
    this.queue = [rest];
    this.queuedBytes = rest.length;
    return true;
  }

  /** The descriptor written to: for a pipe, an own non-blocking one; otherwise fd itself. */
  private target(): number {
    if (this.out !== undefined) return this.out;
    this.out = this.fd;
    try {
      if (fs.fstatSync(this.fd).isFIFO()) {
        this.out = fs.openSync(`/proc/self/fd/${this.fd}`, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
      }
    } catch {
      // No /proc, or no reader yet (ENXIO): write to fd as it is.
    }
    return this.out;
  }

  /** Writes buf; returns what the pipe did not take for now (undefined: all of it, or stderr is gone). */
  private tryWrite(buf: Buffer): Buffer | undefined {
    const out = this.target();
    while (buf.length > 0) {
      try {
        const n = fs.writeSync(out, buf);
        buf = buf.subarray(n);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return buf;
        // A closed stderr (EPIPE, EBADF) must never take PID 1 down; there is no one to tell.
        this.broken = true;
        return undefined;
      }
    }
    return undefined;
  }
}

const writers = new Map<number, StderrLines>();

/**
 * The one writer of an fd, shared by everything that writes ts-init's own lines to it
 * (the first caller says how a count of dropped lines reads).
 */
export function stderrLines(fd = 2, droppedLine?: (n: number) => string): StderrLines {
  let w = writers.get(fd);
  if (!w) writers.set(fd, (w = new StderrLines(fd, undefined, droppedLine)));
  return w;
}
