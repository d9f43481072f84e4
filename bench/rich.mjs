// Rich boot: the vm image of the real-workload test (scripts/vm-image.sh: Debian bookworm or
// trixie with openssh, cron, rsyslog, dbus, nginx + php-fpm, redis, mariadb, postgresql, bind9,
// squid, postfix, slapd, xinetd, prometheus-node-exporter, supervisor installed by apt) booted
// under three inits with podman:
//   systemd       252 or 257, --systemd=always, /sbin/init (the image's own units and init scripts)
//   ts-init       the image's ENTRYPOINT with no flags (the same units and init scripts)
//   supervisord   PID 1 with workloads/vm-supervisord.conf (the same daemons in the foreground)
// For each boot: from just before `podman run` until every service answers its probe
// (test/fixtures/vm/probe.sh, from inside the container), PID 1's CPU time (and the journal
// process's) at that moment, and from `podman stop` until it returns (the container has
// exited). Boots run one at a time, the inits in turns.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO, median, monoNs, msSince, realtimeNs, sleep } from './lib.mjs';
import { baseImage, benchImage, podmanIn } from './podman.mjs';

const READY_DEADLINE_MS = 60_000;
const STOP_GRACE_S = 30;
const PROBE = path.join(REPO, 'test/fixtures/vm/probe.sh');
const SUPERVISORD_CONF = path.join(REPO, 'bench/workloads/vm-supervisord.conf');
const CMD_STAMP = '/run/vm-cmd-started';

export const RICH_INITS = ['systemd', 'ts-init', 'supervisord'];
const RUN_ARGS = {
  // podman 4.3 sets no stop signal when the entrypoint is overridden: systemd wants SIGRTMIN+3.
  systemd: ['--systemd=always', '--stop-signal=SIGRTMIN+3', '--entrypoint', '["/sbin/init"]'],
  'ts-init': [],
  supervisord: ['--entrypoint', '["/usr/bin/supervisord","-n","-c","/etc/vm-bench/supervisord.conf"]'],
};

/** The Debian releases the vm image is built from, with the systemd each ships. */
export const RICH_SUITES = { bookworm: { debian: 12, systemd: 252 }, trixie: { debian: 13, systemd: 257 } };

/** The vm image of scripts/vm-image.sh, FROM which the bench's image is made. */
function buildImage(podman, base, tsInitBin) {
  return benchImage(podman, {
    name: 'vm',
    base,
    files: {
      'ts-init': { from: tsInitBin, executable: true },
      'probe.sh': { from: PROBE, executable: true },
      'supervisord.conf': { from: SUPERVISORD_CONF },
    },
    lines: [
      'COPY ts-init /sbin/ts-init',
      'COPY probe.sh /usr/local/bin/vm-probe',
      'COPY supervisord.conf /etc/vm-bench/supervisord.conf',
      'ENTRYPOINT ["/sbin/ts-init", "--"]',
      `CMD ["/bin/sh", "-c", "date +%s%N >${CMD_STAMP}; exec sleep infinity"]`,
    ],
  });
}

// CPU time (utime + stime, ms) of PID 1 and of the journal's own process (systemd-journald, or
// ts-init's writer, ts-init-journal) in the container, from /proc/PID/stat.
const CPU_SCRIPT = `hz=$(getconf CLK_TCK)
for p in /proc/[0-9]*; do
  read -r comm <"$p/comm" 2>/dev/null || continue
  case \${p#/proc/}:$comm in 1:* | *:systemd-journal | *:ts-init-journal) ;; *) continue ;; esac
  read -r stat <"$p/stat" || continue
  set -- \${stat##*) }
  echo "\${p#/proc/} $comm $(( (\${12} + \${13}) * 1000 / hz ))"
done`;

/** PID 1's CPU time and the journal process's (ms), undefined where there is none. */
function cpuNow(podman, name) {
  const out = { pid1Ms: undefined, journalMs: undefined };
  for (const line of podman(['exec', name, 'sh', '-c', CPU_SCRIPT], { check: false }).stdout.split('\n')) {
    const [pid, comm, ms] = line.trim().split(' ');
    if (!/^\d+$/.test(ms ?? '')) continue;
    if (pid === '1') out.pid1Ms = Number(ms);
    else if (comm === 'systemd-journal' || comm === 'ts-init-journal') out.journalMs = (out.journalMs ?? 0) + Number(ms);
  }
  return out;
}

