// The control verbs, one row each: whether it names units, its line in `ts-init
// ctl --help`, and what the server does with it (in Manager terms). The protocol
// validates against this table and the server dispatches through it, so a new verb
// is a row here (and, if it needs one, a Manager method).
import { parseSignal } from '../sys/signals';
import type { Manager } from './manager';

/** What a verb's handler gets of a request, once validated. */
export interface VerbParams {
  units: string[];
  signal?: string | number;
  who?: 'main' | 'all';
  lines?: number;
  follow?: boolean;
  /** set-environment's NAME=VALUE assignments, unset-environment's names; set-default's target. */
  args?: string[];
}

/** The connection, for verbs that stream (logs -f). */
export interface VerbStream {
  /** Sends an event line to the client. */
  send(event: Record<string, unknown>): void;
  onClose(listener: () => void): void;
  /** The connection may stay open idle as long as the client likes. */
  keepOpen(): void;
  /** The client has gone: the rest of the work is not done. */
  closed(): boolean;
  protocolVersion: number;
}

/** A request the verb cannot carry out as asked; the server replies with this code. */
export class VerbError extends Error {
  constructor(
    readonly code: 'bad-request' | 'not-found',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Who may ask: 'anyone' for what systemd answers every user (state, properties, unit files),
 * 'root' for what changes something (jobs, unit files, the manager's environment) or shows
 * what only root may read (units' output, the manager's environment: the container's, which
 * /proc/1/environ keeps from other users).
 */
export type VerbAccess = 'anyone' | 'root';

interface VerbRow {
  /** 'required': needs at least one unit; 'optional': units narrow it; 'none'. */
  units: 'required' | 'optional' | 'none';
  access: VerbAccess;
  /** What follows the verb on a command line (`ts-init ctl VERB ARGS`), '' for nothing. */
  args: string;
  /**
   * What it does, one line: systemctl's own words where systemctl has the verb, so that
   * `ts-init ctl --help` and `systemctl --help` (systemctl-help.ts) say it the same way.
   */
  summary: string;
  run(m: Manager, p: VerbParams, stream: VerbStream): unknown;
}

/** The client went away while its request was being worked on. */
export class ClientGone extends Error {}

/** Units handled before yielding to the event loop: a request naming thousands must not stall others. */
export const UNITS_PER_TURN = 32;

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** f for every unit, UNITS_PER_TURN at a time (jobs run in parallel; only dispatch is paced). */
async function each<T>(p: VerbParams, s: VerbStream, f: (u: string) => Promise<T> | T): Promise<T[]> {
  const jobs: Array<Promise<T> | T> = [];
  for (let i = 0; i < p.units.length; i++) {
    if (i > 0 && i % UNITS_PER_TURN === 0) await nextTurn();
    if (s.closed()) throw new ClientGone();
    jobs.push(f(p.units[i]!));
  }
  return Promise.all(jobs);
}

async function statusInTurns(m: Manager, p: VerbParams, s: VerbStream): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let i = 0; i < p.units.length; i += UNITS_PER_TURN) {
    if (i > 0) await nextTurn();
    if (s.closed()) throw new ClientGone();
    out.push(...(await m.status(p.units.slice(i, i + UNITS_PER_TURN))));
  }
  return out;
}

export const VERB_TABLE = {
  status: {
    access: 'anyone',
    units: 'optional',
    args: '[UNIT...]', summary: 'Show runtime status of one or more units',
    run: (m, p, s) => (p.units.length ? statusInTurns(m, p, s) : m.listUnits()),
  },
  'list-units': { access: 'anyone', units: 'none', args: '', summary: 'List units currently in memory', run: (m) => m.listUnits() },
  start: { access: 'root', units: 'required', args: 'UNIT...', summary: 'Start (activate) one or more units', run: (m, p, s) => each(p, s, (u) => m.start(u)) },
  stop: { access: 'root', units: 'required', args: 'UNIT...', summary: 'Stop (deactivate) one or more units', run: (m, p, s) => each(p, s, (u) => m.stop(u)) },
  restart: { access: 'root', units: 'required', args: 'UNIT...', summary: 'Start or restart one or more units', run: (m, p, s) => each(p, s, (u) => m.restart(u)) },
  reload: { access: 'root', units: 'required', args: 'UNIT...', summary: 'Reload one or more units', run: (m, p, s) => each(p, s, (u) => m.reload(u)) },
  'try-restart': { access: 'root', units: 'required', args: 'UNIT...', summary: 'Restart one or more units if active', run: (m, p, s) => each(p, s, (u) => m.tryRestart(u)) },
  'reload-or-restart': { access: 'root', units: 'required', args: 'UNIT...', summary: 'Reload one or more units if possible, otherwise start or restart', run: (m, p, s) => each(p, s, (u) => m.reloadOrRestart(u)) },
  kill: {
    access: 'root',
    units: 'required',
    args: '[-s SIGNAL] [--kill-who=main|all] UNIT...', summary: 'Send signal to processes of a unit',
    run: (m, p, s) => {
      const signal = parseSignal(String(p.signal ?? 'SIGTERM'));
      if (signal === undefined) throw new VerbError('bad-request', `signal '${p.signal}' is not a signal`);
      return each(p, s, (u) => m.kill(u, signal, p.who ?? 'all'));
    },
  },
  logs: {
    access: 'root',
    units: 'required',
    args: '[-f] [-n LINES] UNIT', summary: 'Show the last output lines of a unit (-f: keep following)',
    run: (m, p, stream) => {
      const unit = p.units[0]!;
      const lines = m.logs(unit, p.lines ?? 50);
      if (!lines) throw new VerbError('not-found', `Unit ${unit} not found.`);
      if (p.follow) {
        const stop = m.follow(unit, (line) => stream.send({ event: 'log', line }));
        stream.onClose(() => stop?.());
        stream.keepOpen();
      }
      return lines;
    },
  },
  'list-unit-files': { access: 'anyone', units: 'none', args: '', summary: 'List installed unit files', run: (m) => m.listUnitFiles() },
  enable: { access: 'root', units: 'required', args: 'UNIT...', summary: 'Enable one or more unit files', run: (m, p, s) => each(p, s, (u) => m.enable(u)) },
  disable: { access: 'root', units: 'required', args: 'UNIT...', summary: 'Disable one or more unit files', run: (m, p, s) => each(p, s, (u) => m.disable(u)) },
  'daemon-reload': { access: 'root', units: 'none', args: '', summary: 'Reload systemd manager configuration', run: (m) => m.daemonReload() },
  shutdown: {
    access: 'root',
    units: 'none',
    args: '', summary: 'Stop everything and exit, like SIGTERM to systemd',
    run: (m) => {
      setImmediate(() => m.shutdown());
      return { shuttingDown: true };
    },
  },
  'reset-failed': {
    access: 'root',
    units: 'optional',
    args: '[UNIT...]', summary: 'Reset failed state for all, one, or more units',
    run: (m, p) => m.resetFailed(p.units),
  },
  mask: { access: 'root', units: 'required', args: 'UNIT...', summary: 'Mask one or more units', run: (m, p, s) => each(p, s, (u) => m.changeUnitFiles('mask', u)) },
  unmask: { access: 'root', units: 'required', args: 'UNIT...', summary: 'Unmask one or more units', run: (m, p, s) => each(p, s, (u) => m.changeUnitFiles('unmask', u)) },
  revert: { access: 'root', units: 'required', args: 'UNIT...', summary: 'Revert one or more unit files to vendor version', run: (m, p, s) => each(p, s, (u) => m.changeUnitFiles('revert', u)) },
  preset: { access: 'root', units: 'required', args: 'UNIT...', summary: 'Enable/disable one or more unit files based on preset configuration', run: (m, p, s) => each(p, s, (u) => m.changeUnitFiles('preset', u)) },
  'get-default': { access: 'anyone', units: 'none', args: '', summary: 'Get the name of the default target', run: (m) => m.getDefault() },
  'set-default': {
    access: 'root',
    units: 'required',
    args: 'TARGET', summary: 'Set the default target',
    run: (m, p) => m.setDefault(p.units[0]!),
  },
  environment: { access: 'root', units: 'none', args: '', summary: 'Dump environment', run: (m) => m.environment() },
  'set-environment': {
    access: 'root',
    units: 'none',
    args: 'NAME=VALUE...', summary: 'Set one or more environment variables',
    run: (m, p) => m.setEnvironment(p.args ?? []),
  },
  'unset-environment': {
    access: 'root',
    units: 'none',
    args: 'NAME...', summary: 'Unset one or more environment variables',
    run: (m, p) => m.unsetEnvironment(p.args ?? []),
  },
  'system-state': { access: 'anyone', units: 'none', args: '', summary: 'Check whether system is fully running', run: (m) => m.systemStatus() },
  'list-jobs': { access: 'anyone', units: 'none', args: '', summary: 'List jobs', run: (m) => m.listJobs() },
  ping: { access: 'anyone', units: 'none', args: '', summary: 'Check that ts-init answers (its pid and protocol version)', run: (_m, _p, stream) => ({ pong: true, protocol: stream.protocolVersion, pid: process.pid }) },
} satisfies Record<string, VerbRow>;

export type Verb = keyof typeof VERB_TABLE;

export const VERBS = Object.keys(VERB_TABLE) as Verb[];

export function verbRow(verb: Verb): VerbRow {
  return VERB_TABLE[verb];
}

/** Whether a caller with this uid may ask for the verb (root may ask for anything). */
export function mayAsk(verb: Verb, uid: number): boolean {
  return uid === 0 || verbRow(verb).access === 'anyone';
}
