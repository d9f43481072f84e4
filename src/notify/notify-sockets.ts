// Per-unit NOTIFY_SOCKET endpoints. Node has no AF_UNIX datagram sockets, so they
// are made through libc, and one worker thread blocks in poll(2) on all of them
// (plus an eventfd to re-arm when the set changes): no timers, no polling loop.
// The sockets are writable by every user (a daemon that dropped its privileges
// must still reach its socket); each datagram carries its sender's pid
// (SCM_CREDENTIALS), which the unit checks against NotifyAccess=.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  bindDatagramSocket,
  closeFd,
  drainEventFd,
  eventFd,
  pollAsync,
  POLLIN,
  receiveDatagram,
  signalEventFd,
} from '../sys/libc';
import { parseNotifyMessage, type NotifyMessage } from './notify-message';

/** A message and the pid that sent it (undefined when the kernel did not say). */
type Listener = (msg: NotifyMessage, senderPid: number | undefined) => void;

export class NotifySockets {
  private readonly sockets = new Map<string, { fd: number; path: string; listener: Listener }>();
  private wakeFd: number | undefined;
  private polling = false;
  /** The pollfd array a worker thread is reading; held here so it cannot be collected. */
  inFlight: Buffer | undefined;

  constructor(private readonly dir: string) {}

  /** Creates the unit's socket and returns the path to put in its NOTIFY_SOCKET. */
  open(unit: string, listener: Listener): string {
    this.close(unit);
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o755 });
    const file = path.join(this.dir, `${unit}.sock`);
    fs.rmSync(file, { force: true });
    const fd = bindDatagramSocket(file);
    fs.chmodSync(file, 0o777);
    this.sockets.set(unit, { fd, path: file, listener });
    this.rearm();
    return file;
  }

  close(unit: string): void {
    const s = this.sockets.get(unit);
    if (!s) return;
    this.sockets.delete(unit);
    closeFd(s.fd);
    fs.rmSync(s.path, { force: true });
    this.rearm();
  }

  closeAll(): void {
    for (const unit of [...this.sockets.keys()]) this.close(unit);
  }

  private rearm(): void {
    if (this.polling) {
      if (this.wakeFd !== undefined) signalEventFd(this.wakeFd);
      return;
    }
    if (this.sockets.size === 0) return;
    if (this.wakeFd === undefined) this.wakeFd = eventFd();
    const fds = [this.wakeFd, ...[...this.sockets.values()].map((s) => s.fd)];
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
      this.drain();
      this.rearm();
    });
  }

  private drain(): void {
    if (this.wakeFd !== undefined) drainEventFd(this.wakeFd);
    for (const s of [...this.sockets.values()]) {
      for (let msg = receiveDatagram(s.fd); msg; msg = receiveDatagram(s.fd)) {
        const text = msg.data.toString();
        // sd_notify_barrier(3): its fd is closed on receipt (that releases the sender), nothing else to do.
        if (text.replace(/\n$/, '') === 'BARRIER=1') continue;
        s.listener(parseNotifyMessage(text), msg.sender?.pid);
      }
    }
  }
}
