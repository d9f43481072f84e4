// The edge of socket activation: the socket units' open file descriptors, their watch
// in the poller, and what the pure machine (socket-lifecycle.ts) asks for: start the
// service on traffic, stop watching while it runs, fail the socket. Services get the
// descriptors of their sockets (fdsFor) when their main process is launched.
import type { Logger } from '../log/logger';
import { sharedCloser } from '../sockets/descriptor-closer';
import { FdPoller } from '../sockets/fd-poller';
import { closeListening, openListening, type Owner } from '../sockets/listen-sockets';
import { acceptConnection, peerCredentials, setNonBlocking } from '../sys/libc';
import { instanceName } from '../units/specifiers';
import type { UnitConfig } from '../units/unit';
import type { State } from './lifecycle';
import type { TriggeredStart } from './result';
import { initialSocketState, socketStep, type SocketEvent, type SocketState } from './socket-lifecycle';
import { isIdle } from './sub-states';

/** Descriptors for a service's LISTEN_FDS (from fd 3 on) and their LISTEN_FDNAMES. */
export interface PassedFds {
  fds: number[];
  names: string[];
  /** An Accept=yes instance's connection (its stdin/stdout with StandardInput=socket). */
  connection?: number;
}

export interface SocketUnitsDeps {
  log: Logger;
  /** Starts a unit by name: whether it started, is not loaded, refused (start limit hit), or not started because everything is stopping. */
  startUnit: (name: string) => TriggeredStart;
  /** Makes a socket unit fail (its start job is over, its endpoints closed). */
  /** Fails a socket unit; `result` is its Result= (systemd's word), 'resources' when absent. */
  failUnit: (name: string, result?: 'service-start-limit-hit') => void;
  /** Loads and starts an instance of a template for one connection; false when there is no such template. */
  startInstance: (name: string) => boolean;
  /** Drops a finished per-connection instance, so that connections do not pile up units. */
  forgetUnit: (name: string) => void;
  owner: (user: string | undefined, group: string | undefined) => Owner | undefined;
}

interface OpenSocket {
  unit: UnitConfig;
  fds: number[];
  state: SocketState;
}

export class SocketUnits {
  private readonly open = new Map<string, OpenSocket>();
  /** Services that are up (starting or running), so a socket opened later is not watched. */
  private readonly servicesUp = new Set<string>();
  private readonly poller = new FdPoller();
  /** Accept=yes instances by name: their connection and the socket they came from. */
  private readonly connections = new Map<string, { fd: number; socket: string; up: boolean }>();
  private readonly counters = new Map<string, number>();

  constructor(private readonly deps: SocketUnitsDeps) {}

  /** Opens a socket unit's endpoints; returns the error text when one cannot be opened. */
  openFor(unit: UnitConfig): string | undefined {
    const s = unit.socket!;
    this.closeFor(unit.name);
    let fds: number[];
    try {
      fds = openListening(s, this.deps.owner(s.socketUser, s.socketGroup));
      // ts-init accepts on these itself: they must never block it. (Accept=no endpoints are the
      // service's and stay blocking, as systemd hands them over.)
      if (s.accept) for (const fd of fds) setNonBlocking(fd);
    } catch (err) {
      return (err as Error).message;
    }
    this.open.set(unit.name, { unit, fds, state: { ...initialSocketState(), serviceUp: this.servicesUp.has(s.service!) } });
    this.deps.log.debug({ unit: unit.name, fds }, `listening on ${s.listen.map((l) => l.text).join(', ')}`);
    this.feed(unit.name, { type: 'opened' });
    return undefined;
  }

  closeFor(name: string): void {
    const o = this.open.get(name);
    if (!o) return;
    this.feed(name, { type: 'closed' });
    this.open.delete(name);
    closeListening(o.unit.socket!, o.fds);
  }

  closeAll(): void {
    for (const name of [...this.open.keys()]) this.closeFor(name);
  }

  /** An Accept=no socket whose service is up: the socket is the service's now. */
  serviceHasIt(name: string): boolean {
    const o = this.open.get(name);
    return o !== undefined && !o.unit.socket!.accept && o.state.serviceUp;
  }

  /** The open Accept=no sockets whose service this is, in name order; an instance's connection. */
  fdsFor(service: string): PassedFds | undefined {
    const conn = this.connections.get(service);
    if (conn) return { fds: [conn.fd], names: ['connection'], connection: conn.fd };
    const mine = [...this.open.values()]
      .filter((o) => !o.unit.socket!.accept && o.unit.socket!.service === service)
      .sort((a, b) => (a.unit.name < b.unit.name ? -1 : 1));
    if (mine.length === 0) return undefined;
    const names = mine.flatMap((o) => o.fds.map(() => o.unit.socket!.fileDescriptorName ?? o.unit.name));
    return { fds: mine.flatMap((o) => o.fds), names };
  }

