// The real workload: a VM-style Debian bookworm image (scripts/vm-image.sh: openssh, cron,
// rsyslog, dbus, nginx + php8.2-fpm, redis, mariadb, postgresql, bind9, squid, postfix, slapd,
// xinetd, supervisor, all installed by apt with their own units or init scripts, plus Debian's
// systemd) boots once under systemd 252 (`podman run --systemd=always`, the oracle) and once
// under ts-init (the image's ENTRYPOINT, no flags, CMD stamps the time it starts). In each,
// test/fixtures/vm/probe.sh talks to every service on loopback or its socket until all answer
// or a deadline passes. Asserted: every probe passes under both inits; slapd and xinetd, which
// ship only SysV init scripts, run from those scripts under both (SourcePath); once the boot is
// over, under ts-init `systemctl is-active` says `active` exactly for the services that answer
// (no false green), as systemd's does;
// the CMD starts without waiting out a start timeout; `podman stop` ends ts-init with 143
// (SIGTERM handled, not SIGKILL after the grace period). A failure prints the per-service table
// with what each failing probe saw and the unit's last log lines.
//
// Cost: the base image is built once (about 2 min, cached under .cache/); a re-run takes about
// 20 s when every service comes up, up to ~80 s when some do not (ts-init's deadline is 45 s).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResourceTracker, exec, inspect, logs, removeContainers, requireTsInit, runDetached, stop } from '../helpers/container';
import { HOST_SYSTEMD_CGROUP, SYSTEMD_TOP_CGROUP, cgroupsOf, removeCgroupTree, topCgroups } from '../helpers/host-cgroups';
import {
  VM_RUNTIME,
  bootArgs,
  buildVmImage,
  cmdStartedAt,
  needsExplaining,
  probe,
  probeTable,
  unitLogLines,
  type ProbeRow,
  type VmInit,
} from '../helpers/vm-image';

const resources = new ResourceTracker();
/** How long each boot may take until every probe passes. */
const READY_DEADLINE_MS: Record<VmInit, number> = { systemd: 60_000, 'ts-init': 45_000 };
/**
 * The CMD must start well before any unit's start timeout could have run out (systemd's
 * default TimeoutStartSec is 90 s): every unit's start job is over, settled one way or another.
 */
const CMD_START_BOUND_MS = 20_000;
/** `podman stop -t` grace period: exit 143 means ts-init finished before SIGKILL. */
const STOP_GRACE_S = 20;
/** The image's services that ship only a SysV init script (no unit file anywhere). */
const SYSV_ONLY = ['slapd', 'xinetd'];

interface Boot {
  container: string;
  id: string;
  rows: ProbeRow[];
  /** /proc/1/comm in the container. */
  pid1: string;
  /** Whether /run/systemd/system exists (what scripts test for "booted with systemd"). */
  runSystemd: boolean;
  /** `systemctl show -p SourcePath` of the services that have only a SysV init script. */
  sysvSources: string;
  /** Container start (before `podman run`) until every probe passed; undefined if they never did. */
  readyMs?: number;
  /** Container start until the CMD ran (ts-init only). */
  cmdMs?: number;
  stopMs: number;
  exitCode: number;
  /** Last log lines of every failing service, keyed `init/service`. */
  why: Record<string, string[]>;
  /** The end of the container's log after the stop (what it was doing if it had to be killed). */
  stopLog: string;
  /** Set when the container ended by itself while booting. */
  gone: string;
}

const boots: Partial<Record<VmInit, Boot>> = {};
let cgroupsBefore: string[] = [];
let image = '';

