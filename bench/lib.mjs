// Shared pieces of the benchmarks: statistics, clocks, /proc readers, process
// handling (every process a benchmark starts is ended before it returns, and
// killed on the way out if a benchmark fails).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.dirname(BENCH_DIR);
export const PYTHON = '/usr/bin/python3';

/** `--name VALUE` from the command line, or `def`. */
export function optionArg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

const requireRepo = createRequire(path.join(REPO, 'package.json'));
/** build.js's V8 flags (execArgv) and esbuild plugins (it builds nothing when required). */
export const build = requireRepo('./build.js');

/**
 * The checkout's sources from `entry` bundled to `out` as build.js bundles the executable's
 * (its plugins and defines); koffi, not bundled, is required from the checkout.
 */
export async function bundleCheckout(entry, out, { minify }) {
  await requireRepo('esbuild').build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    minify,
    outfile: out,
    external: ['koffi'],
    logLevel: 'warning',
    define: { __KOFFI_SHA256__: '""', __TS_INIT_VERSION__: '"bench"', __TS_INIT_GIT__: '"bench"' },
    plugins: build.bundlePlugins,
    banner: { js: `var require = require('node:module').createRequire(${JSON.stringify(path.join(REPO, 'package.json'))});` },
  });
  return out;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with whether `promise` settled within `ms`; the timer never outlives the wait. */
export async function within(promise, ms) {
  let timer;
  const expired = new Promise((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}
/** CLOCK_MONOTONIC in ns (what process.hrtime reads; Python's time.monotonic_ns too). */
export const monoNs = () => process.hrtime.bigint();
export const msSince = (t0) => Number(monoNs() - t0) / 1e6;

// ---------------------------------------------------------------- statistics

/** Nearest-rank quantile. */
export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
export const median = (xs) => quantile(xs, 0.5);

export function fmt(x, digits = 1) {
  return Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

// ---------------------------------------------------------------- clocks

// CLOCK_REALTIME with nanosecond resolution, read through libc (koffi is already a
// dependency of ts-init), so a stamp taken here compares with `date +%s%N` in a child.
let clockGettime;
function realtimeClock() {
  if (!clockGettime) {
    const koffi = requireRepo('koffi');
    koffi.struct('bench_timespec', { sec: 'int64', nsec: 'int64' }); // registered by name, used below
    const fn = koffi.load('libc.so.6').func('int clock_gettime(int, _Out_ bench_timespec *)');
    clockGettime = () => {
      const ts = {};
      fn(0, ts);
      return BigInt(ts.sec) * 1_000_000_000n + BigInt(ts.nsec);
    };
  }
  return clockGettime;
}
export const realtimeNs = () => realtimeClock()();

// ---------------------------------------------------------------- /proc

/** The kB fields of /proc/PID/status (VmRSS, RssAnon, RssFile, VmHWM, ...). */
export function statusKb(pid) {
  const out = {};
  for (const line of fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const m = /^(\w+):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/** utime + stime of the whole process (all threads), in clock ticks. */
export function cpuTicks(pid) {
  const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * CPU time (ms, ns resolution) and context switches of a process, summed over its
 * current threads, from /proc/PID/task/TID/sched (undefined where the kernel has no
 * such file). Finer than the tick counts of /proc/PID/stat; a context switch is a
 * wake-up, so an idle process that polls shows them.
 */
export function schedTotals(pid) {
  let cpuMs = 0;
  let switches = 0;
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      const text = fs.readFileSync(`/proc/${pid}/task/${tid}/sched`, 'utf8');
      cpuMs += Number(/^se\.sum_exec_runtime\s*:\s*([\d.]+)/m.exec(text)?.[1] ?? NaN);
      switches += Number(/^nr_switches\s*:\s*(\d+)/m.exec(text)?.[1] ?? NaN);
    }
  } catch {
    return undefined;
  }
  return Number.isFinite(cpuMs) && Number.isFinite(switches) ? { cpuMs, switches } : undefined;
}

/** Direct children of a process, gathered over all its threads. */
export function childrenOf(pid) {
  const out = [];
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      const text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) out.push(...text.split(' ').map(Number));
    }
  } catch {
    // gone
  }
  return out;
}

export function cmdline(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return [];
  }
}

export function exeOf(pid) {
  try {
    return fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return '';
  }
}

/** Every pid on the machine whose command line is exactly `argv`. */
export function pidsWithCmdline(argv) {
  const want = argv.join('\0');
  return fs
    .readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => cmdline(pid).join('\0') === want);
}

// ---------------------------------------------------------------- environment

/**
 * The environment the inits run with: this one without NODE_* (the bench's own
 * container sets NODE_EXTRA_CA_CERTS), TS_INIT_* and TINI_* (they would configure
 * ts-init or tini).
 */
export function initEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(NODE_|TS_INIT_|TINI_)/.test(k)) env[k] = v;
  }
  return { ...env, ...extra };
}

// ---------------------------------------------------------------- processes

const live = new Set();
function killLeftovers() {
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
process.on('exit', killLeftovers);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killLeftovers();
    process.exit(130);
  });
}
/** Remembers a pid this bench is responsible for, so a failing run still kills it. */
export function track(pid) {
  live.add(pid);
  return () => live.delete(pid);
}

/** Wall time in ms of running a command to completion; throws on a non-zero status. */
export function timedRun(file, args, env) {
  const t0 = monoNs();
  const r = spawnSync(file, args, { stdio: 'ignore', env });
  const ms = msSince(t0);
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')}: exited ${r.status ?? r.signal}`);
  return ms;
}

