// The invariant that keeps units from wedging, checked against the pure machine with
// fast-check: for every policy, every sequence of requests, exits and timers, and every
// way the edge's effects can fail (a passing shortage or for good), a unit in a
// transitional state always has a timer armed, a process to wait for, or an answer of
// the edge pending. The edge is modelled as the runner carries effects out.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Effect, type Event, initialState, type Phase, type Policy, type State, step, type TimerName } from '../../../src/supervisor/lifecycle';
import { wedged } from '../../../src/supervisor/liveness';

type Outcome = 'ok' | 'transient' | 'permanent';

/** Effects whose carrying out touches the world, and so may fail. */
const FALLIBLE = new Set<Effect['type']>(['spawn', 'kill', 'read-pid-file', 'setup', 'teardown', 'await-all-gone']);

const policyArb: fc.Arbitrary<Policy> = fc.record({
  type: fc.constantFrom('simple', 'exec', 'forking', 'oneshot', 'notify', 'notify-reload', 'idle'),
  commands: fc.record({
    'start-pre': fc.integer({ min: 0, max: 2 }),
    start: fc.integer({ min: 0, max: 2 }),
    'start-post': fc.integer({ min: 0, max: 1 }),
    reload: fc.integer({ min: 0, max: 1 }),
    stop: fc.integer({ min: 0, max: 1 }),
    'stop-post': fc.integer({ min: 0, max: 1 }),
  }),
  remainAfterExit: fc.boolean(),
  hasPidFile: fc.boolean(),
  restart: fc.constantFrom('no', 'always', 'on-failure'),
  timeoutStartMs: fc.constantFrom(1000, Number.POSITIVE_INFINITY),
  timeoutStopMs: fc.constantFrom(1000, Number.POSITIVE_INFINITY),
  watchdogMs: fc.constantFrom(0, 500),
  killMode: fc.constantFrom('control-group', 'process', 'mixed', 'none'),
  sendSIGKILL: fc.boolean(),
  guessMainPID: fc.boolean(),
}).map((o) => ({
  ...o,
  ignoreFailure: { 'start-pre': [], start: [], 'start-post': [], reload: [], stop: [], 'stop-post': [] } as Record<Phase, boolean[]>,
  restartSecMs: 100,
  startLimitIntervalMs: 10_000,
  startLimitBurst: 1000,
  killSignal: 15,
  finalKillSignal: 9,
  sendSIGHUP: false,
  successExitStatus: { codes: [], signals: [] },
  restartPreventExitStatus: { codes: [], signals: [] },
  restartForceExitStatus: { codes: [], signals: [] },
  reloadSignal: 1,
  failureAction: 'none' as const,
  successAction: 'none' as const,
}));

