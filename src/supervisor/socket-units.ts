// The edge of socket activation: the socket units' open file descriptors, their watch
// in the poller, and what the pure machine (socket-lifecycle.ts) asks for: start the
// service on traffic, stop watching while it runs, fail the socket. Services get the
// descriptors of their sockets (fdsFor) when their main process is launched.
import type { Logger } from '../log/logger';
import { FdPoller } from '../sockets/fd-poller';
import { closeListening, openListening, type Owner } from '../sockets/listen-sockets';
import type { UnitConfig } from '../units/unit';
import type { State } from './lifecycle';
import { initialSocketState, socketStep, type SocketEvent, type SocketState } from './socket-lifecycle';

/** Descriptors for a service's LISTEN_FDS (from fd 3 on) and their LISTEN_FDNAMES. */
export interface PassedFds {
  fds: number[];
  names: string[];
}

export interface SocketUnitsDeps {
  log: Logger;
  /** Starts a unit by name: whether it started, is not loaded, or refused (start limit hit). */
  startUnit: (name: string) => 'started' | 'not-loaded' | 'refused';
  /** Makes a socket unit fail (its start job is over, its endpoints closed). */
  failUnit: (name: string) => void;
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

  constructor(private readonly deps: SocketUnitsDeps) {}

  /** Opens a socket unit's endpoints; returns the error text when one cannot be opened. */
  openFor(unit: UnitConfig): string | undefined {
    const s = unit.socket!;
    this.closeFor(unit.name);
    if (s.accept) return 'Accept=yes (a service instance per connection) is not supported by ts-init';
    let fds: number[];
    try {
      fds = openListening(s, this.deps.owner(s.socketUser, s.socketGroup));
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

  /** The open Accept=no sockets whose service this is, in name order. */
  fdsFor(service: string): PassedFds | undefined {
    const mine = [...this.open.values()]
      .filter((o) => !o.unit.socket!.accept && o.unit.socket!.service === service)
      .sort((a, b) => (a.unit.name < b.unit.name ? -1 : 1));
    if (mine.length === 0) return undefined;
    const names = mine.flatMap((o) => o.fds.map(() => o.unit.socket!.fileDescriptorName ?? o.unit.name));
    return { fds: mine.flatMap((o) => o.fds), names };
  }

  /** A unit's state changed: a triggered service coming up or going down moves its sockets. */
  unitChanged(name: string, s: State): void {
    const up = s.sub !== 'dead' && s.sub !== 'failed' && s.sub !== 'auto-restart';
    if (up === this.servicesUp.has(name)) return;
    if (up) this.servicesUp.add(name);
    else this.servicesUp.delete(name);
    for (const [sock, o] of this.open) {
      if (o.unit.socket!.service !== name) continue;
      this.feed(sock, up ? { type: 'service-up' } : { type: 'service-down', startLimitHit: s.result === 'start-limit-hit' });
    }
  }

  private feed(name: string, e: SocketEvent): void {
    const o = this.open.get(name);
    if (!o) return;
    const { state, effects } = socketStep(o.state, e, { accept: o.unit.socket!.accept, maxConnections: o.unit.socket!.maxConnections });
    o.state = state;
    for (const fx of effects) {
      switch (fx.type) {
        case 'watch':
          for (const fd of o.fds) this.poller.watch(fd, () => this.feed(name, { type: 'traffic' }));
          break;
        case 'unwatch':
          for (const fd of o.fds) this.poller.unwatch(fd);
          break;
        case 'start-service': {
          const service = o.unit.socket!.service!;
          this.deps.log.info({ unit: name }, `activity on ${name}: starting ${service}`);
          const started = this.deps.startUnit(service);
          if (started === 'not-loaded') {
            this.deps.log.error({ unit: name }, `socket service ${service} not loaded, refusing`);
            this.deps.failUnit(name);
          } else if (started === 'refused') {
            this.feed(name, { type: 'service-down', startLimitHit: true });
          }
          break;
        }
        case 'accept':
          // Accept=yes is refused at load time (not supported); nothing is ever accepted here.
          break;
        case 'fail':
          this.deps.log.error({ unit: name }, `${o.unit.socket!.service} keeps failing to start; ${name} gives up (Result: service-start-limit-hit)`);
          this.deps.failUnit(name);
          break;
      }
    }
  }
}