async function boot(init: VmInit): Promise<Boot> {
  const { entrypoint, args } = bootArgs(init);
  const t0 = Date.now();
  const container = resources.container(await runDetached(image, { runtime: VM_RUNTIME, entrypoint, args }));
  const id = await inspect(container, '{{.Id}}');
  const pid1 = (await exec(container, ['cat', '/proc/1/comm'], { runtime: VM_RUNTIME })).stdout.trim() || '(no answer)';
  let rows: ProbeRow[] = [];
  let readyMs: number | undefined;
  let cmdAt: number | undefined;
  const deadline = t0 + READY_DEADLINE_MS[init];
  let gone = '';
  for (;;) {
    try {
      rows = await probe(container);
    } catch (err) {
      // PID 1 gone (a crash, or an exit of its own): nothing more to probe.
      const status = await inspect(container, '{{.State.Status}} {{.State.ExitCode}}');
      if (!status.startsWith('running')) {
        gone = `container ${status.replace(' ', ', exit ')} while booting: ${(err as Error).message.slice(0, 300)}`;
        break;
      }
      // `podman exec` can fail while PID 1 is still setting up: try again until the deadline.
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 300));
      continue;
    }
    if (init === 'ts-init') cmdAt ??= await cmdStartedAt(container);
    if (rows.length > 0 && rows.every((r) => r.ok)) {
      readyMs = Date.now() - t0;
      break;
    }
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  // Every service may answer before the init's start-up is over (postgres accepts connections
  // about 2 s before pg_ctlcluster returns, so postgresql@15-main is still `activating` under
  // either init): wait for its end (the CMD under ts-init, within its bound; `is-system-running
  // --wait` under systemd), then probe once more for the is-active comparison.
  while (init === 'ts-init' && !gone && cmdAt === undefined) {
    cmdAt = await cmdStartedAt(container);
    if (cmdAt !== undefined || Date.now() > t0 + CMD_START_BOUND_MS) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (init === 'systemd' && !gone) {
    await exec(container, ['timeout', '30', 'systemctl', 'is-system-running', '--wait'], { runtime: VM_RUNTIME, timeoutMs: 60_000 });
  }
  if (!gone && readyMs !== undefined) rows = await probe(container);

  const why: Record<string, string[]> = {};
  for (const r of rows.filter(needsExplaining)) {
    why[`${init}/${r.name}`] =
      init === 'ts-init'
        ? await unitLogLines(container, r.unit)
        : (await exec(container, ['journalctl', '--no-pager', '-n', '3', '-o', 'cat', '-u', r.unit], { runtime: VM_RUNTIME })).stdout
            .trim()
            .split('\n');
  }

  const runSystemd = (await exec(container, ['test', '-e', '/run/systemd/system'], { runtime: VM_RUNTIME })).code === 0;
  const systemctl = init === 'systemd' ? '/usr/bin/systemctl' : '/usr/local/lib/ts-init/systemctl';
  const sysvSources = (await exec(container, [systemctl, 'show', '-p', 'SourcePath', ...SYSV_ONLY.map((s) => `${s}.service`)], { runtime: VM_RUNTIME })).stdout;
  const s0 = Date.now();
  await stop(container, STOP_GRACE_S, { runtime: VM_RUNTIME });
  const stopMs = Date.now() - s0;
  const exitCode = Number(await inspect(container, '{{.State.ExitCode}}'));
  const stopLog = (await logs(container)).split('\n').filter((l) => !/is not supported by ts-init|unknown directive/.test(l)).slice(-25).join('\n');
  return { gone, container, id, rows, pid1, runSystemd, sysvSources, readyMs, cmdMs: cmdAt === undefined ? undefined : cmdAt - t0, stopMs, exitCode, why, stopLog };
}

function table(): string {
  const runs: Record<string, ProbeRow[]> = {};
  const why: Record<string, string[]> = {};
  for (const [init, b] of Object.entries(boots)) {
    runs[init] = b.rows;
    Object.assign(why, b.why);
  }
  const timing = Object.entries(boots).map(
    ([init, b]) =>
      `${init}: all probes ${b.readyMs === undefined ? `NOT passing after ${READY_DEADLINE_MS[init as VmInit] / 1000} s` : `passing after ${b.readyMs} ms`}` +
      `${init === 'ts-init' ? `, CMD ${b.cmdMs === undefined ? 'not started' : `started after ${b.cmdMs} ms`}` : ''}` +
      `, podman stop ${b.stopMs} ms, exit ${b.exitCode}${b.gone ? `; ${b.gone}` : ''}`,
  );
  return `\n${probeTable(runs, why)}\n\n${timing.join('\n')}\n`;
}

