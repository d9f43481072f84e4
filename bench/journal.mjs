// The journal under a flood (issue 20's "Performance"): the bookworm journal image of
// scripts/journal-image.sh (no rsyslog), booted under systemd 252 (systemd-journald stores) and
// under ts-init (its own journal), one after the other, with podman + runc. In each boot:
//   1. a unit writes lines to stdout as fast as it can for SECONDS (flood-stdout.service), then
//      one calls syslog(3) as fast as it can (flood-syslog.service), both oneshot units started
//      with the image's systemctl; workloads/journal-flood.py is the program. Per flood: entries
//      stored (counted with the image's journalctl once the last one is in), stored per second
//      (from the writer's first line to the last entry's receive time), CPU of the init and its
//      journal (PID 1 plus systemd-journald, or PID 1 plus any ts-init process of its own) per
//      100,000 entries stored, and, under ts-init, the control socket's `ping` answered every
//      10 ms during the flood (p99);
//   2. syslog(3) lines from outside any unit until the store holds 1,000,000 entries (or 4 min
//      have passed: the row says what it held); then PID 1's
//      RssAnon (and journald's), and `journalctl -u flood-syslog -n 20` timed in the container
//      (process start included) with systemd's journalctl and with ts-init's.
// journald's rate limit is turned off in the image (RateLimitIntervalSec=0, which ts-init reads
// too): a flood is what is measured, not what is suppressed.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO, childrenOf, exeOf, schedTotals, sleep, statusKb } from './lib.mjs';
import { baseImage, benchImage, podmanIn } from './podman.mjs';
import { removeCgroupsOf } from './rich.mjs';

const FLOOD = path.join(REPO, 'bench/workloads/journal-flood.py');
export const JOURNAL_INITS = ['systemd', 'ts-init'];
const SYSTEMCTL = { systemd: '/usr/bin/systemctl', 'ts-init': '/usr/local/lib/ts-init/systemctl' };
const RUN_ARGS = {
  systemd: ['--systemd=always', '--stop-signal=SIGRTMIN+3', '--entrypoint', '["/sbin/init"]'],
  'ts-init': [],
};
export const STORE_ENTRIES = 1_000_000;
/** The fill stops after this long whatever it reached (the memory row then says how many). */
const FILL_SECONDS = 240;

const unit = (mode, seconds) => `[Unit]
Description=journal benchmark: ${mode} flood

[Service]
Type=oneshot
ExecStart=/usr/local/bin/journal-flood ${mode} ${seconds} /run/flood-${mode}.result
TimeoutStartSec=300
`;

/** The bookworm journal image of scripts/journal-image.sh, FROM which the bench's image is made. */
function buildImage(podman, base, tsInitBin, seconds) {
  return benchImage(podman, {
    name: 'journal',
    base,
    files: {
      'ts-init': { from: tsInitBin, executable: true },
      'journal-flood': { from: FLOOD, executable: true },
      'flood-stdout.service': { text: unit('stdout', seconds) },
      'flood-syslog.service': { text: unit('syslog', seconds) },
      'bench.conf': { text: '# bench/journal.mjs: a flood is measured, not suppressed.\n[Journal]\nRateLimitIntervalSec=0\n' },
    },
    lines: [
      'COPY ts-init /sbin/ts-init',
      'COPY journal-flood /usr/local/bin/journal-flood',
      'COPY flood-stdout.service flood-syslog.service /etc/systemd/system/',
      'COPY bench.conf /etc/systemd/journald.conf.d/bench.conf',
      'RUN mkdir -p /var/log/journal',
      'ENTRYPOINT ["/sbin/ts-init", "--"]',
      'CMD ["sleep", "infinity"]',
    ],
  });
}

/** Every process of the container, from the host: pid -> comm. */
function processesUnder(pid1) {
  const out = new Map();
  const walk = (pid) => {
    let comm = '';
    try {
      comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      return;
    }
    out.set(pid, comm);
    for (const c of childrenOf(pid)) walk(c);
  };
  walk(pid1);
  return out;
}

