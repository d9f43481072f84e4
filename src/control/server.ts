// The control server: an AF_UNIX stream socket, newline-delimited JSON. Two of them:
// root's (mode 0600 and a SO_PEERCRED check at connect) and everyone's (mode 0666), where
// each request is checked against the caller's SO_PEERCRED uid: other users get what
// systemd answers them (state, properties) and "Access denied" for the rest. Each socket
// has its own connection slots, so other users cannot crowd root out. Malformed or
// oversized requests get an error reply; nothing a client sends can disturb PID 1.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Logger } from '../log/logger';
import { peerCredentials } from '../sys/libc';
import { releaseMemorySoon } from '../sys/memory';
import type { Manager } from './manager';
import { ClientGone, mayAsk, verbRow, VerbError, type VerbStream } from './verbs';
import { errorReply, MAX_LINE_BYTES, okReply, parseRequest, PROTOCOL_VERSION, RequestError, type Request } from './protocol';
import { privatePathProblem, UnsafePathError } from '../sys/safe-create';

/**
 * The bounds that keep clients from disturbing PID 1 or each other (docs/bounded.md):
 * connections at once (each costs ts-init a file descriptor), how long a connection may
 * sit without a complete request, how long one request line may take to arrive, how much
 * reply data may wait for a client that does not read, how many requests may wait behind
 * the one being answered, and how many units are handled before yielding to others.
 */
export const MAX_CONNECTIONS = 32;
export const IDLE_TIMEOUT_MS = 60_000;
export const REQUEST_TIMEOUT_MS = 10_000;
export const MAX_QUEUED_OUTPUT_BYTES = 256 * 1024;
export const MAX_PENDING_REQUESTS = 8;
export { UNITS_PER_TURN } from './verbs';

export interface ControlServer {
  close(): Promise<void>;
}

export interface ServerOptions {
  /** Which uid may connect (0: root). */
  allowedUid?: number;
  /** Every user may connect (mode 0666); what each may ask is decided per request (verbs.ts' access). */
  everyone?: boolean;
  /** File mode of the socket (0600; 0666 for everyone's). */
  mode?: number;
}

/** What a caller who may not ask for a verb is told, in systemd's words (its polkit-less answer). */
export const ACCESS_DENIED = 'Access denied';

function execute(manager: Manager, req: Request, socket: net.Socket): Promise<unknown> {
  const stream: VerbStream = {
    send: (event) => {
      if (socket.destroyed) return;
      // A follower that does not read is dropped rather than buffered without end.
      if (socket.writableLength > MAX_QUEUED_OUTPUT_BYTES) return void socket.destroy();
      socket.write(`${JSON.stringify({ v: PROTOCOL_VERSION, id: req.id, ...event })}\n`);
    },
    onClose: (listener) => socket.once('close', listener),
    keepOpen: () => {
      (socket as TrackedSocket).following = true;
      socket.setTimeout(0);
    },
    closed: () => socket.destroyed,
    protocolVersion: PROTOCOL_VERSION,
  };
  try {
    return Promise.resolve(verbRow(req.verb).run(manager, req, stream));
  } catch (err) {
    if (err instanceof VerbError) throw new RequestError(err.code, err.message, req.id);
    throw err;
  }
}

/** What the server knows of each connection, to pick one to drop when all slots are taken. */
type TrackedSocket = net.Socket & { lastRequestAt?: number; busy?: boolean; following?: boolean };

