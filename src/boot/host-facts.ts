// The answers to conditions and to generators' environment, read from this machine:
// /proc, /sys, /etc and PID 1's own environment. Each fact is read once, when first asked.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FsFacts, HostFacts, PressureKind } from '../units/conditions';
import { ETC_MACHINE_ID, inspectIdFile } from './machine-id';
import { readId128Text } from '../units/id128';
import { isFirstBoot } from './machine-id-plan';

function read(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

function once<T>(f: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = f();
      done = true;
    }
    return value;
  };
}

const ARCH: Record<string, string> = {
  x64: 'x86-64', arm64: 'arm64', ia32: 'x86', arm: 'arm', ppc64: 'ppc64', s390x: 's390x', riscv64: 'riscv64', loong64: 'loongarch64',
};

/** systemd's detect_container(): PID 1's $container, then the engines' marker files. */
export function detectContainer(env: Readonly<Record<string, string | undefined>>, exists: (p: string) => boolean): string | undefined {
  const e = env.container;
  if (e !== undefined && e !== '') {
    if (['lxc', 'lxc-libvirt', 'systemd-nspawn', 'docker', 'podman', 'rkt', 'wsl', 'proot', 'pouch'].includes(e)) return e;
    return 'container-other';
  }
  if (exists('/run/.containerenv')) return 'podman';
  if (exists('/.dockerenv')) return 'docker';
  return undefined;
}

function detectVm(): string | undefined {
  const vendor = (read('/sys/class/dmi/id/sys_vendor') ?? '').trim();
  const product = (read('/sys/class/dmi/id/product_name') ?? '').trim();
  const table: Array<[RegExp, string]> = [
    [/^KVM|^QEMU|^Standard PC/, 'kvm'], [/VMware/, 'vmware'], [/innotek|VirtualBox/, 'oracle'], [/Xen/, 'xen'],
    [/Microsoft Corporation/, 'microsoft'], [/Amazon EC2/, 'amazon'], [/Google/, 'google'], [/Parallels/, 'parallels'],
    [/BHYVE/, 'bhyve'],
  ];
  for (const [re, id] of table) if (re.test(vendor) || re.test(product)) return id;
  if (/^flags\s*:.*\bhypervisor\b/m.test(read('/proc/cpuinfo') ?? '')) return 'vm-other';
  return undefined;
}

function mountPoints(): Array<{ point: string; options: string[] }> {
  return (read('/proc/self/mountinfo') ?? '')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const f = l.split(' ');
      return { point: (f[4] ?? '').replace(/\\(\d{3})/g, (_m, o: string) => String.fromCharCode(Number.parseInt(o, 8))), options: (f[5] ?? '').split(',') };
    });
}

