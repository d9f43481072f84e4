// How a job on one unit reaches others, and what units' states ask of each other, as
// systemd's transactions (transaction.c) and unit_notify (unit.c) decide it. Pure.
//   - A stop reaches every unit that Requires=, BindsTo= or is PartOf= the stopped one (and
//     on, recursively); a restart reaches the same units as a try-restart (only those up).
//   - PropagatesStopTo= (or the other's StopPropagatedFrom=) stops the other on a stop or a
//     restart, unless the restart already restarts it; followed from the requested unit and
//     from the units it reached that way only, as systemd does.
//   - A reload reaches PropagatesReloadTo= (or the other's ReloadPropagatedFrom=) as a
//     try-reload: only units that are up and can reload.
//   - A unit that goes down by itself (not by a job) takes down what is bound to it
//     (BindsTo=, PropagatesStopTo=).
//   - An active unit with no job whose BindsTo= unit is inactive (and has no job) stops; an
//     inactive unit with no job that an active unit Upholds= starts. Both are rate-limited,
//     as systemd's auto_start_stop_ratelimit (16 per 10 s per unit).
import type { ActiveState } from '../control/manager';

export interface PropagationDeps {
  requires: readonly string[];
  bindsTo: readonly string[];
  partOf: readonly string[];
  upholds: readonly string[];
  propagatesStopTo: readonly string[];
  stopPropagatedFrom: readonly string[];
  propagatesReloadTo: readonly string[];
  reloadPropagatedFrom: readonly string[];
}

/** What the decisions need to know of a unit now. */
export interface UnitView {
  active: ActiveState;
  /** A job is pending or running for it: starting, stopping, reloading, or queued to start. */
  busy: boolean;
  /** It has a reload command of its own (ExecReload=). */
  reloadCommand: boolean;
}

export type Job = 'start' | 'stop' | 'restart' | 'reload';

export interface PropagatedJob {
  unit: string;
  job: Job;
  /** The dependency that brought it, as systemd's words say it ("PartOf=postgresql.service"). */
  because: string;
}

type View = (name: string) => UnitView | undefined;

const isUp = (a: ActiveState): boolean => a === 'active' || a === 'reloading';
const isDown = (a: ActiveState): boolean => a === 'inactive' || a === 'failed';
const isDownOrDeactivating = (a: ActiveState): boolean => isDown(a) || a === 'deactivating';

interface Edge {
  unit: string;
  because: string;
}

/** The dependency graph read the other way: who is reached from whom. */
class Reverse {
  /** unit -> units a stop of it stops (systemd's PROPAGATE_STOP: RequiredBy, BoundBy, ConsistsOf). */
  readonly stopTo = new Map<string, Edge[]>();
  /** unit -> PropagatesStopTo= targets (either side's setting). */
  readonly gracefulStopTo = new Map<string, Edge[]>();
  readonly reloadTo = new Map<string, Edge[]>();
  readonly boundBy = new Map<string, Edge[]>();

  constructor(graph: ReadonlyMap<string, PropagationDeps>) {
    const add = (m: Map<string, Edge[]>, from: string, e: Edge): void => {
      const list = m.get(from) ?? m.set(from, []).get(from)!;
      if (!list.some((x) => x.unit === e.unit)) list.push(e);
    };
    for (const [name, d] of graph) {
      for (const r of d.requires) add(this.stopTo, r, { unit: name, because: `Requires=${r}` });
      for (const b of d.bindsTo) {
        add(this.stopTo, b, { unit: name, because: `BindsTo=${b}` });
        add(this.boundBy, b, { unit: name, because: `BindsTo=${b}` });
      }
      for (const p of d.partOf) add(this.stopTo, p, { unit: name, because: `PartOf=${p}` });
      for (const t of d.propagatesStopTo) add(this.gracefulStopTo, name, { unit: t, because: `PropagatesStopTo= of ${name}` });
      for (const f of d.stopPropagatedFrom) add(this.gracefulStopTo, f, { unit: name, because: `StopPropagatedFrom=${f}` });
      for (const t of d.propagatesReloadTo) add(this.reloadTo, name, { unit: t, because: `PropagatesReloadTo= of ${name}` });
      for (const f of d.reloadPropagatedFrom) add(this.reloadTo, f, { unit: name, because: `ReloadPropagatedFrom=${f}` });
    }
  }
}

/**
 * The jobs a stop, restart or reload of `anchor` adds on other units, in the order they were
 * reached. Units a stop reaches that are down already are left out (their stop does nothing).
 */
