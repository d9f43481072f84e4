// org.freedesktop.systemd1 on the bus: the manager object, one object per unit and per
// job, answered in Manager terms (control/manager.ts), like the control socket. Every call
// gets an answer at once: what is not implemented gets D-Bus's or systemd's error name,
// never silence. Jobs are systemd's: StartUnit & co. answer with the job's path at once,
// JobNew/JobRemoved tell its course. Calls that change something are for root only (the
// sender's uid, asked of the bus): systemd would ask polkit, and there is none here.
// Work in hand is bounded (calls being answered, jobs); past it calls are refused at once.
import * as fs from 'node:fs';
import type { ActiveState, JobResult, Manager, StatusOptions, UnitStatus } from '../control/manager';
import type { Logger } from '../log/logger';
import { releaseMemorySoon } from '../sys/memory';
import { BusError, type BusConnection } from './connection';
import { HOSTNAME1_INTERFACE, HOSTNAME1_PATH, hostname1Call, Hostname1Error, readHostname1Properties } from './hostname1';
import { type InterfaceSpec, introspectionXml, type MethodSpec, STANDARD_INTERFACES } from './introspection';
import { type Message, MessageType } from './message';
import { JOB_PREFIX, jobPath, MANAGER_PATH, UNIT_PREFIX, unitOfPath, unitPath } from './object-path';
import { type Clock, listUnitsRow, matchesStates, type PropertySpec, propertyValues, typeInterface, UNIT_IFACE, UNIT_PROPERTIES } from './unit-properties';
import { splitSignature, variant, type Variant } from './wire';

export const MANAGER_IFACE = 'org.freedesktop.systemd1.Manager';
export const BUS_NAME = 'org.freedesktop.systemd1';
const JOB_IFACE = 'org.freedesktop.systemd1.Job';
const PROPS_IFACE = 'org.freedesktop.DBus.Properties';
const DBUS = 'org.freedesktop.DBus';
const DBUS_PATH = '/org/freedesktop/DBus';
/** The name a peer-to-peer client's Hello gets (it is the only other end). */
const PEER_NAME = ':1.1';
const ACTIVATOR_IFACE = 'org.freedesktop.systemd1.Activator';

/** Calls being answered at once (more are refused with LimitsExceeded), and jobs running at once. */
export const MAX_CALLS_IN_HAND = 64;
export const MAX_JOBS = 256;
/** Senders whose uid is remembered (unique names are never reused on a bus), and subscribers. */
const MAX_KNOWN_SENDERS = 256;
const MAX_SUBSCRIBERS = 256;
/**
 * Statuses the bus tells without a main process's CPU and memory: a change signal (every unit
 * change of a boot, for each subscriber), a list, a lookup. Only MemoryCurrent shows them.
 */
const STATE_ONLY: StatusOptions = { processStats: false };

const E = {
  unknownMethod: 'org.freedesktop.DBus.Error.UnknownMethod',
  unknownObject: 'org.freedesktop.DBus.Error.UnknownObject',
  unknownInterface: 'org.freedesktop.DBus.Error.UnknownInterface',
  unknownProperty: 'org.freedesktop.DBus.Error.UnknownProperty',
  readOnly: 'org.freedesktop.DBus.Error.PropertyReadOnly',
  invalidArgs: 'org.freedesktop.DBus.Error.InvalidArgs',
  accessDenied: 'org.freedesktop.DBus.Error.AccessDenied',
  limits: 'org.freedesktop.DBus.Error.LimitsExceeded',
  failed: 'org.freedesktop.DBus.Error.Failed',
  noSuchUnit: 'org.freedesktop.systemd1.NoSuchUnit',
  noSuchJob: 'org.freedesktop.systemd1.NoSuchJob',
  noUnitForPid: 'org.freedesktop.systemd1.NoUnitForPID',
  masked: 'org.freedesktop.systemd1.UnitMasked',
  notApplicable: 'org.freedesktop.systemd1.JobTypeNotApplicable',
  inactive: 'org.freedesktop.systemd1.UnitInactive',
  notSubscribed: 'org.freedesktop.systemd1.NotSubscribed',
  alreadySubscribed: 'org.freedesktop.systemd1.AlreadySubscribed',
} as const;

const JOB_MODES = new Set(['replace', 'fail', 'isolate', 'ignore-dependencies', 'ignore-requirements', 'replace-irreversibly', 'flush', 'triggering', 'restart-dependencies']);

type JobKind = 'start' | 'stop' | 'restart' | 'reload' | 'try-restart' | 'reload-or-restart';
/** The manager method each job verb runs, and the job type systemd reports for it. */
const JOB_VERBS: Record<string, { kind: JobKind; type: string }> = {
  StartUnit: { kind: 'start', type: 'start' },
  StartUnitReplace: { kind: 'start', type: 'start' },
  StopUnit: { kind: 'stop', type: 'stop' },
  RestartUnit: { kind: 'restart', type: 'restart' },
  ReloadUnit: { kind: 'reload', type: 'reload' },
  TryRestartUnit: { kind: 'try-restart', type: 'try-restart' },
  ReloadOrRestartUnit: { kind: 'reload-or-restart', type: 'restart' },
  ReloadOrTryRestartUnit: { kind: 'reload-or-restart', type: 'try-restart' },
};