function statOr(p: string, follow = true): fs.Stats | undefined {
  try {
    return follow ? fs.statSync(p) : fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

export const realFs: FsFacts = {
  exists: (p) => statOr(p) !== undefined,
  glob: (pattern) => {
    try {
      return fs.globSync(pattern).length > 0;
    } catch {
      return false;
    }
  },
  isDirectory: (p) => statOr(p)?.isDirectory() === true,
  isSymlink: (p) => statOr(p, false)?.isSymbolicLink() === true,
  isMountPoint: (p) => {
    let real: string;
    try {
      real = fs.realpathSync(p);
    } catch {
      return false;
    }
    return mountPoints().some((m) => m.point === real);
  },
  isReadWrite: (p) => {
    try {
      fs.accessSync(p, fs.constants.W_OK);
      return true;
    } catch (e) {
      // Read-only file system answers EROFS even to root; other refusals are not about the mount.
      return (e as NodeJS.ErrnoException).code !== 'EROFS' && (e as NodeJS.ErrnoException).code !== 'ENOENT';
    }
  },
  isEncrypted: () => false,
  directoryNotEmpty: (p) => {
    try {
      // systemd ignores hidden and backup files here.
      return fs.readdirSync(p).some((n) => !n.startsWith('.') && !n.endsWith('~') && !/\.(rpmnew|rpmsave|dpkg-\w+|ucf-\w+)$/.test(n));
    } catch {
      return false;
    }
  },
  fileNotEmpty: (p) => {
    const st = statOr(p);
    return st?.isFile() === true && st.size > 0;
  },
  fileIsExecutable: (p) => {
    const st = statOr(p);
    return st?.isFile() === true && (st.mode & 0o111) !== 0;
  },
};

function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.trim().replace(/^(["'])(.*)\1$/, '$2');
  }
  return out;
}

function groupIds(): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of (read('/etc/group') ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && /^\d+$/.test(f[2]!)) m.set(f[0]!, Number(f[2]));
  }
  return m;
}

function cgroupMemoryLimit(): number {
  const v2 = read('/sys/fs/cgroup/memory.max')?.trim();
  if (v2 && /^\d+$/.test(v2)) return Number(v2);
  const v1 = read('/sys/fs/cgroup/memory/memory.limit_in_bytes')?.trim();
  if (v1 && /^\d+$/.test(v1)) return Number(v1);
  return Number.POSITIVE_INFINITY;
}

function securityEnabled(t: string): boolean {
  switch (t) {
    case 'selinux': return fs.existsSync('/sys/fs/selinux/enforce');
    case 'apparmor': return (read('/sys/module/apparmor/parameters/enabled') ?? '').trim().startsWith('Y');
    case 'smack': return fs.existsSync('/sys/fs/smackfs');
    case 'ima': return fs.existsSync('/sys/kernel/security/ima');
    case 'tomoyo': return fs.existsSync('/sys/kernel/security/tomoyo');
    case 'audit': return fs.existsSync('/proc/self/loginuid') && fs.existsSync('/proc/net/netlink');
    case 'tpm2': return realFs.directoryNotEmpty('/sys/class/tpmrm');
    case 'uefi-secureboot': return false;
    default: return false;
  }
}

function acPower(): boolean {
  let mains = false;
  let online = false;
  let names: string[] = [];
  try {
    names = fs.readdirSync('/sys/class/power_supply');
  } catch {
    return true;
  }
  for (const n of names) {
    if ((read(`/sys/class/power_supply/${n}/type`) ?? '').trim() !== 'Mains') continue;
    mains = true;
    if ((read(`/sys/class/power_supply/${n}/online`) ?? '').trim() === '1') online = true;
  }
  return !mains || online;
}

export interface HostFactsOptions {
  /** This boot's first-boot answer, decided before the machine ID was set up (boot/machine-id.ts). */
  firstBoot?: () => boolean | undefined;
}

/** The machine ts-init runs on, as conditions and generators see it. */
export function hostFacts(env: Readonly<Record<string, string | undefined>> = process.env, o: HostFactsOptions = {}): HostFacts {
  const container = once(() => detectContainer(env, (p) => fs.existsSync(p)));
  const machineId = once(() => {
    const f = inspectIdFile(ETC_MACHINE_ID);
    const r = f.kind === 'regular' ? readId128Text(f.text) : undefined;
    return r?.ok ? r.id : undefined;
  });
  return {
    architecture: () => ARCH[process.arch] ?? process.arch,
    container,
    vm: once(detectVm),
    privateUsers: once(() => {
      const map = (read('/proc/self/uid_map') ?? '').trim().split(/\s+/);
      return !(map.length === 3 && map[0] === '0' && map[1] === '0' && map[2] === '4294967295');
    }),
    hostname: () => os.hostname(),
    machineId,
    kernelCommandLine: once(() => (read('/proc/cmdline') ?? '').trim().split(/\s+/).filter(Boolean)),
    kernelRelease: () => os.release(),
    environment: () => env,
    credentialsDirectory: () => env.CREDENTIALS_DIRECTORY || undefined,
    security: securityEnabled,
    capabilityBoundingSet: once(() => {
      const m = /^CapBnd:\s*([0-9a-f]+)/m.exec(read('/proc/self/status') ?? '');
      return m ? BigInt(`0x${m[1]}`) : 0n;
    }),
    acPower: once(acPower),
    needsUpdate: (dir) => {
      const usr = statOr('/usr/');
      if (!usr) return false;
      const stamp = statOr(path.join(dir, '.updated'));
      return stamp === undefined || usr.mtimeMs > stamp.mtimeMs;
    },
    // As systemd 257: a missing file or "uninitialized"; an empty file is not a first boot.
    firstBoot: () => o.firstBoot?.() ?? isFirstBoot(inspectIdFile(ETC_MACHINE_ID)),
    firmware: (what) => {
      if (what === 'device-tree') return fs.existsSync('/sys/firmware/devicetree');
      if (what === 'uefi') return fs.existsSync('/sys/firmware/efi');
      const m = /^device-tree-compatible\((.+)\)$/.exec(what);
      if (m) return (read('/proc/device-tree/compatible') ?? '').split('\0').includes(m[1]!);
      return false;
    },
    uid: () => process.getuid?.() ?? 0,
    gids: () => [...new Set([process.getgid?.() ?? 0, ...(process.getgroups?.() ?? [])])],
    groupId: (name) => groupIds().get(name),
    controllers: once(() => {
      const set = new Set<string>((read('/sys/fs/cgroup/cgroup.controllers') ?? '').trim().split(/\s+/).filter(Boolean));
      for (const line of (read('/proc/cgroups') ?? '').split('\n')) {
        const f = line.split('\t');
        if (f.length >= 4 && !line.startsWith('#') && f[3] === '1' && fs.existsSync(`/sys/fs/cgroup/${f[0]}`)) set.add(f[0]!);
      }
      return set;
    }),
    memoryBytes: once(() => Math.min(os.totalmem(), cgroupMemoryLimit())),
    cpus: () => os.availableParallelism(),
    cpuFlags: once(() => new Set((/^(?:flags|Features)\s*:(.*)$/m.exec(read('/proc/cpuinfo') ?? '')?.[1] ?? '').trim().split(/\s+/))),
    osRelease: once(() => parseKeyValues(read('/etc/os-release') ?? read('/usr/lib/os-release') ?? '')),
    pressure: (kind: PressureKind) => {
      const m = /^some avg10=([\d.]+) avg60=([\d.]+) avg300=([\d.]+)/m.exec(read(`/proc/pressure/${kind}`) ?? '');
      return m ? { avg10: Number(m[1]), avg60: Number(m[2]), avg300: Number(m[3]) } : undefined;
    },
    fs: realFs,
  };
}

/** SYSTEMD_VIRTUALIZATION as systemd.generator(7) gives it: "container:podman", "vm:kvm". */
export function virtualizationString(f: HostFacts): string | undefined {
  const c = f.container();
  if (c !== undefined) return `container:${c}`;
  const v = f.vm();
  return v === undefined ? undefined : `vm:${v}`;
}
