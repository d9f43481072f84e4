// The "vm" image of the real-workload tests: Debian bookworm or trixie with a dozen real
// services installed by apt (scripts/vm-image.sh builds and caches the base), plus dist/ts-init
// as the ENTRYPOINT, the probe scripts (test/fixtures/vm/probe.sh at /usr/local/bin/vm-probe,
// bus-probe.sh at /usr/local/bin/vm-bus-probe) and a bus name whose unit does not exist
// (test/fixtures/vm/dbus/). The same image boots under its Debian's systemd (252, 257: the
// oracle) or under ts-init.

import * as path from 'node:path';
import {
  REPO_ROOT,
  type BuildImageOptions,
  buildImage,
  ensureContainerEnv,
  exec,
  logs,
  podman,
  runCommand,
  type Runtime,
} from './container';

export const VM_IMAGE_SCRIPT = path.join(REPO_ROOT, 'scripts', 'vm-image.sh');
export const VM_PROBE = path.join(REPO_ROOT, 'test', 'fixtures', 'vm', 'probe.sh');
export const VM_BUS_PROBE = path.join(REPO_ROOT, 'test', 'fixtures', 'vm', 'bus-probe.sh');
const VM_DBUS_FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'vm', 'dbus');

/** The Debian releases the vm image is built from, and the systemd each ships. */
export type VmSuite = 'bookworm' | 'trixie';
export const VM_SUITES: readonly VmSuite[] = ['bookworm', 'trixie'];
export const SUITE_SYSTEMD: Record<VmSuite, number> = { bookworm: 252, trixie: 257 };
/**
 * Both inits run with runc and cgroups enabled: systemd then makes its cgroups inside the
 * container's own (libpod_parent/libpod-ID), which podman removes, instead of an init.scope in
 * the host's name=systemd root.
 */
export const VM_RUNTIME: Runtime = 'runc';
/** The CMD under ts-init: stamps the moment it starts (CLOCK_REALTIME, ns), then sleeps. */
export const VM_CMD = ['/bin/sh', '-c', 'date +%s%N >/run/vm-cmd-started; exec sleep infinity'];
export const CMD_STAMP = '/run/vm-cmd-started';

const basePromises = new Map<VmSuite, Promise<string>>();

/** Runs scripts/vm-image.sh once per test process and release; returns the base image reference. */
export function ensureVmBase(suite: VmSuite = 'bookworm'): Promise<string> {
  let p = basePromises.get(suite);
  if (!p) {
    p = (async () => {
      await ensureContainerEnv();
      const res = await runCommand('bash', [VM_IMAGE_SCRIPT, suite], { timeoutMs: 20 * 60_000 });
      const ref = /^export TS_INIT_BASE_VM='([^']*)'$/m.exec(res.stdout)?.[1];
      if (res.code !== 0 || !ref) {
        throw new Error(`${VM_IMAGE_SCRIPT} ${suite} exited ${res.code}:\n${res.stderr.slice(-4000)}`);
      }
      return ref;
    })();
    p.catch(() => basePromises.delete(suite));
    basePromises.set(suite, p);
  }
  return p;
}

/**
 * The vm base (or `base`, an image made from it) plus dist/ts-init at /sbin/ts-init (the
 * ENTRYPOINT), the probe scripts and the bus fixtures; `extra` files and RUN steps come after them.
 */
export async function buildVmImage(suite: VmSuite = 'bookworm', base?: string, extra: Pick<BuildImageOptions, 'files' | 'run'> = {}): Promise<string> {
  const from = base ?? (await ensureVmBase(suite));
  return buildImage({
    base: 'debian',
    from,
    run: extra.run,
    files: {
      '/usr/local/bin/vm-probe': { hostPath: VM_PROBE, mode: 0o755 },
      '/usr/local/bin/vm-bus-probe': { hostPath: VM_BUS_PROBE, mode: 0o755 },
      '/usr/share/dbus-1/system-services/org.example.Missing.service': { hostPath: path.join(VM_DBUS_FIXTURES, 'org.example.Missing.service'), mode: 0o644 },
      '/usr/share/dbus-1/system.d/org.example.Missing.conf': { hostPath: path.join(VM_DBUS_FIXTURES, 'org.example.Missing.conf'), mode: 0o644 },
      ...extra.files,
    },
    entrypoint: ['/sbin/ts-init', '--'],
    cmd: VM_CMD,
  });
}