const UNIT_LIST_ROW = 'a(ssssssouso)';
/** What a unit's change tells its subscribers, of the unit's interface and of its type's. */
const UNIT_CHANGE_KEYS = ['ActiveState', 'SubState', 'StateChangeTimestamp', 'ActiveEnterTimestamp', 'ActiveExitTimestamp', 'InactiveEnterTimestamp', 'InactiveExitTimestamp', 'Job'];
const TYPE_CHANGE_KEYS = ['MainPID', 'Result', 'NRestarts', 'StatusText', 'ExecMainPID', 'ExecMainStatus', 'ExecMainCode'];
/** Those properties, picked from each table once: not for every unit at every change of a boot (PID 1 runs interpreted). */
const changePicks = new Map<readonly PropertySpec[], readonly PropertySpec[]>();
function changeProperties(table: readonly PropertySpec[], keep: readonly string[]): readonly PropertySpec[] {
  let picked = changePicks.get(table);
  if (!picked) changePicks.set(table, (picked = table.filter((p) => keep.includes(p.name))));
  return picked;
}
export const MANAGER_METHODS: readonly MethodSpec[] = [
  { name: 'GetUnit', in: 's', out: 'o' },
  { name: 'GetUnitByPID', in: 'u', out: 'o' },
  { name: 'LoadUnit', in: 's', out: 'o' },
  { name: 'StartUnit', in: 'ss', out: 'o' },
  { name: 'StartUnitReplace', in: 'sss', out: 'o' },
  { name: 'StopUnit', in: 'ss', out: 'o' },
  { name: 'ReloadUnit', in: 'ss', out: 'o' },
  { name: 'RestartUnit', in: 'ss', out: 'o' },
  { name: 'TryRestartUnit', in: 'ss', out: 'o' },
  { name: 'ReloadOrRestartUnit', in: 'ss', out: 'o' },
  { name: 'ReloadOrTryRestartUnit', in: 'ss', out: 'o' },
  { name: 'KillUnit', in: 'ssi', out: '' },
  { name: 'GetJob', in: 'u', out: 'o' },
  { name: 'ListUnits', in: '', out: UNIT_LIST_ROW },
  { name: 'ListUnitsFiltered', in: 'as', out: UNIT_LIST_ROW },
  { name: 'ListUnitsByNames', in: 'as', out: UNIT_LIST_ROW },
  { name: 'ListJobs', in: '', out: 'a(usssoo)' },
  { name: 'Subscribe', in: '', out: '' },
  { name: 'Unsubscribe', in: '', out: '' },
  { name: 'Reload', in: '', out: '' },
  // libc6's postinst runs `systemctl daemon-reexec` under set -e wherever /run/systemd/system is:
  // ts-init is not re-executed, but re-reads its units as a re-executed systemd does.
  { name: 'Reexecute', in: '', out: '' },
  { name: 'ListUnitFiles', in: '', out: 'a(ss)' },
  { name: 'GetUnitFileState', in: 's', out: 's' },
  { name: 'EnableUnitFiles', in: 'asbb', out: 'ba(sss)' },
  { name: 'DisableUnitFiles', in: 'asb', out: 'a(sss)' },
  // systemctl mask/unmask, as Ansible's systemd module runs them (systemctl reloads afterwards itself).
  { name: 'MaskUnitFiles', in: 'asbb', out: 'a(sss)' },
  { name: 'UnmaskUnitFiles', in: 'asb', out: 'a(sss)' },
  { name: 'GetDefaultTarget', in: '', out: 's' },
];

const MANAGER_SIGNALS = [
  { name: 'UnitNew', sig: 'so' },
  { name: 'UnitRemoved', sig: 'so' },
  { name: 'JobNew', sig: 'uos' },
  { name: 'JobRemoved', sig: 'uoss' },
  { name: 'StartupFinished', sig: 'tttttt' },
  { name: 'UnitFilesChanged', sig: '' },
  { name: 'Reloading', sig: 'b' },
];

const MUTATING = new Set([...Object.keys(JOB_VERBS), 'KillUnit', 'Reload', 'Reexecute', 'EnableUnitFiles', 'DisableUnitFiles', 'MaskUnitFiles', 'UnmaskUnitFiles']);

export interface ManagerFacts {
  version: string;
  virtualization: string;
  architecture: string;
}

interface Job {
  id: number;
  unit: string;
  type: string;
}

class CallError extends Error {
  constructor(
    readonly errorName: string,
    message: string,
  ) {
    super(message);
  }
}

/** systemd's job results, from the Manager's. */
export function jobRemovedResult(r: JobResult): string {
  switch (r.result) {
    case 'done':
    case 'canceled':
    case 'timeout':
    case 'dependency':
    case 'skipped':
    case 'failed':
      return r.result;
    default:
      return 'failed';
  }
}

