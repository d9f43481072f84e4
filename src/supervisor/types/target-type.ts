// Targets: synchronisation points with no process; a started target is "active".
import { NOTHING_HELD, type UnitTypeRoom } from './unit-type';

export const targetType: UnitTypeRoom = {
  ...NOTHING_HELD,
  idleSubState: () => 'active',
  triggers: () => [],
  properties: () => ({}),
  canIsolate: true,
};
