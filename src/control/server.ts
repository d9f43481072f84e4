// The control server: an AF_UNIX stream socket, root only (mode 0600 and a
// SO_PEERCRED check), newline-delimited JSON. Malformed or oversized requests get
// an error reply; nothing a client sends can disturb PID 1.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Logger } from '../log/logger';
import { peerCredentials } from '../sys/libc';
import { parseSignal } from '../sys/signals';
import type { Manager } from './manager';
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

async function execute(manager: Manager, req: Request, socket: net.Socket): Promise<unknown> {
  const each = <T>(f: (u: string) => Promise<T> | T): Promise<T[]> => Promise.all(req.units.map((u) => f(u)));
  switch (req.verb) {
    case 'ping':
      return { pong: true, protocol: PROTOCOL_VERSION, pid: process.pid };
    case 'status':
      return req.units.length ? manager.status(req.units) : manager.listUnits();
    case 'list-units':
      return manager.listUnits();
    case 'start':
      return each((u) => manager.start(u));
    case 'stop':
      return each((u) => manager.stop(u));
    case 'restart':
      return each((u) => manager.restart(u));
    case 'reload':
      return each((u) => manager.reload(u));
    case 'try-restart':
      return each((u) => manager.tryRestart(u));
    case 'reload-or-restart':
      return each((u) => manager.reloadOrRestart(u));
    case 'kill': {
      const signal = parseSignal(String(req.signal ?? 'SIGTERM'));
      if (signal === undefined) throw new RequestError('bad-request', `signal '${req.signal}' is not a signal`, req.id);
      return each((u) => manager.kill(u, signal, req.who ?? 'all'));
    }
    case 'enable':
      return each((u) => manager.enable(u));
    case 'disable':
      return each((u) => manager.disable(u));
    case 'list-unit-files':
      return manager.listUnitFiles();
    case 'logs': {
      const lines = manager.logs(req.units[0]!, req.lines ?? 50);
      if (!lines) throw new RequestError('not-found', `Unit ${req.units[0]} not found.`, req.id);
      if (req.follow) {
        const stop = manager.follow(req.units[0]!, (line) => {
          if (!socket.destroyed) socket.write(`${JSON.stringify({ v: PROTOCOL_VERSION, id: req.id, event: 'log', line })}\n`);
        });
        socket.once('close', () => stop?.());
        socket.setTimeout(0); // a follower may stay as long as it likes
      }
      return lines;
    }
    case 'daemon-reload':
      return manager.daemonReload();
    case 'shutdown':
      setImmediate(() => manager.shutdown());
      return { shuttingDown: true };
  }
}

function serve(manager: Manager, socket: net.Socket, log: Logger, allowedUid: number): void {
  socket.setEncoding('utf8');
  socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
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