/**
 * A long-running process with piped output: `lines` holds stdout line by line,
 * `nextLine()` resolves on the next one, `exited` on its end.
 */
export function startProcess(file, args, { env = initEnv(), ...opts } = {}) {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env, ...opts });
  const untrack = track(child.pid);
  const lines = [];
  let waiter;
  let partial = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop();
    for (const line of parts) {
      lines.push(line);
      if (waiter) {
        const w = waiter;
        waiter = undefined;
        w();
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    if (stderr.length < 65536) stderr += chunk;
  });
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      untrack();
      resolve({ code, signal, at: monoNs() });
    }),
  );
  return {
    child,
    pid: child.pid,
    lines,
    exited,
    stderr: () => stderr,
    /** Resolves with the line number `index` once it has arrived, or undefined after `timeoutMs`. */
    async line(index, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (lines.length <= index) {
        const left = deadline - Date.now();
        if (left <= 0) return undefined;
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, left);
          waiter = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      return lines[index];
    },
    /** SIGTERM (or `signal`); SIGKILL if it has not exited after `timeoutMs`. Resolves with whether it exited in time. */
    async stop(signal = 'SIGTERM', timeoutMs = 15000) {
      if (child.exitCode !== null || child.signalCode !== null) return true;
      child.kill(signal);
      const inTime = await within(exited, timeoutMs);
      if (!inTime) {
        child.kill('SIGKILL');
        await exited;
      }
      return inTime;
    },
  };
}

/** Polls `check` every `everyMs` until it returns something truthy; throws after `timeoutMs`. */
export async function waitFor(check, timeoutMs, everyMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------- PID 1

/**
 * Runs `bin args` as PID 1 of a new PID namespace with its own /proc. Private tmpfs
 * mounts hide the host's /run, /etc/profile.d, systemd unit directories and boot inputs in that
 * namespace, so ts-init as PID 1 neither writes its environment files and control
 * socket into the host's paths nor sees the host's enabled units (the same mounts
 * for every init). The shell execs the init, which keeps pid 1.
 */
export function asPid1(bin, args) {
  // Also the boot machinery's inputs (tmpfiles.d, generators, SysV scripts): a rich PID 1
  // would apply the host's own, to the host's file system.
  const isolate =
    'for d in /run /etc/profile.d /etc/ts-init /etc/systemd/system /usr/lib/systemd/system ' +
    '/etc/tmpfiles.d /usr/lib/tmpfiles.d /usr/lib/systemd/system-generators /etc/init.d /etc/rc1.d /etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d; do ' +
    '[ -d "$d" ] && { mount -t tmpfs bench "$d" || exit 99; }; done; exec "$0" "$@"';
  return {
    file: 'unshare',
    args: ['--pid', '--fork', '--mount-proc', '--propagation', 'private', '/bin/sh', '-c', isolate, bin, ...args],
  };
}

/** What a rich ts-init as PID 1 would read or write of the host's: each gets a private tmpfs. */
const RICH_HIDDEN = ['/run', '/etc/systemd/system', '/usr/lib/systemd/system', '/etc/profile.d', '/etc/ts-init', '/etc/tmpfiles.d', '/usr/lib/tmpfiles.d',
  '/usr/lib/systemd/system-generators', '/etc/init.d', '/etc/rc1.d', '/etc/rc2.d', '/etc/rc3.d', '/etc/rc4.d', '/etc/rc5.d', '/var/log/journal', '/etc/systemd/journald.conf.d'];

/**
 * `unshare`'s arguments and environment for the rich ts-init `tsInit` as PID 1 of a fresh PID
 * namespace, with `initArgs`: the host's unit directories, boot inputs, /run, /var/log/journal and
 * journald.conf.d hidden (RICH_HIDDEN), a private /dev (null, zero, full, random, urandom, fd), and
 * `setup` (shell commands) run in it before the init is exec'd. The runtime's NODE_* and TINI_*
 * variables are left out, as a container's would be the CMD's.
 */
export function richPid1(tsInit, initArgs, setup) {
  const script = [
    `for d in ${RICH_HIDDEN.join(' ')}; do if [ -d "$d" ]; then mount -t tmpfs -o mode=755 bench "$d" || exit 99; fi; done`,
    'mkdir -p /run/.host-dev && mount --rbind /dev /run/.host-dev && mount -t tmpfs -o mode=755,nosuid tmpfs /dev',
    'for n in null zero full random urandom; do touch /dev/$n && mount --bind /run/.host-dev/$n /dev/$n; done',
    'ln -s /proc/self/fd /dev/fd',
    ...setup,
    'exec "$0" "$@"',
  ].join(' && ');
  const env = { ...process.env, TS_INIT_RICH: '1' };
  for (const k of Object.keys(env)) if (/^(NODE_|TINI_)/.test(k)) delete env[k];
  return { args: ['--pid', '--fork', '--mount-proc', '--propagation', 'private', '/bin/sh', '-c', script, tsInit, ...initArgs], env };
}

/** The host pid of the init that `unshare` (pid `unsharePid`) forked, once it runs `bin`. */
export async function pid1Of(unsharePid, bin) {
  const want = fs.realpathSync(bin);
  return waitFor(
    () => childrenOf(unsharePid).find((pid) => exeOf(pid) === want),
    10_000,
    2,
    `${path.basename(bin)} as PID 1`,
  );
}