const rmTree = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) rmTree(path.join(dir, e.name));
  fs.rmdirSync(dir);
};

/** Top-level directories of the host's name=systemd hierarchy (where a systemd would add init.scope). */
const HOST_SYSTEMD_CGROUP = '/sys/fs/cgroup/systemd';
function topCgroups() {
  try {
    return fs.readdirSync(HOST_SYSTEMD_CGROUP, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
}

/** Every cgroup directory on the host named after the container id (removed, deepest first). */
export function removeCgroupsOf(id) {
  const walk = (dir, depth) => {
    if (depth > 4) return;
    let entries = [];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = path.join(dir, e.name);
      if (!e.name.includes(id)) walk(p, depth + 1);
      else {
        try {
          rmTree(p);
        } catch {
          /* busy: left for the engine */
        }
      }
    }
  };
  walk('/sys/fs/cgroup', 0);
}

/**
 * One boot: start; one `vm-probe --wait` probes every service again and again, each on its own,
 * until it answers, and stamps when it did; stop. `readyMs` is when the last service first
 * answered (Infinity if some never did within the deadline).
 */
async function boot(podman, image, init, n, log) {
  const name = `ts-init-bench-vm-${init}-${process.pid}-${n}`;
  const t0 = monoNs();
  const t0Real = realtimeNs();
  podman(['run', '-d', '--cgroups=enabled', '--name', name, ...RUN_ARGS[init], image]);
  const id = podman(['inspect', '--format', '{{.Id}}', name]).stdout.trim();
  const firstOk = {};
  let names = [];
  let cmdMs;
  try {
    // `podman exec` can fail while PID 1 is still setting up: try again until it runs.
    for (;;) {
      const left = Math.max(1, Math.round((READY_DEADLINE_MS - msSince(t0)) / 1000));
      const res = podman(['exec', name, '/usr/local/bin/vm-probe', '--no-is-active', '--wait', String(left)], {
        check: false,
        timeoutMs: (left + 30) * 1000,
      });
      const rows = res.stdout.split('\n').filter((l) => l.includes('\t')).map((l) => l.split('\t'));
      if (rows.length) {
        names = rows.map((r) => r[0]);
        for (const [svc, result, , , , stamp] of rows) {
          if (result === 'ok' && /^\d+$/.test(stamp ?? '')) firstOk[svc] = Number(BigInt(stamp) - t0Real) / 1e6;
        }
        break;
      }
      if (msSince(t0) > READY_DEADLINE_MS) {
        log(`    ${init}: vm-probe gave no answer (exit ${res.status}): ${(res.stderr ?? '').trim().slice(0, 300)}`);
        break;
      }
      await sleep(100);
    }
    // PID 1's CPU (and the journal process's) as the last service answered: read at once, in
    // the same way under every init (a podman exec later: some ms more for every one of them).
    const cpu = cpuNow(podman, name);
    // The stop is timed once the init's start-up is over, as far as it says (the services can
    // all answer while a start job still runs: pg_ctlcluster returns about 2 s after postgres
    // accepts connections): under ts-init the CMD has started, under systemd
    // `is-system-running --wait` has returned. supervisord has no such moment.
    if (init === 'ts-init') {
      while (cmdMs === undefined && msSince(t0) < READY_DEADLINE_MS) {
        const stamp = podman(['exec', name, 'cat', CMD_STAMP], { check: false }).stdout.trim();
        if (/^\d+$/.test(stamp)) cmdMs = Number(BigInt(stamp) - t0Real) / 1e6;
        else await sleep(100);
      }
    } else if (init === 'systemd') {
      const left = Math.max(1, Math.round((READY_DEADLINE_MS - msSince(t0)) / 1000));
      podman(['exec', name, 'timeout', String(left), 'systemctl', 'is-system-running', '--wait'], { check: false, timeoutMs: (left + 30) * 1000 });
    }
    const up = names.filter((s) => s in firstOk);
    const readyMs = up.length === names.length && names.length > 0 ? Math.max(...up.map((s) => firstOk[s])) : Infinity;
    const s0 = monoNs();
    podman(['stop', '-t', String(STOP_GRACE_S), name], { timeoutMs: (STOP_GRACE_S + 60) * 1000 });
    const stopMs = msSince(s0);
    const exitCode = Number(podman(['inspect', '--format', '{{.State.ExitCode}}', name]).stdout.trim());
    return { readyMs, stopMs, exitCode, cmdMs, ...cpu, firstOk, up: up.length, total: names.length, down: names.filter((s) => !(s in firstOk)) };
  } finally {
    podman(['rm', '-f', '--ignore', '-t', '0', name], { check: false });
    removeCgroupsOf(id);
  }
}

/**
 * `reps` boots of each init, in turns. Returns per init: median readyMs and stopMs, the services
 * that answered (fewest over the boots), exit codes, for ts-init the median CMD start, and the
 * median time until the services that answered everywhere (`common`) were all up.
 */
export async function richBench(tsInitBin, reps, log, suite = 'bookworm') {
  log(`rich boot: preparing the ${suite} vm image (scripts/vm-image.sh ${suite}; the first build takes a few minutes)`);
  const { env, base } = baseImage('vm-image.sh', [suite], 'TS_INIT_BASE_VM');
  const podman = podmanIn(env);
  const image = buildImage(podman, base, tsInitBin);
  const runs = Object.fromEntries(RICH_INITS.map((i) => [i, []]));
  const cgroupsBefore = topCgroups();
  try {
    for (let r = 0; r < reps; r++) {
      // Rotate the order so that a slow moment of the machine does not always hit the same init.
      const order = RICH_INITS.map((_, k) => RICH_INITS[(k + r) % RICH_INITS.length]);
      for (const init of order) {
        const b = await boot(podman, image, init, r, log);
        const cpu = `PID 1's CPU ${b.pid1Ms ?? '?'} ms${b.journalMs !== undefined ? ` + the journal's ${b.journalMs} ms` : ''}`;
        log(`  ${init}: ${b.up}/${b.total} services up${Number.isFinite(b.readyMs) ? ` in ${Math.round(b.readyMs)} ms` : ` (down: ${b.down.join(' ')})`}, ${cpu}, stop ${Math.round(b.stopMs)} ms, exit ${b.exitCode}`);
        const slowest = Object.entries(b.firstOk).sort((x, y) => y[1] - x[1]).slice(0, 4);
        log(`    last to answer: ${slowest.map(([svc, ms]) => `${svc} ${Math.round(ms)} ms`).join(', ')}`);
        runs[init].push(b);
        await sleep(1000); // let the machine settle after ending a dozen daemons
      }
    }
  } finally {
    podman(['rmi', '-f', '--ignore', image], { check: false });
    // What a systemd in the host's root cgroup would have made there (other new directories
    // belong to someone else: left alone).
    for (const d of topCgroups().filter((x) => !cgroupsBefore.includes(x) && /^(init\.scope|system\.slice|user\.slice|machine\.slice)$/.test(x))) {
      try {
        rmTree(path.join(HOST_SYSTEMD_CGROUP, d));
        log(`removed the cgroup ${d} left in ${HOST_SYSTEMD_CGROUP}`);
      } catch {
        log(`warning: ${HOST_SYSTEMD_CGROUP}/${d} appeared during the rich boot and is still in use`);
      }
    }
  }
  // The services that answered in every boot of every init: their readiness compares the inits
  // while some services do not come up under one of them.
  const all = Object.values(runs).flat();
  const common = Object.keys(all[0]?.firstOk ?? {}).filter((svc) => all.every((b) => svc in b.firstOk));
  const out = { common };
  for (const [init, bs] of Object.entries(runs)) {
    const worst = bs.reduce((a, b) => (b.up < a.up ? b : a));
    out[init] = {
      readyMs: median(bs.map((b) => b.readyMs)),
      commonReadyMs: common.length ? median(bs.map((b) => Math.max(...common.map((svc) => b.firstOk[svc])))) : NaN,
      stopMs: median(bs.map((b) => b.stopMs)),
      up: worst.up,
      total: worst.total,
      down: worst.down,
      exitCodes: [...new Set(bs.map((b) => b.exitCode))],
      cmdMs: bs.every((b) => b.cmdMs !== undefined) ? median(bs.map((b) => b.cmdMs)) : undefined,
      pid1CpuMs: median(bs.map((b) => b.pid1Ms ?? NaN)),
      journalCpuMs: bs.every((b) => b.journalMs !== undefined) ? median(bs.map((b) => b.journalMs)) : undefined,
      pid1JournalCpuMs: bs.every((b) => b.journalMs !== undefined) ? median(bs.map((b) => (b.pid1Ms ?? NaN) + b.journalMs)) : undefined,
    };
  }
  return out;
}
