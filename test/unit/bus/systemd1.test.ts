// The manager object's answers, through a fake connection and a fake Manager: what each
// call returns or which error name it gets, the root check, jobs' signals, activation.
import { describe, expect, it } from 'vitest';
import type { BusConnection } from '../../../src/bus/connection';
import { type Message, MessageType } from '../../../src/bus/message';
import { jobRemovedResult, MAX_CALLS_IN_HAND, Systemd1, systemState, unitFileChange } from '../../../src/bus/systemd1';
import { listUnitsRow, matchesStates, propertyValues, SERVICE_PROPERTIES, spanUs, UNIT_PROPERTIES } from '../../../src/bus/unit-properties';
import type { JobResult, Manager, UnitStatus } from '../../../src/control/manager';

function status(name: string, over: Partial<UnitStatus> = {}): UnitStatus {
  return {
    name,
    description: `The ${name}`,
    loadState: 'loaded',
    activeState: 'active',
    subState: 'running',
    result: 'success',
    unitFileState: 'enabled',
    mainPid: 42,
    stateChangedAt: 0,
    restarts: 1,
    properties: { Requires: 'a.service b.service', ActiveEnterTimestampMonotonic: '1000000', CanReload: 'no' },
    ...over,
  };
}

const units = [status('ssh.service'), status('dbus.socket', { subState: 'listening', mainPid: undefined })];

function fakeManager(jobs: JobResult[] = []): Manager & { started: string[]; measured: boolean[] } {
  const started: string[] = [];
  /** For each status or list asked for, whether it asked for the main processes' CPU and memory. */
  const measured: boolean[] = [];
  const find = (n: string): UnitStatus =>
    units.find((u) => u.name === n) ?? status(n, { loadState: 'not-found', activeState: 'inactive', subState: 'dead', mainPid: undefined });
  return {
    started,
    measured,
    listUnits: async (o) => (measured.push(o?.processStats ?? true), units),
    status: async (names, o) => (measured.push(o?.processStats ?? true), names.map(find)),
    start: async (n) => (started.push(n), jobs.shift() ?? { result: 'done' }),
    stop: async () => ({ result: 'done' }),
    restart: async () => ({ result: 'done' }),
    reload: async () => ({ result: 'done' }),
    tryRestart: async () => ({ result: 'done' }),
    reloadOrRestart: async () => ({ result: 'done' }),
    kill: () => ({ result: 'done' }),
    enable: async () => ({ changes: ['Created symlink /etc/systemd/system/multi-user.target.wants/ssh.service → /lib/systemd/system/ssh.service.'] }),
    disable: async () => ({ changes: [] }),
    listUnitFiles: () => [{ name: 'ssh.service', state: 'enabled' }],
    logs: () => undefined,
    follow: () => undefined,
    daemonReload: async () => ({ added: [], removed: [], changed: [], errors: [] }),
    resetFailed: (names) => names.map(() => ({ result: 'done' })),
    changeUnitFiles: async () => ({ changes: [] }),
    getDefault: () => 'multi-user.target',
    setDefault: () => ({ changes: [] }),
    environment: () => [],
    setEnvironment: () => ({}),
    unsetEnvironment: () => ({}),
    systemStatus: () => ({ state: 'running', jobs: 0, failed: 0, since: 0 }) as unknown as ReturnType<Manager['systemStatus']>,
    listJobs: () => [],
    shutdown: () => undefined,
  };
}

interface Sent {
  kind: 'reply' | 'error' | 'signal';
  to?: number;
  name?: string;
  sig?: string;
  body: unknown[];
}

