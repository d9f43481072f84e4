// The real workload: a VM-style Debian image (scripts/vm-image.sh: openssh, cron, rsyslog,
// dbus, nginx + php-fpm, redis, mariadb, postgresql, bind9, squid, postfix, slapd, xinetd,
// prometheus-node-exporter, supervisor, all installed by apt with their own units or init
// scripts, plus Debian's systemd), built from Debian 12 "bookworm" (systemd 252) and from
// Debian 13 "trixie" (systemd 257, dbus-broker as the system bus). Each boots once under its
// own systemd (`podman run --systemd=always`, the oracle) and once under ts-init (the image's
// ENTRYPOINT, no flags, CMD stamps the time it starts). In each, test/fixtures/vm/probe.sh talks
// to every service on loopback or its socket until all answer or a deadline passes, then
// test/fixtures/vm/bus-probe.sh asks the init what real bus clients ask (busctl, dbus-send,
// node-exporter's systemd collector) and prints the settings fronts' status. Asserted: every
// probe passes under both inits; the SysV-only services (bookworm: slapd, xinetd) run from their
// init scripts under both (SourcePath); once the boot is over, under ts-init `systemctl
// is-active` says `active` exactly for the services that answer (no false green), as systemd's
// does; the CMD starts without waiting out a start timeout; `podman stop` ends ts-init with 143
// (SIGTERM handled, not SIGKILL after the grace period); on the bus, ListUnits and
// GetUnit + Get ActiveState agree with systemd's for the image's services, Peer.Ping and a
// failed activation answer within a second, node-exporter's /metrics answers within a second
// with node_systemd_unit_state for every service, and dbus-broker reloads (trixie); hostnamectl,
// timedatectl and localectl print what systemd 252's print (bookworm). A failure prints the
// per-service table with what each failing probe saw and the unit's last log lines.
// TS_INIT_VM_SUITES=bookworm (or trixie) runs one release only.
//
// Cost: each base image is built once (2-8 min, cached under .cache/); a re-run takes about
// 40 s per release when every service comes up, up to ~160 s when some do not.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResourceTracker, exec, inspect, logs, removeContainers, requireTsInit, runDetached, stop } from '../helpers/container';
import { unitOfPath } from '../../src/bus/object-path';
import { cleanUpCgroups, topCgroups } from '../helpers/host-cgroups';
import {
  VM_RUNTIME,
  VM_SUITES,
  SUITE_SYSTEMD,
  bootArgs,
  busProbe,
  buildVmImage,
  cmdStartedAt,
  needsExplaining,
  probe,
  probeTable,
  unitLogLines,
  type BusProbe,
  type ProbeRow,
  type VmInit,
  type VmSuite,
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
const SYSV_ONLY: Record<VmSuite, string[]> = { bookworm: ['slapd', 'xinetd'], trixie: [] };
/** What a bus client may wait for an answer that needs no work (Ping, a failed activation, a scrape). */
const BUS_ANSWER_MS = 1000;
const SUITES = VM_SUITES.filter((s) => (process.env.TS_INIT_VM_SUITES ?? VM_SUITES.join(',')).split(',').includes(s));

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
  /** What real bus clients got from the init, and the settings fronts' status. */
  bus?: BusProbe;
}

let cgroupsBefore: string[] = [];
/** Every container booted, for the clean-up check. */
const allBoots: Array<{ id: string }> = [];

async function boot(image: string, suite: VmSuite, init: VmInit): Promise<Boot> {
  const { entrypoint, args } = bootArgs(init);
  const t0 = Date.now();
  const container = resources.container(await runDetached(image, { runtime: VM_RUNTIME, entrypoint, args }));
  const id = await inspect(container, '{{.Id}}');
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

  // Once booted: ts-init takes the name init as it makes /run/systemd/system, before its first unit.
  const pid1 = (await exec(container, ['cat', '/proc/1/comm'], { runtime: VM_RUNTIME })).stdout.trim() || '(no answer)';
  const runSystemd = (await exec(container, ['test', '-e', '/run/systemd/system'], { runtime: VM_RUNTIME })).code === 0;
  const systemctl = init === 'systemd' ? '/usr/bin/systemctl' : '/usr/local/lib/ts-init/systemctl';
  const sysvOnly = SYSV_ONLY[suite];
  const sysvSources = sysvOnly.length ? (await exec(container, [systemctl, 'show', '-p', 'SourcePath', ...sysvOnly.map((s) => `${s}.service`)], { runtime: VM_RUNTIME })).stdout : '';
  const bus = gone ? undefined : await busProbe(container, rows.map((r) => r.unit));
  allBoots.push({ id });
  const s0 = Date.now();
  await stop(container, STOP_GRACE_S, { runtime: VM_RUNTIME });
  const stopMs = Date.now() - s0;
  const exitCode = Number(await inspect(container, '{{.State.ExitCode}}'));
  const stopLog = (await logs(container)).split('\n').filter((l) => !/is not supported by ts-init|unknown directive/.test(l)).slice(-25).join('\n');
  return { gone, container, id, rows, pid1, runSystemd, sysvSources, readyMs, cmdMs: cmdAt === undefined ? undefined : cmdAt - t0, stopMs, exitCode, why, stopLog, bus };
}

