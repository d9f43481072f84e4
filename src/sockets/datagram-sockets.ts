// AF_UNIX datagram sockets that PID 1 reads with their ancillary data (the senders'
// credentials, descriptors they pass): the notify sockets, and any later socket of the
// kind. Every such datagram is received here, so that none of them can make PID 1
// wait on a descriptor's close:
// - a socket that takes no descriptors refuses them in the kernel (SO_PASSRIGHTS off,
//   Linux 6.16+: the sender's sendmsg fails), the way systemd's sockets do;
// - whatever arrives anyway (older kernels, sockets that take a descriptor such as
//   sd_notify's BARRIER=1) is received close-on-exec and closed off the main thread
//   (DescriptorCloser); a socket whose descriptors fill the closer's lane is not read
//   until it has room, so a blocked close costs a delay on that socket, not PID 1;
// - closing a socket first shuts its receiving side, so nothing more can arrive, and
//   leaves the close (which releases whatever is still queued) to the closer as well.
// Node has no AF_UNIX datagram sockets: they are made through libc and watched by an
// FdPoller (one worker thread in poll(2)).
import { monotonicNow } from '../sys/clock';
import { bindDatagramSocket, type Datagram, DatagramBatch, receiveDatagram, shutdownReceive } from '../sys/libc';
import { type CloseLane, type DescriptorCloser, sharedCloser } from './descriptor-closer';
import { FdPoller } from './fd-poller';

/** A datagram as its reader sees it: the descriptors it carried are already on their way to being closed. */
/**
 * The most datagrams read per wake-up, and the most time spent reading them: a socket a
 * flood keeps full is read in turns with everything else PID 1 does (the poller wakes again
 * at once while it is readable), however long its reader takes over each.
 */
export const DATAGRAMS_PER_WAKE = 128;
export const DRAIN_BUDGET_MS = 5;
/** How long a socket waits for its reader's queue (waitFor) before it is read again regardless. */
export const HOLD_MAX_MS = 1000;

export interface ReceivedDatagram {
  data: Buffer;
  /** From SCM_CREDENTIALS (undefined when the kernel attached none). */
  sender?: { pid: number; uid: number; gid: number };
  descriptors: number;
  /** The descriptors themselves, open only while the reader's callback runs (never to be closed by it): a journal reads a sealed memfd. */
  fds: readonly number[];
}

export interface DatagramSocketOptions {
  /** Whether senders may pass descriptors (sd_notify_barrier passes one); they are closed unread either way. */
  passRights: boolean;
  /** The largest datagram read whole (longer ones are cut); 4096 unless said. */
  maxBytes?: number;
  /** SO_RCVBUF, bytes. */
  receiveBuffer?: number;
  /**
   * Datagrams taken in one recvmmsg(2) (a socket a flood may fill: /dev/log): one call per batch
   * instead of one per datagram. Its slots are maxBytes each, resident only where written. A
   * batch is delivered whole, so a closer's lane may take up to batch - 1 datagrams' descriptors
   * past its bound before the socket waits (none where the kernel refuses them, SO_PASSRIGHTS).
   */
  batch?: number;
  /**
   * The reader's own queue (the journal's writer): while it is full, the socket is not read and
   * its senders wait in the kernel, as for journald, for at most HOLD_MAX_MS at a time; a queue
   * that stays full that long (a writer that is stuck) gets what comes anyway, to drop and count.
   */
  waitFor?: { full(): boolean; onRoom(then: () => void): void };
}

export interface DatagramEndpoint {
  readonly fd: number;
}

interface Endpoint extends DatagramEndpoint {
  maxBytes: number;
  batch: DatagramBatch | undefined;
  waitFor: DatagramSocketOptions['waitFor'];
  /** The queue stayed full past HOLD_MAX_MS: read regardless until it has room again. */
  overrun: boolean;
  onDatagram: (d: ReceivedDatagram) => void;
  paused: boolean;
  closed: boolean;
}

export class DatagramSockets {
  private readonly poller = new FdPoller();

