// Socket activation as a pure state machine (systemd.socket(5)): a listening socket is
// watched while its service is not running; traffic then starts the service (Accept=no)
// or makes a connection for a new instance (Accept=yes); while the service runs, the
// socket is the service's and is not watched. The edge (socket-units.ts) owns the file
// descriptors, the poller and the service starts, and feeds back what happened.

export interface SocketState {
  listening: boolean;
  /** The triggered service is starting or running (Accept=no). */
  serviceUp: boolean;
  watching: boolean;
  /** Live per-connection instances (Accept=yes). */
  connections: number;
  /** Why the socket gave up, when it did. */
  failed?: 'service-start-limit-hit';
}

export type SocketEvent =
  | { type: 'opened' }
  | { type: 'closed' }
  | { type: 'traffic' }
  | { type: 'service-up' }
  | { type: 'service-down'; startLimitHit: boolean }
  | { type: 'connection-done' };

export type SocketEffect =
  | { type: 'watch' }
  | { type: 'unwatch' }
  | { type: 'start-service' }
  /** Accept one connection and start an instance with it; refuse it when over the limit. */
  | { type: 'accept'; refuse: boolean }
  | { type: 'fail' };

export interface SocketPolicy {
  accept: boolean;
  maxConnections: number;
}

export function initialSocketState(): SocketState {
  return { listening: false, serviceUp: false, watching: false, connections: 0 };
}

export function socketStep(s0: SocketState, e: SocketEvent, p: SocketPolicy): { state: SocketState; effects: SocketEffect[] } {
  const s = { ...s0 };
  const effects: SocketEffect[] = [];
  const watch = (on: boolean): void => {
    if (s.watching === on) return;
    s.watching = on;
    effects.push({ type: on ? 'watch' : 'unwatch' });
  };
  switch (e.type) {
    case 'opened':
      s.listening = true;
      delete s.failed;
      watch(p.accept || !s.serviceUp);
      break;
    case 'closed':
      s.listening = false;
      watch(false);
      break;
    case 'traffic':
      if (!s.listening) break;
      if (p.accept) {
        const refuse = s.connections >= p.maxConnections;
        if (!refuse) s.connections++;
        effects.push({ type: 'accept', refuse });
      } else if (!s.serviceUp) {
        // The service takes the pending connection; until it is gone the socket is its own.
        s.serviceUp = true;
        watch(false);
        effects.push({ type: 'start-service' });
      }
      break;
    case 'service-up':
      if (p.accept) break;
      s.serviceUp = true;
      watch(false);
      break;
    case 'service-down':
      if (p.accept) break;
      s.serviceUp = false;
      if (e.startLimitHit && s.listening) {
        // Traffic would start it again at once, for ever: the socket fails, as in systemd.
        s.failed = 'service-start-limit-hit';
        s.listening = false;
        watch(false);
        effects.push({ type: 'fail' });
      } else {
        watch(s.listening);
      }
      break;
    case 'connection-done':
      if (s.connections > 0) s.connections--;
      break;
  }
  return { state: s, effects };
}
