// Timers on the "vm" image (scripts/vm-image.sh: Debian 12 with systemd 252, Debian 13 with
// systemd 257, their packages' own timers enabled), booted under its own systemd (the oracle) and
// under ts-init, one after the other, with a few test timers added to the image: `tp-boot.timer`
// (OnBootSec=5s, AccuracySec=1s), `tp-cal.timer` (OnCalendar=*:*:0/10, every 10 s),
// `tp-persist.timer` (OnCalendar=monthly, Persistent=true), each firing a oneshot that stamps the
// wall clock and the uptime, and drop-ins that make Debian's logrotate.timer and
// systemd-tmpfiles-clean.timer elapse 2 s after they start. Asserted under both inits: the boot
// timer fires 5 s after PID 1 started, within its accuracy; the calendar timer fires twice in
// the first 25 s, each time within its accuracy of a 10 s boundary; logrotate.service and
// systemd-tmpfiles-clean.service ran and ended as systemd's did; `list-timers --all` names the
// same timers with the same units, and the same shape of NEXT and LEFT, both from ts-init's own
// systemctl (which prints as 252) and from the image's systemctl asking ts-init over the bus
// (as nobody, and as root: 257's then uses only /run/systemd/private, which ts-init serves too); after the persistent
// timer's stamp is made 40 days old and the container restarted, it catches up exactly once at
// boot. Times are the only thing normalised (they differ between any two boots).
// TS_INIT_VM_SUITES=bookworm (or trixie) runs one release only.
//
// Cost: about 70 s per release once the vm base image is cached (144 s for both).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResourceTracker, exec, podman, removeContainers, requireTsInit, runDetached } from '../helpers/container';
import { SUITE_SYSTEMD, VM_RUNTIME, VM_SUITES, bootArgs, buildVmImage, type VmInit, type VmSuite } from '../helpers/vm-image';

const resources = new ResourceTracker();
const SUITES = VM_SUITES.filter((s) => (process.env.TS_INIT_VM_SUITES ?? VM_SUITES.join(',')).split(',').includes(s));
const INITS: readonly VmInit[] = ['systemd', 'ts-init'];
const SYSTEMCTL: Record<VmInit, string> = { systemd: '/usr/bin/systemctl', 'ts-init': '/usr/local/lib/ts-init/systemctl' };

/** How long past its elapse a timer may fire: its AccuracySec=1s, plus starting a oneshot on 2 busy shared cores. */
const ACCURACY_S = 1;
const START_SLACK_S = 1.5;
/** At boot, not at the next elapse: systemd 257 on a loaded host gets to timers.target about 10 s after it starts. */
const PERSIST_CATCH_UP_S = 15;
/** How long the first boot is watched: the calendar timer must fire twice in it. */
const FIRST_BOOT_S = 25;
/** Debian's timers made to elapse soon after they start, and the services they run. */
const DEBIAN_TIMERS = { 'logrotate.timer': 'logrotate.service', 'systemd-tmpfiles-clean.timer': 'systemd-tmpfiles-clean.service' };

const STAMP_SCRIPT = `#!/bin/sh
# Appends "wall-clock-seconds uptime-seconds" to /var/lib/tp/NAME.
mkdir -p /var/lib/tp
echo "$(date +%s.%N) $(cut -d' ' -f1 /proc/uptime)" >>"/var/lib/tp/$1"
`;

function timerPair(name: string, timer: string): Record<string, string> {
  return {
    [`/etc/systemd/system/tp-${name}.timer`]: `[Unit]\nDescription=Test timer ${name}\n\n[Timer]\n${timer}\n\n[Install]\nWantedBy=timers.target\n`,
    [`/etc/systemd/system/tp-${name}.service`]: `[Unit]\nDescription=Test stamp ${name}\n\n[Service]\nType=oneshot\nExecStart=/usr/local/bin/tp-stamp ${name}\n`,
  };
}

