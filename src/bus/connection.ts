// One client connection to a D-Bus bus over its AF_UNIX socket: EXTERNAL authentication
// as our uid, Hello, then messages both ways. PID 1 is a client like any other and never
// waits on the bus: the socket is non-blocking (libuv), what is read is bounded (an
// oversized message is skipped without being buffered, a malformed one is dropped), what
// waits to be written is bounded (past it, messages are dropped and counted), and so are
// the calls waiting for their replies (each with a timeout).
import * as net from 'node:net';
import { decodeHeader, decodeMessage, encodeMessage, FLAG_NO_REPLY_EXPECTED, frameLength, headerLength, type Message, MessageType } from './message';
import { WireError } from './wire';

/** The largest message read; larger ones are skipped (the bus daemon's own limit is far higher, no caller of systemd1 needs it). */
export const MAX_MESSAGE_BYTES = 1 << 20;
/** The longest header of an oversized message that is still read (to answer it). */
const MAX_OVERSIZED_HEADER = 64 * 1024;
/** Bytes that may wait to be written before messages are dropped. */
export const MAX_QUEUED_WRITE_BYTES = 4 << 20;
/** Our own calls (to the bus daemon) waiting for a reply at once, and how long each may wait. */
export const MAX_PENDING_CALLS = 64;
export const CALL_TIMEOUT_MS = 25_000;
/** The authentication exchange's whole budget, and its longest line. */
const AUTH_TIMEOUT_MS = 10_000;
const MAX_AUTH_LINE = 512;