/** SystemState from the units: starting while any is activating, degraded when any failed. */
export function systemState(units: readonly UnitStatus[]): string {
  const has = (a: ActiveState): boolean => units.some((u) => u.activeState === a);
  return has('activating') ? 'starting' : has('failed') ? 'degraded' : 'running';
}

export class Systemd1 {
  private inHand = 0;
  private nextJob = 1;
  private readonly jobs = new Map<number, Job>();
  private readonly uids = new Map<string, number>();
  private readonly subscribers = new Set<string>();
  private readonly known = new Set<string>();
  private readonly changed = new Set<string>();
  private changeTimer: NodeJS.Immediate | undefined;
  private stopWatching: () => void = () => undefined;

  constructor(
    private readonly conn: BusConnection,
    private readonly manager: Manager,
    private readonly facts: ManagerFacts,
    private readonly log: Logger,
  ) {
    conn.onMessage((m) => this.onMessage(m));
    if (manager.onUnitChange) this.stopWatching = manager.onUnitChange((name) => this.unitChanged(name));
    conn.onClose(() => this.stopWatching());
  }

  // ---- dispatch ----

  private onMessage(m: Message): void {
    if (m.type === MessageType.Signal) return this.onSignal(m);
    if (m.type !== MessageType.MethodCall) return;
    // Answers that need more than one turn hold a slot while they wait. With every slot taken a
    // call is refused at once rather than left unread: the connection must go on being read,
    // since the bus's replies to our own calls (the callers' uids) come through it too.
    const peer = m.interface === 'org.freedesktop.DBus.Peer';
    if (this.inHand >= MAX_CALLS_IN_HAND && !peer) return void this.conn.error(m, E.limits, `Too many calls at once (${MAX_CALLS_IN_HAND}); try again.`);
    const answer = this.answer(m);
    if (!(answer instanceof Promise)) return;
    this.inHand++;
    void answer.finally(() => this.handedBack());
  }

  private handedBack(): void {
    this.inHand--;
    // What a burst of calls allocated (statuses, /proc reads) is garbage now: hand it back.
    if (this.inHand === 0) releaseMemorySoon();
  }

  /** Answers a call: at once, or (for what asks the manager or the bus) when a promise ends. */
  private answer(m: Message): Promise<void> | undefined {
    try {
      const r = this.call(m);
      if (r instanceof Promise) {
        return r.then(
          (out) => out && this.conn.reply(m, out.sig, out.body),
          (err) => this.fail(m, err),
        );
      }
      if (r) this.conn.reply(m, r.sig, r.body);
    } catch (err) {
      this.fail(m, err);
    }
    return undefined;
  }

  private fail(m: Message, err: unknown): void {
    if (err instanceof CallError || err instanceof BusError) {
      this.conn.error(m, err instanceof CallError ? err.errorName : err.name, err.message);
      return;
    }
    this.log.error({ err, member: m.member }, 'bus call failed');
    this.conn.error(m, E.failed, (err as Error).message);
  }

  private call(m: Message): Reply | Promise<Reply> {
    const path = m.path!;
    const iface = m.interface;
    const member = m.member!;
    if (iface === 'org.freedesktop.DBus.Peer' || (!iface && (member === 'Ping' || member === 'GetMachineId'))) return this.peer(member, m);
    // Peer to peer there is no bus, but bus clients (busctl) say Hello first: they get a name.
    if (this.conn.peerUid !== undefined && path === DBUS_PATH && iface === DBUS && member === 'Hello') return { sig: 's', body: [PEER_NAME] };
    const object = this.object(path);
    if (!object) throw new CallError(E.unknownObject, `Unknown object '${path}'.`);
    if (iface === 'org.freedesktop.DBus.Introspectable' || (!iface && member === 'Introspect')) {
      if (member !== 'Introspect') throw unknownMethod(member, iface);
      return object.introspect().then((xml) => ({ sig: 's', body: [xml] }));
    }
    if (iface === PROPS_IFACE) return this.properties(m, object);
    const spec = object.interfaces.find((i) => (iface ? i.name === iface : i.methods.some((x) => x.name === member)));
    const method = spec?.methods.find((x) => x.name === member);
    if (!spec || !method) throw unknownMethod(member, iface);
    if (m.signature !== method.in) {
      throw new CallError(E.invalidArgs, `Invalid arguments '${m.signature}' to call ${spec.name}.${member}(), expecting '${method.in}'.`);
    }
    if (spec.name === HOSTNAME1_INTERFACE.name) return this.asRoot(m).then(() => this.hostname1(member, m));
    if (spec.name !== MANAGER_IFACE) throw unknownMethod(member, iface);
    if (MUTATING.has(member)) return this.asRoot(m).then(() => this.managerCall(member, m));
    return this.managerCall(member, m);
  }

  /** hostname1's setters (the hostnamectl front's files); the interactive flag is moot without polkit. */
  private hostname1(member: string, m: Message): Reply {
    try {
      hostname1Call(member, String(m.body[0]));
    } catch (err) {
      if (err instanceof Hostname1Error) throw new CallError(err.errorName, err.message);
      throw err;
    }
    return { sig: '', body: [] };
  }

