// Which units a job reaches, and what units' states ask of each other: the decisions of
// propagation.ts against systemd's rules (transaction.c, unit.c).
import { describe, expect, it } from 'vitest';
import type { ActiveState } from '../../../src/control/manager';
import {
  AUTO_JOB_BURST,
  AUTO_JOB_WINDOW_MS,
  autoJobAllowed,
  propagatedJobs,
  reloadTargets,
  retroactiveStops,
  stateJobs,
  wentDown,
  type PropagationDeps,
  type UnitView,
} from '../../../src/supervisor/propagation';
import { pickMainPid } from '../../../src/supervisor/main-pid-guess';

const none: PropagationDeps = {
  requires: [], bindsTo: [], partOf: [], upholds: [], propagatesStopTo: [], stopPropagatedFrom: [], propagatesReloadTo: [], reloadPropagatedFrom: [],
};

function graph(units: Record<string, Partial<PropagationDeps>>): Map<string, PropagationDeps> {
  return new Map(Object.entries(units).map(([n, d]) => [n, { ...none, ...d }]));
}

function views(states: Record<string, ActiveState | [ActiveState, Partial<UnitView>]>): (n: string) => UnitView | undefined {
  return (n) => {
    const s = states[n];
    if (s === undefined) return undefined;
    const [active, more] = Array.isArray(s) ? s : [s, {}];
    return { active, busy: false, reloadCommand: true, ...more };
  };
}

const jobs = (list: Array<{ unit: string; job: string }>): string[] => list.map((j) => `${j.job} ${j.unit}`);