const UNITS: Record<string, string> = {
  ...timerPair('boot', 'OnBootSec=5s\nAccuracySec=1s'),
  ...timerPair('cal', 'OnCalendar=*:*:0/10\nAccuracySec=1s'),
  // Monthly: it never elapses while the test runs (unless run at midnight on the 1st), so any
  // run of its service is a catch-up.
  ...timerPair('persist', 'OnCalendar=monthly\nPersistent=true\nAccuracySec=1s'),
  // Trixie's logrotate.timer has RandomizedDelaySec=1h, which delays every elapse (OnActiveSec= too).
  '/etc/systemd/system/logrotate.timer.d/tp-soon.conf': '[Timer]\nOnActiveSec=2s\nAccuracySec=1s\nRandomizedDelaySec=0\n',
  '/etc/systemd/system/systemd-tmpfiles-clean.timer.d/tp-soon.conf': '[Timer]\nOnActiveSec=2s\nAccuracySec=1s\nRandomizedDelaySec=0\n',
};

/**
 * The vm image plus the test timers, enabled as a package would. The heaviest daemons are masked:
 * they have nothing to do with timers, and their start-up would only load the 2 shared cores the
 * timers' accuracy is measured on.
 */
async function buildTimersImage(suite: VmSuite): Promise<string> {
  const files: Record<string, { content: string; mode: number }> = { '/usr/local/bin/tp-stamp': { content: STAMP_SCRIPT, mode: 0o755 } };
  for (const [p, content] of Object.entries(UNITS)) files[p] = { content, mode: 0o644 };
  return resources.image(
    await buildVmImage(suite, undefined, {
      files,
      run: [
        'systemctl enable tp-boot.timer tp-cal.timer tp-persist.timer',
        'systemctl mask mariadb.service postgresql.service postgresql@.service squid.service named.service slapd.service',
      ],
    }),
  );
}

interface Stamp {
  /** Wall clock, seconds since the epoch. */
  wall: number;
  /** /proc/uptime when it ran. */
  uptime: number;
}

interface ListTimersRow {
  next: string;
  left: string;
  last: string;
  passed: string;
  unit: string;
  activates: string;
}

interface Run {
  pid1: string;
  /** /proc/uptime at PID 1's start (from /proc/1/stat). */
  pid1StartUptime: number;
  stamps: Record<string, Stamp[]>;
  /** `list-timers --all` of the init's own systemctl (under ts-init, its front, which prints as 252). */
  listTimers: string;
  rows: ListTimersRow[];
  /** Under ts-init, the image's own /usr/bin/systemctl's, which asks ts-init over the system bus. */
  imageListTimers: string;
  imageRows: ListTimersRow[];
  /** The same, run as root. */
  imageRootListTimers: string;
  /** `systemctl show` of Debian's timers' services: Result, ExecMainStatus, whether they ended. */
  debianServices: Record<string, Record<string, string>>;
  /** Stamps of tp-persist.service before the restart, and after it. */
  persistBefore: number;
  persistAfter: Stamp[];
  /** The restarted PID 1's start, as pid1StartUptime. */
  restartStartUptime: number;
  /** mtime of the persistent timer's stamp file after the catch-up, seconds since the epoch. */
  persistStampMtime: number;
  restartedAt: number;
}

async function sh(container: string, script: string, timeoutMs = 60_000): Promise<string> {
  const r = await exec(container, ['sh', '-c', script], { runtime: VM_RUNTIME, timeoutMs });
  return r.stdout;
}

async function readStamps(container: string): Promise<Record<string, Stamp[]>> {
  const out = await sh(container, 'cd /var/lib/tp 2>/dev/null && for f in *; do [ -f "$f" ] && sed "s/^/$f /" "$f"; done; true');
  const stamps: Record<string, Stamp[]> = { boot: [], cal: [], persist: [] };
  for (const line of out.split('\n')) {
    const [name = '', wall = '', uptime = ''] = line.split(' ');
    if (name) (stamps[name] ??= []).push({ wall: Number(wall), uptime: Number(uptime) });
  }
  return stamps;
}

async function pid1StartUptime(container: string): Promise<number> {
  const out = await sh(container, 'echo $(cut -d" " -f22 /proc/1/stat) $(getconf CLK_TCK)');
  const [ticks = '', hz = ''] = out.trim().split(' ');
  return Number(ticks) / Number(hz);
}

