// Readability of a changing set of file descriptors, for socket units: one worker
// thread blocks in poll(2) on them (plus an eventfd to re-arm when the set changes),
// as the notify sockets do: no timers, no polling loop.
import { drainEventFd, eventFd, pollAsync, POLLIN, signalEventFd } from '../sys/libc';

export class FdPoller {
  private readonly watched = new Map<number, () => void>();
  private wakeFd: number | undefined;
  private polling = false;
  /** The pollfd array a worker thread is reading; held here so it cannot be collected. */
  inFlight: Buffer | undefined;

  /** Calls onReadable (once per wake-up) while fd has something to read, until unwatched. */
  watch(fd: number, onReadable: () => void): void {
    this.watched.set(fd, onReadable);
    this.rearm();
  }

  unwatch(fd: number): void {
    if (this.watched.delete(fd)) this.rearm();
  }

  private rearm(): void {
    if (this.polling) {
      if (this.wakeFd !== undefined) signalEventFd(this.wakeFd);
      return;
    }
    if (this.watched.size === 0) return;
    if (this.wakeFd === undefined) this.wakeFd = eventFd();
    const fds = [this.wakeFd, ...this.watched.keys()];
    const buf = Buffer.alloc(8 * fds.length);
    fds.forEach((fd, i) => {
      buf.writeInt32LE(fd, i * 8);
      buf.writeInt16LE(POLLIN, i * 8 + 4);
    });
    this.inFlight = buf;
    this.polling = true;
    pollAsync(buf, fds.length, () => {
      this.polling = false;
      this.inFlight = undefined;
      drainEventFd(this.wakeFd!);
      for (let i = 1; i < fds.length; i++) {
        const revents = buf.readInt16LE(i * 8 + 6);
        const fd = fds[i]!;
        // POLLIN, or POLLERR/POLLHUP: either way the owner looks.
        if (revents !== 0) this.watched.get(fd)?.();
      }
      this.rearm();
    });
  }
}