export type VmInit = 'systemd' | 'ts-init';

/** `podman run` options that boot the image under `init` (the CMD is the image's under ts-init). */
export function bootArgs(init: VmInit): { entrypoint?: string[]; args: string[] } {
  if (init === 'systemd') {
    // podman 4.3 sets no stop signal when the entrypoint is overridden: systemd wants SIGRTMIN+3.
    return { entrypoint: ['/sbin/init'], args: ['--systemd=always', '--stop-signal=SIGRTMIN+3'] };
  }
  return { args: [] };
}

export interface ProbeRow {
  name: string;
  ok: boolean;
  unit: string;
  /** First line of `systemctl is-active UNIT` from the container's init. */
  active: string;
  detail: string;
  /** When the probe ended, ms since the epoch (the container's CLOCK_REALTIME, the host's too). */
  at: number;
}

export function parseProbe(stdout: string): ProbeRow[] {
  return stdout
    .split('\n')
    .filter((l) => l.includes('\t'))
    .map((l) => {
      const [name = '', result = '', unit = '', active = '', detail = '', at = ''] = l.split('\t');
      return { name, ok: result === 'ok', unit, active, detail, at: /^\d+$/.test(at) ? Number(BigInt(at) / 1_000_000n) : Number.NaN };
    });
}

export async function probe(container: string): Promise<ProbeRow[]> {
  const res = await exec(container, ['/usr/local/bin/vm-probe'], { runtime: VM_RUNTIME, timeoutMs: 120_000 });
  if (res.code !== 0) throw new Error(`vm-probe in ${container} exited ${res.code}: ${res.stderr}`);
  return parseProbe(res.stdout);
}

/** ms since the epoch at which the CMD started (undefined while it has not). */
export async function cmdStartedAt(container: string): Promise<number | undefined> {
  const res = await exec(container, ['cat', CMD_STAMP], { runtime: VM_RUNTIME });
  const ns = res.code === 0 ? res.stdout.trim() : '';
  return /^\d+$/.test(ns) ? Number(BigInt(ns) / 1_000_000n) : undefined;
}

/** The lines of the container's log that name `unit` (ts-init prefixes a unit's output with it). */
export async function unitLogLines(container: string, unit: string, max = 3): Promise<string[]> {
  const all = (await logs(container)).split('\n');
  const mentions = all.filter(
    (l) => (l.startsWith(`${unit}:`) || l.includes(`unit="${unit}"`) || l.includes(`"unit":"${unit}"`)) &&
      !/is not supported by ts-init|unknown directive/.test(l),
  );
  return mentions.slice(-max).map((l) => l.slice(0, 220));
}

/** A row worth explaining: the probe failed, or the init does not call the unit active. */
export function needsExplaining(r: ProbeRow): boolean {
  return !r.ok || (r.active !== 'active' && r.active !== '-');
}

