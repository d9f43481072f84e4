// The timers' edge with a fake clock and a fake runtime timer: what is armed, what starts,
// what a clock change does, and what the stamp files say.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initialState } from '../../../src/supervisor/lifecycle';
import type { Dual } from '../../../src/supervisor/timer-lifecycle';
import { readStamp, touchStamp } from '../../../src/supervisor/timer-stamps';
import { TimerUnits } from '../../../src/supervisor/timer-units';
import { parseCalendar } from '../../../src/units/calendar';
import { defaultUnitConfig, type TimerValue, type UnitConfig } from '../../../src/units/unit';
import { tempDir } from '../../helpers/temp-dir';

const S = 1_000_000;
const NOON = Date.UTC(2026, 11, 7, 12) * 1000;
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function world() {
  const clock: Dual = { realtime: NOON, monotonic: 1000 * S };
  const armed: Array<{ fire: () => void; ms: number; cleared: boolean }> = [];
  const started: string[] = [];
  const warnings: string[] = [];
  const stampDir = tempDir('ts-init-stamps-');
  const timers = new TimerUnits({
    log: { ...quiet, warn: (...a: unknown[]) => warnings.push(String(a.at(-1))) } as never,
    startUnit: (name) => {
      started.push(name);
      return 'started';
    },
    isLoaded: (n) => n !== 'ghost.service',
    stopTimer: () => undefined,
    failTimer: () => undefined,
    unitState: () => initialState(0),
    machineId: () => undefined,
    bootId: () => undefined,
    inContainer: true,
    clock: () => ({ ...clock }),
    schedule: (fire, ms) => {
      const t = { fire, ms, cleared: false };
      armed.push(t);
      return { clear: () => (t.cleared = true) };
    },
    stampDir,
    localZone: () => 'UTC',
  });
  const live = () => armed.filter((t) => !t.cleared);
  /** Moves both clocks on and fires the armed timer, as the runtime would. */
  const pass = async (us: number, wallJumpUs = 0) => {
    clock.realtime += us + wallJumpUs;
    clock.monotonic += us;
    const t = live().at(-1)!;
    t.cleared = true;
    t.fire();
    await Promise.resolve();
  };
  return { clock, armed, live, started, warnings, stampDir, timers, pass };
}

const timer = (name: string, values: TimerValue[], over: Partial<NonNullable<UnitConfig['timer']>> = {}): UnitConfig => {
  const u = defaultUnitConfig(name);
  u.timer = { ...u.timer!, values, accuracyMs: 0.001, unit: name.replace(/\.timer$/, '.service'), ...over };
  return u;
};
const cal = (text: string): TimerValue => {
  const p = parseCalendar(text);
  if (!p.ok) throw new Error(p.error);
  return { base: 'OnCalendar', spec: p.spec, text };
};
const flush = () => Promise.resolve();

