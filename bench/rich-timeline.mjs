// The rich boot's timeline, unit by unit: boots the vm image (bench/rich.mjs's) under systemd and
// under ts-init in turns and prints, for each boot, when every unit left inactive and became
// active (the init's own InactiveExit/ActiveEnter timestamps, from `systemctl show`), when each
// service first answered its probe, and, for `podman stop`, when each process of the container
// ended (watched from the host through /proc). All times are ms from just before `podman run`
// (or `podman stop`), on CLOCK_MONOTONIC, which the container shares with the host.
//   node bench/rich-timeline.mjs --ts-init dist/ts-init [--reps N] [--suite bookworm] [--only systemd|ts-init] [--json FILE]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { REPO, median, monoNs, msSince, optionArg, realtimeNs, sleep } from './lib.mjs';
import { baseImage, benchImage, podmanIn } from './podman.mjs';
import { removeCgroupsOf } from './rich.mjs';

const PROBE = path.join(REPO, 'test/fixtures/vm/probe.sh');
const INITS = { systemd: ['--systemd=always', '--stop-signal=SIGRTMIN+3', '--entrypoint', '["/sbin/init"]'], 'ts-init': [] };
const SYSTEMCTL = { systemd: '/usr/bin/systemctl', 'ts-init': '/usr/local/lib/ts-init/systemctl' };

const tsInit = path.resolve(optionArg('ts-init', 'dist/ts-init'));
const reps = Number(optionArg('reps', '3'));
const suite = optionArg('suite', 'bookworm');
const only = optionArg('only', '');
const jsonOut = optionArg('json', '');
const log = (s) => process.stdout.write(`${s}\n`);

const { env, base } = baseImage('vm-image.sh', [suite], 'TS_INIT_BASE_VM');
const podman = podmanIn(env);
const image = benchImage(podman, {
  name: 'vm-timeline',
  base,
  files: { 'ts-init': { from: tsInit, executable: true }, 'probe.sh': { from: PROBE, executable: true } },
  lines: ['COPY ts-init /sbin/ts-init', 'COPY probe.sh /usr/local/bin/vm-probe', 'ENTRYPOINT ["/sbin/ts-init", "--"]', 'CMD ["/bin/sh", "-c", "exec sleep infinity"]'],
});

/** The host pids of every process in the PID namespace of `pid1`, with their comm. */
function nsProcesses(nsId) {
  const out = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readlinkSync(`/proc/${d}/ns/pid`) !== nsId) continue;
      out.set(Number(d), fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim());
    } catch {}
  }
  return out;
}

