// Condition*= and Assert*= as systemd 252 evaluates them (systemd.unit(5)), against facts
// about the host that are handed in: this file reads nothing itself. "!" negates, "|"
// makes a triggering condition (at least one of those must hold), asserts are checked first.
import * as path from 'node:path';
import type { Condition, ConditionKind } from './unit';
import { fnmatch } from '../sys/fnmatch';

export type PressureKind = 'memory' | 'cpu' | 'io';

/** What conditions ask about the machine; src/boot/host-facts.ts answers it for real. */
export interface HostFacts {
  architecture(): string;
  /** Container id (podman, docker, lxc, systemd-nspawn, ...) when in a container. */
  container(): string | undefined;
  /** Virtual machine id (kvm, qemu, ...) when on a VM and not in a container. */
  vm(): string | undefined;
  /** Whether we run in a user namespace that does not map every id. */
  privateUsers(): boolean;
  hostname(): string;
  machineId(): string | undefined;
  kernelCommandLine(): string[];
  kernelRelease(): string;
  environment(): Readonly<Record<string, string | undefined>>;
  credentialsDirectory(): string | undefined;
  security(technology: string): boolean;
  /** The bounding capability set of the manager. */
  capabilityBoundingSet(): bigint;
  acPower(): boolean;
  /** /etc or /var older than /usr (or never marked updated). */
  needsUpdate(dir: string): boolean;
  firstBoot(): boolean;
  firmware(what: string): boolean;
  uid(): number;
  /** Primary and supplementary group ids of the manager. */
  gids(): number[];
  groupId(name: string): number | undefined;
  controllers(): Set<string>;
  memoryBytes(): number;
  cpus(): number;
  cpuFlags(): Set<string>;
  osRelease(): Readonly<Record<string, string>>;
  /** avg10/avg60/avg300 of "some", in percent; undefined where PSI is not available. */
  pressure(kind: PressureKind): { avg10: number; avg60: number; avg300: number } | undefined;
  fs: FsFacts;
}

export interface FsFacts {
  exists(p: string): boolean;
  glob(pattern: string): boolean;
  isDirectory(p: string): boolean;
  isSymlink(p: string): boolean;
  isMountPoint(p: string): boolean;
  isReadWrite(p: string): boolean;
  isEncrypted(p: string): boolean;
  directoryNotEmpty(p: string): boolean;
  fileNotEmpty(p: string): boolean;
  fileIsExecutable(p: string): boolean;
}

/** Every Condition*= kind of systemd 252; Assert*= takes the same names. */
export const CONDITION_KINDS: readonly ConditionKind[] = [
  'Architecture', 'Firmware', 'Virtualization', 'Host', 'KernelCommandLine', 'KernelVersion', 'Credential',
  'Environment', 'Security', 'Capability', 'ACPower', 'NeedsUpdate', 'FirstBoot', 'PathExists', 'PathExistsGlob',
  'PathIsDirectory', 'PathIsSymbolicLink', 'PathIsMountPoint', 'PathIsReadWrite', 'PathIsEncrypted',
  'DirectoryNotEmpty', 'FileNotEmpty', 'FileIsExecutable', 'User', 'Group', 'ControlGroupController', 'Memory',
  'CPUs', 'CPUFeature', 'OSRelease', 'MemoryPressure', 'CPUPressure', 'IOPressure',
];

const PATH_KINDS: ReadonlySet<ConditionKind> = new Set([
  'PathExists', 'PathExistsGlob', 'PathIsDirectory', 'PathIsSymbolicLink', 'PathIsMountPoint', 'PathIsReadWrite',
  'PathIsEncrypted', 'DirectoryNotEmpty', 'FileNotEmpty', 'FileIsExecutable', 'NeedsUpdate',
]);

export function takesPath(kind: ConditionKind): boolean {
  return PATH_KINDS.has(kind);
}

/** Container ids systemd's detect_container() knows (virt.c). */
const CONTAINERS = new Set(['openvz', 'lxc', 'lxc-libvirt', 'systemd-nspawn', 'docker', 'podman', 'rkt', 'wsl', 'proot', 'pouch', 'container-other']);

function parseBool(v: string): boolean | undefined {
  if (/^(1|yes|y|true|t|on)$/i.test(v)) return true;
  if (/^(0|no|n|false|f|off)$/i.test(v)) return false;
  return undefined;
}