describe('propagatedJobs', () => {
  // Debian's postgresql: a oneshot umbrella and its clusters, PartOf= and ReloadPropagatedFrom= it.
  const pg = graph({
    'postgresql.service': {},
    'postgresql@15-main.service': { partOf: ['postgresql.service'], reloadPropagatedFrom: ['postgresql.service'] },
    'postgresql@16-main.service': { partOf: ['postgresql.service'], reloadPropagatedFrom: ['postgresql.service'] },
  });

  it('PartOf=: a stop and a restart of the unit reach its parts; a start does not exist here', () => {
    const v = views({ 'postgresql.service': 'active', 'postgresql@15-main.service': 'active', 'postgresql@16-main.service': 'active' });
    expect(jobs(propagatedJobs(pg, 'postgresql.service', 'stop', v))).toEqual(['stop postgresql@15-main.service', 'stop postgresql@16-main.service']);
    expect(jobs(propagatedJobs(pg, 'postgresql.service', 'restart', v))).toEqual(['restart postgresql@15-main.service', 'restart postgresql@16-main.service']);
    expect(propagatedJobs(pg, 'postgresql.service', 'stop', v)[0]!.because).toBe('PartOf=postgresql.service');
  });

  it('PartOf= is one way: stopping a part leaves the whole alone', () => {
    const v = views({ 'postgresql.service': 'active', 'postgresql@15-main.service': 'active', 'postgresql@16-main.service': 'active' });
    expect(propagatedJobs(pg, 'postgresql@15-main.service', 'stop', v)).toEqual([]);
    expect(propagatedJobs(pg, 'postgresql@15-main.service', 'restart', v)).toEqual([]);
  });

  it('a restart goes on as a try-restart: a part that is not up is not started', () => {
    const v = views({ 'postgresql.service': 'active', 'postgresql@15-main.service': 'inactive', 'postgresql@16-main.service': 'deactivating' });
    expect(propagatedJobs(pg, 'postgresql.service', 'restart', v)).toEqual([]);
  });

  it('a stop leaves out what is down already', () => {
    const v = views({ 'postgresql.service': 'active', 'postgresql@15-main.service': 'failed', 'postgresql@16-main.service': 'active' });
    expect(jobs(propagatedJobs(pg, 'postgresql.service', 'stop', v))).toEqual(['stop postgresql@16-main.service']);
  });

  it('ReloadPropagatedFrom= / PropagatesReloadTo=: a reload reaches the others that are up and can reload', () => {
    const v = views({ 'postgresql.service': 'active', 'postgresql@15-main.service': 'active', 'postgresql@16-main.service': 'inactive' });
    expect(jobs(propagatedJobs(pg, 'postgresql.service', 'reload', v))).toEqual(['reload postgresql@15-main.service']);
    const fwd = graph({ 'postfix.service': { propagatesReloadTo: ['postfix@-.service'] }, 'postfix@-.service': {} });
    const up = views({ 'postfix.service': 'active', 'postfix@-.service': 'active' });
    expect(jobs(propagatedJobs(fwd, 'postfix.service', 'reload', up))).toEqual(['reload postfix@-.service']);
    // Without a reload command (and no one to pass it on to) there is nothing to reload.
    const noReload = views({ 'postfix.service': 'active', 'postfix@-.service': ['active', { reloadCommand: false }] });
    expect(propagatedJobs(fwd, 'postfix.service', 'reload', noReload)).toEqual([]);
    // A reload is not a stop: PartOf= plays no part in it.
    expect(propagatedJobs(pg, 'postgresql@15-main.service', 'reload', v)).toEqual([]);
  });

  it('reloadTargets: what a reload is passed on to, from either side\'s setting', () => {
    const g = graph({ 'a.target': { propagatesReloadTo: ['b.service'] }, 'b.service': {}, 'c.service': { reloadPropagatedFrom: ['a.target'] } });
    expect(reloadTargets(g, 'a.target')).toEqual(['b.service', 'c.service']);
    expect(reloadTargets(g, 'b.service')).toEqual([]);
  });

  it('a reload passes through a unit without a reload command of its own that passes it on', () => {
    const g = graph({ 'a.target': { propagatesReloadTo: ['b.service'] }, 'b.service': { propagatesReloadTo: ['c.service'] }, 'c.service': {} });
    const v = views({ 'a.target': 'active', 'b.service': ['active', { reloadCommand: false }], 'c.service': 'active' });
    expect(jobs(propagatedJobs(g, 'a.target', 'reload', v))).toEqual(['reload b.service', 'reload c.service']);
  });

  it('Requires= and BindsTo= propagate stop and restart, recursively; Wants= does not', () => {
    const g = graph({
      'db.service': {},
      'app.service': { requires: ['db.service'] },
      'worker.service': { bindsTo: ['app.service'] },
      'cron.service': { wants: ['db.service'] } as Partial<PropagationDeps>,
    });
    const v = views({ 'db.service': 'active', 'app.service': 'active', 'worker.service': 'active', 'cron.service': 'active' });
    expect(jobs(propagatedJobs(g, 'db.service', 'stop', v))).toEqual(['stop app.service', 'stop worker.service']);
    expect(jobs(propagatedJobs(g, 'db.service', 'restart', v))).toEqual(['restart app.service', 'restart worker.service']);
  });

  it('PropagatesStopTo= / StopPropagatedFrom=: a stop and a restart stop the other (unless the restart restarts it)', () => {
    const g = graph({
      'a.service': { propagatesStopTo: ['b.service'] },
      'b.service': {},
      'c.service': { stopPropagatedFrom: ['a.service'] },
      'd.service': { partOf: ['a.service'] },
      'e.service': { stopPropagatedFrom: ['a.service'], partOf: ['a.service'] },
    });
    const v = views({ 'a.service': 'active', 'b.service': 'active', 'c.service': 'active', 'd.service': 'active', 'e.service': 'active' });
    expect(jobs(propagatedJobs(g, 'a.service', 'stop', v)).sort()).toEqual(['stop b.service', 'stop c.service', 'stop d.service', 'stop e.service']);
    expect(jobs(propagatedJobs(g, 'a.service', 'restart', v)).sort()).toEqual(['restart d.service', 'restart e.service', 'stop b.service', 'stop c.service']);
    // One way only.
    expect(propagatedJobs(g, 'b.service', 'stop', v)).toEqual([]);
  });

  it('PropagatesStopTo= of a unit reached through PartOf= is not followed (as systemd: anchor and graceful ones only)', () => {
    const g = graph({ 'a.service': {}, 'b.service': { partOf: ['a.service'], propagatesStopTo: ['c.service'] }, 'c.service': {} });
    const v = views({ 'a.service': 'active', 'b.service': 'active', 'c.service': 'active' });
    expect(jobs(propagatedJobs(g, 'a.service', 'stop', v))).toEqual(['stop b.service']);
    expect(jobs(propagatedJobs(g, 'b.service', 'stop', v))).toEqual(['stop c.service']);
  });

  it('cycles end; the anchor is never its own job; units with no view (not loaded) get none', () => {
    const g = graph({ 'a.service': { partOf: ['b.service'] }, 'b.service': { partOf: ['a.service'] }, 'c.service': { partOf: ['a.service'] } });
    const v = views({ 'a.service': 'active', 'b.service': 'active' });
    expect(jobs(propagatedJobs(g, 'a.service', 'stop', v))).toEqual(['stop b.service']);
  });
});

describe('retroactiveStops and wentDown', () => {
  it('a unit going down by itself takes down what BindsTo= it or what it PropagatesStopTo=, not what Requires= it', () => {
    const g = graph({
      'dev.service': { propagatesStopTo: ['p.service'] },
      'bound.service': { bindsTo: ['dev.service'] },
      'req.service': { requires: ['dev.service'] },
      'part.service': { partOf: ['dev.service'] },
      'p.service': {},
      'gone.service': { bindsTo: ['dev.service'] },
    });
    const v = views({ 'dev.service': 'deactivating', 'bound.service': 'activating', 'req.service': 'active', 'part.service': 'active', 'p.service': 'active', 'gone.service': 'inactive' });
    expect(jobs(retroactiveStops(g, 'dev.service', v))).toEqual(['stop bound.service', 'stop p.service']);
  });

  it('going down: active, reloading or activating to inactive, failed or deactivating', () => {
    expect(wentDown('active', 'deactivating')).toBe(true);
    expect(wentDown('activating', 'failed')).toBe(true);
    expect(wentDown('reloading', 'inactive')).toBe(true);
    expect(wentDown('deactivating', 'inactive')).toBe(false);
    expect(wentDown('inactive', 'activating')).toBe(false);
    expect(wentDown('active', 'reloading')).toBe(false);
  });
});