type Action =
  | { kind: 'request'; event: 'start' | 'stop' | 'restart' | 'reload' }
  | { kind: 'fire'; pick: number }
  | { kind: 'exit'; pick: number; code: number }
  | { kind: 'notify'; what: 'ready' | 'watchdog-ping' | 'main-pid' }
  | { kind: 'gone' };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('request' as const), event: fc.constantFrom('start' as const, 'stop' as const, 'restart' as const, 'reload' as const) }),
  fc.record({ kind: fc.constant('fire' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('fire' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('exit' as const), pick: fc.nat(), code: fc.constantFrom(0, 1) }),
  fc.record({ kind: fc.constant('exit' as const), pick: fc.nat(), code: fc.constantFrom(0, 1) }),
  fc.record({ kind: fc.constant('notify' as const), what: fc.constantFrom('ready' as const, 'watchdog-ping' as const, 'main-pid' as const) }),
  fc.record({ kind: fc.constant('gone' as const) }),
);

/** The runner, modelled: timers, processes, answers, and effects that fail as the outcomes say. */
class ModelEdge {
  state: State;
  now = 1_000;
  readonly timers = new Set<TimerName>();
  readonly live = new Set<number>();
  awaitingGone = false;
  private nextPid = 100;
  private turn = 0;
  private readonly queue: Event[] = [];

  constructor(
    private readonly policy: Policy,
    private outcomes: readonly Outcome[],
    /** The edge as it was: an effect that threw was lost, with the rest of its step, and nobody heard of it. */
    private readonly dropFailures = false,
  ) {
    this.state = initialState(this.now);
  }

  /** From now on: the n-th fallible effect fails as said, every other one succeeds. */
  failAt(n: number, how: Outcome): void {
    this.turn = 0;
    this.outcomes = Array.from({ length: n + 1 }, (_, i) => (i === n ? how : 'ok'));
    this.once = true;
  }
  private once = false;

  private outcome(e: Effect): Outcome {
    if (!FALLIBLE.has(e.type) || this.outcomes.length === 0) return 'ok';
    if (this.once && this.turn >= this.outcomes.length) return 'ok';
    return this.outcomes[this.turn++ % this.outcomes.length]!;
  }

  send(event: Event): void {
    this.queue.push(event);
    while (this.queue.length) {
      const { state, effects } = step(this.state, this.queue.shift()!, this.policy, this.now);
      this.state = state;
      let setupFailed = false;
      for (const e of effects) {
        if (setupFailed && e.type === 'spawn') continue;
        const o = this.outcome(e);
        if (o !== 'ok') {
          if (this.dropFailures) break;
          if (e.type === 'setup') setupFailed = true;
          this.queue.push({ type: 'effect-failed', effect: e, transient: o === 'transient', message: o === 'transient' ? 'EMFILE' : 'EACCES' });
          continue;
        }
        this.carryOut(e);
      }
    }
  }

  private carryOut(e: Effect): void {
    switch (e.type) {
      case 'spawn': {
        const pid = this.nextPid++;
        this.live.add(pid);
        this.queue.push({ type: 'spawned', role: e.role, pid });
        return;
      }
      case 'arm':
        if (Number.isFinite(e.ms)) this.timers.add(e.timer);
        else this.timers.delete(e.timer);
        return;
      case 'disarm':
        this.timers.delete(e.timer);
        return;
      case 'read-pid-file': {
        // The edge reads until it has an answer: a daemon, or none.
        if (this.nextPid % 2 === 0) {
          const pid = this.nextPid++;
          this.live.add(pid);
          this.queue.push({ type: 'main-pid', pid });
        } else {
          this.nextPid++;
          this.queue.push({ type: 'pid-file-missing' });
        }
        return;
      }
      case 'await-all-gone':
        this.awaitingGone = true;
        return;
      case 'teardown':
        this.awaitingGone = false;
        return;
      default:
        return;
    }
  }

  act(a: Action): void {
    this.now += 100;
    switch (a.kind) {
      case 'request':
        return this.send({ type: a.event });
      case 'fire': {
        const armed = [...this.timers];
        if (armed.length === 0) return;
        const t = armed[a.pick % armed.length]!;
        this.timers.delete(t);
        return this.send({ type: 'timer', timer: t });
      }
      case 'exit': {
        const tracked = [this.state.mainPid, this.state.controlPid].filter((p): p is number => p !== undefined && this.live.has(p));
        if (tracked.length === 0) return;
        const pid = tracked[a.pick % tracked.length]!;
        this.live.delete(pid);
        return this.send({ type: 'exited', pid, exit: { code: a.code } });
      }
      case 'notify':
        if (a.what === 'main-pid') {
          const pid = this.nextPid++;
          this.live.add(pid);
          return this.send({ type: 'main-pid', pid });
        }
        return this.send({ type: a.what });
      case 'gone': {
        // The edge says all-gone once nothing it tracks lives (main and control count until their exit).
        const tracked = [this.state.mainPid, this.state.controlPid].filter((p) => p !== undefined && this.live.has(p));
        if (!this.awaitingGone || tracked.length > 0) return;
        this.awaitingGone = false;
        return this.send({ type: 'all-gone' });
      }
    }
  }

  /** Why the unit would be wedged now, if it would. */
  wedged(): string | undefined {
    return wedged(this.state, { timers: [...this.timers], awaitingGone: this.awaitingGone, readingPidFile: false });
  }
}

describe('liveness: no transitional state without a timer, a process or an answer pending', () => {
  it('holds for every policy, every sequence of events and every effect failure', () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.array(fc.constantFrom<Outcome>('ok', 'ok', 'ok', 'transient', 'permanent'), { maxLength: 12 }),
        fc.array(actionArb, { minLength: 1, maxLength: 40 }),
        (policy, outcomes, actions) => {
          const edge = new ModelEdge(policy, outcomes);
          edge.send({ type: 'start' });
          expect(edge.wedged(), `${edge.state.sub} after start`).toBeUndefined();
          for (const a of actions) {
            edge.act(a);
            expect(edge.wedged(), `${edge.state.sub} after ${JSON.stringify(a)}`).toBeUndefined();
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('from every state reached, a failure of each effect of the next step leaves a timer, a process or an answer pending', () => {
    fc.assert(
      fc.property(policyArb, fc.array(actionArb, { maxLength: 20 }), actionArb, fc.nat({ max: 5 }), fc.constantFrom<Outcome>('transient', 'permanent'), (policy, before, next, n, how) => {
        const edge = new ModelEdge(policy, []);
        edge.send({ type: 'start' });
        for (const a of before) edge.act(a);
        edge.failAt(n, how);
        edge.act(next);
        expect(edge.wedged(), `${edge.state.sub} after ${JSON.stringify(next)}`).toBeUndefined();
        // And whatever follows moves it on.
        for (let i = 0; i < 5; i++) {
          edge.act({ kind: 'fire', pick: i });
          expect(edge.wedged()).toBeUndefined();
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('the check finds the old wedge: an edge that lost a failed effect and the rest of its step', () => {
    const found = fc.check(
      fc.property(policyArb, fc.array(fc.constantFrom<Outcome>('ok', 'ok', 'transient'), { maxLength: 12 }), fc.array(actionArb, { minLength: 1, maxLength: 40 }), (policy, outcomes, actions) => {
        const edge = new ModelEdge(policy, outcomes, true);
        edge.send({ type: 'start' });
        for (const a of actions) {
          edge.act(a);
          if (edge.wedged()) return false;
        }
        return edge.wedged() === undefined;
      }),
      { numRuns: 3000, seed: 19 },
    );
    expect(found.failed).toBe(true);
  });
});
