// What each unit type is at load time, one entry per type (systemd's UnitVTable, its load
// half): the sections it reads, the defaults and checks once its files are read, the
// implicit dependencies it gets from its type (DefaultDependencies=yes), and how a reload
// and the systemd-own filter treat it. Its run-time half is supervisor/types/. Pure.
import type { State } from './directive-handlers';
import { notifiesReady, type UnitConfig, type UnitKind } from './unit';

/** The lists a unit's own default dependencies go to. */
export type OwnDependencyKey = 'requires' | 'after' | 'before';

export interface UnitTypeDefinition {
  /** The sections it reads; any other ([Service] in a target) is an unknown section, as in systemd. */
  readonly sections: readonly string[];
  /** Defaults that depend on other settings, and whole-unit validation (`fail` marks the unit bad). */
  finish(s: State, fail: (message: string) => void): void;
  /** The dependencies it gets from its type alone (sysinit.target for most). */
  ownDependencies(u: UnitConfig, add: (key: OwnDependencyKey, name: string) => void): void;
  /**
   * Whether a changed definition restarts it when it is up. A target runs nothing: its new
   * dependencies apply to its next start job, and systemd leaves its state alone on a reload.
   */
  readonly restartsOnReload: boolean;
  /** Whether systemd's own units of this type are kept (its targets are the boot's skeleton). */
  readonly keptWhenSystemdOwn: boolean;
  /** Whether an installed unit of this type that was not loaded at start is loaded when a command names it. */
  readonly loadedOnDemand: boolean;
  /**
   * The unit it starts (a socket's service, a timer's Unit=), settled at load time: loaded with
   * it, and this unit ordered before it. `warn` reports a setting that is ignored.
   */
  triggered?(u: UnitConfig, warn: (message: string) => void): string | undefined;
  /** Its triggered unit's name, made canonical once aliases are known. */
  renameTriggered?(u: UnitConfig, canon: (name: string) => string): void;
}

/** A unit with no process of its own: active once started, until stopped. */
function noProcess(u: UnitConfig): void {
  u.type = 'oneshot';
  u.remainAfterExit = true;
}

function needsSysinit(add: (key: OwnDependencyKey, name: string) => void): void {
  add('requires', 'sysinit.target');
  add('after', 'sysinit.target');
}

const service: UnitTypeDefinition = {
  sections: ['Unit', 'Service', 'Install'],
  finish(s, fail) {
    const u = s.unit;
    if (!s.typeSet) u.type = u.execStart.length > 0 ? 'simple' : 'oneshot';
    if (!s.notifyAccessSet) u.notifyAccess = notifiesReady(u.type) || u.watchdogMs > 0 ? 'main' : 'none';
    // systemd: with StandardInput=socket, output defaults to the connection too.
    if (u.standardInput === 'socket' && !s.stdoutSet) u.standardOutput = { kind: 'socket' };
    u.standardError = s.stderr ?? { ...u.standardOutput };

    if (u.type !== 'oneshot') {
      if (u.execStart.length === 0) {
        fail(`service has no ExecStart= setting, which is only allowed for Type=oneshot services`);
      } else if (u.execStart.length > 1) {
        fail(`service has more than one ExecStart= command, which is only allowed for Type=oneshot services`);
      }
    } else {
      if (u.execStart.length === 0 && u.execStop.length === 0 && u.successAction === 'none') {
        fail(`service has no ExecStart=, ExecStop= or SuccessAction= setting`);
      }
      if (u.restart === 'always' || u.restart === 'on-success') {
        fail(`Restart=${u.restart} is not allowed for Type=oneshot services`);
      }
    }
  },
  ownDependencies(_u, add) {
    needsSysinit(add);
    add('after', 'basic.target');
  },
  restartsOnReload: true,
  keptWhenSystemdOwn: false,
  loadedOnDemand: true,
};

const socket: UnitTypeDefinition = {
  sections: ['Unit', 'Socket', 'Install'],
  finish(s, fail) {
    noProcess(s.unit);
    if (s.unit.socket!.listen.length === 0) fail('socket unit has no Listen*= setting');
  },
  ownDependencies(_u, add) {
    needsSysinit(add);
    add('before', 'sockets.target');
  },
  restartsOnReload: true,
  keptWhenSystemdOwn: false,
  loadedOnDemand: false,
  // Its service (Service=, or the one of its name; for Accept=yes the template, whose instances
  // are made per connection, none of them loaded now).
  triggered(u, warn) {
    const sk = u.socket!;
    const base = u.name.replace(/\.socket$/, '');
    if (sk.accept && sk.service !== undefined) warn(`${u.name}: Service= does not go with Accept=yes (instances of ${base}@.service are used); ignored`);
    sk.service = sk.accept ? `${base}@.service` : (sk.service ?? `${base}.service`);
    return sk.accept ? undefined : sk.service;
  },
  renameTriggered(u, canon) {
    if (u.socket?.service) u.socket.service = canon(u.socket.service);
  },
};

const target: UnitTypeDefinition = {
  sections: ['Unit', 'Install'],
  finish(s) {
    noProcess(s.unit);
  },
  // A target's own ordering depends on the other units it pulls in (addTargetDefaultDependencies).
  ownDependencies() {},
  restartsOnReload: false,
  keptWhenSystemdOwn: true,
  loadedOnDemand: false,
};

const timer: UnitTypeDefinition = {
  sections: ['Unit', 'Timer', 'Install'],
  finish(s, fail) {
    noProcess(s.unit);
    if (s.unit.timer!.values.length === 0) fail('timer unit lacks value setting; refusing');
  },
  // systemd's timer_add_default_dependencies: before timers.target, after the clock is set when
  // it counts by the calendar (the half about shutdown.target is left out, as for the others).
  ownDependencies(u, add) {
    needsSysinit(add);
    add('before', 'timers.target');
    if (u.timer!.values.some((v) => v.base === 'OnCalendar')) {
      add('after', 'time-set.target');
      add('after', 'time-sync.target');
    }
  },
  // A new definition is taken on while it runs (supervisor/types/timer-type.ts), its last
  // trigger kept, as systemd does across a reload: a restart would count OnActiveSec= anew.
  restartsOnReload: false,
  // With the service it starts, which is systemd's own too (systemd-tmpfiles-clean.timer).
  keptWhenSystemdOwn: false,
  loadedOnDemand: true,
  triggered(u) {
    // A timer's name ends in ".timer" (its kind says so).
    u.timer!.unit ??= `${u.name.slice(0, -'.timer'.length)}.service`;
    return u.timer!.unit;
  },
  renameTriggered(u, canon) {
    if (u.timer?.unit) u.timer.unit = canon(u.timer.unit);
  },
};

export const UNIT_TYPES: Readonly<Record<UnitKind, UnitTypeDefinition>> = { service, socket, target, timer };
