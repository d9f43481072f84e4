// What a unit's object says on the bus (pure): the properties of org.freedesktop.systemd1.Unit,
// .Service and .Socket with systemd's names and D-Bus types, each taken from the Manager's
// UnitStatus (its fields, and the `systemctl show` properties it carries as strings).
import type { UnitStatus } from '../control/manager';
import { parseTimespan } from '../units/timespan';
import { jobPath } from './object-path';

export const UNIT_IFACE = 'org.freedesktop.systemd1.Unit';
export const SERVICE_IFACE = 'org.freedesktop.systemd1.Service';
export const SOCKET_IFACE = 'org.freedesktop.systemd1.Socket';
export const TIMER_IFACE = 'org.freedesktop.systemd1.Timer';
export const TARGET_IFACE = 'org.freedesktop.systemd1.Target';

/** The moment the answer is made, for turning monotonic µs into wall-clock µs. */
export interface Clock {
  wallUs: bigint;
  monoUs: bigint;
}

export interface PropertySpec {
  name: string;
  sig: string;
  get(s: UnitStatus, clock: Clock): unknown;
}

const prop = (s: UnitStatus, name: string): string => (s.property ? s.property(name) : s.properties[name]) ?? '';
const words = (v: string): string[] => v.split(/\s+/).filter(Boolean);
const i32 = (v: string): number => {
  const n = Number(v);
  return Number.isInteger(n) && Math.abs(n) < 2 ** 31 ? n : 0;
};
/** "90s", "1.5s", "infinity" → µs (the form unit-manager gives TimeoutStopUSec). */
export function spanUs(v: string): bigint {
  if (v === 'infinity') return 0xffffffffffffffffn;
  const m = /^(\d+(?:\.\d+)?)s$/.exec(v);
  return m ? BigInt(Math.round(Number(m[1]) * 1e6)) : 0n;
}

/** A moment as systemd gives it on the bus: µs of CLOCK_REALTIME (0: never), from its monotonic µs. */
function realtimeUs(s: UnitStatus, name: string, clock: Clock): bigint {
  const mono = monoUs(s, name);
  if (mono === 0n) return 0n;
  const real = clock.wallUs - (clock.monoUs - mono);
  return real > 0n ? real : 0n;
}
function monoUs(s: UnitStatus, name: string): bigint {
  const v = prop(s, `${name}TimestampMonotonic`);
  return /^\d+$/.test(v) ? BigInt(v) : 0n;
}
function timestamps(names: readonly string[]): PropertySpec[] {
  return names.flatMap((n) => [
    { name: `${n}Timestamp`, sig: 't', get: (s: UnitStatus, c: Clock) => realtimeUs(s, n, c) },
    { name: `${n}TimestampMonotonic`, sig: 't', get: (s: UnitStatus) => monoUs(s, n) },
  ]);
}
const str = (name: string, from = name): PropertySpec => ({ name, sig: 's', get: (s) => prop(s, from) });
const list = (name: string, from = name): PropertySpec => ({ name, sig: 'as', get: (s) => words(prop(s, from)) });

const kind = (s: UnitStatus): string => s.name.slice(s.name.lastIndexOf('.') + 1);
const loaded = (s: UnitStatus): boolean => s.loadState === 'loaded';

