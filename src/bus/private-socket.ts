// systemd's private socket, /run/systemd/private: peer-to-peer D-Bus with PID 1, no bus daemon
// in between. systemd 257's systemctl, as root, talks to PID 1 only there. The client
// authenticates (SASL EXTERNAL, its uid; only root's connection is kept: SO_PEERCRED at accept),
// says BEGIN, and its calls go to the same object server as the bus's (systemd1.ts), one per
// connection: no Hello, no names, its signals (after Subscribe) go to it alone.
// Connections, handshake lines and time are bounded; the messages' limits are the bus's (connection.ts).
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Manager } from '../control/manager';
import type { Logger } from '../log/logger';
import { peerCredentials } from '../sys/libc';
import { privatePathProblem } from '../sys/safe-create';
import { managerFacts } from './bus-front';
import { BusConnection } from './connection';
import { Systemd1 } from './systemd1';
import { urandomHex } from '../sys/urandom';

export const PRIVATE_SOCKET = '/run/systemd/private';
/** Connections at once; past it a new one is closed at once. */
export const MAX_PRIVATE_CONNECTIONS = 32;
const AUTH_TIMEOUT_MS = 10_000;
const MAX_AUTH_LINE = 512;
const MAX_AUTH_LINES = 16;

// ---- the handshake (pure) ----

export type AuthPhase = 'nul' | 'auth' | 'data' | 'authed' | 'begun' | 'failed';
export interface AuthState {
  phase: AuthPhase;
  /** The peer's uid from SO_PEERCRED: the only identity EXTERNAL may claim. */
  peerUid: number;
  guid: string;
  lines: number;
}
export interface AuthStep {
  state: AuthState;
  /** What to write back (with its CRLF), if anything. */
  reply?: string;
}

export function authStart(peerUid: number, guid: string): AuthState {
  return { phase: 'nul', peerUid, guid, lines: 0 };
}

/** The identity EXTERNAL sends: the uid in decimal, hex-encoded; empty means "the one you see". */
function claimsPeer(hex: string, peerUid: number): boolean {
  if (hex === '') return true;
  if (!/^([0-9a-fA-F]{2})+$/.test(hex)) return false;
  return Buffer.from(hex, 'hex').toString('latin1') === String(peerUid);
}

/** One line of the client's (without its CRLF). */
export function authLine(s: AuthState, line: string): AuthStep {
  const state = { ...s, lines: s.lines + 1 };
  if (state.lines > MAX_AUTH_LINES || s.phase === 'nul' || s.phase === 'begun' || s.phase === 'failed') return { state: { ...state, phase: 'failed' } };
  const [command = '', ...args] = line.split(' ');
  const ok = (): AuthStep => ({ state: { ...state, phase: 'authed' }, reply: `OK ${s.guid}\r\n` });
  const rejected = (): AuthStep => ({ state: { ...state, phase: 'auth' }, reply: 'REJECTED EXTERNAL\r\n' });
  if (s.phase === 'auth') {
    if (command !== 'AUTH') return command === 'BEGIN' ? { state: { ...state, phase: 'failed' } } : { state, reply: 'ERROR\r\n' };
    if (args[0] !== 'EXTERNAL' || args.length > 2) return rejected();
    if (args.length === 1) return { state: { ...state, phase: 'data' }, reply: 'DATA\r\n' };
    return claimsPeer(args[1]!, s.peerUid) ? ok() : rejected();
  }
  if (s.phase === 'data') {
    if (command === 'DATA' && args.length <= 1) return claimsPeer(args[0] ?? '', s.peerUid) ? ok() : rejected();
    return rejected();
  }
  // authed
  if (command === 'BEGIN' && args.length === 0) return { state: { ...state, phase: 'begun' } };
  // No file descriptors are taken: the messages' decoder refuses them.
  if (command === 'NEGOTIATE_UNIX_FD') return { state, reply: 'ERROR\r\n' };
  if (command === 'CANCEL' || command === 'ERROR') return rejected();
  return { state, reply: 'ERROR\r\n' };
}

