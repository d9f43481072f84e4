// systemd's implicit dependencies (DefaultDependencies=yes, systemd.service(5),
// systemd.socket(5), systemd.target(5)): services and sockets need sysinit.target,
// services start after basic.target, sockets are up before sockets.target, and a
// target waits for what it wants. The Conflicts=/Before=shutdown.target half is left
// out: ts-init stops units in reverse start order without a shutdown transaction. Pure.
import { addTo, type UnitConfig } from './unit';
import { type OwnDependencyKey, UNIT_TYPES } from './unit-types';

function add(u: UnitConfig, key: OwnDependencyKey, name: string): void {
  if (name !== u.name && !u[key].includes(name)) addTo(u, key, name);
}

/** The dependencies a unit gets from its own type (units/unit-types.ts), applied as it is loaded. */
export function addOwnDefaultDependencies(u: UnitConfig): void {
  if (!u.defaultDependencies) return;
  UNIT_TYPES[u.kind].ownDependencies(u, (key, name) => add(u, key, name));
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
        addTo(t, 'after', name);
      }
    };
    orderAfter(t.requires);
    orderAfter(t.wants);
    orderAfter(t.bindsTo);
    orderAfter(t.upholds);
  });
}
