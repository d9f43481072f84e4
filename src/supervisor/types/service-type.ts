// Services: the lifecycle machine is the whole of them; their room adds only what show prints.
import { serviceProperties } from '../show-properties';
import { NOTHING_HELD, type UnitTypeRoom } from './unit-type';

export const serviceType: UnitTypeRoom = {
  ...NOTHING_HELD,
  idleSubState: () => 'exited',
  triggers: () => [],
  properties: serviceProperties,
  canIsolate: false,
};