describe('stateJobs', () => {
  it('BindsTo=: an active unit whose bound unit is inactive or failed (no job) stops', () => {
    const g = graph({ 'a.service': { bindsTo: ['b.service'] }, 'b.service': {} });
    expect(jobs(stateJobs(g, views({ 'a.service': 'active', 'b.service': 'inactive' })))).toEqual(['stop a.service']);
    expect(jobs(stateJobs(g, views({ 'a.service': 'active', 'b.service': 'failed' })))).toEqual(['stop a.service']);
    expect(stateJobs(g, views({ 'a.service': 'active', 'b.service': 'active' }))).toEqual([]);
    // The bound unit has a job (starting, or queued), or the unit itself is busy: wait.
    expect(stateJobs(g, views({ 'a.service': 'active', 'b.service': ['inactive', { busy: true }] }))).toEqual([]);
    expect(stateJobs(g, views({ 'a.service': ['active', { busy: true }], 'b.service': 'inactive' }))).toEqual([]);
    expect(stateJobs(g, views({ 'a.service': 'activating', 'b.service': 'inactive' }))).toEqual([]);
    // A BindsTo= on a unit ts-init does not load (a device) is taken as met.
    expect(stateJobs(g, views({ 'a.service': 'active' }))).toEqual([]);
  });

  it('Upholds=: an inactive or failed unit (no job) that an up unit (no job) upholds starts, once', () => {
    const g = graph({ 'a.service': { upholds: ['c.service'] }, 'b.service': { upholds: ['c.service'] }, 'c.service': {} });
    const r = stateJobs(g, views({ 'a.service': 'active', 'b.service': 'reloading', 'c.service': 'failed' }));
    expect(jobs(r)).toEqual(['start c.service']);
    expect(r[0]!.because).toBe('Upholds= of a.service');
    expect(stateJobs(g, views({ 'a.service': 'inactive', 'b.service': 'activating', 'c.service': 'inactive' }))).toEqual([]);
    expect(stateJobs(g, views({ 'a.service': 'active', 'b.service': 'inactive', 'c.service': ['inactive', { busy: true }] }))).toEqual([]);
    expect(stateJobs(g, views({ 'a.service': ['active', { busy: true }], 'b.service': 'inactive', 'c.service': 'inactive' }))).toEqual([]);
    expect(stateJobs(g, views({ 'a.service': 'active', 'b.service': 'inactive', 'c.service': 'active' }))).toEqual([]);
  });
});

describe('autoJobAllowed', () => {
  it('allows AUTO_JOB_BURST automatic jobs per window, then refuses until the window moves on', () => {
    let history: number[] = [];
    for (let i = 0; i < AUTO_JOB_BURST; i++) {
      const r = autoJobAllowed(history, 1000 + i);
      expect(r.allowed).toBe(true);
      history = r.history;
    }
    expect(autoJobAllowed(history, 2000).allowed).toBe(false);
    const later = autoJobAllowed(history, 1000 + AUTO_JOB_WINDOW_MS + 1);
    expect(later.allowed).toBe(true);
    expect(later.history.length).toBeLessThanOrEqual(AUTO_JOB_BURST);
  });
});

describe('pickMainPid (GuessMainPID=)', () => {
  it('the one candidate that is the unit\'s; none or several: no guess', () => {
    const mine = new Set([10, 20]);
    expect(pickMainPid([5, 10, 30], [(p) => mine.has(p)])).toBe(10);
    expect(pickMainPid([5, 30], [(p) => mine.has(p)])).toBeUndefined();
    expect(pickMainPid([10, 20], [(p) => mine.has(p)])).toBeUndefined();
  });

  it('a surer test decides first: one in the unit\'s session wins over another unit\'s unclaimed daemon', () => {
    const inSession = new Set([10]);
    const adopted = new Set([10, 20]);
    const tests = [(p: number) => inSession.has(p), (p: number) => adopted.has(p)];
    expect(pickMainPid([10, 20], tests)).toBe(10);
    // Nothing in the session (a daemon that made its own): the looser test, if it names one.
    expect(pickMainPid([20], tests)).toBe(20);
    expect(pickMainPid([20, 30], [(p: number) => inSession.has(p), (p: number) => p >= 20])).toBeUndefined();
  });
});