/** The init and its journal: PID 1 plus systemd-journald, or PID 1 plus ts-init's own processes. */
function journalPids(pid1, init) {
  return [...processesUnder(pid1)]
    .filter(([pid, comm]) => pid === pid1 || (init === 'systemd' ? comm === 'systemd-journal' : path.basename(exeOf(pid)) === 'ts-init'))
    .map(([pid]) => pid);
}

function cpuMs(pids) {
  return pids.reduce((sum, pid) => sum + (schedTotals(pid)?.cpuMs ?? 0), 0);
}

/** One boot: the two floods, the fill to STORE_ENTRIES, memory and the reader's time. */
async function boot(podman, image, init, seconds, log) {
  const name = `ts-init-bench-journal-${init}-${process.pid}`;
  podman(['run', '-d', '--cgroups=enabled', '--hostname', 'bench', '--name', name, ...RUN_ARGS[init], image]);
  const ex = (args, opts) => podman(['exec', name, ...args], { check: false, ...opts });
  const journalctl = '/usr/bin/journalctl';
  const id = podman(['inspect', '--format', '{{.Id}}', name]).stdout.trim();
  try {
    const hostPid = Number(podman(['inspect', '--format', '{{.State.Pid}}', name]).stdout.trim());
    // Booted: the image's systemctl says so.
    for (let t = 0; t < 120; t++) {
      const s = ex([SYSTEMCTL[init], 'is-system-running']).stdout.trim();
      if (s === 'running' || s === 'degraded') break;
      await sleep(500);
    }
    const out = { floods: {} };
    for (const mode of ['stdout', 'syslog']) {
      const unitName = `flood-${mode}.service`;
      const pids = journalPids(hostPid, init);
      const cpu0 = cpuMs(pids);
      const pinger =
        init === 'ts-init'
          ? new Promise((resolve) => {
              const p = spawn('podman', [...podman.options, 'exec', name, '/usr/local/bin/journal-flood', 'ping', '/run/ts-init.sock', String(seconds + 1)], { env: podman.env });
              let text = '';
              p.stdout.on('data', (d) => (text += d));
              p.on('close', () => resolve(text.trim()));
            })
          : Promise.resolve('');
      const started = ex([SYSTEMCTL[init], 'start', unitName], { timeoutMs: (seconds + 300) * 1000 });
      if (started.status !== 0) log(`    ${init}: systemctl start ${unitName} exited ${started.status}: ${started.stderr.trim().slice(0, 300)}`);
      const [startUs, written] = ex(['cat', `/run/flood-${mode}.result`]).stdout.trim().split(' ').map(Number);
      // Stored once the last line written is in (or nothing more arrives for 10 polls). The unit's
      // own entries (_SYSTEMD_UNIT=, not -u, which also has the init's "Finished" line).
      let last = '';
      let still = 0;
      for (let t = 0; t < 240 && still < 10; t++) {
        const now = ex([journalctl, '--no-pager', `_SYSTEMD_UNIT=${unitName}`, '-n', '1', '-o', 'json']).stdout.trim();
        if (now && JSON.parse(now).MESSAGE?.startsWith?.(`flood-${mode} ${written - 1} `)) {
          last = now;
          break;
        }
        still = now === last ? still + 1 : 0;
        last = now;
        await sleep(500);
      }
      const cpu = cpuMs(journalPids(hostPid, init)) - cpu0;
      const stored = Number(ex(['sh', '-c', `${journalctl} --no-pager _SYSTEMD_UNIT=${unitName} -o cat | grep -c '^flood-${mode} '`], { timeoutMs: 600_000 }).stdout.trim());
      const lastUs = last ? Number(JSON.parse(last).__REALTIME_TIMESTAMP) : NaN;
      const ping = (await pinger).split(' ').map(Number);
      out.floods[mode] = {
        written,
        stored,
        perSecond: stored / ((lastUs - startUs) / 1e6),
        cpuPer100k: (cpu / stored) * 100_000,
        pingP99: ping[3],
        pings: ping[0],
      };
      log(
        `  ${init} ${mode}: ${written} written, ${stored} stored, ${Math.round(out.floods[mode].perSecond)}/s, ` +
          `${Math.round(cpu)} ms CPU${init === 'ts-init' ? `, ping p99 ${ping[3]} ms (${ping[0]} answers)` : ''}`,
      );
    }
    // Fill the store to STORE_ENTRIES (what it holds: the sum of its files' "Entry objects:").
    const held = () =>
      ex([journalctl, '--no-pager', '--header'], { timeoutMs: 120_000 })
        .stdout.split('\n')
        .map((l) => /^Entry objects:\s*(\d+)/.exec(l.trim())?.[1])
        .filter(Boolean)
        .reduce((a, b) => a + Number(b), 0);
    const missing = STORE_ENTRIES - held();
    if (missing > 0) {
      log(`  ${init}: ${missing} more entries through syslog(3), to hold ${STORE_ENTRIES}`);
      ex(['/usr/local/bin/journal-flood', 'fill', String(missing), String(FILL_SECONDS)], { timeoutMs: (FILL_SECONDS + 120) * 1000 });
    }
    let entries = held();
    for (let t = 0; t < 60 && entries < STORE_ENTRIES; t++) {
      await sleep(1000);
      entries = held();
    }
    await sleep(5000); // let PID 1 give back what the burst took
    const pid1Kb = statusKb(hostPid).RssAnon;
    // The journal's own process(es): systemd-journald, or ts-init's writer.
    const journalKb = journalPids(hostPid, init)
      .filter((pid) => pid !== hostPid)
      .reduce((sum, pid) => sum + (statusKb(pid).RssAnon ?? 0), 0);
    const timeQuery = (reader) => {
      const res = ex(['/usr/local/bin/journal-flood', 'time', '10', reader, '--no-pager', '-u', 'flood-syslog', '-n', '20'], { timeoutMs: 300_000 });
      const [med, best] = res.stdout.trim().split(' ').map(Number);
      return res.status === 0 ? { med, best } : { med: NaN, best: NaN, error: res.stderr.trim().slice(0, 200) };
    };
    out.entries = entries;
    out.pid1Kb = pid1Kb;
    out.journalKb = journalKb;
    out.query = { systemd: timeQuery(journalctl), ...(init === 'ts-init' ? { 'ts-init': timeQuery('/usr/local/lib/ts-init/journalctl') } : {}) };
    log(
      `  ${init}: ${entries} entries held; PID 1 RssAnon ${Math.round(pid1Kb / 1024)} MB, the journal's process ${Math.round(journalKb / 1024)} MB; ` +
        `journalctl -u X -n 20: ${Object.entries(out.query).map(([r, q]) => `${r}'s ${q.med} ms`).join(', ')}`,
    );
    return out;
  } finally {
    podman(['rm', '-f', '--ignore', '-t', '0', name], { check: false, timeoutMs: 300_000 });
    removeCgroupsOf(id);
  }
}

/** Both boots, systemd first. Returns per init what boot() measured. */
export async function journalBench(tsInitBin, seconds, log) {
  log('journal: preparing the bookworm journal image (scripts/journal-image.sh; the first build takes a few minutes)');
  const { env, base } = baseImage('journal-image.sh', ['bookworm'], 'TS_INIT_JOURNAL_BOOKWORM');
  const podman = podmanIn(env);
  const image = buildImage(podman, base, tsInitBin, seconds);
  const out = {};
  try {
    for (const init of JOURNAL_INITS) {
      log(`journal: ${init}`);
      out[init] = await boot(podman, image, init, seconds, log);
      await sleep(1000);
    }
  } finally {
    podman(['rmi', '-f', '--ignore', image], { check: false });
  }
  return out;
}