/** strverscmp-like comparison of version strings: digit runs compare as numbers. */
export function compareVersions(a: string, b: string): number {
  const re = /(\d+)|(\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d < 0 ? -1 : 1;
    } else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

type Order = '<=' | '>=' | '!=' | '=' | '<' | '>';
const ORDERS: readonly Order[] = ['<=', '>=', '!=', '=', '<', '>'];

function splitOrder(s: string): { order?: Order; rest: string } {
  const t = s.trimStart();
  for (const o of ORDERS) if (t.startsWith(o)) return { order: o, rest: t.slice(o.length).trim() };
  return { rest: t };
}

function ordered(order: Order, cmp: number): boolean {
  switch (order) {
    case '<': return cmp < 0;
    case '<=': return cmp <= 0;
    case '=': return cmp === 0;
    case '!=': return cmp !== 0;
    case '>=': return cmp >= 0;
    case '>': return cmp > 0;
  }
}

export function parseSize(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGTPE]?)(?:i?B)?$/i.exec(s.trim());
  if (!m) return undefined;
  const exp = ' KMGTPE'.indexOf((m[2] || ' ').toUpperCase());
  return Number(m[1]) * 1024 ** exp;
}

/** Capability names by bit number (linux/capability.h). */
export const CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

function virtualization(v: string, f: HostFacts): boolean {
  const container = f.container();
  const vm = container === undefined ? f.vm() : undefined;
  const b = parseBool(v);
  if (b !== undefined) return b === (container !== undefined || vm !== undefined);
  if (v === 'private-users') return f.privateUsers();
  if (v === 'container') return container !== undefined;
  if (v === 'vm') return vm !== undefined;
  if (CONTAINERS.has(v)) return container === v;
  return vm === v;
}

function kernelCommandLine(v: string, f: HostFacts): boolean {
  const words = f.kernelCommandLine();
  if (v.includes('=')) return words.includes(v);
  return words.some((w) => w === v || w.startsWith(`${v}=`));
}

function kernelVersion(v: string, f: HostFacts): boolean {
  const release = f.kernelRelease();
  // Several expressions, separated by blanks, must all hold.
  const exprs = v.match(/(?:[<>!=]=?\s*)?[^\s<>!=]+/g) ?? [];
  return exprs.every((e) => {
    const { order, rest } = splitOrder(e);
    return order === undefined ? fnmatch(rest, release) : ordered(order, compareVersions(release, rest));
  });
}

function environment(v: string, f: HostFacts): boolean {
  const env = f.environment();
  const eq = v.indexOf('=');
  if (eq < 0) return env[v] !== undefined;
  return env[v.slice(0, eq)] === v.slice(eq + 1);
}

function capability(v: string, f: HostFacts): boolean {
  const bit = CAPABILITIES.indexOf(v.toUpperCase().startsWith('CAP_') ? v.toUpperCase() : `CAP_${v.toUpperCase()}`);
  if (bit < 0) return false;
  return ((f.capabilityBoundingSet() >> BigInt(bit)) & 1n) === 1n;
}

function user(v: string, f: HostFacts): boolean {
  const uid = f.uid();
  if (/^\d+$/.test(v)) return Number(v) === uid;
  if (v === '@system') return uid <= 999;
  // The system manager's user name is root.
  return uid === 0 ? v === 'root' : false;
}

function group(v: string, f: HostFacts): boolean {
  const gid = /^\d+$/.test(v) ? Number(v) : f.groupId(v);
  return gid !== undefined && f.gids().includes(gid);
}

function compareNumber(v: string, actual: number, parse: (s: string) => number | undefined): boolean {
  const { order, rest } = splitOrder(v);
  const n = parse(rest);
  if (n === undefined) return false;
  return ordered(order ?? '>=', actual < n ? -1 : actual > n ? 1 : 0);
}

function osRelease(v: string, f: HostFacts): boolean {
  const os = f.osRelease();
  return v.split(/\s+/).filter(Boolean).every((expr) => {
    const m = /^([A-Za-z0-9_]+)(<=|>=|!=|=|<|>)(.*)$/.exec(expr);
    if (!m) return false;
    const actual = os[m[1]!] ?? '';
    const want = m[3]!.replace(/^"(.*)"$/, '$1');
    const order = m[2] as Order;
    if (order === '=') return fnmatch(want, actual);
    if (order === '!=') return !fnmatch(want, actual);
    return ordered(order, compareVersions(actual, want));
  });
}

function pressure(kind: PressureKind, v: string, f: HostFacts): boolean {
  const m = /^(\d+(?:\.\d+)?)%(?:\/(10s|1min|5min))?$/.exec(v.trim());
  if (!m) return false;
  const p = f.pressure(kind);
  // No PSI on this kernel: systemd lets the unit run.
  if (!p) return true;
  const avg = m[2] === '10s' ? p.avg10 : m[2] === '1min' ? p.avg60 : p.avg300;
  return avg < Number(m[1]);
}

