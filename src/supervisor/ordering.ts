// The dependency graph between units, as systemd builds its transactions: which
// units a start pulls in (Requires=, Wants=, BindsTo=, Upholds=), which must wait for which
// (After=/Before=), cycles reported by name and broken by dropping an ordering
// edge, and the reverse order for stopping. Pure.

import type { UnitConfig } from '../units/unit';

/** A unit's dependency lists as its file gives them; Upholds= is pulled in like Wants= (what it adds beyond that is propagation.ts'). */
export type UnitDeps = Pick<UnitConfig, 'after' | 'before' | 'requires' | 'wants' | 'bindsTo' | 'partOf' | 'conflicts'> & Partial<Pick<UnitConfig, 'upholds'>>;

export interface Ordering {
  /** Units in the job set. */
  units: Set<string>;
  /** unit -> units it must wait for (ordered after). */
  waitsFor: Map<string, Set<string>>;
  /** unit -> units that hard-require it (Requires=/BindsTo=) and are ordered after it. */
  requiredBy: Map<string, Set<string>>;
  /**
   * unit -> how many units (targets not counted: they take no time) are on the longest chain
   * waiting for it: the start order among units free to start together, longest chain first.
   */
  chain: Map<string, number>;
  warnings: string[];
}

/** The start job set: requested units plus what they pull in, among the known ones. */
export function jobSet(deps: ReadonlyMap<string, UnitDeps>, requested: Iterable<string>, warnings: string[]): Set<string> {
  const out = new Set<string>();
  const queue = [...requested];
  // Indexed loops, the queue taken from the front by index: a boot's job set has thousands of
  // units, and a for-of makes an object per step when interpreted.
  const pull = (names: readonly string[] | undefined): void => {
    if (names) for (let i = 0; i < names.length; i++) if (deps.has(names[i]!)) queue.push(names[i]!);
  };
  for (let next = 0; next < queue.length; next++) {
    const u = queue[next]!;
    if (out.has(u) || !deps.has(u)) continue;
    out.add(u);
    const d = deps.get(u)!;
    pull(d.requires);
    pull(d.bindsTo);
    pull(d.wants);
    pull(d.upholds);
  }
  // Conflicts=: the later one in the set stays out, like a transaction refusing both.
  // A unit taken out is not visited after (nor would it have acted: it is out).
  out.forEach((u) => {
    const conflicts = deps.get(u)!.conflicts;
    for (let i = 0; i < conflicts.length; i++) {
      const c = conflicts[i]!;
      if (out.has(c) && out.has(u)) {
        out.delete(c);
        warnings.push(`${u} conflicts with ${c}: not starting ${c}`);
      }
    }
  });
  return out;
}

export function buildOrdering(deps: ReadonlyMap<string, UnitDeps>, units: Set<string>): Ordering {
  const warnings: string[] = [];
  const waitsFor = new Map<string, Set<string>>();
  const requiredBy = new Map<string, Set<string>>();
  units.forEach((u) => waitsFor.set(u, new Set()));
  const required = (u: string, names: readonly string[]): void => {
    for (let i = 0; i < names.length; i++) {
      const r = names[i]!;
      if (!units.has(r)) continue;
      if (!requiredBy.has(r)) requiredBy.set(r, new Set());
      requiredBy.get(r)!.add(u);
    }
  };
  // forEach and indexed loops: a for-of makes an object per step when interpreted (a boot orders thousands of units).
  units.forEach((u) => {
    const d = deps.get(u)!;
    const waits = waitsFor.get(u)!;
    for (let i = 0; i < d.after.length; i++) {
      const a = d.after[i]!;
      if (units.has(a) && a !== u) waits.add(a);
    }
    for (let i = 0; i < d.before.length; i++) {
      const b = d.before[i]!;
      if (units.has(b) && b !== u) waitsFor.get(b)!.add(u);
    }
    required(u, d.requires);
    required(u, d.bindsTo);
  });
  breakCycles(waitsFor, warnings);
  return { units, waitsFor, requiredBy, chain: chainLengths(waitsFor), warnings };
}

/**
 * For each unit, the length of the longest chain of units waiting for it, counting units that
 * take time to start (not targets). Starting one unit costs the supervisor a fork and an exec:
 * among units free to start at once, the one at the head of the longest chain goes first, so
 * the boot's critical path does not wait behind a dozen independent spawns.
 */