export const UNIT_PROPERTIES: readonly PropertySpec[] = [
  { name: 'Id', sig: 's', get: (s) => s.name },
  { name: 'Names', sig: 'as', get: (s) => [s.name] },
  { name: 'Following', sig: 's', get: () => '' },
  list('Requires'),
  list('Requisite'),
  list('Wants'),
  list('BindsTo'),
  list('PartOf'),
  list('RequiredBy'),
  list('WantedBy'),
  list('Conflicts'),
  list('Before'),
  list('After'),
  // systemctl stop reads TriggeredBy (to warn of a socket that would start the unit again) and says it failed without it.
  list('Triggers'),
  list('TriggeredBy'),
  { name: 'Description', sig: 's', get: (s) => s.description },
  { name: 'LoadState', sig: 's', get: (s) => s.loadState },
  { name: 'ActiveState', sig: 's', get: (s) => s.activeState },
  { name: 'FreezerState', sig: 's', get: () => 'running' },
  { name: 'SubState', sig: 's', get: (s) => s.subState },
  { name: 'FragmentPath', sig: 's', get: (s) => (loaded(s) ? prop(s, 'FragmentPath') : '') },
  str('SourcePath'),
  { name: 'DropInPaths', sig: 'as', get: () => [] },
  { name: 'UnitFileState', sig: 's', get: (s) => (loaded(s) || s.unitFileState === 'masked' ? s.unitFileState : '') },
  { name: 'UnitFilePreset', sig: 's', get: () => '' },
  ...timestamps(['StateChange', 'InactiveExit', 'ActiveEnter', 'ActiveExit', 'InactiveEnter']),
  { name: 'CanStart', sig: 'b', get: (s) => loaded(s) && kind(s) !== 'device' },
  { name: 'CanStop', sig: 'b', get: (s) => loaded(s) },
  { name: 'CanReload', sig: 'b', get: (s) => loaded(s) && prop(s, 'CanReload') === 'yes' },
  { name: 'CanIsolate', sig: 'b', get: (s) => loaded(s) && prop(s, 'CanIsolate') === 'yes' },
  { name: 'CanFreeze', sig: 'b', get: () => false },
  { name: 'Job', sig: '(uo)', get: () => [0, '/'] },
  { name: 'StopWhenUnneeded', sig: 'b', get: () => false },
  { name: 'RefuseManualStart', sig: 'b', get: () => false },
  { name: 'RefuseManualStop', sig: 'b', get: () => false },
  { name: 'Transient', sig: 'b', get: () => false },
  { name: 'Perpetual', sig: 'b', get: () => false },
  { name: 'ConditionResult', sig: 'b', get: (s) => s.subState !== 'condition' },
  { name: 'AssertResult', sig: 'b', get: () => true },
  { name: 'LoadError', sig: '(ss)', get: (s) => (s.loadState === 'not-found' ? ['org.freedesktop.systemd1.NoSuchUnit', `Unit ${s.name} not found.`] : s.loadError ? ['org.freedesktop.systemd1.BadUnitSetting', s.loadError] : ['', '']) },
  { name: 'InvocationID', sig: 'ay', get: () => [] },
];

export const SERVICE_PROPERTIES: readonly PropertySpec[] = [
  str('Type'),
  str('Restart'),
  str('PIDFile'),
  str('NotifyAccess'),
  { name: 'TimeoutStopUSec', sig: 't', get: (s) => spanUs(prop(s, 'TimeoutStopUSec')) },
  { name: 'MainPID', sig: 'u', get: (s) => s.mainPid ?? 0 },
  { name: 'ControlPID', sig: 'u', get: () => 0 },
  { name: 'StatusText', sig: 's', get: (s) => s.statusText ?? '' },
  { name: 'StatusErrno', sig: 'i', get: () => 0 },
  { name: 'Result', sig: 's', get: (s) => s.result },
  { name: 'NRestarts', sig: 'u', get: (s) => s.restarts },
  // Of the status's own fields (as `show` makes them): a change signal carries both, for every unit change of a boot.
  { name: 'ExecMainPID', sig: 'u', get: (s) => s.mainPid ?? 0 },
  { name: 'ExecMainCode', sig: 'i', get: (s) => (s.lastExit ? (s.lastExit.signal ? 2 : 1) : 0) },
  { name: 'ExecMainStatus', sig: 'i', get: (s) => i32(String(s.lastExit?.code ?? s.lastExit?.signal ?? 0)) },
  ...timestamps(['ExecMainStart']),
  str('KillMode'),
  { name: 'MemoryCurrent', sig: 't', get: (s) => (s.rssBytes !== undefined ? BigInt(Math.round(s.rssBytes)) : 0xffffffffffffffffn) },
  { name: 'TasksCurrent', sig: 't', get: () => 0xffffffffffffffffn },
  { name: 'TasksMax', sig: 't', get: () => 0xffffffffffffffffn },
  { name: 'CPUUsageNSec', sig: 't', get: () => 0xffffffffffffffffn },
];