  constructor(private readonly closer: DescriptorCloser = sharedCloser()) {}

  /** Binds a socket at path and calls onDatagram for each datagram, in order. */
  open(path: string, options: DatagramSocketOptions, onDatagram: (d: ReceivedDatagram) => void): DatagramEndpoint {
    return this.adopt(bindDatagramSocket(path, options), options, onDatagram);
  }

  /**
   * Reads a socket bound by another process (bindDatagramSocket's, with its options applied there)
   * and handed over as fd: the journal's writer reads the sockets PID 1 made before any unit.
   */
  adopt(fd: number, options: Omit<DatagramSocketOptions, 'passRights' | 'receiveBuffer'>, onDatagram: (d: ReceivedDatagram) => void): DatagramEndpoint {
    const maxBytes = options.maxBytes ?? 4096;
    const batch = options.batch !== undefined && options.batch > 1 ? new DatagramBatch(options.batch, maxBytes) : undefined;
    const e: Endpoint = { fd, maxBytes, batch, waitFor: options.waitFor, overrun: false, onDatagram, paused: false, closed: false };
    this.poller.watch(e.fd, () => this.drain(e));
    return e;
  }

  close(endpoint: DatagramEndpoint): void {
    const e = endpoint as Endpoint;
    if (e.closed) return;
    e.closed = true;
    this.poller.unwatch(e.fd);
    shutdownReceive(e.fd);
    this.closer.close(e.fd, 'other');
  }

  private drain(e: Endpoint): void {
    const until = monotonicNow() + DRAIN_BUDGET_MS;
    for (let n = 0; n < DATAGRAMS_PER_WAKE && !e.closed && !e.paused && (n === 0 || monotonicNow() < until); ) {
      if (e.waitFor && !e.overrun && e.waitFor.full()) return this.hold(e, e.waitFor);
      if (e.batch) {
        const got = e.batch.receive(e.fd);
        if (got.length === 0) return;
        for (const d of got) this.deliver(e, d);
        n += got.length;
      } else {
        const d = receiveDatagram(e.fd, e.maxBytes);
        if (!d) return;
        this.deliver(e, d);
        n++;
      }
    }
  }

  /** One datagram to its reader; its descriptors to the closer (the socket waits while the closer's lane is full). */
  private deliver(e: Endpoint, d: Datagram): void {
    if (d.fds.length === 0) return e.onDatagram({ data: d.data, sender: d.sender, descriptors: 0, fds: d.fds });
    const lanes = new Set<CloseLane>();
    try {
      e.onDatagram({ data: d.data, sender: d.sender, descriptors: d.fds.length, fds: d.fds });
    } finally {
      for (const fd of d.fds) lanes.add(this.closer.close(fd));
    }
    for (const lane of lanes) if (this.closer.full(lane)) this.pause(e, lane);
  }

  /** Leaves the socket's datagrams in the kernel until the reader's queue has room, or HOLD_MAX_MS have passed. */
  private hold(e: Endpoint, queue: NonNullable<Endpoint['waitFor']>): void {
    if (e.paused || e.closed) return;
    e.paused = true;
    this.poller.unwatch(e.fd);
    let held = true;
    const resume = (): void => {
      if (!held) return;
      held = false;
      clearTimeout(timer);
      e.paused = false;
      if (!e.closed) this.poller.watch(e.fd, () => this.drain(e));
    };
    const timer = setTimeout(() => {
      e.overrun = true;
      resume();
    }, HOLD_MAX_MS);
    timer.unref();
    queue.onRoom(() => {
      e.overrun = false;
      resume();
    });
  }

  /** Leaves the socket's datagrams (and their descriptors) in the kernel until the lane has room. */
  private pause(e: Endpoint, lane: CloseLane): void {
    if (e.paused || e.closed) return;
    e.paused = true;
    this.poller.unwatch(e.fd);
    this.closer.whenRoom(lane, () => {
      e.paused = false;
      if (!e.closed) this.poller.watch(e.fd, () => this.drain(e));
    });
  }
}
