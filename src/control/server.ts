// The control server: an AF_UNIX stream socket, root only (mode 0600 and a
// SO_PEERCRED check), newline-delimited JSON. Malformed or oversized requests get
// an error reply; nothing a client sends can disturb PID 1.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Logger } from '../log/logger';
import { peerCredentials } from '../sys/libc';
import type { Manager } from './manager';
import { verbRow, VerbError, type VerbStream } from './verbs';
import { errorReply, MAX_LINE_BYTES, okReply, parseRequest, PROTOCOL_VERSION, RequestError, type Request } from './protocol';

export const MAX_CONNECTIONS = 64;
export const IDLE_TIMEOUT_MS = 60_000;

export interface ControlServer {
  close(): Promise<void>;
}

export interface ServerOptions {
  /** Which uid may connect (0: root). */
  allowedUid?: number;
  /** File mode of the socket (0600). */
  mode?: number;
}

function execute(manager: Manager, req: Request, socket: net.Socket): Promise<unknown> {
  const stream: VerbStream = {
    send: (event) => {
      if (!socket.destroyed) socket.write(`${JSON.stringify({ v: PROTOCOL_VERSION, id: req.id, ...event })}\n`);
    },
    onClose: (listener) => socket.once('close', listener),
    keepOpen: () => socket.setTimeout(0),
    protocolVersion: PROTOCOL_VERSION,
  };
  try {
    return Promise.resolve(verbRow(req.verb).run(manager, req, stream));
  } catch (err) {
    if (err instanceof VerbError) throw new RequestError(err.code, err.message, req.id);
    throw err;
  }
}

function serve(manager: Manager, socket: net.Socket, log: Logger, allowedUid: number): void {
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
  if (uid !== allowedUid) {
    socket.end(errorReply(null, 'permission-denied', 'permission denied: the control socket is for root only'));
    return;
  }
  let buffer = '';
  let queue: Promise<void> = Promise.resolve();
  const reply = (text: string): void => {
    if (!socket.destroyed) socket.write(text);
  };
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim()) {
        // Replies go out in request order, one request at a time per connection.
        queue = queue.then(() => handle(line));
      }
      nl = buffer.indexOf('\n');
    }
    if (Buffer.byteLength(buffer) > MAX_LINE_BYTES) {
      buffer = '';
      socket.end(errorReply(null, 'too-large', `request longer than ${MAX_LINE_BYTES} bytes`));
    }
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
    try {
      reply(okReply(req.id, await execute(manager, req, socket)));
    } catch (err) {
      if (err instanceof RequestError) return reply(errorReply(req.id, err.code, err.message));
      log.error({ err, verb: req.verb }, 'control request failed');
      reply(errorReply(req.id, 'internal', (err as Error).message));
    }
  };
}

export async function startControlServer(manager: Manager, socketPath: string, log: Logger, opts: ServerOptions = {}): Promise<ControlServer> {
  fs.mkdirSync(path.dirname(socketPath), { recursive: true });
  fs.rmSync(socketPath, { force: true });
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    try {
      serve(manager, socket, log, opts.allowedUid ?? 0);
    } catch (err) {
      log.error({ err }, 'control connection failed');
      socket.destroy();
    }
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.on('error', (err) => log.error({ err }, 'control server error'));
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
  fs.chmodSync(socketPath, opts.mode ?? 0o600);
  server.unref();
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        fs.rmSync(socketPath, { force: true });
        // Shutdown never waits for a client that keeps its connection open (logs -f, say).
        for (const socket of sockets) socket.destroy();
      }),
  };
}
