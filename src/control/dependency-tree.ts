// `systemctl list-dependencies`: a unit and what it pulls in (or, reversed, what pulls it
// in) as systemd 252 draws it: the root's name alone, then each dependency with its state's
// glyph and the tree's branches; targets come after other units, and only targets are
// expanded unless --all. A unit already on the path (a cycle) is not expanded again. Pure.
import type { ActiveState } from './manager';

export interface DependencyNode {
  activeState: ActiveState;
  /** Requires=, Requisite=, Wants=, BindsTo= (or their reverse for --reverse). */
  deps: readonly string[];
}

/** systemd's unit_active_state_to_glyph(). */
export function stateGlyph(state: ActiveState | undefined): string {
  switch (state) {
    case 'active':
    case 'activating':
    case 'deactivating':
      return '●';
    case 'reloading':
      return '↻';
    case 'failed':
      return '×';
    default:
      return '○';
  }
}

const isTarget = (n: string): boolean => n.endsWith('.target');

/** Targets after the rest, then by name regardless of case (list_dependencies_compare). */
export function dependencyOrder(a: string, b: string): number {
  if (isTarget(a) !== isTarget(b)) return isTarget(a) ? 1 : -1;
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

export function renderDependencyTree(root: string, nodes: ReadonlyMap<string, DependencyNode>, o: { all: boolean }): string {
  const out: string[] = [root];
  const walk = (name: string, branches: boolean[], path: ReadonlySet<string>): void => {
    const deps = [...new Set(nodes.get(name)?.deps ?? [])].filter((d) => !path.has(d)).sort(dependencyOrder);
    deps.forEach((d, i) => {
      const last = i === deps.length - 1;
      const prefix = branches.map((more) => (more ? '│ ' : '  ')).join('');
      out.push(`${stateGlyph(nodes.get(d)?.activeState)} ${prefix}${last ? '└─' : '├─'}${d}`);
      if (o.all || isTarget(d)) walk(d, [...branches, !last], new Set([...path, d]));
    });
  };
  walk(root, [], new Set([root]));
  return `${out.join('\n')}\n`;
}

/** The dependency graph from each unit's properties; reversed, who depends on each unit. */
export function dependencyGraph(
  units: ReadonlyArray<{ name: string; activeState: ActiveState; properties: Record<string, string> }>,
  reverse: boolean,
): Map<string, DependencyNode> {
  const forward = new Map<string, string[]>();
  for (const u of units) {
    const deps = ['Requires', 'Requisite', 'Wants', 'BindsTo'].flatMap((p) => (u.properties[p] ?? '').split(' ').filter(Boolean));
    forward.set(u.name, deps);
  }
  const edges = new Map<string, string[]>();
  if (reverse) {
    for (const [from, deps] of forward) for (const d of deps) edges.set(d, [...(edges.get(d) ?? []), from]);
  }
  const nodes = new Map<string, DependencyNode>();
  for (const u of units) nodes.set(u.name, { activeState: u.activeState, deps: (reverse ? edges : forward).get(u.name) ?? [] });
  // A dependency that is not loaded still shows, as inactive, without dependencies of its own.
  if (reverse) for (const [name, deps] of edges) if (!nodes.has(name)) nodes.set(name, { activeState: 'inactive', deps });
  return nodes;
}