export function propagatedJobs(graph: ReadonlyMap<string, PropagationDeps>, anchor: string, job: 'stop' | 'restart' | 'reload', view: View): PropagatedJob[] {
  const rev = new Reverse(graph);
  const jobs = new Map<string, PropagatedJob>();
  const reached = (u: string): boolean => u === anchor || jobs.has(u);

  const reload = (u: string): void => {
    for (const e of rev.reloadTo.get(u) ?? []) {
      if (reached(e.unit)) continue;
      const v = view(e.unit);
      // try-reload: only a unit that is up, and has something to do on reload (systemd's
      // unit_can_reload: a reload command, or units to pass the reload on to).
      if (!v || !isUp(v.active) || !(v.reloadCommand || rev.reloadTo.has(e.unit))) continue;
      jobs.set(e.unit, { unit: e.unit, job: 'reload', because: e.because });
      reload(e.unit);
    }
  };

  const stopOrRestart = (u: string, type: 'stop' | 'restart', graceful: boolean): void => {
    for (const e of rev.stopTo.get(u) ?? []) {
      if (reached(e.unit)) continue;
      if (type === 'restart') {
        // A restart goes on as a try-restart: units that are not up are not started by it.
        const v = view(e.unit);
        if (!v || isDownOrDeactivating(v.active)) continue;
      }
      jobs.set(e.unit, { unit: e.unit, job: type, because: e.because });
      stopOrRestart(e.unit, type, false);
    }
    if (!graceful) return;
    for (const e of rev.gracefulStopTo.get(u) ?? []) {
      if (reached(e.unit)) continue;
      jobs.set(e.unit, { unit: e.unit, job: 'stop', because: e.because });
      stopOrRestart(e.unit, 'stop', true);
    }
  };

  if (job === 'reload') reload(anchor);
  else stopOrRestart(anchor, job, true);
  return [...jobs.values()].filter((j) => {
    const v = view(j.unit);
    return v !== undefined && !(j.job === 'stop' && isDown(v.active));
  });
}

/** The units a reload of `unit` is passed on to, whichever side says so. */
export function reloadTargets(graph: ReadonlyMap<string, PropagationDeps>, unit: string): string[] {
  return (new Reverse(graph).reloadTo.get(unit) ?? []).map((e) => e.unit);
}

/**
 * A unit that went down by itself (active or activating before, inactive or deactivating now,
 * no stop asked for): what is bound to it stops too (systemd's retroactively_stop_dependencies).
 */
export function retroactiveStops(graph: ReadonlyMap<string, PropagationDeps>, unit: string, view: View): PropagatedJob[] {
  const rev = new Reverse(graph);
  const out: PropagatedJob[] = [];
  for (const e of [...(rev.boundBy.get(unit) ?? []), ...(rev.gracefulStopTo.get(unit) ?? [])]) {
    const v = view(e.unit);
    if (!v || isDownOrDeactivating(v.active) || out.some((j) => j.unit === e.unit)) continue;
    out.push({ unit: e.unit, job: 'stop', because: e.because });
  }
  return out;
}

/** Whether a change of activeState from `was` to `is` is a unit going down (systemd: active or activating -> inactive or deactivating). */
export function wentDown(was: ActiveState, is: ActiveState): boolean {
  return !isDownOrDeactivating(was) && isDownOrDeactivating(is);
}

/**
 * What the units' states ask for now, whatever changed: an active unit with no job that is
 * bound to an inactive unit with no job stops (unit_is_bound_by_inactive); an inactive unit
 * with no job that an up unit with no job upholds starts (unit_is_upheld_by_active). A
 * BindsTo= naming a unit that is not loaded (a device, a mount) is taken as met.
 */
export function stateJobs(graph: ReadonlyMap<string, PropagationDeps>, view: View): PropagatedJob[] {
  const out: PropagatedJob[] = [];
  const upheld = new Set<string>();
  for (const [name, d] of graph) {
    const v = view(name);
    if (!v || v.busy) continue;
    if (v.active === 'active') {
      const gone = d.bindsTo.find((b) => {
        const o = view(b);
        return o !== undefined && !o.busy && isDown(o.active);
      });
      if (gone) out.push({ unit: name, job: 'stop', because: `BindsTo=${gone}, which is inactive` });
    }
    if (!isUp(v.active)) continue;
    for (const u of d.upholds) {
      const o = view(u);
      if (!o || o.busy || !isDown(o.active) || upheld.has(u)) continue;
      upheld.add(u);
      out.push({ unit: u, job: 'start', because: `Upholds= of ${name}` });
    }
  }
  return out;
}

/** systemd's auto_start_stop_ratelimit: at most this many automatic jobs per unit per window. */
export const AUTO_JOB_BURST = 16;
export const AUTO_JOB_WINDOW_MS = 10_000;

/** Whether one more automatic job for a unit is allowed; `history` holds the moments of the earlier ones. */
export function autoJobAllowed(history: readonly number[], now: number): { allowed: boolean; history: number[] } {
  const recent = history.filter((t) => t > now - AUTO_JOB_WINDOW_MS);
  if (recent.length >= AUTO_JOB_BURST) return { allowed: false, history: recent };
  return { allowed: true, history: [...recent, now] };
}