function firmware(v: string, f: HostFacts): boolean {
  return f.firmware(v);
}

function host(v: string, f: HostFacts): boolean {
  const id = v.replace(/-/g, '').toLowerCase();
  if (/^[0-9a-f]{32}$/.test(id)) return f.machineId() === id;
  return fnmatch(v.toLowerCase(), f.hostname().toLowerCase());
}

function architecture(v: string, f: HostFacts): boolean {
  return v === 'native' || v === f.architecture();
}

/** Whether one condition's test holds, before negation. */
export function test(kind: ConditionKind, v: string, f: HostFacts): boolean {
  switch (kind) {
    case 'Architecture': return architecture(v, f);
    case 'Firmware': return firmware(v, f);
    case 'Virtualization': return virtualization(v, f);
    case 'Host': return host(v, f);
    case 'KernelCommandLine': return kernelCommandLine(v, f);
    case 'KernelVersion': return kernelVersion(v, f);
    case 'Credential': {
      const dir = f.credentialsDirectory();
      return dir !== undefined && !v.includes('/') && f.fs.exists(path.join(dir, v));
    }
    case 'Environment': return environment(v, f);
    case 'Security': return f.security(v);
    case 'Capability': return capability(v, f);
    case 'ACPower': {
      const b = parseBool(v);
      return b === undefined ? false : f.acPower() === b;
    }
    case 'NeedsUpdate': return f.needsUpdate(v);
    case 'FirstBoot': {
      const b = parseBool(v);
      return b === undefined ? false : f.firstBoot() === b;
    }
    case 'PathExists': return f.fs.exists(v);
    case 'PathExistsGlob': return f.fs.glob(v);
    case 'PathIsDirectory': return f.fs.isDirectory(v);
    case 'PathIsSymbolicLink': return f.fs.isSymlink(v);
    case 'PathIsMountPoint': return f.fs.isMountPoint(v);
    case 'PathIsReadWrite': return f.fs.isReadWrite(v);
    case 'PathIsEncrypted': return f.fs.isEncrypted(v);
    case 'DirectoryNotEmpty': return f.fs.directoryNotEmpty(v);
    case 'FileNotEmpty': return f.fs.fileNotEmpty(v);
    case 'FileIsExecutable': return f.fs.fileIsExecutable(v);
    case 'User': return user(v, f);
    case 'Group': return group(v, f);
    case 'ControlGroupController': {
      const have = f.controllers();
      return v.split(/\s+/).filter(Boolean).every((c) => have.has(c));
    }
    case 'Memory': return compareNumber(v, f.memoryBytes(), parseSize);
    case 'CPUs': return compareNumber(v, f.cpus(), (s) => (/^\d+$/.test(s) ? Number(s) : undefined));
    case 'CPUFeature': return f.cpuFlags().has(v.toLowerCase());
    case 'OSRelease': return osRelease(v, f);
    case 'MemoryPressure': return pressure('memory', v, f);
    case 'CPUPressure': return pressure('cpu', v, f);
    case 'IOPressure': return pressure('io', v, f);
  }
}

function holds(c: Condition, f: HostFacts): boolean {
  let ok: boolean;
  try {
    ok = test(c.kind, c.value, f);
  } catch {
    ok = false;
  }
  return c.negate ? !ok : ok;
}

export type ConditionVerdict = { ok: true } | { ok: false; assert: boolean; failed: string };

export function describeCondition(c: Condition): string {
  return `${c.assert ? 'Assert' : 'Condition'}${c.kind}=${c.trigger ? '|' : ''}${c.negate ? '!' : ''}${c.value}`;
}

/** All non-triggering conditions must hold; of the triggering ones, at least one. Asserts first. */
/** The verdict of a unit without conditions (most units): one object for all of their starts. */
const HOLDS: ConditionVerdict = Object.freeze({ ok: true });

export function checkConditions(conditions: readonly Condition[], facts: HostFacts): ConditionVerdict {
  if (conditions.length === 0) return HOLDS;
  for (const assert of [true, false]) {
    const group = conditions.filter((c) => c.assert === assert);
    const plain = group.filter((c) => !c.trigger);
    const triggers = group.filter((c) => c.trigger);
    const failedPlain = plain.find((c) => !holds(c, facts));
    if (failedPlain) return { ok: false, assert, failed: describeCondition(failedPlain) };
    if (triggers.length && !triggers.some((c) => holds(c, facts))) {
      return { ok: false, assert, failed: triggers.map(describeCondition).join(' | ') };
    }
  }
  return HOLDS;
}