function fakeBus(uids: Record<string, number>): { conn: BusConnection; sent: Sent[]; deliver(m: Partial<Message>): void } {
  let handler: (m: Message) => void = () => undefined;
  const sent: Sent[] = [];
  const conn = {
    onMessage: (h: (m: Message) => void) => (handler = h),
    onClose: () => undefined,
    isClosed: false,
    reply: (to: Message, sig = '', body: unknown[] = []) => sent.push({ kind: 'reply', to: to.serial, sig, body }),
    error: (to: Message, name: string, text: string) => sent.push({ kind: 'error', to: to.serial, name, body: [text] }),
    signal: (_p: string, _i: string, member: string, sig = '', body: unknown[] = []) => sent.push({ kind: 'signal', name: member, sig, body }),
    call: async (spec: { member: string; body?: unknown[] }) => {
      if (spec.member !== 'GetConnectionUnixUser') throw new Error('unexpected call');
      return { body: [uids[String(spec.body![0])] ?? 1000] } as Message;
    },
  } as unknown as BusConnection;
  let serial = 0;
  return {
    conn,
    sent,
    deliver: (m) => handler({ type: MessageType.MethodCall, flags: 0, serial: ++serial, signature: '', body: [], sender: ':1.9', path: '/org/freedesktop/systemd1', ...m }),
  };
}

const log = { error: () => undefined, info: () => undefined, warn: () => undefined, debug: () => undefined } as never;
const facts = { version: '252 (test)', virtualization: 'docker', architecture: 'x86-64' };
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 10));
const M = 'org.freedesktop.systemd1.Manager';

function setup(uids: Record<string, number> = { ':1.9': 0 }, jobs: JobResult[] = []) {
  const bus = fakeBus(uids);
  const manager = fakeManager(jobs);
  new Systemd1(bus.conn, manager, facts, log);
  return { ...bus, manager };
}