export const SOCKET_PROPERTIES: readonly PropertySpec[] = [
  { name: 'Result', sig: 's', get: (s) => s.result },
  { name: 'NAccepted', sig: 'u', get: () => 0 },
  { name: 'NConnections', sig: 'u', get: () => 0 },
  { name: 'NRefused', sig: 'u', get: () => 0 },
  { name: 'Accept', sig: 'b', get: () => false },
];

const usecOf = (us: number | undefined): bigint => (us === undefined ? 0n : BigInt(Math.max(0, Math.round(us))));
/** A span as show prints it ("1min 30s") in µs. */
const spanOf = (v: string): bigint => {
  const ms = parseTimespan(v);
  return ms === undefined ? 0n : ms === Infinity ? 0xffffffffffffffffn : BigInt(Math.round(ms * 1000));
};

/**
 * One clock's next elapse as systemd's Timer gives it: 0 when only the other clock has one,
 * infinity when the timer waits for nothing (inactive or elapsed), which list-timers sorts last.
 */
const nextElapseOf = (s: UnitStatus, us: number | undefined): bigint =>
  s.elapse?.nextRealtimeUs === undefined && s.elapse?.nextMonotonicUs === undefined ? 0xffffffffffffffffn : usecOf(us);

export const TIMER_PROPERTIES: readonly PropertySpec[] = [
  str('Unit'),
  { name: 'Result', sig: 's', get: (s) => s.result },
  // Each clock's own next elapse, as systemd gives them: systemctl list-timers asks for both and
  // shows the earlier (CLOCK_MONOTONIC is the host's in any container, the same for client and PID 1).
  { name: 'NextElapseUSecRealtime', sig: 't', get: (s) => nextElapseOf(s, s.elapse?.nextRealtimeUs) },
  { name: 'NextElapseUSecMonotonic', sig: 't', get: (s) => nextElapseOf(s, s.elapse?.nextMonotonicUs) },
  { name: 'LastTriggerUSec', sig: 't', get: (s) => usecOf(s.elapse?.lastUs) },
  { name: 'LastTriggerUSecMonotonic', sig: 't', get: (s) => usecOf(s.elapse?.lastMonotonicUs) },
  { name: 'Persistent', sig: 'b', get: (s) => prop(s, 'Persistent') === 'yes' },
  { name: 'RemainAfterElapse', sig: 'b', get: (s) => prop(s, 'RemainAfterElapse') === 'yes' },
  { name: 'AccuracyUSec', sig: 't', get: (s) => spanOf(prop(s, 'AccuracyUSec')) },
  { name: 'RandomizedDelayUSec', sig: 't', get: (s) => spanOf(prop(s, 'RandomizedDelayUSec')) },
];

/** The interfaces a unit's object has besides Unit, by its type. */
export function typeInterface(name: string): { iface: string; props: readonly PropertySpec[] } | undefined {
  const k = name.slice(name.lastIndexOf('.') + 1);
  if (k === 'service') return { iface: SERVICE_IFACE, props: SERVICE_PROPERTIES };
  if (k === 'socket') return { iface: SOCKET_IFACE, props: SOCKET_PROPERTIES };
  if (k === 'timer') return { iface: TIMER_IFACE, props: TIMER_PROPERTIES };
  if (k === 'target') return { iface: TARGET_IFACE, props: [] };
  return undefined;
}

/** One row of ListUnits: (name, description, load, active, sub, following, path, job id, job type, job path). */
export function listUnitsRow(s: UnitStatus, path: string, job?: { id: number; type: string }): unknown[] {
  return [s.name, s.description, s.loadState, s.activeState, s.subState, '', path, job?.id ?? 0, job?.type ?? '', job ? jobPath(job.id) : '/'];
}

/** ListUnitsFiltered's test: a unit passes when any of its three states is one of those named (none named: all pass). */
export function matchesStates(s: UnitStatus, states: readonly string[]): boolean {
  return states.length === 0 || states.includes(s.loadState) || states.includes(s.activeState) || states.includes(s.subState);
}

/** a{sv} entries of a property table. */
export function propertyValues(props: readonly PropertySpec[], s: UnitStatus, clock: Clock): Array<[string, { sig: string; value: unknown }]> {
  return props.map((p) => [p.name, { sig: p.sig, value: p.get(s, clock) }]);
}