  private peer(member: string, m: Message): Reply {
    if (member === 'Ping') {
      if (m.signature !== '') throw new CallError(E.invalidArgs, 'Ping takes no arguments.');
      return { sig: '', body: [] };
    }
    if (member === 'GetMachineId') {
      let id = '';
      try {
        id = fs.readFileSync('/etc/machine-id', 'latin1').slice(0, 64).trim();
      } catch {
        id = '';
      }
      if (!/^[0-9a-f]{32}$/.test(id)) throw new CallError(E.failed, 'No machine ID set.');
      return { sig: 's', body: [id] };
    }
    throw unknownMethod(member, 'org.freedesktop.DBus.Peer');
  }

  // ---- objects ----

  /** The object at a path: its interfaces (for introspection and Properties) and its property values. */
  private object(path: string): BusObject | undefined {
    const standard = STANDARD_INTERFACES;
    if (path === MANAGER_PATH) {
      const manager: InterfaceSpec = { name: MANAGER_IFACE, methods: MANAGER_METHODS, signals: MANAGER_SIGNALS, properties: MANAGER_PROPERTY_SPECS };
      return {
        interfaces: [...standard, manager],
        introspect: async () => introspectionXml([...standard, manager], ['unit', 'job'], splitSignature),
        props: async (want, only) => (want === MANAGER_IFACE ? this.managerProperties(only) : undefined),
      };
    }
    if (path === HOSTNAME1_PATH) {
      const specs = [...standard, HOSTNAME1_INTERFACE];
      return {
        interfaces: specs,
        introspect: async () => introspectionXml(specs, [], splitSignature),
        props: async (want) => (want === HOSTNAME1_INTERFACE.name ? readHostname1Properties() : undefined),
      };
    }
    const tree = containerChildren(path);
    if (tree) {
      return { interfaces: [], introspect: async () => introspectionXml([], tree, splitSignature), props: async () => undefined };
    }
    if (path === UNIT_PREFIX.slice(0, -1)) {
      return {
        interfaces: [],
        introspect: async () => {
          const units = await this.manager.listUnits(STATE_ONLY);
          return introspectionXml([], units.map((u) => unitPath(u.name).slice(UNIT_PREFIX.length)), splitSignature);
        },
        props: async () => undefined,
      };
    }
    if (path === JOB_PREFIX.slice(0, -1)) {
      return { interfaces: [], introspect: async () => introspectionXml([], [...this.jobs.keys()].map(String), splitSignature), props: async () => undefined };
    }
    const unit = unitOfPath(path);
    if (unit !== undefined) return this.unitObject(unit);
    if (path.startsWith(JOB_PREFIX)) {
      const job = this.jobs.get(Number(path.slice(JOB_PREFIX.length)));
      if (!job || path !== jobPath(job.id)) return undefined;
      const props = [
        { name: 'Id', sig: 'u', value: job.id },
        { name: 'Unit', sig: '(so)', value: [job.unit, unitPath(job.unit)] },
        { name: 'JobType', sig: 's', value: job.type },
        { name: 'State', sig: 's', value: 'running' },
      ];
      const spec: InterfaceSpec = { name: JOB_IFACE, methods: [{ name: 'Cancel', in: '', out: '' }], properties: props };
      return {
        interfaces: [...standard, spec],
        introspect: async () => introspectionXml([...standard, spec], [], splitSignature),
        props: async (want) => (want === JOB_IFACE ? props.map((p) => [p.name, variant(p.sig, p.value)] as [string, Variant]) : undefined),
      };
    }
    return undefined;
  }

  private unitObject(name: string): BusObject {
    const typed = typeInterface(name);
    const specs: InterfaceSpec[] = [{ name: UNIT_IFACE, methods: UNIT_METHODS, properties: UNIT_PROPERTIES }];
    if (typed) specs.push({ name: typed.iface, methods: [], properties: typed.props });
    // A main process's memory is measured only when MemoryCurrent is asked for (GetAll of an
    // interface that has it, or Get of it): node-exporter's systemd collector Gets every
    // service's NRestarts at each scrape.
    const hasMemory = (table: ReadonlyArray<{ name: string }>): boolean => table.some((p) => p.name === 'MemoryCurrent');
    // One status for every interface a call reads (a GetAll of them all, as `systemctl show` asks):
    // made measured at once when any of them shows MemoryCurrent.
    let made: { measured: boolean; status: Promise<UnitStatus> } | undefined;
    const status = (table: readonly PropertySpec[], only: string | undefined, every: boolean): Promise<UnitStatus> => {
      const measured = only !== undefined ? only === 'MemoryCurrent' : every ? specs.some((i) => hasMemory(i.properties ?? [])) : hasMemory(table);
      if (!made || (measured && !made.measured)) made = { measured, status: this.manager.status([name], { processStats: measured }).then(([s]) => s!) };
      return made.status;
    };
    return {
      interfaces: [...STANDARD_INTERFACES, ...specs],
      introspect: async () => introspectionXml([...STANDARD_INTERFACES, ...specs], [], splitSignature),
      props: async (want, only, every = false) => {
        const table: readonly PropertySpec[] | undefined = want === UNIT_IFACE ? UNIT_PROPERTIES : want === typed?.iface ? typed.props : undefined;
        if (!table) return undefined;
        // A Get makes only the property it asks for (a unit's status makes its show properties lazily).
        const picked = only === undefined ? table : table.filter((p) => p.name === only);
        return propertyValues(picked, await status(table, only, every), clockNow());
      },
    };
  }

