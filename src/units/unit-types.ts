// What each unit type is at load time, one entry per type (systemd's UnitVTable, its load
// half): the sections it reads, the defaults and checks once its files are read, the
// implicit dependencies it gets from its type (DefaultDependencies=yes), and how a reload
// and the systemd-own filter treat it. Its run-time half is supervisor/types/. Pure.
import type { State } from './directive-handlers';
import { notifiesReady, type UnitConfig, type UnitKind } from './unit';

export interface UnitTypeDefinition {
  /** The sections it reads; any other ([Service] in a target) is an unknown section, as in systemd. */
  readonly sections: readonly string[];
  /** Defaults that depend on other settings, and whole-unit validation (`fail` marks the unit bad). */
  finish(s: State, fail: (message: string) => void): void;
  /** The dependencies it gets from its type alone (sysinit.target for most). */
  ownDependencies(u: UnitConfig, add: (list: string[], name: string) => void): void;
  /**
   * Whether a changed definition restarts it when it is up. A target runs nothing: its new
   * dependencies apply to its next start job, and systemd leaves its state alone on a reload.
   */
  readonly restartsOnReload: boolean;
  /** Whether systemd's own units of this type are kept (its targets are the boot's skeleton). */
  readonly keptWhenSystemdOwn: boolean;
}

/** A unit with no process of its own: active once started, until stopped. */
function noProcess(u: UnitConfig): void {
  u.type = 'oneshot';
  u.remainAfterExit = true;
}

function needsSysinit(u: UnitConfig, add: (list: string[], name: string) => void): void {
  add(u.requires, 'sysinit.target');
  add(u.after, 'sysinit.target');
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
  ownDependencies(u, add) {
    needsSysinit(u, add);
    add(u.after, 'basic.target');
  },
  restartsOnReload: true,
  keptWhenSystemdOwn: false,
};

const socket: UnitTypeDefinition = {
  sections: ['Unit', 'Socket', 'Install'],
  finish(s, fail) {
    noProcess(s.unit);
    if (s.unit.socket!.listen.length === 0) fail('socket unit has no Listen*= setting');
  },
  ownDependencies(u, add) {
    needsSysinit(u, add);
    add(u.before, 'sockets.target');
  },
  restartsOnReload: true,
  keptWhenSystemdOwn: false,
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
};

export const UNIT_TYPES: Readonly<Record<UnitKind, UnitTypeDefinition>> = { service, socket, target };
