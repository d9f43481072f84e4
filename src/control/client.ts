// Talking to a running ts-init over its control socket.
import * as net from 'node:net';
import { DEFAULT_CONTROL_SOCKET } from '../cli/options';
import { PROTOCOL_VERSION, type Reply, type Verb } from './protocol';

/** The socket a client talks to: TS_INIT_CONTROL_SOCKET (as the init reads it), or the default. */
export function controlSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.TS_INIT_CONTROL_SOCKET || DEFAULT_CONTROL_SOCKET;
}

/**
 * The socket every user may connect to, beside root's ("/run/ts-init.sock" ->
 * "/run/ts-init.public.sock"): what other users may ask is decided per request.
 */
export function publicSocketPath(rootSocket: string): string {
  return rootSocket.endsWith('.sock') ? `${rootSocket.slice(0, -'.sock'.length)}.public.sock` : `${rootSocket}.public`;
}

/** The socket this process talks to: root's for root, everyone's for other users. */
export function socketForCaller(rootSocket: string, uid = process.getuid?.() ?? 0): string {
  return uid === 0 ? rootSocket : publicSocketPath(rootSocket);
}

export class ConnectError extends Error {}

/** ts-init refused the request: the caller may not ask for it (not root). */
export class AccessDenied extends Error {}

export interface CallOptions {
  socket: string;
  /** Receives streamed events (logs -f) until the connection closes. */
  onEvent?: (event: Record<string, unknown>) => void;
}

export function call(verb: Verb, params: Record<string, unknown>, opts: CallOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(opts.socket);
    let buffer = '';
    let replied = false;
    sock.setEncoding('utf8');
    sock.on('error', (err: NodeJS.ErrnoException) => {
      if (!replied) reject(new ConnectError(`cannot connect to ts-init at ${opts.socket}: ${err.code ?? err.message}`));
    });
    sock.on('connect', () => sock.write(`${JSON.stringify({ v: PROTOCOL_VERSION, id: 1, verb, ...params })}\n`));
    sock.on('data', (chunk: string) => {
      buffer += chunk;
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const msg = JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>;
        buffer = buffer.slice(nl + 1);
        if (msg.event !== undefined) opts.onEvent?.(msg);
        else if (!replied) {
          replied = true;
          resolve(msg as unknown as Reply);
          if (!opts.onEvent) sock.end();
        }
        nl = buffer.indexOf('\n');
      }
    });
    sock.on('close', () => {
      if (!replied) reject(new ConnectError(`ts-init at ${opts.socket} closed the connection without a reply`));
    });
  });
}

/** The result of a successful call, or throws with the server's message. */
export async function callResult<T>(verb: Verb, params: Record<string, unknown>, opts: CallOptions): Promise<T> {
  const r = await call(verb, params, opts);
  if (!r.ok) throw r.error.code === 'access-denied' ? new AccessDenied(r.error.message) : new Error(r.error.message);
  return r.result as T;
}