  private async properties(m: Message, object: BusObject): Promise<Reply> {
    const member = m.member!;
    const want = { Get: 'ss', GetAll: 's', Set: 'ssv' }[member];
    if (want === undefined) throw unknownMethod(member, PROPS_IFACE);
    if (m.signature !== want) throw new CallError(E.invalidArgs, `Invalid arguments '${m.signature}' to call ${PROPS_IFACE}.${member}(), expecting '${want}'.`);
    const [iface, name] = m.body as [string, string];
    const known = iface === '' || object.interfaces.some((i) => i.name === iface);
    if (!known) throw new CallError(E.unknownInterface, `Unknown interface ${iface}.`);
    if (member === 'Set') {
      const exists = object.interfaces.some((i) => (iface === '' || i.name === iface) && i.properties?.some((p) => p.name === name));
      throw exists ? new CallError(E.readOnly, `Property '${name}' is not writable.`) : new CallError(E.unknownProperty, 'Unknown property or interface.');
    }
    const ifaces = iface === '' ? object.interfaces.map((i) => i.name) : [iface];
    const all: Array<[string, Variant]> = [];
    for (const i of ifaces) all.push(...((await object.props(i, member === 'Get' ? name : undefined, iface === '')) ?? []));
    if (member === 'GetAll') return { sig: 'a{sv}', body: [all] };
    const found = all.find(([n]) => n === name);
    if (!found) throw new CallError(E.unknownProperty, 'Unknown property or interface.');
    return { sig: 'v', body: [found[1]] };
  }

  /** The manager's properties, or the one a Get asks for: the units are listed only for what counts them. */
  private async managerProperties(only?: string): Promise<Array<[string, Variant]>> {
    const specs = only === undefined ? MANAGER_PROPERTY_SPECS : MANAGER_PROPERTY_SPECS.filter((p) => p.name === only);
    const units = specs.some((p) => FROM_UNITS.has(p.name)) ? await this.manager.listUnits(STATE_ONLY) : [];
    const values: Record<string, unknown> = {
      Version: this.facts.version,
      Features: '',
      Virtualization: this.facts.virtualization,
      Architecture: this.facts.architecture,
      Tainted: '',
      NNames: units.length,
      NFailedUnits: units.filter((u) => u.activeState === 'failed').length,
      NJobs: this.jobs.size,
      NInstalledJobs: this.nextJob - 1,
      NFailedJobs: 0,
      Progress: 1,
      SystemState: systemState(units),
      Environment: [],
      DefaultStandardOutput: 'journal',
      DefaultStandardError: 'inherit',
      ShowStatus: false,
      ConfirmSpawn: false,
    };
    return specs.map((p) => [p.name, variant(p.sig, values[p.name])]);
  }

  // ---- the Manager interface ----

