// systemd's implicit dependencies (DefaultDependencies=yes, systemd.service(5),
// systemd.socket(5), systemd.target(5)): services and sockets need sysinit.target,
// services start after basic.target, sockets are up before sockets.target, and a
// target waits for what it wants. The Conflicts=/Before=shutdown.target half is left
// out: ts-init stops units in reverse start order without a shutdown transaction. Pure.
import type { UnitConfig } from './unit';
import { UNIT_TYPES } from './unit-types';

function add(list: string[], name: string, self: string): void {
  if (name !== self && !list.includes(name)) list.push(name);
}

/** The dependencies a unit gets from its own type (units/unit-types.ts), applied as it is loaded. */
export function addOwnDefaultDependencies(u: UnitConfig): void {
  if (!u.defaultDependencies) return;
  UNIT_TYPES[u.kind].ownDependencies(u, (list, name) => add(list, name, u.name));
}

/**
 * A target with default dependencies is ordered after every unit it wants, requires,
 * binds to or upholds that has default dependencies itself, unless an ordering the other way
 * was written (no loop is made). Needs every unit loaded.
 */
export function addTargetDefaultDependencies(units: ReadonlyMap<string, UnitConfig>): void {
  units.forEach((t) => {
    if (t.kind !== 'target' || !t.defaultDependencies) return;
    // A set of what it is after already, not a scan of the list per unit: timers.target wants a thousand timers.
    const after = new Set(t.after);
    const orderAfter = (names: readonly string[]): void => {
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!;
        const d = units.get(name);
        if (!d?.defaultDependencies || t.before.includes(name) || d.after.includes(t.name)) continue;
        if (name === t.name || after.has(name)) continue;
        after.add(name);
        t.after.push(name);
      }
    };
    orderAfter(t.requires);
    orderAfter(t.wants);
    orderAfter(t.bindsTo);
    orderAfter(t.upholds);
  });
}
