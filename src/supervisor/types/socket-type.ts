// Sockets: an active socket unit holds its endpoints (socket-units.ts, the edge of the pure
// machine socket-lifecycle.ts) and starts its service on traffic.
import { socketProperties } from '../show-properties';
import type { SocketUnits } from '../socket-units';
import type { UnitTypeRoom } from './unit-type';

export function socketType(sockets: SocketUnits): UnitTypeRoom {
  return {
    activate: (unit) => sockets.openFor(unit),
    deactivate: (name) => sockets.closeFor(name),
    unitChanged: (name, s) => sockets.unitChanged(name, s),
    closeAll: () => sockets.closeAll(),
    // "listening", or "running" while its service has it.
    idleSubState: (name) => (sockets.serviceHasIt(name) ? 'running' : 'listening'),
    // An Accept=yes socket starts instances, none of them by a name known in advance.
    triggers: (c) => (c.socket && !c.socket.accept ? [c.socket.service ?? c.name.replace(/\.socket$/, '.service')] : []),
    properties: (c, s) => socketProperties(c, s),
    canIsolate: false,
  };
}
