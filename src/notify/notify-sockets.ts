// Per-unit NOTIFY_SOCKET endpoints, received through DatagramSockets (credentials,
// descriptors closed off the main thread).
// The sockets are writable by every user (a daemon that dropped its privileges
// must still reach its socket); each datagram carries its sender's pid and uid
// (SCM_CREDENTIALS), which the unit checks against NotifyAccess= and MAINPID='s rule.
// They take descriptors: sd_notify_barrier(3) (systemd-notify --ready calls it) passes a
// pipe and waits until it is closed, and its sendmsg fails where SO_PASSRIGHTS is off.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type DatagramEndpoint, DatagramSockets } from '../sockets/datagram-sockets';
import { parseNotifyMessage, type NotifyMessage } from './notify-message';
import { ensurePrivateDirectory } from '../sys/safe-create';

/** Who sent a message, as the kernel says (SCM_CREDENTIALS). */
export interface NotifyCredentials {
  pid: number;
  uid: number;
}

/** A message and its sender (undefined when the kernel did not say). */
type Listener = (msg: NotifyMessage, sender: NotifyCredentials | undefined) => void;

export class NotifySockets {
  private readonly sockets = new Map<string, { endpoint: DatagramEndpoint; path: string }>();
  private readonly datagrams = new DatagramSockets();

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
    const endpoint = this.datagrams.open(file, { passRights: true }, (d) => {
      const text = d.data.toString();
      // sd_notify_barrier(3): releasing its descriptor (done for every datagram) is all it asks.
      if (text.replace(/\n$/, '') === 'BARRIER=1') return;
      listener(parseNotifyMessage(text), d.sender && { pid: d.sender.pid, uid: d.sender.uid });
    });
    this.sockets.set(unit, { endpoint, path: file });
    fs.chmodSync(file, 0o777);
    return file;
  }

  close(unit: string): void {
    const s = this.sockets.get(unit);
    if (!s) return;
    this.sockets.delete(unit);
    fs.rmSync(s.path, { force: true });
    this.datagrams.close(s.endpoint);
  }

  closeAll(): void {
    for (const unit of [...this.sockets.keys()]) this.close(unit);
  }
}
