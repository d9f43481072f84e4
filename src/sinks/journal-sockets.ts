// Where the journal listens, as journald does: /run/systemd/journal/dev-log (syslog(3),
// with /dev/log linked to it where PID 1 owns the machine), /run/systemd/journal/socket
// (the native protocol, which alone takes descriptors: a sealed memfd) and
// /run/systemd/journal/stdout (the stream protocol). All three are made here, by PID 1, before
// any unit, and handed to the journal's writer when one runs (which serves the stream socket,
// sinks/writer-streams.ts, and reads the datagrams, sinks/writer-datagrams.ts); PID 1 reads
// them itself only where nothing is stored (openJournalSockets). Datagrams go through
// sockets/datagram-sockets.ts (credentials, descriptors closed off the main thread); the
// stream socket is Node's, its peer's credentials from SO_PEERCRED. Anyone may write to
// all three (0666), as under systemd. Bounded: datagrams are read up to their size bound,
// stream connections up to MAX_STREAMS, lines up to LINE_MAX_BYTES; a stream is not read
// while the journal's writer is behind.
import * as fs from 'node:fs';
import * as net from 'node:net';
import { LineSplitter } from '../output/line-splitter';
import { StreamConnection } from '../journal/stream-header';
import { type DatagramEndpoint, DatagramSockets } from '../sockets/datagram-sockets';
import { ensurePrivateDirectory } from '../sys/safe-create';
import { bindDatagramSocket, listeningSocket, peerCredentials, SOCK_STREAM, sockaddrUnix } from '../sys/libc';
import { type JournalSinks, newStreamId, type Sender } from './journal-sinks';

export const JOURNAL_DIR = '/run/systemd/journal';
export const DEV_LOG = `${JOURNAL_DIR}/dev-log`;
export const NATIVE_SOCKET = `${JOURNAL_DIR}/socket`;
export const STDOUT_SOCKET = `${JOURNAL_DIR}/stdout`;
/** Where a syslog daemon (rsyslog through syslog.socket) takes what the journal forwards. */
export const SYSLOG_SOCKET = `${JOURNAL_DIR}/syslog`;

/** journald's LINE_MAX for streams; syslog datagrams are read up to the same. */
export const LINE_MAX_BYTES = 48 * 1024;
/** A native datagram's bound (larger entries come as a memfd). */
export const NATIVE_MAX_BYTES = 256 * 1024;
/** syslog datagrams taken in one call (datagram-sockets.ts): 16 slots of LINE_MAX_BYTES, resident only where written. */
export const DEV_LOG_BATCH = 16;
/** How each datagram socket is read, by whichever process reads it (datagram-sockets.ts). */
export const DEV_LOG_READ = { maxBytes: LINE_MAX_BYTES, batch: DEV_LOG_BATCH };
export const NATIVE_READ = { maxBytes: NATIVE_MAX_BYTES };
/** SO_RCVBUF of the datagram sockets: a burst waits there while its reader is busy. */
const DATAGRAM_RECEIVE_BUFFER = 8 << 20;
/** journald's STDOUT_STREAMS_MAX is 4096; PID 1 takes fewer at once. */
export const MAX_STREAMS = 1024;
/** The stream socket's backlog: connections wait there while the writer starts (or restarts). */
const STREAM_BACKLOG = 4096;
const AF_UNIX = 1;

export interface OpenSockets {
  close(): void;
}

function fresh(path: string): void {
  fs.rmSync(path, { force: true });
}

/** Opens the three sockets (and /dev/log's link when linkDevLog); what could not be opened is said, the rest still works. */
/** Who a stream connection waits for when the journal is behind. */
export interface Backpressure {
  full(): boolean;
  onRoom(then: () => void): void;
}

/**
 * The stream socket, listening, for the writer to serve (handed to it as an fd, as a socket unit
 * hands its socket over): made before any unit starts, kept across the writer's restarts
 * (connections wait in its backlog), never accepted on by PID 1. Undefined when it cannot be made (said).
 */
export function streamSocketForWriter(say: (line: string) => void): number | undefined {
  try {
    ensurePrivateDirectory('/run/systemd');
    ensurePrivateDirectory(JOURNAL_DIR);
    fresh(STDOUT_SOCKET);
    const fd = listeningSocket(AF_UNIX, SOCK_STREAM, sockaddrUnix(STDOUT_SOCKET), STREAM_BACKLOG);
    fs.chmodSync(STDOUT_SOCKET, 0o666);
    return fd;
  } catch (e) {
    say(`journal: cannot listen on ${STDOUT_SOCKET}: ${(e as Error).message}`);
    return undefined;
  }
}

/** The datagram sockets made for the writer (undefined: the one that could not be made, said). */
export interface WriterDatagramFds {
  devLog: number | undefined;
  native: number | undefined;
}

