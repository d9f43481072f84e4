// The run-time half of a unit type (systemd's UnitVTable; the load half is
// units/unit-types.ts): what an active unit of the type holds besides its processes, the
// sub-state words it shows, the units it starts, and its own `systemctl show` properties.
// Every unit runs the same lifecycle machine (lifecycle.ts); a type without processes of its
// own (socket, target, timer) is a oneshot that remains active, and its room does the rest.
import type { State } from '../lifecycle';
import type { ShowContext } from '../show-properties';
import type { UnitConfig } from '../../units/unit';

export interface UnitTypeRoom {
  /**
   * Takes up what an active unit holds (a socket's endpoints, a timer's schedule) as its start
   * begins; the error text when it cannot (the start then fails).
   */
  activate(unit: UnitConfig): string | undefined;
  /** Lets it go again as the unit goes down (or its start failed). */
  deactivate(name: string): void;
  /** daemon-reload gave an active unit a new definition (for a type that is not restarted for it). */
  redefined?(unit: UnitConfig): void;
  /** Any unit's state changed: a room that follows other units (a socket its service) looks. */
  unitChanged(name: string, s: State): void;
  /** What an active unit with no process running shows as its sub-state (the machine's "exited"). */
  idleSubState(name: string): string;
  /** The units it starts (Triggers=); TriggeredBy= is their inverse. */
  triggers(c: UnitConfig): string[];
  /** Its type's own `systemctl show` properties, printed before the unit's. */
  properties(c: UnitConfig, s: State, x: ShowContext): Record<string, string>;
  /** A timer's next elapse and last trigger (µs of the wall clock), for list-timers and status. */
  elapse?(name: string): { nextUs?: number; lastUs?: number };
  /** `systemctl isolate` may name it. */
  readonly canIsolate: boolean;
  /** Shutdown: every unit is down; whatever is still held goes. */
  closeAll(): void;
}

/** A room for a type that holds nothing while active. */
export const NOTHING_HELD: Pick<UnitTypeRoom, 'activate' | 'deactivate' | 'unitChanged' | 'closeAll'> = {
  activate: () => undefined,
  deactivate: () => undefined,
  unitChanged: () => undefined,
  closeAll: () => undefined,
};