  private async managerCall(member: string, m: Message): Promise<Reply> {
    const arg = m.body;
    const job = JOB_VERBS[member];
    if (job) return this.jobCall(member, job, String(arg[0]), String(member === 'StartUnitReplace' ? arg[2] : arg[1]));
    switch (member) {
      case 'GetUnit': {
        const [s] = await this.manager.status([String(arg[0])], STATE_ONLY);
        if (!s || s.loadState === 'not-found') throw new CallError(E.noSuchUnit, `Unit ${String(arg[0])} not loaded.`);
        return { sig: 'o', body: [unitPath(s.name)] };
      }
      case 'LoadUnit': {
        const [s] = await this.manager.status([String(arg[0])], STATE_ONLY);
        return { sig: 'o', body: [unitPath(s?.name ?? String(arg[0]))] };
      }
      case 'GetUnitByPID': {
        const pid = Number(arg[0]);
        const units = await this.manager.listUnits(STATE_ONLY);
        const u = units.find((x) => x.mainPid !== undefined && x.mainPid === pid);
        if (!u) throw new CallError(E.noUnitForPid, `PID ${pid} does not belong to any loaded unit.`);
        return { sig: 'o', body: [unitPath(u.name)] };
      }
      case 'GetJob': {
        const j = this.jobs.get(Number(arg[0]));
        if (!j) throw new CallError(E.noSuchJob, `Job ${Number(arg[0])} does not exist.`);
        return { sig: 'o', body: [jobPath(j.id)] };
      }
      case 'ListUnits':
      case 'ListUnitsFiltered':
      case 'ListUnitsByNames': {
        const units = member === 'ListUnitsByNames' ? await this.manager.status(arg[0] as string[], STATE_ONLY) : await this.manager.listUnits(STATE_ONLY);
        const states = member === 'ListUnitsFiltered' ? (arg[0] as string[]) : [];
        const byUnit = new Map([...this.jobs.values()].map((j) => [j.unit, j]));
        const rows = units.filter((u) => matchesStates(u, states)).map((u) => listUnitsRow(u, unitPath(u.name), byUnit.get(u.name)));
        return { sig: UNIT_LIST_ROW, body: [rows] };
      }
      case 'ListJobs':
        return { sig: 'a(usssoo)', body: [[...this.jobs.values()].map((j) => [j.id, j.unit, j.type, 'running', jobPath(j.id), unitPath(j.unit)])] };
      case 'Subscribe': {
        const who = m.sender ?? '';
        if (this.subscribers.has(who)) throw new CallError(E.alreadySubscribed, 'Client is already subscribed.');
        if (this.subscribers.size >= MAX_SUBSCRIBERS) throw new CallError(E.limits, 'Too many subscribers.');
        this.subscribers.add(who);
        return { sig: '', body: [] };
      }
      case 'Unsubscribe':
        if (!this.subscribers.delete(m.sender ?? '')) throw new CallError(E.notSubscribed, 'Client is not subscribed.');
        return { sig: '', body: [] };
      case 'Reexecute':
      case 'Reload': {
        const report = await this.manager.daemonReload();
        for (const n of report.added) this.announce(n);
        for (const n of report.removed) this.unitRemoved(n);
        return { sig: '', body: [] };
      }
      case 'ListUnitFiles': {
        // The file of a loaded unit; one not loaded is named by its name alone (the Manager lists names).
        const loaded = new Map((await this.manager.listUnits(STATE_ONLY)).map((u) => [u.name, u.sourcePath]));
        return { sig: 'a(ss)', body: [this.manager.listUnitFiles().map((f) => [loaded.get(f.name) || f.name, f.state])] };
      }
      case 'GetUnitFileState': {
        const [s] = await this.manager.status([String(arg[0])], STATE_ONLY);
        if (!s || (s.loadState === 'not-found' && s.unitFileState !== 'masked')) throw new CallError(E.noSuchUnit, `Unit file ${String(arg[0])} does not exist.`);
        return { sig: 's', body: [s.unitFileState] };
      }
      case 'GetDefaultTarget':
        return { sig: 's', body: ['multi-user.target'] };
      case 'KillUnit': {
        const who = String(arg[1]);
        if (who !== 'main' && who !== 'all' && who !== '') throw new CallError(E.invalidArgs, `Invalid who argument: ${who}`);
        const r = this.manager.kill(String(arg[0]), Number(arg[2]), who === 'main' ? 'main' : 'all');
        if (r.result === 'not-found') throw new CallError(E.noSuchUnit, r.message ?? 'No such unit.');
        if (r.result !== 'done') throw new CallError(E.failed, r.message ?? 'Kill failed.');
        return { sig: '', body: [] };
      }
      case 'EnableUnitFiles':
      case 'DisableUnitFiles': {
        const changes: Array<[string, string, string]> = [];
        let install = false;
        for (const name of arg[0] as string[]) {
          const base = name.slice(name.lastIndexOf('/') + 1);
          const r = member === 'EnableUnitFiles' ? await this.manager.enable(base) : await this.manager.disable(base);
          if (r.error) throw new CallError(E.noSuchUnit, r.error);
          if (!('warning' in r) || !r.warning) install = true;
          changes.push(...r.changes.map(unitFileChange));
        }
        return member === 'EnableUnitFiles' ? { sig: 'ba(sss)', body: [install, changes] } : { sig: 'a(sss)', body: [changes] };
      }
      case 'MaskUnitFiles':
      case 'UnmaskUnitFiles': {
        const changes: Array<[string, string, string]> = [];
        for (const name of arg[0] as string[]) {
          const r = await this.manager.changeUnitFiles(member === 'MaskUnitFiles' ? 'mask' : 'unmask', name.slice(name.lastIndexOf('/') + 1));
          if (r.error) throw new CallError(E.failed, r.error);
          changes.push(...r.changes.map(unitFileChange));
        }
        return { sig: 'a(sss)', body: [changes] };
      }
      default:
        throw unknownMethod(member, MANAGER_IFACE);
    }
  }

  private async jobCall(member: string, verb: { kind: JobKind; type: string }, name: string, mode: string): Promise<Reply> {
    if (!JOB_MODES.has(mode)) throw new CallError(E.invalidArgs, `Job mode ${mode} invalid.`);
    const [s] = await this.manager.status([name], STATE_ONLY);
    if (!s || s.loadState === 'not-found') {
      if (verb.kind !== 'stop') throw new CallError(E.noSuchUnit, `Unit ${name} not found.`);
    } else if (s.loadState === 'masked' && verb.kind !== 'stop') throw new CallError(E.masked, `Unit ${s.name} is masked.`);
    if (verb.kind === 'reload') {
      if (s?.properties.CanReload !== 'yes') throw new CallError(E.notApplicable, `Job type reload is not applicable for unit ${s?.name ?? name}.`);
      if (s.activeState !== 'active' && s.activeState !== 'reloading') throw new CallError(E.inactive, `Unit ${s.name} is not active, cannot reload.`);
    }
    const job = this.startJob(s?.name ?? name, verb, member);
    return { sig: 'o', body: [jobPath(job.id)] };
  }

