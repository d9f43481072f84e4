// The "vm" image of the real-workload tests: Debian bookworm with a dozen real services
// installed by apt (scripts/vm-image.sh builds and caches the base), plus dist/ts-init as the
// ENTRYPOINT and the probe script (test/fixtures/vm/probe.sh) at /usr/local/bin/vm-probe.
// The same image boots under Debian's systemd 252 (the oracle) or under ts-init.

import * as path from 'node:path';
import {
  REPO_ROOT,
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
/**
 * Both inits run with runc and cgroups enabled: systemd then makes its cgroups inside the
 * container's own (libpod_parent/libpod-ID), which podman removes, instead of an init.scope in
 * the host's name=systemd root.
 */
export const VM_RUNTIME: Runtime = 'runc';
/** The CMD under ts-init: stamps the moment it starts (CLOCK_REALTIME, ns), then sleeps. */
export const VM_CMD = ['/bin/sh', '-c', 'date +%s%N >/run/vm-cmd-started; exec sleep infinity'];
export const CMD_STAMP = '/run/vm-cmd-started';

let basePromise: Promise<string> | undefined;

/** Runs scripts/vm-image.sh once per test process; returns the base image reference. */
export function ensureVmBase(): Promise<string> {
  basePromise ??= (async () => {
    await ensureContainerEnv();
    const res = await runCommand('bash', [VM_IMAGE_SCRIPT], { timeoutMs: 20 * 60_000 });
    const ref = /^export TS_INIT_BASE_VM='([^']*)'$/m.exec(res.stdout)?.[1];
    if (res.code !== 0 || !ref) {
      throw new Error(`${VM_IMAGE_SCRIPT} exited ${res.code}:\n${res.stderr.slice(-4000)}`);
    }
    return ref;
  })();
  basePromise.catch(() => { basePromise = undefined; });
  return basePromise;
}

/** The vm base plus dist/ts-init at /sbin/ts-init (the ENTRYPOINT) and the probe script. */
export async function buildVmImage(): Promise<string> {
  const from = await ensureVmBase();
  return buildImage({
    base: 'debian',
    from,
    files: { '/usr/local/bin/vm-probe': { hostPath: VM_PROBE, mode: 0o755 } },
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

/** Removes a container whatever its state. */
export async function removeVm(name: string): Promise<void> {
  await podman(['rm', '-f', '--ignore', '-t', '0', name], { runtime: VM_RUNTIME, timeoutMs: 120_000 });
}