function table(boots: Partial<Record<VmInit, Boot>>): string {
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
  const busLines = Object.entries(boots).flatMap(([init, b]) =>
    Object.entries(b.bus?.timings ?? {}).map(([k, t]) => `${init} bus ${k}: ${t.ms} ms, exit ${t.code}${t.code ? ` (${t.detail.slice(0, 160)})` : ''}`),
  );
  return `\n${probeTable(runs, why)}\n\n${timing.join('\n')}\n${busLines.join('\n')}\n`;
}

/** A status text with what differs between two boots of one image left out (ids, times, the container's name). */
function normaliseStatus(text: string, hostname: string): string {
  return text
    .replaceAll(hostname, 'HOSTNAME')
    .replace(/\b[0-9a-f]{32}\b/g, 'ID')
    .replace(/\w{3} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, 'TIME');
}

beforeAll(() => {
  requireTsInit();
  cgroupsBefore = topCgroups();
});

afterAll(async () => {
  await resources.cleanup();
});

for (const suite of SUITES) {
  const systemdVersion = SUITE_SYSTEMD[suite];
  const boots: Partial<Record<VmInit, Boot>> = {};
  const sysvOnly = SYSV_ONLY[suite];

  describe(`vm image (${suite}): the same services up under systemd ${systemdVersion} and under ts-init`, () => {
    beforeAll(async () => {
      const image = resources.image(await buildVmImage(suite));
      // One after the other: both are measured on the same, otherwise idle, container host.
      boots.systemd = await boot(image, suite, 'systemd');
      boots['ts-init'] = await boot(image, suite, 'ts-init');
      process.stdout.write(`vm image (${suite}), per service:${table(boots)}`);
    }, 15 * 60_000);

    it(`systemd ${systemdVersion} (the oracle) brings every service up, and its is-active agrees with every probe`, () => {
      const b = boots.systemd!;
      expect(b.pid1).toBe('systemd');
      expect(b.rows.length, table(boots)).toBeGreaterThan(10);
      expect(b.rows.filter((r) => !r.ok).map((r) => r.name), table(boots)).toEqual([]);
      expect(b.rows.filter((r) => r.active !== 'active').map((r) => `${r.unit}: ${r.active}`), table(boots)).toEqual([]);
    });

    it('ts-init is PID 1 with no flags, and says it is systemd as systemd does', () => {
      const b = boots['ts-init']!;
      // Named init, as it says it is systemd (docs/systemd-identity.md); the probes know it by its command line.
      expect(b.pid1).toBe('init');
      // What init scripts and package scripts test for "booted with systemd" (docs/systemd-identity.md).
      expect(b.runSystemd, '/run/systemd/system exists under ts-init').toBe(true);
      expect(boots.systemd!.runSystemd).toBe(true);
    });

    if (sysvOnly.length) it(`${sysvOnly.join(' and ')} run from their SysV init scripts under both inits`, () => {
      const expected = sysvOnly.map((s) => `SourcePath=/etc/init.d/${s}`);
      for (const init of ['systemd', 'ts-init'] as const) {
        expect(boots[init]!.sysvSources.trim().split('\n').filter(Boolean), init).toEqual(expected);
        expect(boots[init]!.rows.filter((r) => sysvOnly.includes(r.name) && r.ok).map((r) => r.name), `${init}${table(boots)}`).toEqual(sysvOnly);
      }
    });

    it('ts-init brings every service up', () => {
      const b = boots['ts-init']!;
      expect(b.rows.map((r) => r.name), table(boots)).toEqual(boots.systemd!.rows.map((r) => r.name));
      expect(b.rows.filter((r) => !r.ok).map((r) => r.name), table(boots)).toEqual([]);
    });

    it('under ts-init, systemctl is-active says active exactly for the services that answer (no false green)', () => {
      const b = boots['ts-init']!;
      const disagree = b.rows
        .filter((r) => r.ok !== (r.active === 'active'))
        .map((r) => `${r.name} (${r.unit}): probe ${r.ok ? 'ok' : 'fails'}, is-active says ${r.active}`);
      expect(disagree, table(boots)).toEqual([]);
    });

    it(`the CMD starts within ${CMD_START_BOUND_MS / 1000} s of the container's start (no start timeout waited out)`, () => {
      const b = boots['ts-init']!;
      expect(b.cmdMs, `CMD never started${table(boots)}`).toBeDefined();
      expect(b.cmdMs!, table(boots)).toBeLessThanOrEqual(CMD_START_BOUND_MS);
    });

    it('podman stop ends ts-init with 143 before the grace period is over', () => {
      const b = boots['ts-init']!;
      expect(b.exitCode, `${table(boots)}\nlast log lines after the stop:\n${b.stopLog}`).toBe(143);
      expect(b.stopMs).toBeLessThan(STOP_GRACE_S * 1000);
    });
  });


  describe(`vm image (${suite}): real D-Bus clients get the same answers from ts-init as from systemd ${systemdVersion}`, () => {
    /** The image's services by the names the bus lists them under (an alias, trixie's dbus.service, by its unit's). */
    const services = (): string[] => boots.systemd!.bus!.getUnit.map((g) => unitOfPath(g.path) ?? g.unit);
    const rowsOf = (b: Boot): string[] =>
      b.bus!.listUnits.filter(([name]) => services().includes(name)).map((r) => r.join(' ')).sort();

    it('busctl ... Manager ListUnits lists the image\'s services with the same states and paths', () => {
      for (const init of ['systemd', 'ts-init'] as const) expect(boots[init]!.bus?.listUnitsError, init).toBe('');
      expect(rowsOf(boots['ts-init']!), table(boots)).toEqual(rowsOf(boots.systemd!));
      expect(rowsOf(boots['ts-init']!).length).toBe(services().length);
    });

    it('GetUnit + Properties.Get ActiveState agree for every service', () => {
      expect(boots['ts-init']!.bus!.getUnit, table(boots)).toEqual(boots.systemd!.bus!.getUnit);
      expect(boots['ts-init']!.bus!.getUnit.every((g) => g.active === 'active')).toBe(true);
    });

    it(`Peer.Ping on org.freedesktop.systemd1 answers within ${BUS_ANSWER_MS} ms`, () => {
      for (const init of ['systemd', 'ts-init'] as const) {
        const t = boots[init]!.bus!.timings.ping!;
        expect(t.code, `${init}: ${t.detail}`).toBe(0);
        expect(t.ms, init).toBeLessThan(BUS_ANSWER_MS);
      }
    });

    it(`activating a bus name whose unit does not exist fails within ${BUS_ANSWER_MS} ms`, () => {
      for (const init of ['systemd', 'ts-init'] as const) {
        const t = boots[init]!.bus!.timings['activate-missing']!;
        expect(t.code, `${init}: ${t.detail}`).not.toBe(0);
        expect(t.detail, init).not.toMatch(/NoReply|Timeout|timed out/i);
        expect(t.ms, `${init}: ${t.detail}`).toBeLessThan(BUS_ANSWER_MS);
      }
    });

    it(`node-exporter's /metrics answers within ${BUS_ANSWER_MS} ms with node_systemd_unit_state active for every service`, () => {
      for (const init of ['systemd', 'ts-init'] as const) {
        const t = boots[init]!.bus!.timings['node-exporter']!;
        expect(t.code, `${init}: ${t.detail}`).toBe(0);
        expect(t.ms, init).toBeLessThan(BUS_ANSWER_MS);
      }
      const expected = services().filter((u) => boots.systemd!.bus!.exporterActive.includes(u)).sort();
      expect(expected.length).toBe(services().length);
      expect(services().filter((u) => boots['ts-init']!.bus!.exporterActive.includes(u)).sort(), table(boots)).toEqual(expected);
    });

    if (suite === 'trixie') it('dbus-broker (Type=notify-reload) is the bus and `systemctl reload dbus-broker` works', () => {
      for (const init of ['systemd', 'ts-init'] as const) {
        const t = boots[init]!.bus!.timings;
        expect(t['reload-dbus-broker']?.code, `${init}: ${t['reload-dbus-broker']?.detail}`).toBe(0);
        expect(t['dbus-after-reload']?.code, `${init}: ${t['dbus-after-reload']?.detail}`).toBe(0);
        expect(t['dbus-broker-state']?.detail, init).toBe('active');
      }
    });

    it('hostnamectl, timedatectl and localectl print, set and refuse what systemd\'s do; systemd\'s own hostnamectl gets the same over the bus', () => {
      // On Debian 13 the setters are not compared: systemd 257's localed refuses `set-locale` from root
      // without CAP_SYS_ADMIN (podman's default) when no polkit is installed ("Access denied"); ts-init
      // writes the file (docs/differences-from-systemd.md). Debian 12 compares them.
      const fronts = ['hostnamectl', 'timedatectl', 'localectl', 'hostname1', ...(suite === 'bookworm' ? ['settings-set'] : [])];
      for (const front of fronts) {
        // (systemd's own hostnamectl talks to the bus only because /run/systemd/system says systemd booted.)
        const of = (init: VmInit): string => normaliseStatus(boots[init]!.bus!.fronts[front] ?? '', boots[init]!.id.slice(0, 12));
        expect(of('ts-init'), `${front} (${suite}), against systemd ${systemdVersion}`).toBe(of('systemd'));
      }
    });
  });
}

describe('host clean-up', () => {
  it('leaves no cgroup of either container (and no init.scope in the host name=systemd root) behind', async () => {
    await removeContainers(...resources.containers.splice(0));
    const { leftovers, newTop } = cleanUpCgroups(allBoots.map((b) => b.id), cgroupsBefore);
    expect(leftovers).toEqual([]);
    expect(newTop).toEqual([]);
  });
});