function serve(manager: Manager, socket: TrackedSocket, log: Logger, allowedUid: number | 'everyone'): void {
  socket.setEncoding('utf8');
  socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
  // A client that hung up (EPIPE): its SIGPIPE stays with ts-init (process/forward-signals.ts).
  socket.on('error', () => socket.destroy());
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  let uid = -1;
  try {
    if (fd !== undefined && fd >= 0) uid = peerCredentials(fd).uid;
  } catch {
    uid = -1;
  }
  if (uid < 0 || (allowedUid !== 'everyone' && uid !== allowedUid)) {
    socket.end(errorReply(null, 'permission-denied', 'permission denied: the control socket is for root only'));
    return;
  }
  let buffer = '';
  const pending: string[] = [];
  let partialTimer: NodeJS.Timeout | undefined;
  const reply = (text: string): void => {
    if (!socket.destroyed) socket.write(text);
  };
  // Requests are answered one at a time, in order. Reading stops while requests queue
  // up or replies wait for the client to read them (backpressure), and resumes after.
  const pump = (): void => {
    while (!socket.busy && pending.length && !socket.destroyed && socket.writableLength < MAX_QUEUED_OUTPUT_BYTES) {
      const line = pending.shift()!;
      socket.busy = true;
      void handle(line).finally(() => {
        socket.busy = false;
        pump();
      });
    }
    const full = pending.length >= MAX_PENDING_REQUESTS || socket.writableLength >= MAX_QUEUED_OUTPUT_BYTES;
    if (full) socket.pause();
    else if (socket.isPaused()) socket.resume();
  };
  socket.on('drain', pump);
  socket.once('close', () => {
    clearTimeout(partialTimer);
    pending.length = 0;
  });
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim()) {
        socket.lastRequestAt = Date.now();
        pending.push(line);
      }
      nl = buffer.indexOf('\n');
    }
    if (Buffer.byteLength(buffer) > MAX_LINE_BYTES) {
      buffer = '';
      socket.end(errorReply(null, 'too-large', `request longer than ${MAX_LINE_BYTES} bytes`));
      return;
    }
    // A request line must arrive whole within REQUEST_TIMEOUT_MS (no 1-byte-a-second clients).
    if (buffer === '') {
      clearTimeout(partialTimer);
      partialTimer = undefined;
    } else if (!partialTimer) {
      partialTimer = setTimeout(() => {
        reply(errorReply(null, 'bad-request', `request line not complete after ${REQUEST_TIMEOUT_MS} ms`));
        socket.destroy();
      }, REQUEST_TIMEOUT_MS);
    }
    pump();
  });
  const handle = async (line: string): Promise<void> => {
    if (Buffer.byteLength(line) > MAX_LINE_BYTES) return reply(errorReply(null, 'too-large', `request longer than ${MAX_LINE_BYTES} bytes`));
    let req: Request;
    try {
      req = parseRequest(line);
    } catch (err) {
      const e = err as RequestError;
      return reply(errorReply(e.id ?? null, e.code ?? 'bad-request', e.message));
    }
    if (!mayAsk(req.verb, uid)) return reply(errorReply(req.id, 'access-denied', ACCESS_DENIED));
    try {
      reply(okReply(req.id, await execute(manager, req, socket)));
    } catch (err) {
      if (err instanceof ClientGone) return;
      if (err instanceof RequestError) return reply(errorReply(req.id, err.code, err.message));
      log.error({ err, verb: req.verb }, 'control request failed');
      reply(errorReply(req.id, 'internal', (err as Error).message));
    }
  };
}

/**
 * All slots taken: drops the connection that has gone longest without a complete
 * request (not one being answered, and a follower only when no other will do), if that
 * is more than a second. A new client so always gets in unless every slot is busy.
 */
function makeRoom(sockets: Set<TrackedSocket>): boolean {
  const now = Date.now();
  let victim: TrackedSocket | undefined;
  const rank = (s: TrackedSocket): number => (s.following ? 1e15 : 0) + (s.lastRequestAt ?? 0);
  for (const s of sockets) {
    if (s.busy || now - (s.lastRequestAt ?? 0) < 1000) continue;
    if (!victim || rank(s) < rank(victim)) victim = s;
  }
  if (!victim) return false;
  victim.destroy();
  sockets.delete(victim);
  return true;
}

export async function startControlServer(manager: Manager, socketPath: string, log: Logger, opts: ServerOptions = {}): Promise<ControlServer> {
  fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o755 });
  // Only where nobody else can put a name: a planted socket would take the operators'
  // commands, a planted symlink would have root replace its target.
  const unsafe = privatePathProblem(path.dirname(socketPath));
  if (unsafe) throw new UnsafePathError(`not creating it: ${unsafe}`);
  fs.rmSync(socketPath, { force: true });
  const sockets = new Set<TrackedSocket>();
  // Every connection, refused ones included, so that closing the server ends them all.
  const all = new Set<net.Socket>();
  const server = net.createServer((socket: TrackedSocket) => {
    all.add(socket);
    socket.once('close', () => all.delete(socket));
    socket.lastRequestAt = Date.now();
    if (sockets.size >= MAX_CONNECTIONS && !makeRoom(sockets)) {
      socket.on('error', () => undefined);
      // Closed at once, not left half-open: a refused connection must not hold a descriptor.
      socket.end(errorReply(null, 'busy', `too many control connections (${MAX_CONNECTIONS}); try again`), () => socket.destroy());
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      // What a request allocated (its status, /proc reads) is garbage now: hand it back.
      releaseMemorySoon();
    });
    try {
      serve(manager, socket, log, opts.everyone ? 'everyone' : (opts.allowedUid ?? 0));
    } catch (err) {
      log.error({ err }, 'control connection failed');
      socket.destroy();
    }
  });
  // The socket is created under a tight umask, so it is never reachable by others, not even briefly.
  const old = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(old);
  }
  // After listening: a failure to listen is the caller's to report, once.
  server.on('error', (err) => log.error({ err }, 'control server error'));
  fs.chmodSync(socketPath, opts.mode ?? (opts.everyone ? 0o666 : 0o600));
  server.unref();
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        fs.rmSync(socketPath, { force: true });
        // Shutdown never waits for a client that keeps its connection open (logs -f, say).
        for (const socket of all) socket.destroy();
      }),
  };
}
