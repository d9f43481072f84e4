// Each unit type's room, by kind: what the supervisor, the runners and the manager ask of a
// unit's type instead of testing its kind.
import type { UnitKind } from '../../units/unit';
import type { SocketUnits } from '../socket-units';
import { serviceType } from './service-type';
import { socketType } from './socket-type';
import { targetType } from './target-type';
import type { TimerUnits } from '../timer-units';
import { timerType } from './timer-type';
import type { UnitTypeRoom } from './unit-type';

export type UnitTypeRooms = Readonly<Record<UnitKind, UnitTypeRoom>>;

export interface RoomEdges {
  sockets: SocketUnits;
  timers: TimerUnits;
}

export function unitTypeRooms(edges: RoomEdges): UnitTypeRooms {
  return { service: serviceType, socket: socketType(edges.sockets), target: targetType, timer: timerType(edges.timers) };
}