const TS = String.raw`\w{3} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+`;
/** A row of `systemctl list-timers`: 252 left-aligns every column, 257 right-aligns LEFT and PASSED. */
const ROW = new RegExp(String.raw`^(${TS}|-|n/a) +(.+?) +(${TS}|-|n/a) +(.+?) +(\S+\.timer) +(\S*)$`);

function parseListTimers(text: string): ListTimersRow[] {
  const lines = text.split('\n');
  const header = lines.findIndex((l) => l.startsWith('NEXT'));
  if (header < 0) return [];
  const rows: ListTimersRow[] = [];
  for (const l of lines.slice(header + 1)) {
    const m = ROW.exec(l);
    if (!m) break;
    rows.push({ next: m[1]!, left: m[2]!, last: m[3]!, passed: m[4]!, unit: m[5]!, activates: m[6]! });
  }
  return rows;
}

/**
 * What a cell says with its time taken out: a timestamp, a span (with its suffix, "left" or
 * "ago", kept), or the word for nothing. Times differ between any two boots; their presence and
 * format must not.
 */
function cellShape(cell: string): string {
  if (/^\w{3} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+$/.test(cell)) return 'TIMESTAMP';
  const span = /^\d.*\b(left|ago)$/.exec(cell);
  if (span) return `SPAN ${span[1]}`;
  if (/^\d/.test(cell)) return 'SPAN';
  return cell;
}