/** Feeds bytes: the leading NUL, then CRLF lines; what follows BEGIN is the first messages' bytes. */
export function authFeed(s: AuthState, pending: Buffer): { state: AuthState; replies: string[]; rest: Buffer } {
  let state = s;
  let buf = pending;
  const replies: string[] = [];
  if (state.phase === 'nul' && buf.length) {
    if (buf[0] !== 0) return { state: { ...state, phase: 'failed' }, replies, rest: buf };
    state = { ...state, phase: 'auth' };
    buf = buf.subarray(1);
  }
  while (state.phase !== 'begun' && state.phase !== 'failed') {
    const nl = buf.indexOf('\r\n');
    if (nl < 0) {
      if (buf.length > MAX_AUTH_LINE) state = { ...state, phase: 'failed' };
      break;
    }
    const step = authLine(state, buf.subarray(0, nl).toString('latin1'));
    state = step.state;
    if (step.reply) replies.push(step.reply);
    buf = buf.subarray(nl + 2);
  }
  return { state, replies, rest: buf };
}

// ---- the server ----

function socketUid(socket: net.Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  try {
    return fd !== undefined && fd >= 0 ? peerCredentials(fd).uid : -1;
  } catch {
    return -1;
  }
}

/** Authenticates a root peer; resolves with its connection, or undefined when it failed or left. */
function handshake(socket: net.Socket, uid: number, guid: string): Promise<BusConnection | undefined> {
  return new Promise((resolve) => {
    let state = authStart(uid, guid);
    let pending: Buffer = Buffer.alloc(0);
    const finish = (c: BusConnection | undefined): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (!c) socket.destroy();
      resolve(c);
    };
    const timer = setTimeout(() => finish(undefined), AUTH_TIMEOUT_MS);
    timer.unref();
    const onClose = (): void => finish(undefined);
    const onData = (chunk: Buffer): void => {
      const r = authFeed(state, pending.length ? Buffer.concat([pending, chunk]) : chunk);
      state = r.state;
      for (const line of r.replies) socket.write(line);
      if (state.phase === 'failed') return finish(undefined);
      if (state.phase === 'begun') return finish(BusConnection.peer(socket, uid, Buffer.from(r.rest)));
      pending = Buffer.from(r.rest);
    };
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

/** Listens on the private socket (in PID 1's own /run/systemd) until closed. */
export function startPrivateSocket(manager: Manager, log: Logger, socketPath = PRIVATE_SOCKET): { close(): void } {
  const dirProblem = privatePathProblem(path.dirname(socketPath));
  if (dirProblem) {
    log.warn(`not listening on ${socketPath}: ${dirProblem}`);
    return { close: () => undefined };
  }
  // A socket left by an earlier PID 1 (the directory is ours alone: nobody else put it there).
  try {
    if (fs.lstatSync(socketPath).isSocket()) fs.unlinkSync(socketPath);
  } catch {
    // none there
  }
  // From /dev/urandom: node:crypto, loaded here, cost PID 1 some 1.2 MB of private memory and was compiled from source (past interpretOnly()) at every boot.
  const guid = urandomHex(16);
  const open = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    const uid = socketUid(socket);
    if (uid !== 0 || open.size >= MAX_PRIVATE_CONNECTIONS) return void socket.destroy();
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    void handshake(socket, uid, guid).then((conn) => {
      if (conn && !conn.isClosed) new Systemd1(conn, manager, managerFacts(), log);
    });
  });
  server.on('error', (err) => log.warn(`${socketPath}: ${err.message}`));
  // Created 0600 (the umask around the synchronous bind), not made so later: a client must never
  // find it open to all in between. The peer's uid is checked at accept anyway.
  const umask = process.umask(0o177);
  try {
    server.listen(socketPath);
  } finally {
    process.umask(umask);
  }
  return {
    close() {
      server.close();
      for (const s of open) s.destroy();
      try {
        fs.unlinkSync(socketPath);
      } catch {
        // gone already
      }
    },
  };
}
