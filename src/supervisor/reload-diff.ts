// daemon-reload's decision, pure: given what is loaded and what the unit files say
// now, which units are new, which changed, which are gone, and which keep their
// old definition because the new one is broken.
import type { ActiveState } from '../control/manager';
import type { NotLoadedReason } from '../units/load';
import type { UnitConfig, UnitKind } from '../units/unit';
import { UNIT_TYPES } from '../units/unit-types';

export interface LoadedUnits {
  units: ReadonlyMap<string, UnitConfig>;
  enabled: ReadonlySet<string>;
}

export interface ReloadDiff {
  added: string[];
  changed: string[];
  removed: string[];
  /** Loaded units whose new file is broken: they keep running on their old definition. */
  kept: string[];
  /** What is loaded after the reload. */
  next: { units: Map<string, UnitConfig>; enabled: Set<string> };
}

export function diffUnits(
  current: LoadedUnits,
  fresh: LoadedUnits & { failed: ReadonlyMap<string, NotLoadedReason> },
): ReloadDiff {
  const diff: ReloadDiff = { added: [], changed: [], removed: [], kept: [], next: { units: new Map(fresh.units), enabled: new Set(fresh.enabled) } };
  for (const [name, unit] of fresh.units) {
    const old = current.units.get(name);
    if (!old) diff.added.push(name);
    else if (!sameDefinition(old, unit)) diff.changed.push(name);
  }
  for (const [name, old] of current.units) {
    if (fresh.units.has(name)) continue;
    if (fresh.failed.get(name) === 'bad-setting') {
      diff.kept.push(name);
      diff.next.units.set(name, old);
      if (current.enabled.has(name)) diff.next.enabled.add(name);
      continue;
    }
    diff.removed.push(name);
  }
  return diff;
}

/**
 * Whether a unit whose definition changed is restarted to take the new one on: one that is
 * up, unless its type says otherwise (a target: units/unit-types.ts). A target runs nothing,
 * its new dependencies (an enable or disable changes its .wants/) apply to its next start job,
 * and systemd leaves its state alone on a reload. Restarted, multi-user.target went down and up on every enable or disable, and the
 * sixth time within 10 s hit its start limit and ended failed.
 */
export function restartsOnReload(kind: UnitKind, active: ActiveState): boolean {
  return UNIT_TYPES[kind].restartsOnReload && (active === 'active' || active === 'activating');
}

/**
 * Lists whose order means nothing (dependencies, install targets, names): a unit read again,
 * its .wants/ links or a generator's output written in another order, is the same unit.
 */
const UNORDERED: ReadonlySet<string> = new Set<keyof UnitConfig>([
  'after', 'before', 'requires', 'wants', 'bindsTo', 'partOf', 'conflicts', 'upholds', 'propagatesReloadTo',
  'reloadPropagatedFrom', 'propagatesStopTo', 'stopPropagatedFrom', 'wantedBy', 'requiredBy', 'alias', 'also', 'unsupported',
]);

/**
 * Whether two definitions of a unit are the same: compared by value, whatever order their
 * fields were set in and their unordered lists hold. A unit a generator writes again unchanged
 * must compare equal, or daemon-reload would restart it.
 */
export function sameDefinition(a: UnitConfig, b: UnitConfig): boolean {
  return canonical(a) === canonical(b);
}

function canonical(u: UnitConfig): string {
  const lists = Object.fromEntries(Object.entries(u).map(([k, v]) => [k, UNORDERED.has(k) && Array.isArray(v) ? [...(v as string[])].sort() : v]));
  return JSON.stringify(lists, (_key, value: unknown) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : value,
  );
}
