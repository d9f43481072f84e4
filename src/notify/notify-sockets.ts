// Per-unit NOTIFY_SOCKET endpoints. Node has no AF_UNIX datagram sockets, so they
// are made through libc and watched by an FdPoller (one worker thread in poll(2)):
// no timers, no polling loop.
// The sockets are writable by every user (a daemon that dropped its privileges
// must still reach its socket); each datagram carries its sender's pid
// (SCM_CREDENTIALS), which the unit checks against NotifyAccess=.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FdPoller } from '../sockets/fd-poller';
import { bindDatagramSocket, closeFd, receiveDatagram } from '../sys/libc';
import { parseNotifyMessage, type NotifyMessage } from './notify-message';
import { ensurePrivateDirectory } from '../sys/safe-create';

/** A message and the pid that sent it (undefined when the kernel did not say). */
type Listener = (msg: NotifyMessage, senderPid: number | undefined) => void;

export class NotifySockets {
  private readonly sockets = new Map<string, { fd: number; path: string; listener: Listener }>();
  private readonly poller = new FdPoller();

  constructor(private readonly dir: string) {}

  /** Creates the unit's socket and returns the path to put in its NOTIFY_SOCKET. */
  open(unit: string, listener: Listener): string {
    this.close(unit);
    // root's alone (checked from / down, nothing planted followed): the socket files are
    // then replaced and chmod'ed where nobody else can put a name.
    if (!fs.existsSync(path.dirname(this.dir))) ensurePrivateDirectory(path.dirname(this.dir), 0o755);
    ensurePrivateDirectory(this.dir, 0o755);
    const file = path.join(this.dir, `${unit}.sock`);
    fs.rmSync(file, { force: true });
    const fd = bindDatagramSocket(file);
    fs.chmodSync(file, 0o777);
    const socket = { fd, path: file, listener };
    this.sockets.set(unit, socket);
    this.poller.watch(fd, () => this.drain(socket));
    return file;
  }

  close(unit: string): void {
    const s = this.sockets.get(unit);
    if (!s) return;
    this.sockets.delete(unit);
    this.poller.unwatch(s.fd);
    closeFd(s.fd);
    fs.rmSync(s.path, { force: true });
  }

  closeAll(): void {
    for (const unit of [...this.sockets.keys()]) this.close(unit);
  }

  private drain(s: { fd: number; listener: Listener }): void {
    for (let msg = receiveDatagram(s.fd); msg; msg = receiveDatagram(s.fd)) {
      const text = msg.data.toString();
      // sd_notify_barrier(3): its fd is closed on receipt (that releases the sender), nothing else to do.
      if (text.replace(/\n$/, '') === 'BARRIER=1') continue;
      s.listener(parseNotifyMessage(text), msg.sender?.pid);
    }
  }
}