async function waitFor(deadlineMs: number, probe: () => Promise<boolean>): Promise<boolean> {
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > deadlineMs) return false;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function run(image: string, init: VmInit): Promise<Run> {
  const { entrypoint, args } = bootArgs(init);
  const container = resources.container(await runDetached(image, { runtime: VM_RUNTIME, entrypoint, args }));
  const t0 = Date.now();
  try {
    const systemctl = SYSTEMCTL[init];
    const startUptime = await pid1StartUptime(container);
    // The first boot: the boot timer, two calendar elapses and Debian's two timers' services.
    const services = Object.values(DEBIAN_TIMERS);
    const showDebian = async () => {
      const out = await sh(container, `${systemctl} show -p Id,Result,ExecMainStatus,ExecMainExitTimestampMonotonic,ActiveState ${services.join(' ')}`);
      const byUnit: Record<string, Record<string, string>> = {};
      for (const block of out.trim().split('\n\n')) {
        const props = Object.fromEntries(block.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
        if (props.Id) byUnit[props.Id] = props;
      }
      return byUnit;
    };
    let stamps: Record<string, Stamp[]> = {};
    let debianServices: Record<string, Record<string, string>> = {};
    await waitFor(t0 + FIRST_BOOT_S * 1000, async () => {
      stamps = await readStamps(container);
      debianServices = await showDebian();
      const ended = services.every((s) => Number(debianServices[s]?.ExecMainExitTimestampMonotonic ?? 0) > 0);
      return (stamps.boot?.length ?? 0) >= 1 && (stamps.cal?.length ?? 0) >= 2 && ended;
    });
    const listTimers = await sh(container, `${systemctl} list-timers --all --no-pager`);
    // As an unprivileged user, systemctl asks PID 1 over the system bus; as root, through
    // /run/systemd/private (252's falls back to the bus, 257's does not).
    const imageListTimers =
      init === 'ts-init' ? await sh(container, 'timeout 30 setpriv --reuid 65534 --regid 65534 --clear-groups /usr/bin/systemctl list-timers --all --no-pager 2>&1') : listTimers;
    const imageRootListTimers = init === 'ts-init' ? await sh(container, 'timeout 30 /usr/bin/systemctl list-timers --all --no-pager 2>&1') : listTimers;
    // Read once the boot is over: the runtime names its thread "MainThread" until ts-init renames it.
    const pid1 = (await sh(container, 'cat /proc/1/comm')).trim();
    // The persistent timer: its stamp made 40 days old, then a restart (as after a long stop).
    const persistBefore = stamps.persist?.length ?? 0;
    await sh(container, 'touch -d "40 days ago" /var/lib/systemd/timers/stamp-tp-persist.timer');
    await podman(['restart', '-t', '20', container], { runtime: VM_RUNTIME, check: true, timeoutMs: 120_000 });
    const restartedAt = Date.now();
    const restartStartUptime = await pid1StartUptime(container);
    let persistAfter: Stamp[] = [];
    await waitFor(restartedAt + 20_000, async () => {
      persistAfter = ((await readStamps(container)).persist ?? []).slice(persistBefore);
      return persistAfter.length >= 1;
    });
    // A few seconds more: a catch-up is one run, not one per missed elapse, nor one per wake-up.
    await new Promise((r) => setTimeout(r, 4000));
    persistAfter = ((await readStamps(container)).persist ?? []).slice(persistBefore);
    const persistStampMtime = Number((await sh(container, 'stat -c %Y /var/lib/systemd/timers/stamp-tp-persist.timer')).trim());
    return {
      pid1,
      pid1StartUptime: startUptime,
      stamps,
      listTimers,
      rows: parseListTimers(listTimers),
      imageListTimers,
      imageRows: parseListTimers(imageListTimers),
      imageRootListTimers,
      debianServices,
      persistBefore,
      persistAfter,
      restartStartUptime,
      persistStampMtime,
      restartedAt,
    };
  } finally {
    await removeContainers(container);
  }
}

function report(runs: Partial<Record<VmInit, Run>>): string {
  return Object.entries(runs)
    .map(([init, r]) => {
      const since = (s: Stamp) => (s.uptime - r.pid1StartUptime).toFixed(2);
      return [
        `== ${init} (PID 1 ${r.pid1})`,
        `tp-boot ran at ${r.stamps.boot?.map(since).join(', ') || 'never'} s after PID 1 started`,
        `tp-cal ran at wall-clock seconds ${r.stamps.cal?.map((s) => (s.wall % 60).toFixed(2)).join(', ') || 'never'} (at ${r.stamps.cal?.map(since).join(', ')} s)`,
        `tp-persist: ${r.persistBefore} run(s) before the restart, ${r.persistAfter.length} after, at ${r.persistAfter.map((s) => (s.uptime - r.restartStartUptime).toFixed(2)).join(', ')} s after PID 1 started`,
        ...Object.entries(r.debianServices).map(([u, p]) => `${u}: Result=${p.Result} ExecMainStatus=${p.ExecMainStatus} ActiveState=${p.ActiveState} exited at ${(Number(p.ExecMainExitTimestampMonotonic) / 1e6).toFixed(2)}`),
        r.listTimers.trimEnd(),
        ...(init === 'ts-init' ? ["-- the image's /usr/bin/systemctl over the bus (as nobody):", r.imageListTimers.trimEnd(), '-- as root:', r.imageRootListTimers.trimEnd()] : []),
      ].join('\n');
    })
    .join('\n\n');
}

beforeAll(() => {
  requireTsInit();
});

afterAll(async () => {
  await resources.cleanup();
});

for (const suite of SUITES) {
  const runs: Partial<Record<VmInit, Run>> = {};

  describe(`timers on the vm image (${suite}) under systemd ${SUITE_SYSTEMD[suite]} and under ts-init`, () => {
    beforeAll(async () => {
      const image = await buildTimersImage(suite);
      // One container at a time: the timers' accuracy is measured on an otherwise idle host.
      for (const init of INITS) {
        const t = Date.now();
        runs[init] = await run(image, init);
        process.stdout.write(`timers (${suite}) under ${init}: ${((Date.now() - t) / 1000).toFixed(0)} s\n`);
      }
      process.stdout.write(`timers on the vm image (${suite}):\n${report(runs)}\n`);
    }, 10 * 60_000);

    it.each(INITS)('under %s, PID 1 is that init', (init) => {
      // ts-init names itself `init` where it says it is systemd (docs/systemd-identity.md).
      expect(runs[init]!.pid1).toBe(init === 'systemd' ? 'systemd' : 'init');
    });

    it.each(INITS)(`under %s, OnBootSec=5s fires once, 5 s after PID 1 started, within AccuracySec=${ACCURACY_S}s`, (init) => {
      const r = runs[init]!;
      const at = (r.stamps.boot ?? []).map((s) => s.uptime - r.pid1StartUptime);
      expect(at.length, report(runs)).toBe(1);
      expect(at[0]!, report(runs)).toBeGreaterThanOrEqual(5);
      expect(at[0]!, report(runs)).toBeLessThanOrEqual(5 + ACCURACY_S + START_SLACK_S);
    });

    it.each(INITS)(`under %s, OnCalendar=*:*:0/10 fires at least twice in the first ${FIRST_BOOT_S} s, each within its accuracy of a 10 s boundary`, (init) => {
      const r = runs[init]!;
      const cal = r.stamps.cal ?? [];
      expect(cal.length, report(runs)).toBeGreaterThanOrEqual(2);
      for (const s of cal) expect(s.wall % 10, report(runs)).toBeLessThanOrEqual(ACCURACY_S + START_SLACK_S);
      // Never twice for one elapse.
      const slots = cal.map((s) => Math.floor(s.wall / 10));
      expect(new Set(slots).size, report(runs)).toBe(slots.length);
    });

    it("logrotate.timer and systemd-tmpfiles-clean.timer run their services, which end as they do under systemd", () => {
      for (const init of INITS) {
        for (const service of Object.values(DEBIAN_TIMERS)) {
          const p = runs[init]!.debianServices[service];
          expect(Number(p?.ExecMainExitTimestampMonotonic ?? 0), `${init} ${service}\n${report(runs)}`).toBeGreaterThan(0);
        }
      }
      const outcome = (init: VmInit) =>
        Object.fromEntries(Object.entries(runs[init]!.debianServices).map(([u, p]) => [u, `${p.Result} ${p.ExecMainStatus} ${p.ActiveState}`]));
      expect(outcome('ts-init'), report(runs)).toEqual(outcome('systemd'));
    });

    const shape = (rows: readonly ListTimersRow[], suffix = true) =>
      rows.map((r) => `${r.unit} ${r.activates} ${cellShape(r.next)} / ${suffix ? cellShape(r.left) : cellShape(r.left).replace(/ left$/, '')}`).sort();

    it("list-timers --all of ts-init's systemctl names the same timers and units, with NEXT and LEFT of the same shape (times normalised)", () => {
      expect(runs.systemd!.rows.length, report(runs)).toBeGreaterThan(5);
      // ts-init's own front prints as systemd 252 does: 257 dropped LEFT's "left" (and right-aligns it).
      const same = SUITE_SYSTEMD[suite] === 252;
      expect(shape(runs['ts-init']!.rows, same), report(runs)).toEqual(shape(runs.systemd!.rows, same));
    });

    it("the image's own systemctl, asking ts-init over the bus, prints the list-timers --all systemd does (times normalised)", () => {
      expect(shape(runs['ts-init']!.imageRows), report(runs)).toEqual(shape(runs.systemd!.rows));
      // Soonest first, the timers waiting for nothing last (systemd gives them infinity on both clocks).
      const order = (rows: readonly ListTimersRow[]) => rows.map((r) => (r.next === '-' ? '-' : 'T')).join('');
      expect(order(runs.systemd!.rows), report(runs)).toMatch(/^T+-+$/);
      expect(order(runs['ts-init']!.imageRows), report(runs)).toBe(order(runs.systemd!.rows));
    });

    // 252's systemctl, as root, falls back to the bus; 257's reaches PID 1 only through /run/systemd/private, which ts-init serves.
    it(`systemd ${SUITE_SYSTEMD[suite]}'s systemctl run as root prints the same`, () => {
      expect(shape(parseListTimers(runs['ts-init']!.imageRootListTimers)), report(runs)).toEqual(shape(runs.systemd!.rows));
    });

    it.each(INITS)('under %s, Persistent=true with a stamp 40 days old catches up once at boot after a restart', (init) => {
      const r = runs[init]!;
      // No catch-up on the first boot: there was no stamp file, and a missing stamp is created, not caught up on.
      expect(r.persistBefore, report(runs)).toBe(0);
      expect(r.persistAfter.length, report(runs)).toBe(1);
      expect(r.persistAfter[0]!.uptime - r.restartStartUptime, report(runs)).toBeLessThanOrEqual(PERSIST_CATCH_UP_S);
      // The catch-up is the new last trigger: the stamp file's mtime moved to it.
      expect(Math.abs(r.persistStampMtime - r.persistAfter[0]!.wall), report(runs)).toBeLessThanOrEqual(2);
    });
  });
}
