// Opening a socket unit's Listen*= endpoints as systemd does: parent directories with
// DirectoryMode=, a stale socket file replaced, SocketMode=/SocketUser=/SocketGroup= on
// the file, FIFOs made and opened read-write; ports on [::] for both families, or on
// 0.0.0.0 where the kernel has no IPv6. Closing unlinks only with RemoveOnStop=yes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  AF_INET, AF_INET6, closeFd, listeningSocket, mkfifo, SOCK_DATAGRAM, SOCK_SEQPACKET, SOCK_STREAM, sockaddrInet, sockaddrUnix,
} from '../sys/libc';
import type { Listen } from '../units/listen-address';
import { sharedCloser } from './descriptor-closer';
import type { SocketSettings } from '../units/unit';

const AF_UNIX = 1;
const TYPES = { stream: SOCK_STREAM, datagram: SOCK_DATAGRAM, seqpacket: SOCK_SEQPACKET } as const;

export interface Owner {
  uid: number;
  gid: number;
}

/**
 * Makes the missing directories of dir with mode. Each is opened without following a
 * link and its mode set on that descriptor, so a name swapped for a symlink after the
 * mkdir never has root chmod its target. Existing directories are left as they are.
 */
function ensureDir(dir: string, mode: number): void {
  if (fs.existsSync(dir)) return;
  ensureDir(path.dirname(dir), mode);
  try {
    fs.mkdirSync(dir, { mode });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return;
  }
  const fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
  try {
    fs.fchmodSync(fd, mode);
  } finally {
    fs.closeSync(fd);
  }
}

/** Runs make() under a umask that gives a new file exactly mode (0777 & ~umask for sockets and FIFOs). */
function withMode<T>(mode: number, make: () => T): T {
  const old = process.umask(~mode & 0o777);
  try {
    return make();
  } finally {
    process.umask(old);
  }
}

function openOne(l: Listen, s: SocketSettings, owner: Owner | undefined): number {
  const a = l.address;
  if (a.family === 'unix') {
    const file = a.path.startsWith('/') ? a.path : undefined;
    if (file) {
      ensureDir(path.dirname(file), s.directoryMode);
      const st = fs.lstatSync(file, { throwIfNoEntry: false });
      if (st && (st.isSocket() || (l.kind === 'fifo' && !st.isFIFO()))) fs.rmSync(file, { force: true });
    }
    if (l.kind === 'fifo') {
      if (!fs.existsSync(file!)) withMode(s.socketMode, () => mkfifo(file!, s.socketMode));
      // Read-write, so opening does not wait for a writer and the FIFO never reports EOF; never
      // through a link, and mode and owner set on what was opened.
      const fd = fs.openSync(file!, fs.constants.O_RDWR | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
      try {
        if (!fs.fstatSync(fd).isFIFO()) throw new Error(`${file} is not a FIFO`);
        fs.fchmodSync(fd, s.socketMode);
        if (owner) fs.fchownSync(fd, owner.uid, owner.gid);
      } catch (err) {
        fs.closeSync(fd);
        throw err;
      }
      return fd;
    }
    // bind() never follows a link at the last name; the file gets its mode from the umask at
    // once (a socket file cannot be opened for fchmod), and lchown never follows a link either.
    const fd = withMode(s.socketMode, () => listeningSocket(AF_UNIX, TYPES[l.kind as keyof typeof TYPES], sockaddrUnix(a.path), s.backlog));
    if (file && owner) {
      try {
        fs.lchownSync(file, owner.uid, owner.gid);
      } catch (err) {
        closeFd(fd);
        throw err;
      }
    }
    return fd;
  }
  const type = TYPES[l.kind as keyof typeof TYPES];
  if (a.family === 'ipv4') return listeningSocket(AF_INET, type, sockaddrInet(AF_INET, a.host, a.port), s.backlog);
  try {
    return listeningSocket(AF_INET6, type, sockaddrInet(AF_INET6, a.host, a.port), s.backlog);
  } catch (err) {
    // errno 97 (EAFNOSUPPORT): no IPv6 here; a plain port is then IPv4's.
    if (a.host !== '::' || (err as { errno?: number }).errno !== 97) throw err;
    return listeningSocket(AF_INET, type, sockaddrInet(AF_INET, '0.0.0.0', a.port), s.backlog);
  }
}

/** Opens every endpoint, in order; on a failure closes what was opened and throws, naming the endpoint. */
export function openListening(s: SocketSettings, owner: Owner | undefined): number[] {
  const fds: number[] = [];
  for (const l of s.listen) {
    try {
      fds.push(openOne(l, s, owner));
    } catch (err) {
      for (const fd of fds) closeFd(fd);
      throw new Error(`cannot listen on ${l.text}: ${(err as Error).message}`);
    }
  }
  return fds;
}

export function closeListening(s: SocketSettings, fds: readonly number[]): void {
  fds.forEach((fd, i) => {
    const l = s.listen[i];
    // A unix socket's last close frees what is queued on it (pending connections, datagrams),
    // descriptors their senders passed included: off the main thread. A port or an abstract
    // name must be free again at once for a restart, so those close here (a port's queue
    // holds no descriptors).
    if (l?.kind !== 'fifo' && l?.address.family === 'unix' && l.address.path.startsWith('/')) sharedCloser().close(fd, 'other');
    else closeFd(fd);
  });
  if (!s.removeOnStop) return;
  for (const l of s.listen) if (l.address.family === 'unix' && l.address.path.startsWith('/')) fs.rmSync(l.address.path, { force: true });
}