  /** A unit's state changed: a triggered service coming up or going down moves its sockets. */
  unitChanged(name: string, s: State): void {
    const up = !isIdle(s.sub);
    const conn = this.connections.get(name);
    if (conn) {
      if (up) conn.up = true;
      else if (conn.up) this.connectionDone(name);
      return;
    }
    if (up === this.servicesUp.has(name)) return;
    if (up) this.servicesUp.add(name);
    else this.servicesUp.delete(name);
    for (const [sock, o] of this.open) {
      if (o.unit.socket!.service !== name) continue;
      this.feed(sock, up ? { type: 'service-up' } : { type: 'service-down', startLimitHit: s.result === 'start-limit-hit' });
    }
  }

  /** readyFd: for traffic, the endpoint the poller found readable. */
  private feed(name: string, e: SocketEvent, readyFd?: number): void {
    const o = this.open.get(name);
    if (!o) return;
    const { state, effects } = socketStep(o.state, e, { accept: o.unit.socket!.accept, maxConnections: o.unit.socket!.maxConnections });
    o.state = state;
    for (const fx of effects) {
      switch (fx.type) {
        case 'watch':
          for (const fd of o.fds) this.poller.watch(fd, () => this.feed(name, { type: 'traffic' }, fd));
          break;
        case 'unwatch':
          for (const fd of o.fds) this.poller.unwatch(fd);
          break;
        case 'start-service': {
          const service = o.unit.socket!.service!;
          this.deps.log.info({ unit: name }, `activity on ${name}: starting ${service}`);
          const started = this.deps.startUnit(service);
          // As systemd's shutdown transaction refuses a trigger's start job; the socket's own stop comes.
          if (started === 'shutting-down') this.deps.log.info({ unit: name }, `not starting ${service}: shutting down`);
          else if (started === 'not-loaded') {
            this.deps.log.error({ unit: name }, `socket service ${service} not loaded, refusing`);
            this.deps.failUnit(name);
          } else if (started === 'refused') {
            this.feed(name, { type: 'service-down', startLimitHit: true });
          }
          break;
        }
        case 'accept':
          try {
            this.acceptOne(name, o, fx.refuse, readyFd);
          } catch (err) {
            // EMFILE and the like: this connection waits; PID 1 goes on.
            this.deps.log.error({ unit: name }, `cannot accept a connection: ${(err as Error).message}`);
            this.feed(name, { type: 'connection-done' });
          }
          break;
        case 'fail':
          this.deps.log.error({ unit: name }, `${o.unit.socket!.service} keeps failing to start; ${name} gives up (Result: service-start-limit-hit)`);
          this.deps.failUnit(name, 'service-start-limit-hit');
          break;
      }
    }
  }

  /** Accept=yes: takes one pending connection and starts an instance of the template with it. */
  private acceptOne(name: string, o: OpenSocket, refuse: boolean, readyFd: number | undefined): void {
    // Accept=yes endpoints are non-blocking (openFor): accept never stalls PID 1.
    for (const fd of readyFd !== undefined ? [readyFd] : o.fds) {
      const conn = acceptConnection(fd);
      if (conn === undefined) continue;
      if (refuse) {
        this.deps.log.warn({ unit: name }, `too many incoming connections (${o.unit.socket!.maxConnections}), dropping connection`);
        // A connection's last close frees what its peer left unread, descriptors included: off the main thread.
        sharedCloser().close(conn, 'other');
        return;
      }
      const n = this.counters.get(name) ?? 0;
      this.counters.set(name, n + 1);
      const peer = o.unit.socket!.listen[o.fds.indexOf(fd)]?.address.family === 'unix' ? unixPeer(conn) : '';
      const instance = instanceName(o.unit.socket!.service!, `${n}${peer}`);
      this.connections.set(instance, { fd: conn, socket: name, up: false });
      if (!this.deps.startInstance(instance)) {
        this.deps.log.error({ unit: name }, `${o.unit.socket!.service} not loaded; dropping connection`);
        this.connectionDone(instance);
      }
      return;
    }
    // Nothing was pending after all (another reader took it): the slot is free again.
    this.feed(name, { type: 'connection-done' });
  }

  private connectionDone(instance: string): void {
    const conn = this.connections.get(instance);
    if (!conn) return;
    this.connections.delete(instance);
    sharedCloser().close(conn.fd, 'other');
    this.deps.forgetUnit(instance);
    this.feed(conn.socket, { type: 'connection-done' });
  }
}

/** systemd names a unix connection's instance after the peer: "-PID-UID". */
function unixPeer(fd: number): string {
  try {
    const c = peerCredentials(fd);
    return `-${c.pid}-${c.uid}`;
  } catch {
    return '';
  }
}