beforeAll(async () => {
  requireTsInit();
  image = resources.image(await buildVmImage());
  cgroupsBefore = topCgroups();
  // One after the other: both are measured on the same, otherwise idle, container host.
  boots.systemd = await boot('systemd');
  boots['ts-init'] = await boot('ts-init');
  process.stdout.write(`vm image, per service:${table()}`);
}, 10 * 60_000);

afterAll(async () => {
  await resources.cleanup();
});

describe('vm image: the same services up under systemd 252 and under ts-init', () => {
  it('systemd 252 (the oracle) brings every service up, and its is-active agrees with every probe', () => {
    const b = boots.systemd!;
    expect(b.pid1).toBe('systemd');
    expect(b.rows.length, table()).toBeGreaterThan(10);
    expect(b.rows.filter((r) => !r.ok).map((r) => r.name), table()).toEqual([]);
    expect(b.rows.filter((r) => r.active !== 'active').map((r) => `${r.unit}: ${r.active}`), table()).toEqual([]);
  });

  it('ts-init is PID 1 with no flags, and says it is systemd as systemd does', () => {
    const b = boots['ts-init']!;
    expect(b.pid1).toBe('ts-init');
    // What init scripts and package scripts test for "booted with systemd" (docs/systemd-identity.md).
    expect(b.runSystemd, '/run/systemd/system exists under ts-init').toBe(true);
    expect(boots.systemd!.runSystemd).toBe(true);
  });

  it('slapd and xinetd run from their SysV init scripts under both inits', () => {
    const expected = SYSV_ONLY.map((s) => `SourcePath=/etc/init.d/${s}`);
    for (const init of ['systemd', 'ts-init'] as const) {
      expect(boots[init]!.sysvSources.trim().split('\n').filter(Boolean), init).toEqual(expected);
      expect(boots[init]!.rows.filter((r) => SYSV_ONLY.includes(r.name) && r.ok).map((r) => r.name), `${init}${table()}`).toEqual(SYSV_ONLY);
    }
  });

  it('ts-init brings every service up', () => {
    const b = boots['ts-init']!;
    expect(b.rows.map((r) => r.name), table()).toEqual(boots.systemd!.rows.map((r) => r.name));
    expect(b.rows.filter((r) => !r.ok).map((r) => r.name), table()).toEqual([]);
  });

  it('under ts-init, systemctl is-active says active exactly for the services that answer (no false green)', () => {
    const b = boots['ts-init']!;
    const disagree = b.rows
      .filter((r) => r.ok !== (r.active === 'active'))
      .map((r) => `${r.name} (${r.unit}): probe ${r.ok ? 'ok' : 'fails'}, is-active says ${r.active}`);
    expect(disagree, table()).toEqual([]);
  });

  it(`the CMD starts within ${CMD_START_BOUND_MS / 1000} s of the container's start (no start timeout waited out)`, () => {
    const b = boots['ts-init']!;
    expect(b.cmdMs, `CMD never started${table()}`).toBeDefined();
    expect(b.cmdMs!, table()).toBeLessThanOrEqual(CMD_START_BOUND_MS);
  });

  it('podman stop ends ts-init with 143 before the grace period is over', () => {
    const b = boots['ts-init']!;
    expect(b.exitCode, `${table()}\nlast log lines after the stop:\n${b.stopLog}`).toBe(143);
    expect(b.stopMs).toBeLessThan(STOP_GRACE_S * 1000);
  });
});

describe('host clean-up', () => {
  it('leaves no cgroup of either container (and no init.scope in the host name=systemd root) behind', async () => {
    await removeContainers(...resources.containers.splice(0));
    const leftovers = Object.values(boots).flatMap((b) => cgroupsOf(b.id));
    const newTop = topCgroups().filter((d) => !cgroupsBefore.includes(d) && SYSTEMD_TOP_CGROUP.test(d));
    // Clean whatever was left before failing, so that a failure does not leak into the host.
    for (const dir of [...leftovers, ...newTop.map((d) => `${HOST_SYSTEMD_CGROUP}/${d}`)]) {
      try {
        removeCgroupTree(dir);
      } catch {
        /* still in use: reported below */
      }
    }
    expect(leftovers).toEqual([]);
    expect(newTop).toEqual([]);
  });
});
