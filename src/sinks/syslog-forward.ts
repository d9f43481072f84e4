// ForwardToSyslog=: each entry, as the syslog datagram journald makes of it, to
// /run/systemd/journal/syslog when a syslog daemon listens there (rsyslog, started through
// syslog.socket). Never waits: a full socket queue drops the datagram (counted), nobody
// listening costs one failed sendto.
import { EAGAIN, sendDatagramTo, sendingDatagramSocket } from '../sys/libc';

export class SyslogForwarder {
  private fd: number | undefined;
  /** Datagrams the daemon's full queue refused. */
  dropped = 0;

  constructor(private readonly path: string) {}

  send(datagram: Buffer): void {
    try {
      this.fd ??= sendingDatagramSocket();
    } catch {
      return;
    }
    if (sendDatagramTo(this.fd, this.path, datagram) === EAGAIN) this.dropped++;
  }
}