function chainLengths(waitsFor: Map<string, Set<string>>): Map<string, number> {
  const waitedBy = new Map<string, string[]>();
  waitsFor.forEach((ds, u) => ds.forEach((d) => (waitedBy.get(d) ?? waitedBy.set(d, []).get(d)!).push(u)));
  const memo = new Map<string, number>();
  const length = (u: string): number => {
    const known = memo.get(u);
    if (known !== undefined) return known;
    memo.set(u, 0); // cycles are broken already; this only guards against a loop
    let longest = 0;
    const waiting = waitedBy.get(u) ?? [];
    for (let i = 0; i < waiting.length; i++) {
      const w = waiting[i]!;
      longest = Math.max(longest, length(w) + (w.endsWith('.target') ? 0 : 1));
    }
    memo.set(u, longest);
    return longest;
  };
  waitsFor.forEach((_, u) => length(u));
  return memo;
}

/** Finds ordering cycles; each is reported with its units in order and broken by dropping its last edge. */
function breakCycles(waitsFor: Map<string, Set<string>>, warnings: string[]): void {
  for (;;) {
    const cycle = findCycle(waitsFor);
    if (!cycle) return;
    const from = cycle[cycle.length - 2]!;
    const to = cycle[cycle.length - 1]!;
    waitsFor.get(from)!.delete(to);
    warnings.push(`ordering cycle: ${cycle.join(' -> ')}; dropping the ordering of ${from} after ${to}`);
  }
}

function findCycle(waitsFor: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (u: string): string[] | undefined => {
    state.set(u, 'visiting');
    stack.push(u);
    for (const v of [...(waitsFor.get(u) ?? [])].sort()) {
      if (state.get(v) === 'visiting') return [...stack.slice(stack.indexOf(v)), v];
      if (!state.has(v)) {
        const c = visit(v);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(u, 'done');
    return undefined;
  };
  for (const u of [...waitsFor.keys()].sort()) {
    if (!state.has(u)) {
      const c = visit(u);
      if (c) return c;
    }
  }
  return undefined;
}

/**
 * The unit a start job waits for (After=) and requires (Requires=, BindsTo=) whose own start
 * job failed, if any: that start then ends with the job result "dependency" and never runs.
 * The unit keeps the state it had, as systemd's job_fail_dependencies leaves it (a dependency
 * job result is the job's, not the unit's: a target never becomes failed through it).
 */
export function failedRequirement(o: Ordering, unit: string, startFailed: (u: string) => boolean): string | undefined {
  for (const d of o.waitsFor.get(unit) ?? []) if (o.requiredBy.get(d)?.has(unit) && startFailed(d)) return d;
  return undefined;
}

/**
 * Units whose every ordered-before unit has finished its start job (and that are not started
 * yet), the head of the longest waiting chain first (see chainLengths), otherwise in job order.
 */
export function startable(o: Ordering, finished: ReadonlySet<string>, started: ReadonlySet<string>): string[] {
  // Asked again as each round of a boot's thousand units starts: no copies of the sets.
  const ready: string[] = [];
  o.units.forEach((u) => {
    if (!started.has(u) && allIn(o.waitsFor.get(u)!, finished)) ready.push(u);
  });
  const chain = (u: string): number => o.chain.get(u) ?? 0;
  // The sort is stable: equal chains keep the job order.
  return ready.sort((a, b) => chain(b) - chain(a));
}

function allIn(names: ReadonlySet<string>, set: ReadonlySet<string>): boolean {
  if (names.size === 0) return true;
  for (const n of names) if (!set.has(n)) return false;
  return true;
}

/**
 * Units that may stop now: every unit ordered after them has stopped already. Linear in the
 * ordering edges of the running units: it is asked again as each of a thousand units stops.
 */
export function stoppable(o: Ordering, running: ReadonlySet<string>): string[] {
  const waitedFor = new Set<string>();
  for (const other of running) for (const d of o.waitsFor.get(other) ?? []) if (d !== other) waitedFor.add(d);
  return [...running].filter((u) => !waitedFor.has(u));
}

/** Groups of units that can start together, in order: for display and tests. */
export function startLayers(o: Ordering): string[][] {
  const layers: string[][] = [];
  const done = new Set<string>();
  while (done.size < o.units.size) {
    const layer = startable(o, done, done).sort();
    if (layer.length === 0) break;
    layers.push(layer);
    for (const u of layer) done.add(u);
  }
  return layers;
}
