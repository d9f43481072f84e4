// What a room of the unit runner sees of its unit: the definition, the machine's state
// and policy, the unit's log, and the way back into the machine (an event).
import type { Logger } from '../../log/logger';
import type { UnitConfig } from '../../units/unit';
import type { Event, Policy, State } from '../lifecycle';

export interface UnitView {
  readonly name: string;
  readonly config: UnitConfig;
  readonly state: State;
  readonly policy: Policy;
  readonly log: Logger;
  send(event: Event): void;
}