/**
 * /dev/log's and the native protocol's sockets, bound for the writer to read (handed to it as
 * fds, as systemd's socket units hand journald its sockets): bound before any unit starts and
 * kept across the writer's restarts (datagrams wait in their queues meanwhile), never read by
 * PID 1. /dev/log is linked to dev-log where linkDevLog.
 */
export function datagramSocketsForWriter(say: (line: string) => void, linkDevLog: boolean): WriterDatagramFds {
  const bind = (path: string, passRights: boolean): number | undefined => {
    try {
      ensurePrivateDirectory('/run/systemd');
      ensurePrivateDirectory(JOURNAL_DIR);
      fresh(path);
      const fd = bindDatagramSocket(path, { passRights, receiveBuffer: DATAGRAM_RECEIVE_BUFFER });
      fs.chmodSync(path, 0o666);
      return fd;
    } catch (e) {
      say(`journal: cannot listen on ${path}: ${(e as Error).message}`);
      return undefined;
    }
  };
  const fds = { devLog: bind(DEV_LOG, false), native: bind(NATIVE_SOCKET, true) };
  if (linkDevLog && fds.devLog !== undefined) linkDevLogTo(DEV_LOG, say);
  return fds;
}

/** PID 1 reading all three sockets itself: only where no writer runs (Storage=none). */
export function openJournalSockets(sinks: JournalSinks, queue: Backpressure, say: (line: string) => void, linkDevLog: boolean): OpenSockets {
  ensurePrivateDirectory('/run/systemd');
  ensurePrivateDirectory(JOURNAL_DIR);
  const dgram = new DatagramSockets();
  const endpoints: DatagramEndpoint[] = [];
  const open = (path: string, f: () => void): void => {
    try {
      fresh(path);
      f();
      fs.chmodSync(path, 0o666);
    } catch (e) {
      say(`journal: cannot listen on ${path}: ${(e as Error).message}`);
    }
  };
  open(DEV_LOG, () => endpoints.push(dgram.open(DEV_LOG, { passRights: false, receiveBuffer: DATAGRAM_RECEIVE_BUFFER, ...DEV_LOG_READ, waitFor: queue }, (d) => sinks.syslogDatagram(d))));
  open(NATIVE_SOCKET, () => endpoints.push(dgram.open(NATIVE_SOCKET, { passRights: true, receiveBuffer: DATAGRAM_RECEIVE_BUFFER, ...NATIVE_READ, waitFor: queue }, (d) => sinks.nativeDatagram(d))));
  const server = net.createServer((socket) => acceptStream(sinks, queue, socket));
  server.maxConnections = MAX_STREAMS;
  server.on('error', (e) => say(`journal: ${STDOUT_SOCKET}: ${e.message}`));
  open(STDOUT_SOCKET, () => {
    server.listen(STDOUT_SOCKET);
  });
  if (linkDevLog) linkDevLogTo(DEV_LOG, say);
  return {
    close() {
      for (const e of endpoints) dgram.close(e);
      server.close();
    },
  };
}

/** /dev/log -> /run/systemd/journal/dev-log, unless it already is, or is something else (a syslog daemon's own socket). */
function linkDevLogTo(target: string, say: (line: string) => void): void {
  try {
    const st = fs.lstatSync('/dev/log', { throwIfNoEntry: false });
    if (st?.isSymbolicLink() && fs.readlinkSync('/dev/log') === target) return;
    if (st && !st.isSymbolicLink()) return;
    if (st) fs.rmSync('/dev/log');
    fs.symlinkSync(target, '/dev/log');
  } catch (e) {
    say(`journal: cannot link /dev/log: ${(e as Error).message}`);
  }
}

/** A stream connection's peer, by SO_PEERCRED (its credentials when it connected); undefined when it is gone already. */
export function streamPeer(socket: net.Socket): Sender | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  try {
    return fd !== undefined && fd >= 0 ? peerCredentials(fd) : undefined;
  } catch {
    return undefined;
  }
}

function acceptStream(sinks: JournalSinks, queue: Backpressure, socket: net.Socket): void {
  socket.on('error', () => socket.destroy());
  const sender = streamPeer(socket);
  const conn = new StreamConnection();
  const streamId = newStreamId();
  let identifier: string | undefined;
  const splitter = new LineSplitter((line) => {
    if (socket.destroyed) return;
    const r = conn.line(line);
    if (r.kind === 'header-done') {
      identifier = r.header.identifier;
      // journald answers nothing; systemd-cat waits for nothing.
    } else if (r.kind === 'bad-header') socket.destroy();
    else if (r.kind === 'message') sinks.streamLine(r.message, r.priority, identifier, sender, streamId);
  }, LINE_MAX_BYTES);
  socket.on('data', (chunk: Buffer) => {
    splitter.push(chunk);
    // A stream's writer waits while the journal is behind (systemd-cat blocks, as under journald).
    if (queue.full()) {
      socket.pause();
      queue.onRoom(() => socket.resume());
    }
  });
  socket.on('end', () => {
    splitter.end();
    socket.end();
  });
}