/** Unit timestamps (ms since t0Mono) through the init's own systemctl. */
function unitTimes(name, init, t0Mono) {
  const sc = SYSTEMCTL[init];
  const list = podman(['exec', name, sc, 'list-units', '--all', '--no-legend', '--plain', '--no-pager'], { check: false }).stdout;
  const units = list.split('\n').map((l) => l.trim().split(/\s+/)[0]).filter((u) => /\.(service|socket|target)$/.test(u ?? ''));
  const res = podman(['exec', name, sc, 'show', '-p', 'Id,InactiveExitTimestampMonotonic,ActiveEnterTimestampMonotonic,ExecMainStartTimestampMonotonic,ActiveState', ...units], { check: false }).stdout;
  const out = {};
  for (const block of res.split('\n\n')) {
    const kv = Object.fromEntries(block.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    if (!kv.Id) continue;
    const rel = (v) => (v && v !== '0' ? Number(BigInt(v) * 1000n - t0Mono) / 1e6 : undefined);
    out[kv.Id] = { start: rel(kv.InactiveExitTimestampMonotonic), main: rel(kv.ExecMainStartTimestampMonotonic), active: rel(kv.ActiveEnterTimestampMonotonic), state: kv.ActiveState };
  }
  return out;
}

async function boot(init, n) {
  const name = `ts-init-bt12-${init}-${process.pid}-${n}`;
  const t0 = monoNs();
  const t0Real = realtimeNs();
  podman(['run', '-d', '--cgroups=enabled', '--name', name, ...INITS[init], image]);
  const id = podman(['inspect', '--format', '{{.Id}}', name]).stdout.trim();
  const hostPid1 = Number(podman(['inspect', '--format', '{{.State.Pid}}', name]).stdout.trim());
  const nsId = fs.readlinkSync(`/proc/${hostPid1}/ns/pid`);
  // PID 1's start (clock ticks since boot, USER_HZ = 100) on t0's clock: the offset between the two read now.
  const ticks = Number(fs.readFileSync(`/proc/${hostPid1}/stat`, 'utf8').split(') ')[1].split(' ')[19]);
  const uptimeMs = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000;
  const pid1Ms = ticks * 10 - (uptimeMs - msSince(t0));
  try {
    const firstOk = {};
    for (;;) {
      const res = podman(['exec', name, '/usr/local/bin/vm-probe', '--no-is-active', '--wait', '60'], { check: false, timeoutMs: 90_000 });
      const rows = res.stdout.split('\n').filter((l) => l.includes('\t')).map((l) => l.split('\t'));
      if (rows.length) {
        for (const [svc, result, unit, , , stamp] of rows) firstOk[svc] = { unit, ms: result === 'ok' ? Number(BigInt(stamp) - t0Real) / 1e6 : Infinity };
        break;
      }
      if (msSince(t0) > 60_000) break;
      await sleep(100);
    }
    if (init === 'systemd') podman(['exec', name, 'timeout', '60', 'systemctl', 'is-system-running', '--wait'], { check: false });
    else await sleep(3000);
    const units = unitTimes(name, init, t0);
    let chain = '';
    if (init === 'systemd') chain = podman(['exec', name, 'systemd-analyze', 'critical-chain', '--no-pager'], { check: false }).stdout;
    // The stop: every process of the container watched from the host until it is gone.
    const procs = nsProcesses(nsId);
    const gone = {};
    const s0 = monoNs();
    const stopper = spawn('podman', [...podman.options, 'stop', '-t', '30', name], { env: podman.env, stdio: 'ignore' });
    const stopped = new Promise((r) => stopper.on('exit', r));
    let done = false;
    stopped.then(() => {
      done = true;
    });
    while (!done) {
      for (const pid of procs.keys()) {
        if (gone[pid] !== undefined) continue;
        let alive = false;
        try {
          alive = fs.readlinkSync(`/proc/${pid}/ns/pid`) === nsId && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
        } catch {}
        if (!alive) gone[pid] = msSince(s0);
      }
      await sleep(10);
    }
    const stopMs = msSince(s0);
    const stops = [...procs].map(([pid, comm]) => ({ pid, comm, ms: gone[pid] ?? stopMs }));
    return { init, pid1Ms, firstOk, units, chain, stopMs, stops };
  } finally {
    podman(['rm', '-f', '--ignore', '-t', '0', name], { check: false });
    removeCgroupsOf(id);
  }
}

const all = [];
try {
  const inits = only ? [only] : Object.keys(INITS);
  for (let r = 0; r < reps; r++) {
    for (const init of r % 2 ? [...inits].reverse() : inits) {
      const b = await boot(init, r);
      all.push(b);
      const last = Object.entries(b.firstOk).sort((x, y) => y[1].ms - x[1].ms);
      log(`${init} #${r}: PID 1 at ${Math.round(b.pid1Ms)} ms; ready ${Math.round(last[0][1].ms)} ms (${last[0][0]}), stop ${Math.round(b.stopMs)} ms`);
      for (const [svc, { unit, ms }] of last) {
        const u = b.units[unit] ?? {};
        log(`  ${svc.padEnd(14)} ok ${String(Math.round(ms)).padStart(5)}  start ${String(Math.round(u.start ?? NaN)).padStart(5)}  main ${String(Math.round(u.main ?? NaN)).padStart(5)}  active ${String(Math.round(u.active ?? NaN)).padStart(5)}  ${unit}`);
      }
      const lateStops = b.stops.sort((x, y) => y.ms - x.ms).slice(0, 8);
      log(`  stop: ${lateStops.map((s) => `${s.comm} ${Math.round(s.ms)}`).join(', ')}`);
      if (b.chain) log(b.chain.split('\n').slice(0, 25).map((l) => `  | ${l}`).join('\n'));
    }
  }
} finally {
  podman(['rmi', '-f', '--ignore', image], { check: false });
  if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(all, null, 1));
}
// Per service and init, medians over the boots: when its unit left inactive, became active, and answered.
const med = (xs) => {
  const ok = xs.filter((x) => x !== undefined && Number.isFinite(x));
  return ok.length ? String(Math.round(median(ok))) : '-';
};
for (const init of Object.keys(INITS)) {
  const bs = all.filter((b) => b.init === init);
  if (!bs.length) continue;
  log(`${init}: median ready ${Math.round(median(bs.map((b) => Math.max(...Object.values(b.firstOk).map((f) => f.ms)))))} ms, stop ${Math.round(median(bs.map((b) => b.stopMs)))} ms over ${bs.length}`);
  for (const svc of Object.keys(bs[0].firstOk)) {
    const unit = bs[0].firstOk[svc].unit;
    const u = (k) => med(bs.map((b) => b.units[unit]?.[k]));
    log(`  ${svc.padEnd(14)} start ${u('start').padStart(5)}  active ${u('active').padStart(5)}  ok ${med(bs.map((b) => b.firstOk[svc].ms)).padStart(5)}  ${unit}`);
  }
}
