// 1,000 timers load and arm (issue 22: "1,000 timers load in under 100 ms"). The workload,
// bench/workloads/timers-load.ts, runs the checkout's UnitRegistry and Supervisor over an image's
// layout of 1,000 calendar timers and their services, in a fresh process each time, as PID 1
// loads once per start: bundled here as build.js bundles the executable's, and run with the
// executable's V8 flags (and, as PID 1 once its supervisor is loaded, interpreted only).
//
//   node bench/timers.mjs [COUNT] [RUNS]     # alone: prints each run and the medians
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BENCH_DIR, build, bundleCheckout, median } from './lib.mjs';

export const TIMERS = 1000;

async function bundle() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-init-bench-timers-'));
  const out = await bundleCheckout(path.join(BENCH_DIR, 'workloads/timers-load.ts'), path.join(dir, 'timers-load.js'), { minify: true });
  return { out, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * `runs` fresh processes of the pinned Node.js, each loading `count` timers and their services;
 * the medians of the wall time (load, arm, both) and of the CPU time the process spent on it.
 */
export async function timersBench(runs, log, count = TIMERS) {
  const { out, cleanup } = await bundle();
  const samples = [];
  try {
    for (let k = 0; k < runs; k++) {
      const r = spawnSync(process.execPath, [...build.execArgv, out, String(count)], { encoding: 'utf8', timeout: 120_000 });
      if (r.status !== 0) throw new Error(`timers-load exited with ${r.status ?? r.signal}: ${r.stderr}`);
      const s = JSON.parse(r.stdout.trim().split('\n').pop());
      if (s.timers !== count || s.waiting !== count) throw new Error(`timers-load: ${s.waiting} of ${s.timers} timers waiting, ${count} expected`);
      log(`  run ${k + 1}/${runs}: ${s.totalMs.toFixed(1)} ms (load ${s.loadMs.toFixed(1)}, arm ${s.armMs.toFixed(1)}), CPU ${s.cpuMs.toFixed(1)} ms; load average ${os.loadavg()[0].toFixed(1)}`);
      samples.push(s);
    }
  } finally {
    cleanup();
  }
  const med = (key) => median(samples.map((s) => s[key]));
  return { count, runs, totalMs: med('totalMs'), loadMs: med('loadMs'), armMs: med('armMs'), cpuMs: med('cpuMs'), loadAverage: os.loadavg()[0] };
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const count = Number(process.argv[2] ?? TIMERS);
  const runs = Number(process.argv[3] ?? 7);
  const r = await timersBench(runs, (s) => process.stderr.write(`${s}\n`), count);
  process.stdout.write(`${JSON.stringify(r)}\n`);
}