describe('Systemd1', () => {
  it('answers GetUnit with the unit path, NoSuchUnit for an unknown unit, InvalidArgs for a wrong signature', async () => {
    const { deliver, sent } = setup();
    deliver({ interface: M, member: 'GetUnit', signature: 's', body: ['ssh.service'] });
    deliver({ interface: M, member: 'GetUnit', signature: 's', body: ['nope.service'] });
    deliver({ interface: M, member: 'GetUnit', signature: 'u', body: [1] });
    deliver({ interface: M, member: 'Frobnicate' });
    deliver({ path: '/nowhere', interface: M, member: 'GetUnit', signature: 's', body: ['x'] });
    await settle();
    const bySerial = (n: number): Sent => sent.find((s) => s.to === n)!;
    expect(bySerial(1)).toMatchObject({ kind: 'reply', sig: 'o', body: ['/org/freedesktop/systemd1/unit/ssh_2eservice'] });
    expect(bySerial(2)).toMatchObject({ kind: 'error', name: 'org.freedesktop.systemd1.NoSuchUnit', body: ['Unit nope.service not loaded.'] });
    expect(bySerial(3)).toMatchObject({ kind: 'error', name: 'org.freedesktop.DBus.Error.InvalidArgs' });
    expect(bySerial(4)).toMatchObject({ kind: 'error', name: 'org.freedesktop.DBus.Error.UnknownMethod' });
    expect(bySerial(5)).toMatchObject({ kind: 'error', name: 'org.freedesktop.DBus.Error.UnknownObject' });
  });

  it('answers Ping on any path at once, without a promise', () => {
    const { deliver, sent } = setup();
    deliver({ path: '/anything', interface: 'org.freedesktop.DBus.Peer', member: 'Ping' });
    expect(sent).toEqual([{ kind: 'reply', to: 1, sig: '', body: [] }]);
  });

  it('lists units as ListUnits rows and filters them by state', async () => {
    const { deliver, sent } = setup();
    deliver({ interface: M, member: 'ListUnits' });
    deliver({ interface: M, member: 'ListUnitsFiltered', signature: 'as', body: [['listening']] });
    await settle();
    expect(sent[0]!.body[0]).toEqual([
      ['ssh.service', 'The ssh.service', 'loaded', 'active', 'running', '', '/org/freedesktop/systemd1/unit/ssh_2eservice', 0, '', '/'],
      ['dbus.socket', 'The dbus.socket', 'loaded', 'active', 'listening', '', '/org/freedesktop/systemd1/unit/dbus_2esocket', 0, '', '/'],
    ]);
    expect((sent[1]!.body[0] as unknown[][]).map((r) => r[0])).toEqual(['dbus.socket']);
  });

  it('StartUnit from root: the job path at once, JobNew, then JobRemoved with the result', async () => {
    const { deliver, sent, manager } = setup({ ':1.9': 0 }, [{ result: 'failed', message: 'x' }]);
    deliver({ interface: M, member: 'StartUnit', signature: 'ss', body: ['ssh.service', 'replace'] });
    await settle();
    expect(manager.started).toEqual(['ssh.service']);
    expect(sent).toEqual([
      { kind: 'signal', name: 'JobNew', sig: 'uos', body: [1, '/org/freedesktop/systemd1/job/1', 'ssh.service'] },
      { kind: 'reply', to: 1, sig: 'o', body: ['/org/freedesktop/systemd1/job/1'] },
      { kind: 'signal', name: 'JobRemoved', sig: 'uoss', body: [1, '/org/freedesktop/systemd1/job/1', 'ssh.service', 'failed'] },
    ]);
  });

  it('refuses StartUnit and Reload from anyone but root, and a bad job mode', async () => {
    const { deliver, sent, manager } = setup({ ':1.9': 1000 });
    deliver({ interface: M, member: 'StartUnit', signature: 'ss', body: ['ssh.service', 'replace'] });
    deliver({ interface: M, member: 'Reload' });
    await settle();
    expect(manager.started).toEqual([]);
    expect(sent.map((s) => s.name)).toEqual(['org.freedesktop.DBus.Error.AccessDenied', 'org.freedesktop.DBus.Error.AccessDenied']);
    const root = setup();
    root.deliver({ interface: M, member: 'StartUnit', signature: 'ss', body: ['ssh.service', 'sideways'] });
    root.deliver({ interface: M, member: 'ReloadUnit', signature: 'ss', body: ['ssh.service', 'replace'] });
    await settle();
    expect(root.sent.map((s) => s.name)).toEqual(['org.freedesktop.DBus.Error.InvalidArgs', 'org.freedesktop.systemd1.JobTypeNotApplicable']);
  });

  it('Reexecute (systemctl daemon-reexec, run by libc6\'s postinst under set -e) re-reads the units for root, and is refused others', async () => {
    const user = setup({ ':1.9': 1000 });
    user.deliver({ interface: M, member: 'Reexecute' });
    const root = setup();
    let reloads = 0;
    root.manager.daemonReload = async () => (reloads++, { added: [], removed: [], changed: [], errors: [] });
    root.deliver({ interface: M, member: 'Reexecute' });
    await settle();
    expect(user.sent.map((s) => s.name)).toEqual(['org.freedesktop.DBus.Error.AccessDenied']);
    expect(root.sent.map((s) => s.kind)).toEqual(['reply']);
    expect(reloads).toBe(1);
  });

  it('MaskUnitFiles and UnmaskUnitFiles (systemctl mask/unmask, Ansible\'s masked=) change the files for root, as the changes systemctl prints; refused others', async () => {
    const user = setup({ ':1.9': 1000 });
    user.deliver({ interface: M, member: 'MaskUnitFiles', signature: 'asbb', body: [['cron.service'], false, false] });
    const root = setup();
    const asked: string[] = [];
    root.manager.changeUnitFiles = async (op, name) => {
      asked.push(`${op} ${name}`);
      if (name === 'bad.service') return { changes: [], error: 'File /etc/systemd/system/bad.service already exists.' };
      return { changes: [op === 'mask' ? `Created symlink /etc/systemd/system/${name} → /dev/null.` : `Removed "/etc/systemd/system/${name}".`] };
    };
    root.deliver({ interface: M, member: 'MaskUnitFiles', signature: 'asbb', body: [['/lib/systemd/system/cron.service'], false, false] });
    root.deliver({ interface: M, member: 'UnmaskUnitFiles', signature: 'asb', body: [['cron.service'], false] });
    root.deliver({ interface: M, member: 'MaskUnitFiles', signature: 'asbb', body: [['bad.service'], false, false] });
    await settle();
    expect(user.sent.map((s) => s.name)).toEqual(['org.freedesktop.DBus.Error.AccessDenied']);
    expect(asked).toEqual(['mask cron.service', 'unmask cron.service', 'mask bad.service']);
    const bySerial = (n: number): Sent => root.sent.find((s) => s.to === n)!;
    expect(bySerial(1)).toEqual({ kind: 'reply', to: 1, sig: 'a(sss)', body: [[['symlink', '/etc/systemd/system/cron.service', '/dev/null']]] });
    expect(bySerial(2)).toEqual({ kind: 'reply', to: 2, sig: 'a(sss)', body: [[['unlink', '/etc/systemd/system/cron.service', '']]] });
    expect(bySerial(3)).toMatchObject({ kind: 'error', name: 'org.freedesktop.DBus.Error.Failed', body: ['File /etc/systemd/system/bad.service already exists.'] });
  });

  it('activation: the bus daemon\'s request starts the unit; an unknown unit gets ActivationFailure at once; others are ignored', async () => {
    const { deliver, sent, manager } = setup();
    const request = (unit: string, sender = 'org.freedesktop.DBus'): void =>
      deliver({ type: MessageType.Signal, sender, path: '/org/freedesktop/DBus', interface: 'org.freedesktop.systemd1.Activator', member: 'ActivationRequest', signature: 's', body: [unit] });
    request('ssh.service', ':1.77');
    request('ssh.service');
    request('dbus-org.freedesktop.hostname1.service');
    await settle();
    expect(manager.started).toEqual(['ssh.service']);
    expect(sent.find((s) => s.name === 'ActivationFailure')).toEqual({
      kind: 'signal',
      name: 'ActivationFailure',
      sig: 'sss',
      body: ['dbus-org.freedesktop.hostname1.service', 'org.freedesktop.systemd1.NoSuchUnit', 'Unit dbus-org.freedesktop.hostname1.service not found.'],
    });
  });

  it('with every slot taken by calls in hand, the next call is refused at once, and Ping still answered', async () => {
    const { deliver, sent, manager } = setup();
    manager.status = () => new Promise(() => undefined); // a status that never comes
    for (let i = 0; i < MAX_CALLS_IN_HAND; i++) deliver({ interface: M, member: 'GetUnit', signature: 's', body: ['ssh.service'] });
    expect(sent).toEqual([]);
    deliver({ interface: M, member: 'GetUnit', signature: 's', body: ['ssh.service'] });
    deliver({ interface: 'org.freedesktop.DBus.Peer', member: 'Ping' });
    expect(sent.map((s) => s.name ?? s.kind)).toEqual(['org.freedesktop.DBus.Error.LimitsExceeded', 'reply']);
  });

  it('a subscriber gets UnitNew once and PropertiesChanged for each change; nobody subscribed, no signals', async () => {
    const { sent, manager } = setup();
    let changed: (name: string) => void = () => undefined;
    manager.onUnitChange = (l) => ((changed = l), () => undefined);
    const bus2 = fakeBus({});
    new Systemd1(bus2.conn, manager, facts, log);
    changed('ssh.service');
    await settle();
    expect(bus2.sent).toEqual([]);
    bus2.deliver({ interface: M, member: 'Subscribe' });
    bus2.deliver({ interface: M, member: 'Subscribe' });
    changed('ssh.service');
    changed('ssh.service');
    await settle();
    expect(bus2.sent.map((s) => s.name ?? s.kind)).toEqual(['reply', 'org.freedesktop.systemd1.AlreadySubscribed', 'PropertiesChanged', 'PropertiesChanged']);
    const unitChange = bus2.sent[2]!.body as [string, Array<[string, { value: unknown }]>, string[]];
    expect(unitChange[0]).toBe('org.freedesktop.systemd1.Unit');
    expect(Object.fromEntries(unitChange[1].map(([k, v]) => [k, v.value]))).toMatchObject({ ActiveState: 'active', SubState: 'running' });
    changed('new.service');
    await settle();
    expect(bus2.sent.slice(4).map((s) => s.name)).toEqual(['UnitNew', 'PropertiesChanged', 'PropertiesChanged']);
    expect(sent).toEqual([]);
  });

  it('hostname1: its properties for anyone, its setters refused to all but root (and checked before anything is written)', async () => {
    const H = '/org/freedesktop/hostname1';
    const user = setup({ ':1.9': 1000 });
    user.deliver({ path: H, interface: 'org.freedesktop.DBus.Properties', member: 'Get', signature: 'ss', body: ['org.freedesktop.hostname1', 'KernelName'] });
    user.deliver({ path: H, interface: 'org.freedesktop.hostname1', member: 'SetStaticHostname', signature: 'sb', body: ['x', false] });
    await settle();
    expect(user.sent[0]).toMatchObject({ kind: 'reply', sig: 'v', body: [{ sig: 's', value: 'Linux' }] });
    expect(user.sent[1]).toMatchObject({ kind: 'error', name: 'org.freedesktop.DBus.Error.AccessDenied' });
    const root = setup();
    root.deliver({ path: H, interface: 'org.freedesktop.hostname1', member: 'SetStaticHostname', signature: 'sb', body: ['bad..name', false] });
    root.deliver({ path: H, interface: 'org.freedesktop.hostname1', member: 'SetChassis', signature: 'sb', body: ['spaceship', false] });
    root.deliver({ path: H, interface: 'org.freedesktop.hostname1', member: 'SetHostname', signature: 's', body: ['x'] });
    await settle();
    expect([...root.sent].sort((a, b) => a.to! - b.to!).map((s) => [s.name, s.body[0]])).toEqual([
      ['org.freedesktop.DBus.Error.InvalidArgs', "Invalid static hostname 'bad..name'"],
      ['org.freedesktop.DBus.Error.InvalidArgs', "Invalid chassis 'spaceship'"],
      ['org.freedesktop.DBus.Error.InvalidArgs', "Invalid arguments 's' to call org.freedesktop.hostname1.SetHostname(), expecting 'sb'."],
    ]);
  });

  it('Properties: Get and GetAll of the manager and of units; Set is refused', async () => {
    const { deliver, sent } = setup();
    const P = 'org.freedesktop.DBus.Properties';
    deliver({ interface: P, member: 'Get', signature: 'ss', body: [M, 'Virtualization'] });
    deliver({ path: '/org/freedesktop/systemd1/unit/ssh_2eservice', interface: P, member: 'Get', signature: 'ss', body: ['org.freedesktop.systemd1.Service', 'MainPID'] });
    deliver({ interface: P, member: 'Set', signature: 'ssv', body: [M, 'Version', { sig: 's', value: 'x' }] });
    deliver({ interface: P, member: 'Get', signature: 'ss', body: [M, 'Nope'] });
    await settle();
    const bySerial = (n: number): Sent => sent.find((s) => s.to === n)!;
    expect(bySerial(1).body).toEqual([{ sig: 's', value: 'docker' }]);
    expect(bySerial(2).body).toEqual([{ sig: 'u', value: 42 }]);
    expect(bySerial(3).name).toBe('org.freedesktop.DBus.Error.PropertyReadOnly');
    expect(bySerial(4).name).toBe('org.freedesktop.DBus.Error.UnknownProperty');
  });

  it('a Get of a manager property lists the units only for what counts them (node-exporter Gets Version and SystemState at every scrape)', async () => {
    const { deliver, sent, manager } = setup();
    const get = (name: string) => deliver({ interface: 'org.freedesktop.DBus.Properties', member: 'Get', signature: 'ss', body: [M, name] });
    get('Version');
    get('Architecture');
    await settle();
    expect(manager.measured).toEqual([]);
    expect(sent.map((s) => s.body)).toEqual([[{ sig: 's', value: '252 (test)' }], [{ sig: 's', value: 'x86-64' }]]);
    get('SystemState');
    get('NNames');
    await settle();
    expect(manager.measured).toEqual([false, false]);
    expect(sent.slice(2).map((s) => s.body)).toEqual([[{ sig: 's', value: 'running' }], [{ sig: 'u', value: 2 }]]);
  });

  it('measures a main process (/proc) only when MemoryCurrent is asked for, never for a change signal, a list or another property', async () => {
    const { deliver, sent, manager } = setup();
    let changed: (name: string) => void = () => undefined;
    manager.onUnitChange = (l) => ((changed = l), () => undefined);
    const bus2 = fakeBus({});
    new Systemd1(bus2.conn, manager, facts, log);
    bus2.deliver({ interface: M, member: 'Subscribe' });
    await settle();
    manager.measured.length = 0;
    changed('ssh.service');
    deliver({ interface: M, member: 'ListUnits' });
    deliver({ interface: M, member: 'GetUnit', signature: 's', body: ['ssh.service'] });
    deliver({ interface: 'org.freedesktop.DBus.Properties', member: 'GetAll', signature: 's', body: [M] });
    const unit = { path: '/org/freedesktop/systemd1/unit/ssh_2eservice', interface: 'org.freedesktop.DBus.Properties', member: 'GetAll', signature: 's' };
    deliver({ ...unit, body: ['org.freedesktop.systemd1.Unit'] });
    await settle();
    expect(manager.measured).toEqual([false, false, false, false, false]);
    expect(bus2.sent.filter((s) => s.name === 'PropertiesChanged')).toHaveLength(2);
    // A Get makes only its property: the status's show properties (made lazily) are not read.
    let shown = 0;
    const find = manager.status;
    manager.status = async (names, o) => {
      const [s] = await find(names, o);
      const properties = s!.properties;
      return [Object.defineProperty({ ...s! }, 'properties', { get: () => (shown++, properties), enumerable: true })];
    };
    deliver({ ...unit, member: 'Get', signature: 'ss', body: ['org.freedesktop.systemd1.Service', 'NRestarts'] });
    await settle();
    expect(manager.measured.slice(5)).toEqual([false]);
    expect(sent.at(-1)!.body).toEqual([{ sig: 'u', value: 1 }]);
    expect(shown).toBe(0);
    deliver({ ...unit, body: ['org.freedesktop.systemd1.Service'] });
    deliver({ ...unit, member: 'Get', signature: 'ss', body: ['org.freedesktop.systemd1.Service', 'MemoryCurrent'] });
    await settle();
    expect(manager.measured.slice(6)).toEqual([true, true]);
    expect(sent.slice(-2).map((s) => s.kind)).toEqual(['reply', 'reply']);
    // A GetAll of every interface (systemctl show) takes one status for them all, measured.
    deliver({ ...unit, body: [''] });
    await settle();
    expect(manager.measured.slice(8)).toEqual([true]);
    const names = (sent.at(-1)!.body[0] as Array<[string, unknown]>).map(([n]) => n);
    expect(names).toEqual(expect.arrayContaining(['Id', 'ActiveState', 'Type', 'MemoryCurrent']));
  });
});

