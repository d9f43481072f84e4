// /dev/log's and the native socket's datagrams, received by the journal's writer
// (journal/journal-writer-main.ts) as journald receives them: PID 1 binds the sockets before
// any unit starts and hands them over (journal-sockets.ts's datagramSocketsForWriter), the
// writer reads them (sockets/datagram-sockets.ts: credentials, memfds, descriptors closed off
// the main thread) and makes their entries (JournalSinks: the sender's /proc, the rate limit,
// ForwardToSyslog=, the container log). Only the sender's unit is PID 1's to say: asked once
// per pid on the writer's fd 3 and kept a while (WriterStreams.answered), so a flood's sender
// costs PID 1 one question per few seconds. A datagram whose sender PID 1 has not answered
// about lately waits for the answer, in arrival order, at most WAIT_MS; its sender's /proc is
// read and its memfd taken as it arrives (by the answer the sender may be gone, the
// descriptor closed). Bounded: while MAX_WAITING datagrams or MAX_WAITING_BYTES wait, the
// sockets are not read (their senders wait in the kernel); a socket held that long
// (datagram-sockets.ts's HOLD_MAX_MS: PID 1 does not answer) is read regardless, and what
// comes then goes on at once, without its unit.
import type { ReceivedDatagram } from '../sockets/datagram-sockets';
import { type JournalSinks, withMemfdRead } from './journal-sinks';
import type { SenderContexts } from './sender-context';
import { WAIT_MS } from './writer-streams';

/** Datagrams (and their bytes) that may wait for PID 1's answers. */
export const MAX_WAITING = 4096;
export const MAX_WAITING_BYTES = 8 << 20;

export type DatagramKind = 'syslog' | 'native';

interface Waiting {
  kind: DatagramKind;
  d: ReceivedDatagram;
  pid: number;
  at: number;
}

export interface WriterDatagramsDeps {
  sinks: Pick<JournalSinks, 'syslogDatagram' | 'nativeDatagram'>;
  contexts: Pick<SenderContexts<unknown>, 'readEarly'>;
  /** Whether PID 1 has answered lately which unit pid is in. */
  answered(pid: number): boolean;
  /** Asks PID 1 which unit pid is in (the answer comes on the writer's stdin; then pidAnswered()). */
  ask(pid: number): void;
  now?: () => number;
}

export class WriterDatagrams {
  private readonly waiting: Waiting[] = [];
  private waitingBytes = 0;
  /** Pids asked about, and when (asked again after WAIT_MS): forgotten once nothing waits. */
  private readonly asked = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private roomWaiters: Array<() => void> = [];
  private readonly now: () => number;

  constructor(private readonly deps: WriterDatagramsDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** One datagram of a socket: its entry made now, or once PID 1 has said its sender's unit. */
  take(kind: DatagramKind, d: ReceivedDatagram): void {
    const pid = d.sender?.pid ?? 0;
    if ((this.waiting.length === 0 && (pid <= 0 || this.deps.answered(pid))) || this.full()) return this.deliver(kind, d);
    // A descriptor is closed once this returns: its memfd is read now (refused at once if it is none).
    const kept = kind === 'native' ? withMemfdRead(d) : d;
    if (!kept) return this.deliver(kind, d);
    const t = this.now();
    if (pid > 0 && !this.deps.answered(pid)) {
      this.deps.contexts.readEarly(pid);
      const at = this.asked.get(pid);
      if (at === undefined || t - at >= WAIT_MS) {
        if (this.asked.size >= MAX_WAITING) this.asked.clear();
        this.asked.set(pid, t);
        this.deps.ask(pid);
      }
    }
    this.waiting.push({ kind, d: kept, pid, at: t });
    this.waitingBytes += kept.data.length;
    this.arm();
  }

  /** PID 1 has answered about a pid: the datagrams at the head of the line that waited for it go on. */
  pidAnswered(): void {
    if (this.waiting.length > 0) this.drain();
  }

  /** The writer is ending: what waits goes on now, with what is known of its senders. */
  release(): void {
    for (const w of this.waiting) w.at = -Infinity;
    this.drain();
  }

  /** Datagram sockets' waitFor (datagram-sockets.ts): they are not read while this is full. */
  full(): boolean {
    return this.waiting.length >= MAX_WAITING || this.waitingBytes >= MAX_WAITING_BYTES;
  }

  onRoom(then: () => void): void {
    if (!this.full()) then();
    else this.roomWaiters.push(then);
  }

  /** Datagrams waiting for PID 1's answers (for tests). */
  get waitingCount(): number {
    return this.waiting.length;
  }

  private deliver(kind: DatagramKind, d: ReceivedDatagram): void {
    if (kind === 'syslog') this.deps.sinks.syslogDatagram(d);
    else this.deps.sinks.nativeDatagram(d);
  }

  /** Delivers, in order, every datagram from the head on whose answer came or whose wait is over. */
  private drain(): void {
    const t = this.now();
    let n = 0;
    for (; n < this.waiting.length; n++) {
      const w = this.waiting[n]!;
      if (w.pid > 0 && !this.deps.answered(w.pid) && t - w.at < WAIT_MS) break;
    }
    if (n === 0) return;
    const ready = this.waiting.splice(0, n);
    for (const w of ready) this.waitingBytes -= w.d.data.length;
    if (this.waiting.length === 0) {
      this.asked.clear();
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    for (const w of ready) this.deliver(w.kind, w.d);
    if (!this.full() && this.roomWaiters.length > 0) for (const r of this.roomWaiters.splice(0)) r();
    this.arm();
  }

  /** A timer for the head's wait (an answer may never come: PID 1 busy, the pid unknown to it and the answer lost). */
  private arm(): void {
    const head = this.waiting[0];
    if (!head || this.timer !== undefined) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.drain();
      },
      Math.max(0, head.at + WAIT_MS - this.now()),
    );
  }
}