  /** Starts a job: JobNew now, JobRemoved when the Manager says it is done. */
  private startJob(unit: string, verb: { kind: JobKind; type: string }, why: string, onDone?: (r: JobResult) => void): Job {
    if (this.jobs.size >= MAX_JOBS) throw new CallError(E.limits, `Too many jobs (${MAX_JOBS}).`);
    const job: Job = { id: this.nextJob++, unit, type: verb.type };
    this.jobs.set(job.id, job);
    this.conn.signal(MANAGER_PATH, MANAGER_IFACE, 'JobNew', 'uos', [job.id, jobPath(job.id), unit]);
    // The job runs from the next turn: the caller's reply (the job's path) goes out before
    // JobRemoved can, or a client waiting for that path's JobRemoved would wait for ever.
    const run = new Promise<JobResult>((resolve) => setImmediate(() => resolve(this.runJob(verb.kind, unit))));
    void run
      .catch((err: Error): JobResult => {
        this.log.error({ err, unit, why }, 'bus job failed');
        return { result: 'failed', message: err.message };
      })
      .then((r) => {
        this.jobs.delete(job.id);
        this.conn.signal(MANAGER_PATH, MANAGER_IFACE, 'JobRemoved', 'uoss', [job.id, jobPath(job.id), unit, jobRemovedResult(r)]);
        onDone?.(r);
      });
    return job;
  }

  private runJob(kind: JobKind, unit: string): Promise<JobResult> {
    const m = this.manager;
    switch (kind) {
      case 'start':
        return m.start(unit);
      case 'stop':
        return m.stop(unit);
      case 'restart':
        return m.restart(unit);
      case 'reload':
        return m.reload(unit);
      case 'try-restart':
        return m.tryRestart(unit);
      case 'reload-or-restart':
        return m.reloadOrRestart(unit);
    }
  }

  /** Resolves when the caller is root (asked of the bus, remembered per unique name); else AccessDenied. */
  private async asRoot(m: Message): Promise<void> {
    const sender = m.sender ?? '';
    if (!sender && this.conn.peerUid === undefined) throw new CallError(E.accessDenied, 'Access denied');
    // Peer to peer (/run/systemd/private), the caller is the peer, its uid taken at connect.
    let uid = this.conn.peerUid ?? this.uids.get(sender);
    if (uid === undefined) {
      const r = await this.conn.call({ destination: DBUS, path: DBUS_PATH, interface: DBUS, member: 'GetConnectionUnixUser', signature: 's', body: [sender] });
      uid = Number(r.body[0]);
      if (this.uids.size >= MAX_KNOWN_SENDERS) this.uids.delete(this.uids.keys().next().value!);
      this.uids.set(sender, uid);
    }
    if (uid !== 0) throw new CallError(E.accessDenied, 'Access denied');
  }

  // ---- signals from the bus ----

  private onSignal(m: Message): void {
    // Only the bus daemon's own signals count: it sets the sender, so no client can pose as it.
    if (m.sender !== DBUS) return;
    if (m.interface === ACTIVATOR_IFACE && m.member === 'ActivationRequest' && m.signature === 's') return void this.activate(String(m.body[0]));
    if (m.interface === DBUS && m.member === 'NameOwnerChanged' && m.signature === 'sss') {
      const [name, , newOwner] = m.body as string[];
      if (newOwner === '' && name!.startsWith(':')) {
        this.subscribers.delete(name!);
        this.uids.delete(name!);
      }
    }
  }

  /** The bus daemon asks for a service's unit: start it, or say at once that it cannot be. */
  private async activate(unit: string): Promise<void> {
    const failure = (name: string, text: string): void =>
      this.conn.signal(DBUS_PATH, ACTIVATOR_IFACE, 'ActivationFailure', 'sss', [unit, name, text], DBUS);
    if (this.inHand >= MAX_CALLS_IN_HAND) return failure(E.limits, 'Too many activation requests at once.');
    this.inHand++;
    try {
      const [s] = await this.manager.status([unit], STATE_ONLY);
      if (!s || s.loadState === 'not-found') return failure(E.noSuchUnit, `Unit ${unit} not found.`);
      if (s.loadState === 'masked') return failure(E.masked, `Unit ${unit} is masked.`);
      if (s.loadState !== 'loaded') return failure(E.failed, `Unit ${unit} failed to load: ${s.loadError ?? s.loadState}.`);
      this.startJob(s.name, JOB_VERBS.StartUnit!, 'activation', (r) => {
        if (r.result !== 'done') failure('org.freedesktop.systemd1.UnitFailed', `Unit ${s.name} failed: ${r.message ?? r.result}.`);
      });
    } catch (err) {
      failure(err instanceof CallError ? err.errorName : E.failed, (err as Error).message);
    } finally {
      this.handedBack();
    }
  }

  // ---- unit changes, for subscribers ----