describe('timer units at the edge', () => {
  it('a thousand waiting timers arm one runtime timer, for the earliest; none is armed when nothing waits', async () => {
    const w = world();
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) w.timers.activate(timer(`t${i}.timer`, [i % 2 ? cal(`*-*-* ${i % 24}:${i % 60}:00`) : { base: 'OnActiveSec', ms: (i + 10) * 1000 }]));
    const ms = performance.now() - t0;
    await flush();
    expect(w.armed.length).toBe(1);
    // The earliest: t0.timer, OnActiveSec=10s.
    expect(w.live()[0]!.ms).toBe(10_000);
    console.log(`1000 timers activated in ${ms.toFixed(1)} ms`);
    for (let i = 0; i < 1000; i++) w.timers.deactivate(`t${i}.timer`);
    await flush();
    expect(w.live()).toEqual([]);
  });

  it("a timer whose unit is not loaded refuses to start, as systemd's", () => {
    const w = world();
    expect(w.timers.activate(timer('ghost.timer', [cal('daily')]))).toBe('refusing to start ghost.timer: the unit it starts, ghost.service, is not loaded');
    expect(w.timers.subState('ghost.timer')).toBe('dead');
  });

  it('an elapse starts the unit once, then waits for the next; the unit going down counts for the next computation', async () => {
    const w = world();
    w.timers.activate(timer('tick.timer', [cal('*:*:0/10')]));
    await flush();
    expect(w.live()[0]!.ms).toBe(10_000);
    await w.pass(10 * S);
    expect(w.started).toEqual(['tick.service']);
    expect(w.timers.subState('tick.timer')).toBe('running');
    // Still running: nothing armed for it, no second start.
    expect(w.live()).toEqual([]);
    w.timers.unitChanged('tick.service', initialState(0));
    await flush();
    expect(w.timers.subState('tick.timer')).toBe('waiting');
    expect(w.live()[0]!.ms).toBe(10_000);
    expect(w.timers.times('tick.timer')).toMatchObject({ next: NOON + 20 * S, lastRealtime: NOON + 10 * S });
  });

  it('OnUnitInactiveSec=0 and a unit whose start is refused (start limit): no loop, the timer waits in "running" as systemd\'s', async () => {
    const w = world();
    const failed = { ...initialState(0), sub: 'failed' as const, result: 'start-limit-hit' as const };
    w.timers.activate(timer('spin.timer', [{ base: 'OnActiveSec', ms: 0 }, { base: 'OnUnitInactiveSec', ms: 0 }]));
    await flush();
    await w.pass(0);
    expect(w.started).toEqual(['spin.service']);
    // The unit failed: the timer waits again, and OnUnitInactiveSec=0 is due at once.
    w.timers.unitChanged('spin.service', failed);
    await flush();
    await w.pass(0);
    expect(w.started).toEqual(['spin.service', 'spin.service']);
    // Refused: the unit reports failed again, unchanged; that is no news, nothing is armed.
    for (let i = 0; i < 100; i++) w.timers.unitChanged('spin.service', failed);
    await flush();
    expect(w.timers.subState('spin.timer')).toBe('running');
    expect(w.live()).toEqual([]);
    expect(w.started.length).toBe(2);
  });

  it('daemon-reload: a new definition is taken on at once, the last trigger kept (a past OnBootSec= does not fire again)', async () => {
    const w = world();
    w.timers.activate(timer('t.timer', [{ base: 'OnActiveSec', ms: 1000 }]));
    await flush();
    await w.pass(S);
    expect(w.started).toEqual(['t.service']);
    w.timers.unitChanged('t.service', initialState(0));
    await flush();
    expect(w.timers.subState('t.timer')).toBe('elapsed');
    w.timers.redefine(timer('t.timer', [{ base: 'OnActiveSec', ms: 1000 }, cal('*:*:0/30')]));
    await flush();
    expect(w.timers.subState('t.timer')).toBe('waiting');
    expect(w.live()[0]!.ms).toBe(29_000);
    expect(w.started).toEqual(['t.service']);
  });

  it('a wall clock set forward by days fires a calendar timer once, not once per missed elapse; set back, it waits', async () => {
    const w = world();
    w.timers.activate(timer('hourly.timer', [cal('hourly')]));
    await flush();
    expect(w.live()[0]!.ms).toBe(3600_000);
    await w.pass(3600 * S, 3 * 86_400 * S);
    expect(w.started).toEqual(['hourly.service']);
    w.timers.unitChanged('hourly.service', initialState(0));
    await flush();
    // The next hour of the new time, not the 72 hours in between.
    expect(w.live().length).toBe(1);
    expect(w.live()[0]!.ms).toBeLessThanOrEqual(3600_000);
    // Back by two days: the next elapse is in an hour of the new time, nothing fires now.
    await w.pass(w.live()[0]!.ms * 1000 - 10 * S, -2 * 86_400 * S);
    expect(w.started).toEqual(['hourly.service']);
    expect(w.live().length).toBe(1);
    expect(w.live()[0]!.ms).toBeLessThanOrEqual(3600_000);
  });

  it('Persistent=: a missing stamp is made at the start; a stamp older than the last due elapse catches up at once; the trigger is written', async () => {
    const w = world();
    w.timers.activate(timer('new.timer', [cal('daily')], { persistent: true }));
    expect(fs.statSync(path.join(w.stampDir, 'stamp-new.timer')).isFile()).toBe(true);
    const old = path.join(w.stampDir, 'stamp-daily.timer');
    fs.writeFileSync(old, '');
    fs.utimesSync(old, (NOON - 2 * 86_400 * S) / S, (NOON - 2 * 86_400 * S) / S);
    w.timers.activate(timer('daily.timer', [cal('daily')], { persistent: true }));
    await flush();
    expect(w.live()[0]!.ms).toBe(0);
    await w.pass(0);
    expect(w.started).toEqual(['daily.service']);
    expect(readStamp(old)).toEqual({ mtimeUs: NOON });
  });

  it('a stamp that is a directory, a FIFO or a symlink to elsewhere is neither followed nor written; the timer runs without it', async () => {
    const w = world();
    const elsewhere = path.join(tempDir('ts-init-elsewhere-'), 'target');
    fs.writeFileSync(elsewhere, 'precious');
    fs.utimesSync(elsewhere, 1, 1);
    fs.mkdirSync(path.join(w.stampDir, 'stamp-dir.timer'));
    fs.symlinkSync(elsewhere, path.join(w.stampDir, 'stamp-link.timer'));
    require('node:child_process').execFileSync('mkfifo', [path.join(w.stampDir, 'stamp-fifo.timer')]);
    for (const n of ['dir', 'link', 'fifo']) w.timers.activate(timer(`${n}.timer`, [cal('*:*:0/10')], { persistent: true }));
    await flush();
    expect(w.warnings.join('\n')).toMatch(/stamp-dir\.timer is a directory; not used/);
    expect(w.warnings.join('\n')).toMatch(/stamp-link\.timer is a symbolic link; not used/);
    expect(w.warnings.join('\n')).toMatch(/stamp-fifo\.timer is a FIFO; not used/);
    await w.pass(10 * S);
    expect(w.started.sort()).toEqual(['dir.service', 'fifo.service', 'link.service']);
    expect(fs.readFileSync(elsewhere, 'utf8')).toBe('precious');
    expect(fs.statSync(elsewhere).mtimeMs).toBe(1000);
    expect(touchStamp(path.join(w.stampDir, 'stamp-link.timer'))).toMatch(/cannot write/);
    expect(touchStamp(path.join(w.stampDir, 'stamp-fifo.timer'))).toMatch(/cannot write|FIFO/);
  });
});
