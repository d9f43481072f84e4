// The core init against tini, dumb-init and catatonit: the same workloads, the
// same way, for each. Every function takes the list of inits
// ({ name, bin, args, pid1Args }) and returns a value per init name.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BENCH_DIR,
  PYTHON,
  asPid1,
  childrenOf,
  exeOf,
  initEnv,
  median,
  monoNs,
  pid1Of,
  quantile,
  realtimeNs,
  sleep,
  startProcess,
  statusKb,
  timedRun,
  track,
  waitFor,
  within,
} from './lib.mjs';

const ORPHANS_PY = path.join(BENCH_DIR, 'workloads/orphans.py');
const SIGNAL_PY = path.join(BENCH_DIR, 'workloads/signal_stamp.py');

/**
 * `INIT -- /bin/true`, wall time; the inits take turns so drift hits them alike, and
 * `node -e 0` of the anchor Node takes its turn with them (the anchor of this row).
 */
export function trueWall(inits, runs, nodeBin) {
  const env = initEnv();
  const cases = [...inits.map((i) => ({ name: i.name, file: i.bin, args: [...i.args, '/bin/true'] })), { name: 'node -e 0', file: nodeBin, args: ['-e', '0'] }];
  const times = Object.fromEntries(cases.map((c) => [c.name, []]));
  for (const c of cases) timedRun(c.file, c.args, env); // warm the page cache
  for (let r = 0; r < runs; r++) {
    for (const c of cases) times[c.name].push(timedRun(c.file, c.args, env));
  }
  return Object.fromEntries(cases.map((c) => [c.name, { median: median(times[c.name]), p90: quantile(times[c.name], 0.9) }]));
}

/**
 * The Node.js floor: private memory (RssAnon) of the anchor Node idling
 * (`node -e 'setTimeout(()=>{},1e6)'`), read 1.5 s after it started, as a plain
 * process (being PID 1 does not change a process's own memory). Median over `reps`.
 */
export async function nodeFloorKb(nodeBin, reps) {
  const samples = [];
  for (let r = 0; r < reps; r++) {
    const p = startProcess(nodeBin, ['-e', 'setTimeout(()=>{},1e6)']);
    try {
      await sleep(1500);
      samples.push(statusKb(p.pid).RssAnon);
    } finally {
      await p.stop('SIGKILL');
    }
  }
  return median(samples);
}

/**
 * What the executable is made of: the Node.js binary it was built from, and the
 * single-executable blob injected into it (the bundles, PID 1's and the clients', V8's
 * code cache for each, the embedded FFI module). The code caches are what is left of the
 * blob once the bundles and the asset are accounted for (plus a few bytes of header).
 */
export function executableParts(tsInitBin, nodeBin, repo) {
  const size = (f) => {
    try {
      return fs.statSync(f).size;
    } catch {
      return NaN;
    }
  };
  const exe = size(tsInitBin);
  const node = size(nodeBin);
  const bundle = size(path.join(repo, 'dist/ts-init.js')) + size(path.join(repo, 'dist/ts-init-clients.js'));
  const koffi = size(path.join(repo, 'node_modules/@koromix/koffi-linux-x64/linux_x64/koffi.node'));
  const blob = exe - node;
  return { exe, node, blob, bundle, koffi, codeCache: blob - bundle - koffi };
}

/**
 * Time from spawning `file args...` until the CMD at the end of `args` runs: that
 * CMD is `date +%s%N`, which prints CLOCK_REALTIME; the bench reads the same clock
 * just before the spawn. The figure includes `date`'s own start, which the no-init
 * baseline (`date` spawned directly) shows.
 */