  private unitChanged(name: string): void {
    if (this.subscribers.size === 0) {
      this.known.add(name);
      return;
    }
    this.changed.add(name);
    // Many changes in one turn (a boot, a reload) are told once per unit, after it.
    this.changeTimer ??= setImmediate(() => {
      this.changeTimer = undefined;
      const names = [...this.changed];
      this.changed.clear();
      void this.tellChanges(names).catch((err: Error) => this.log.error({ err }, 'bus unit change failed'));
    });
  }

  private async tellChanges(names: string[]): Promise<void> {
    if (this.conn.isClosed) return;
    const clock = clockNow();
    for (const s of await this.manager.status(names, STATE_ONLY)) {
      this.announce(s.name);
      const path = unitPath(s.name);
      const pick = (table: readonly PropertySpec[], keep: readonly string[]): Array<[string, Variant]> =>
        changeProperties(table, keep).map((p) => [p.name, variant(p.sig, p.get(s, clock))]);
      this.conn.signal(path, PROPS_IFACE, 'PropertiesChanged', 'sa{sv}as', [UNIT_IFACE, pick(UNIT_PROPERTIES, UNIT_CHANGE_KEYS), []]);
      const typed = typeInterface(s.name);
      if (typed?.props.length) {
        this.conn.signal(path, PROPS_IFACE, 'PropertiesChanged', 'sa{sv}as', [typed.iface, pick(typed.props, TYPE_CHANGE_KEYS), []]);
      }
    }
  }

  /** UnitNew, the first time a unit is seen. */
  private announce(name: string): void {
    if (this.known.has(name)) return;
    this.known.add(name);
    if (this.subscribers.size) this.conn.signal(MANAGER_PATH, MANAGER_IFACE, 'UnitNew', 'so', [name, unitPath(name)]);
  }

  private unitRemoved(name: string): void {
    this.known.delete(name);
    if (this.subscribers.size) this.conn.signal(MANAGER_PATH, MANAGER_IFACE, 'UnitRemoved', 'so', [name, unitPath(name)]);
  }
}

interface Reply {
  sig: string;
  body: unknown[];
}

interface BusObject {
  interfaces: readonly InterfaceSpec[];
  introspect(): Promise<string>;
  /**
   * The a{sv} of one interface's properties, undefined when the object has no such interface;
   * `only`: the one property a Get asks for (the others may then go unmeasured); `every`: the call reads
   * every interface of the object (GetAll with no interface named).
   */
  props(iface: string, only?: string, every?: boolean): Promise<Array<[string, Variant]> | undefined>;
}

const UNIT_METHODS: readonly MethodSpec[] = [];

export const MANAGER_PROPERTY_SPECS: ReadonlyArray<{ name: string; sig: string }> = [
  { name: 'Version', sig: 's' },
  { name: 'Features', sig: 's' },
  { name: 'Virtualization', sig: 's' },
  { name: 'Architecture', sig: 's' },
  { name: 'Tainted', sig: 's' },
  { name: 'NNames', sig: 'u' },
  { name: 'NFailedUnits', sig: 'u' },
  { name: 'NJobs', sig: 'u' },
  { name: 'NInstalledJobs', sig: 'u' },
  { name: 'NFailedJobs', sig: 'u' },
  { name: 'Progress', sig: 'd' },
  { name: 'SystemState', sig: 's' },
  { name: 'Environment', sig: 'as' },
  { name: 'DefaultStandardOutput', sig: 's' },
  { name: 'DefaultStandardError', sig: 's' },
  { name: 'ShowStatus', sig: 'b' },
  { name: 'ConfirmSpawn', sig: 'b' },
];

/** The manager properties made from the units' states (node-exporter Gets Version and SystemState at every scrape). */
const FROM_UNITS = new Set(['NNames', 'NFailedUnits', 'SystemState']);

/** The child nodes of the paths above the manager ("/" → "org"), for `busctl tree`. */
function containerChildren(path: string): string[] | undefined {
  if (path === '/') return ['org'];
  if (path === '/org') return ['freedesktop'];
  if (path === '/org/freedesktop') return ['systemd1'];
  return undefined;
}

function unknownMethod(member: string, iface: string | undefined): CallError {
  return new CallError(E.unknownMethod, `Unknown method ${member} or interface ${iface ?? '(none)'}.`);
}

/** "Created symlink L → T." / "Removed "L"." → systemd's (type, file, destination) change rows. */
export function unitFileChange(line: string): [string, string, string] {
  // \u2192 (→) escaped: the executable reads its bundle as latin1, and esbuild keeps a regular expression's characters as written.
  const created = /^Created symlink (.+) \u2192 (.+?)\.?$/.exec(line);
  if (created) return ['symlink', created[1]!, created[2]!];
  const removed = /^Removed "?(.+?)"?\.?$/.exec(line);
  if (removed) return ['unlink', removed[1]!, ''];
  return ['symlink', line, ''];
}

function clockNow(): Clock {
  return { wallUs: BigInt(Date.now()) * 1000n, monoUs: process.hrtime.bigint() / 1000n };
}