/** A fixed-width table of probe rows, one column group per init. */
export function probeTable(runs: Partial<Record<string, ProbeRow[]>>, why: Record<string, string[]> = {}): string {
  const inits = Object.keys(runs);
  const names = [...new Set(inits.flatMap((i) => (runs[i] ?? []).map((r) => r.name)))];
  const header = ['service', 'unit', ...inits.flatMap((i) => [`${i} probe`, `${i} is-active`])];
  const rows = names.map((n) => {
    const unit = inits.map((i) => runs[i]?.find((r) => r.name === n)?.unit).find(Boolean) ?? '';
    const cells = inits.flatMap((i) => {
      const r = runs[i]?.find((x) => x.name === n);
      return r ? [r.ok ? 'ok' : 'FAIL', r.active] : ['(none)', ''];
    });
    return [n, unit, ...cells];
  });
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const line = (cells: string[]) => cells.map((c, k) => c.padEnd(widths[k]!)).join('  ');
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  const failed = names.flatMap((n) =>
    inits.flatMap((i) => {
      const r = runs[i]?.find((x) => x.name === n);
      if (!r || !needsExplaining(r)) return [];
      const lines = why[`${i}/${n}`] ?? [];
      return [`  ${i} ${n}: probe ${r.ok ? 'ok' : 'FAIL'}, is-active ${r.active}: ${r.detail}`, ...lines.map((l) => `      log: ${l}`)];
    }),
  );
  if (failed.length) {
    out.push('', "failing probes and is-active answers other than active (what the probe saw, then the unit's last log lines):", ...failed);
  }
  return out.join('\n');
}

/** What the bus probe (test/fixtures/vm/bus-probe.sh) saw. */
export interface BusProbe {
  /** ListUnits' rows: name, load, active, sub state, object path. */
  listUnits: Array<[string, string, string, string, string]>;
  listUnitsError: string;
  /** Per unit: GetUnit's path and the ActiveState property ('-' when a call failed). */
  getUnit: Array<{ unit: string; path: string; active: string }>;
  timings: Record<string, { ms: number; code: number; detail: string }>;
  /** The units node-exporter's systemd collector says are active. */
  exporterActive: string[];
  /** Each settings front's status output, and (settings-set) what setting a zone, a pretty name, a host name and a locale printed and left. */
  fronts: Record<string, string>;
}

export function parseBusProbe(stdout: string): BusProbe {
  const sections: Record<string, string[]> = {};
  let current = '';
  for (const line of stdout.split('\n')) {
    const m = /^== (.+)$/.exec(line);
    if (m) current = m[1]!;
    else (sections[current] ??= []).push(line);
  }
  const lines = (name: string): string[] => (sections[name] ?? []).filter((l) => l !== '');
  const out: BusProbe = { listUnits: [], listUnitsError: '', getUnit: [], timings: {}, exporterActive: lines('node-exporter'), fronts: {} };
  const listText = lines('list-units').join('');
  try {
    const doc = JSON.parse(listText) as { data: Array<Array<Array<string | number>>> };
    out.listUnits = doc.data[0]!.map((r) => [String(r[0]), String(r[2]), String(r[3]), String(r[4]), String(r[6])]);
  } catch {
    out.listUnitsError = listText.slice(0, 300);
  }
  for (const l of lines('get-unit')) {
    const [unit = '', p = '', active = ''] = l.split('\t');
    out.getUnit.push({ unit, path: p, active });
  }
  for (const l of lines('timings')) {
    const [name = '', ms = '', code = '', detail = ''] = l.split('\t');
    out.timings[name] = { ms: Number(ms), code: Number(code), detail: detail.trim() };
  }
  for (const f of ['hostnamectl', 'timedatectl', 'localectl', 'hostname1', 'settings-set']) out.fronts[f] = (sections[f] ?? []).join('\n').trim();
  return out;
}

export async function busProbe(container: string, units: readonly string[]): Promise<BusProbe> {
  const res = await exec(container, ['/usr/local/bin/vm-bus-probe', ...units], { runtime: VM_RUNTIME, timeoutMs: 240_000 });
  if (res.code !== 0) throw new Error(`vm-bus-probe in ${container} exited ${res.code}: ${res.stderr}`);
  return parseBusProbe(res.stdout);
}

/** Removes a container whatever its state. */
export async function removeVm(name: string): Promise<void> {
  await podman(['rm', '-f', '--ignore', '-t', '0', name], { runtime: VM_RUNTIME, timeoutMs: 120_000 });
}
