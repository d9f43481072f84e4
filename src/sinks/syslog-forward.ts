// ForwardToSyslog=: each entry, as the syslog datagram journald makes of it, to
// /run/systemd/journal/syslog when a syslog daemon listens there (rsyslog, started through
// syslog.socket). Never waits: a full socket queue drops the datagram (counted), nobody
// listening costs one failed sendto.
import * as fs from 'node:fs';
import { monotonicNow } from '../sys/clock';
import { EAGAIN, sendDatagramTo, sendingDatagramSocket } from '../sys/libc';

/** How long the answer to "does a syslog daemon listen?" is kept. */
const RECHECK_MS = 1000;

export class SyslogForwarder {
  private fd: number | undefined;
  /** Datagrams the daemon's full queue refused. */
  dropped = 0;

  private checkedAt = -Infinity;
  private present = false;

  constructor(private readonly path: string) {}

  /** Whether the daemon's socket is there (looked at once a second, not for every entry). */
  listening(): boolean {
    const now = monotonicNow();
    if (now - this.checkedAt >= RECHECK_MS) {
      this.checkedAt = now;
      this.present = fs.statSync(this.path, { throwIfNoEntry: false })?.isSocket() ?? false;
    }
    return this.present;
  }

  send(datagram: Buffer): void {
    try {
      this.fd ??= sendingDatagramSocket();
    } catch {
      return;
    }
    if (sendDatagramTo(this.fd, this.path, datagram) === EAGAIN) this.dropped++;
  }
}