export class BusError extends Error {
  constructor(
    readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

export interface CallSpec {
  destination: string;
  path: string;
  interface: string;
  member: string;
  signature?: string;
  body?: unknown[];
}

export class BusConnection {
  uniqueName = '';
  /** On a peer-to-peer connection (no bus daemon), the peer's uid from SO_PEERCRED; undefined on a bus. */
  peerUid: number | undefined;
  /** Messages not written because the bus did not read (MAX_QUEUED_WRITE_BYTES), and messages read that were malformed or oversized. */
  dropped = { written: 0, read: 0 };
  private serial = 0;
  private readonly pending = new Map<number, { resolve(m: Message): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  private messageHandler: (m: Message) => void = () => undefined;
  private closeHandlers: Array<() => void> = [];
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('close', () => this.onClosed());
    // A bus that went away (EPIPE, ECONNRESET): 'close' follows.
    socket.on('error', () => socket.destroy());
  }

  /** Connects, authenticates as `uid` and says Hello; rejects when any of it fails. */
  static async open(socketPath: string, uid: number): Promise<BusConnection> {
    const socket = net.connect(socketPath);
    const c = new BusConnection(socket);
    try {
      await authenticate(socket, uid);
      c.reading();
      const hello = await c.call({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'Hello' });
      c.uniqueName = String(hello.body[0]);
      return c;
    } catch (err) {
      socket.destroy();
      throw err;
    }
  }

  /** A peer-to-peer connection whose authentication (private-socket.ts) is done: no Hello, messages from `leftover` on. */
  static peer(socket: net.Socket, peerUid: number, leftover: Buffer): BusConnection {
    const c = new BusConnection(socket);
    c.peerUid = peerUid;
    c.reading(leftover);
    return c;
  }

  onMessage(handler: (m: Message) => void): void {
    this.messageHandler = handler;
  }

  onClose(handler: () => void): void {
    if (this.closed) handler();
    else this.closeHandlers.push(handler);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }

  /** Sends a message (its serial assigned here); false when it was dropped. */
  send(m: Omit<Message, 'serial'>): boolean {
    if (this.closed) return false;
    if (this.socket.writableLength > MAX_QUEUED_WRITE_BYTES) {
      this.dropped.written++;
      return false;
    }
    this.serial = this.serial >= 0xfffffffe ? 1 : this.serial + 1;
    this.socket.write(encodeMessage({ ...m, serial: this.serial }));
    return true;
  }

  /** A method call to another connection, resolved with its return, rejected with its error (BusError). */
  call(spec: CallSpec): Promise<Message> {
    if (this.pending.size >= MAX_PENDING_CALLS) return Promise.reject(new BusError('org.freedesktop.DBus.Error.LimitsExceeded', 'too many calls waiting'));
    if (!this.send({ type: MessageType.MethodCall, flags: 0, signature: spec.signature ?? '', body: spec.body ?? [], ...spec })) {
      return Promise.reject(new BusError('org.freedesktop.DBus.Error.Disconnected', 'not connected or bus not reading'));
    }
    const serial = this.serial;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(serial);
        reject(new BusError('org.freedesktop.DBus.Error.NoReply', `no reply to ${spec.member} in ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      timer.unref();
      this.pending.set(serial, { resolve, reject, timer });
    });
  }

  reply(to: Message, signature = '', body: unknown[] = []): void {
    if (to.flags & FLAG_NO_REPLY_EXPECTED) return;
    this.send({ type: MessageType.MethodReturn, flags: FLAG_NO_REPLY_EXPECTED, replySerial: to.serial, destination: to.sender, signature, body });
  }

  error(to: Message, name: string, text: string): void {
    if (to.flags & FLAG_NO_REPLY_EXPECTED) return;
    this.send({ type: MessageType.Error, flags: FLAG_NO_REPLY_EXPECTED, replySerial: to.serial, destination: to.sender, errorName: name, signature: 's', body: [text] });
  }

  signal(path: string, iface: string, member: string, signature = '', body: unknown[] = [], destination?: string): void {
    this.send({ type: MessageType.Signal, flags: FLAG_NO_REPLY_EXPECTED, path, interface: iface, member, signature, body, destination });
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new BusError('org.freedesktop.DBus.Error.Disconnected', 'bus connection closed'));
    }
    this.pending.clear();
    for (const h of this.closeHandlers.splice(0)) h();
  }

  private deliver(m: Message): void {
    if (m.type === MessageType.MethodReturn || m.type === MessageType.Error) {
      const p = m.replySerial !== undefined ? this.pending.get(m.replySerial) : undefined;
      if (!p) return;
      this.pending.delete(m.replySerial!);
      clearTimeout(p.timer);
      if (m.type === MessageType.Error) p.reject(new BusError(m.errorName ?? 'org.freedesktop.DBus.Error.Failed', String(m.body[0] ?? '')));
      else p.resolve(m);
      return;
    }
    this.messageHandler(m);
  }

  private refuseOversized(head: Buffer): void {
    try {
      const { m } = decodeHeader(head);
      if (m.type === MessageType.MethodCall) this.error(m, 'org.freedesktop.DBus.Error.LimitsExceeded', `Message larger than ${MAX_MESSAGE_BYTES} bytes.`);
    } catch {
      // a header that does not decode: the message is just skipped
    }
  }

  /** Frames messages out of the stream: whole ones are decoded, oversized ones skipped. */
  private reading(first?: Buffer): void {
    let buf: Buffer = Buffer.alloc(0);
    let skip = 0;
    const onData = (chunk: Buffer): void => {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length);
        skip -= n;
        chunk = chunk.subarray(n);
      }
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (buf.length >= 16) {
        let len: number;
        try {
          len = frameLength(buf)!;
        } catch {
          // The stream itself is broken: nothing after this can be framed.
          this.dropped.read++;
          this.socket.destroy();
          return;
        }
        if (len > MAX_MESSAGE_BYTES) {
          // Its header (bounded) is read, so that a call gets its error at once; its body is skipped unread.
          const head = headerLength(buf);
          if (head <= MAX_OVERSIZED_HEADER && buf.length < head) break;
          this.dropped.read++;
          if (head <= MAX_OVERSIZED_HEADER) this.refuseOversized(buf.subarray(0, head));
          const n = Math.min(len, buf.length);
          skip = len - n;
          buf = buf.subarray(n);
          continue;
        }
        if (buf.length < len) break;
        const frame = buf.subarray(0, len);
        buf = buf.subarray(len);
        let m: Message;
        try {
          m = decodeMessage(frame);
        } catch (err) {
          if (!(err instanceof WireError) && !(err instanceof RangeError)) throw err;
          this.dropped.read++;
          continue;
        }
        this.deliver(m);
      }
      // What stays buffered is less than one message: a copy, so the big chunk it came from is freed.
      if (buf.length && buf.byteOffset !== 0) buf = Buffer.from(buf);
    };
    this.socket.on('data', onData);
    if (first?.length) onData(first);
  }
}

/** SASL EXTERNAL with our uid (as a hex-encoded decimal string), then BEGIN. */
function authenticate(socket: net.Socket, uid: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (err?: Error): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('connect', onConnect);
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => done(new Error('bus authentication timed out')), AUTH_TIMEOUT_MS);
    timer.unref();
    const onClose = (): void => done(new Error('bus closed the connection during authentication'));
    const onConnect = (): void => {
      socket.write(`\0AUTH EXTERNAL ${Buffer.from(String(uid)).toString('hex')}\r\n`);
    };
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      const nl = text.indexOf('\r\n');
      if (nl < 0) {
        if (text.length > MAX_AUTH_LINE) done(new Error('bus authentication line too long'));
        return;
      }
      const line = text.slice(0, nl);
      if (text.length > nl + 2) return done(new Error('bus sent data before BEGIN'));
      if (!line.startsWith('OK ')) return done(new Error(`bus refused authentication: ${line.slice(0, 80)}`));
      socket.write('BEGIN\r\n');
      done();
    };
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('connect', onConnect);
  });
}