describe('the mapping of Manager answers to D-Bus values', () => {
  it('unit properties carry systemd\'s types', () => {
    const clock = { wallUs: 10_000_000n, monoUs: 3_000_000n };
    const values = Object.fromEntries(propertyValues(UNIT_PROPERTIES, status('ssh.service'), clock));
    expect(values.Id).toEqual({ sig: 's', value: 'ssh.service' });
    expect(values.Requires).toEqual({ sig: 'as', value: ['a.service', 'b.service'] });
    expect(values.ActiveEnterTimestampMonotonic).toEqual({ sig: 't', value: 1_000_000n });
    // 2 s before now on the monotonic clock is 2 s before now on the wall clock.
    expect(values.ActiveEnterTimestamp).toEqual({ sig: 't', value: 8_000_000n });
    expect(values.InactiveExitTimestamp).toEqual({ sig: 't', value: 0n });
    expect(values.CanReload).toEqual({ sig: 'b', value: false });
    // systemctl stop asks for TriggeredBy and fails the whole verb's message without it.
    expect(values.TriggeredBy).toEqual({ sig: 'as', value: [] });
    const sock = Object.fromEntries(propertyValues(UNIT_PROPERTIES, status('ssh.service', { properties: { TriggeredBy: 'ssh.socket' } }), clock));
    expect(sock.TriggeredBy).toEqual({ sig: 'as', value: ['ssh.socket'] });
    const missing = Object.fromEntries(propertyValues(UNIT_PROPERTIES, status('x.service', { loadState: 'not-found' }), clock));
    expect(missing.LoadError).toEqual({ sig: '(ss)', value: ['org.freedesktop.systemd1.NoSuchUnit', 'Unit x.service not found.'] });
    // ExecMainPID and ExecMainStatus come from the status's own fields, as `show` makes them.
    const service = (over: Partial<UnitStatus>) => Object.fromEntries(propertyValues(SERVICE_PROPERTIES, status('ssh.service', over), clock));
    expect(service({}).ExecMainPID).toEqual({ sig: 'u', value: 42 });
    expect(service({}).ExecMainStatus).toEqual({ sig: 'i', value: 0 });
    expect(service({ mainPid: undefined, lastExit: { code: 3, at: 0 } })).toMatchObject({ ExecMainPID: { value: 0 }, ExecMainStatus: { value: 3 }, ExecMainCode: { value: 1 } });
    expect(service({ mainPid: undefined, lastExit: { signal: 9, at: 0 } })).toMatchObject({ ExecMainStatus: { value: 9 }, ExecMainCode: { value: 2 } });
  });

  it('ListUnits rows, state filters, spans, job results, system state, unit file changes', () => {
    expect(listUnitsRow(status('a.service'), '/p', { id: 3, type: 'start' })).toEqual(['a.service', 'The a.service', 'loaded', 'active', 'running', '', '/p', 3, 'start', '/org/freedesktop/systemd1/job/3']);
    expect(matchesStates(status('a.service'), [])).toBe(true);
    expect(matchesStates(status('a.service'), ['failed', 'running'])).toBe(true);
    expect(matchesStates(status('a.service'), ['failed'])).toBe(false);
    expect(spanUs('90s')).toBe(90_000_000n);
    expect(spanUs('1.5s')).toBe(1_500_000n);
    expect(spanUs('infinity')).toBe(2n ** 64n - 1n);
    expect(jobRemovedResult({ result: 'done' })).toBe('done');
    expect(jobRemovedResult({ result: 'not-found' })).toBe('failed');
    expect(systemState([status('a'), status('b', { activeState: 'failed' })])).toBe('degraded');
    expect(systemState([status('a'), status('b', { activeState: 'activating' })])).toBe('starting');
    expect(systemState([status('a')])).toBe('running');
    expect(unitFileChange('Created symlink /etc/x.wants/a.service → /lib/a.service.')).toEqual(['symlink', '/etc/x.wants/a.service', '/lib/a.service']);
    expect(unitFileChange('Removed "/etc/x.wants/a.service".')).toEqual(['unlink', '/etc/x.wants/a.service', '']);
  });
});