function stampDelayMs(file, args, env) {
  const t0 = realtimeNs();
  const r = spawnSync(file, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')}: exited ${r.status ?? r.signal}`);
  return Number(BigInt(r.stdout.trim()) - t0) / 1e6;
}

/** Wall time of `node -e 0`, and (same clock in both processes) until its first JavaScript line runs. */
function nodeStartMs(nodeBin, env) {
  const t0 = monoNs();
  const r = spawnSync(nodeBin, ['-e', 'process.stdout.write(String(process.hrtime.bigint()))'], { env, encoding: 'utf8' });
  const firstJs = Number(BigInt(r.stdout) - t0) / 1e6;
  return { wall: timedRun(nodeBin, ['-e', '0'], env), firstJs };
}

/**
 * Median time until the CMD runs, for each init and for `date` started directly;
 * the anchor is the wall time of `node -e 0` of the pinned Node (and, for
 * reference, how long that node takes until its first line of JavaScript runs).
 */
export function timeToExec(inits, nodeBin, runs) {
  const env = initEnv();
  const DATE = ['/bin/date', '+%s%N'];
  const samples = { 'no init': [], 'node -e 0': [], 'node, first JS': [] };
  for (const i of inits) samples[i.name] = [];
  for (const i of inits) stampDelayMs(i.bin, [...i.args, ...DATE], env);
  nodeStartMs(nodeBin, env);
  for (let r = 0; r < runs; r++) {
    samples['no init'].push(stampDelayMs(DATE[0], DATE.slice(1), env));
    for (const i of inits) samples[i.name].push(stampDelayMs(i.bin, [...i.args, ...DATE], env));
    const n = nodeStartMs(nodeBin, env);
    samples['node -e 0'].push(n.wall);
    samples['node, first JS'].push(n.firstJs);
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

/**
 * Memory of each init as PID 1 while its CMD (`sleep`) sleeps, 1 s after the CMD
 * started: VmRSS, RssAnon (private memory), RssFile, VmHWM (peak). Median over `reps`.
 */
export async function memory(inits, reps) {
  const out = {};
  for (const i of inits) {
    const samples = [];
    for (let r = 0; r < reps; r++) samples.push(await memoryOnce(i));
    out[i.name] = Object.fromEntries(Object.keys(samples[0]).map((k) => [k, median(samples.map((s) => s[k]))]));
  }
  return out;
}

async function memoryOnce(init) {
  const { file, args } = asPid1(init.bin, [...init.pid1Args, '/bin/sleep', '3600']);
  const p = startProcess(file, args);
  let pid;
  try {
    pid = await pid1Of(p.pid, init.bin);
    track(pid);
    const sleepExe = fs.realpathSync('/bin/sleep');
    await waitFor(() => childrenOf(pid).some((c) => exeOf(c) === sleepExe), 10_000, 2, `${init.name}'s CMD`);
    await sleep(1000);
    const s = statusKb(pid);
    return { rss: s.VmRSS, anon: s.RssAnon, file: s.RssFile, hwm: s.VmHWM };
  } finally {
    await stopPid1(init, p, pid);
  }
}

/**
 * Ends a PID 1 run: SIGTERM to the init itself (it forwards it to its CMD and exits
 * with it), SIGKILL after 10 s, which ends the whole namespace.
 */
async function stopPid1(init, p, pid) {
  if (pid === undefined) {
    await p.stop('SIGKILL');
    return;
  }
  process.kill(pid, 'SIGTERM');
  const inTime = await within(p.exited, 10_000);
  if (!inTime) {
    process.kill(pid, 'SIGKILL');
    await p.exited;
    throw new Error(`${init.name} as PID 1 did not exit within 10 s of SIGTERM`);
  }
}

/**
 * Reaping as PID 1: the CMD (workloads/orphans.py) makes `count` orphans of PID 1
 * that die together and measures until the last one is reaped. Median over `reps`,
 * the inits taking turns.
 */
export function reap(inits, count, reps) {
  const times = Object.fromEntries(inits.map((i) => [i.name, []]));
  for (let r = 0; r < reps; r++) {
    for (const i of inits) {
      const { file, args } = asPid1(i.bin, [...i.pid1Args, PYTHON, ORPHANS_PY, String(count)]);
      const res = spawnSync(file, args, { env: initEnv(), encoding: 'utf8', timeout: 180_000, killSignal: 'SIGKILL' });
      const m = /reap_ms=([\d.]+)/.exec(res.stdout ?? '');
      if (res.status !== 0 || !m) {
        throw new Error(`reaping under ${i.name}: status ${res.status ?? res.signal}, ${res.error ?? ''} ${res.stdout} ${res.stderr}`);
      }
      times[i.name].push(Number(m[1]));
    }
  }
  return Object.fromEntries(inits.map((i) => [i.name, median(times[i.name])]));
}

/**
 * Signal forwarding: the CMD (workloads/signal_stamp.py) stamps CLOCK_MONOTONIC in
 * its SIGUSR1 handler; the bench sends SIGUSR1 to the init `count` times, each
 * after the previous stamp arrived plus ~5 ms, and takes stamp - send time.
 * The init runs as a plain process (the forwarding path is the same as PID 1).
 */
export async function signalLatency(inits, count) {
  const out = {};
  for (const i of inits) {
    const p = startProcess(i.bin, [...i.args, PYTHON, SIGNAL_PY]);
    let cmdPid;
    try {
      if ((await p.line(0, 10_000)) !== 'ready') throw new Error(`${i.name}: signal workload did not start: ${p.stderr()}`);
      cmdPid = await waitFor(() => childrenOf(p.pid)[0], 5000, 2, `${i.name}'s CMD`);
      track(cmdPid);
      const delays = [];
      let lost = 0;
      for (let n = 0; n < count; n++) {
        const index = p.lines.length;
        const sent = monoNs();
        process.kill(p.pid, 'SIGUSR1');
        const line = await p.line(index, 2000);
        if (line === undefined) lost++;
        else delays.push(Number(BigInt(line) - sent) / 1000);
        await sleep(5);
      }
      out[i.name] = { median: median(delays), p99: quantile(delays, 0.99), lost };
    } finally {
      const inTime = await p.stop('SIGTERM', 10_000);
      if (cmdPid) {
        try {
          process.kill(cmdPid, 'SIGKILL'); // only if the init left it behind
        } catch {
          // gone, as it should be
        }
      }
      // biome-ignore lint/correctness/noUnsafeFinally: an init that ignores SIGTERM makes every figure of this run meaningless
      if (!inTime) throw new Error(`${i.name} did not exit on SIGTERM (signal run)`);
    }
  }
  return out;
}

/**
 * `ts-init -- /bin/true` with and without the container's NODE_* variables, runs
 * alternating; the same for plain `node -e 0`, to show what they cost Node itself.
 * `variants` maps a label to the extra environment.
 */
export function nodeEnvEffect(tsInit, nodeBin, runs, variants) {
  const cases = [];
  for (const [label, extra] of Object.entries(variants)) {
    cases.push({ key: `ts-init|${label}`, file: tsInit.bin, args: [...tsInit.args, '/bin/true'], env: initEnv(extra) });
    cases.push({ key: `node|${label}`, file: nodeBin, args: ['-e', '0'], env: initEnv(extra) });
  }
  const times = Object.fromEntries(cases.map((c) => [c.key, []]));
  for (const c of cases) timedRun(c.file, c.args, c.env);
  for (let r = 0; r < runs; r++) for (const c of cases) times[c.key].push(timedRun(c.file, c.args, c.env));
  return Object.fromEntries(cases.map((c) => [c.key, median(times[c.key])]));
}
