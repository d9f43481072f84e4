// PID 1's cost per journal entry, measured on this machine without a container engine: the
// rich ts-init as PID 1 of a fresh PID namespace (private /run, unit directories, /var/log/journal
// and /dev, so the machine's own are never touched), its journal on, with two oneshot units:
// flood-lines.service writes LINES 100-byte lines to stdout, flood-syslog.service makes
// DATAGRAMS syslog(3) calls (bench/workloads/journal-flood.py). The CMD,
// bench/workloads/journal-pid1-measure.py, starts each in turn and reports PID 1's and the
// writer's CPU from the start until both are quiet, the entries stored, and the control
// socket's `ping` meanwhile. PID 1's stdout (the console echo of --log-console=all) is read
// here and thrown away, as a container engine's log pipe would take it.
//
//   node bench/journal-pid1.mjs [--ts-init dist/ts-init] [--runs 3] [--lines 30000] [--datagrams 30000] [--console all|units|cmd] [--only stdout,syslog]
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { median, optionArg, REPO, richPid1 } from './lib.mjs';

const TS_INIT = path.resolve(optionArg('ts-init', path.join(REPO, 'dist/ts-init')));
const RUNS = Number(optionArg('runs', '3'));
const LINES = Number(optionArg('lines', '30000'));
const DATAGRAMS = Number(optionArg('datagrams', '30000'));
const CONSOLE = optionArg('console', 'all');
const ONLY = optionArg('only', 'stdout,syslog').split(',');
const FLOOD = path.join(REPO, 'bench/workloads/journal-flood.py');
const MEASURE = path.join(REPO, 'bench/workloads/journal-pid1-measure.py');

const unit = (what) => `[Service]\nType=oneshot\nExecStart=/usr/bin/python3 ${FLOOD} ${what}\nTimeoutStartSec=600\n`;
const UNITS = {
  'flood-lines.service': unit(`lines ${LINES}`),
  'flood-syslog.service': unit(`fill ${DATAGRAMS} 600`),
  // journald's rate limit off (the container bench's image does the same): a flood is measured, not suppressed.
  'journald.conf': '[Journal]\nRateLimitIntervalSec=0\n',
};

/** In the namespace: the units, /dev/log to the journal's socket (for syslog(3)), journald.conf. */
const setup = (dir) => [
  'ln -s /run/systemd/journal/dev-log /dev/log',
  `cp ${dir}/flood-*.service /etc/systemd/system/`,
  // In the private /run: a directory made in /etc would be the host's.
  `mkdir -p /run/systemd/journald.conf.d && cp ${dir}/journald.conf /run/systemd/journald.conf.d/bench.conf`,
];

function oneRun() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-journal-pid1-'));
  for (const [name, text] of Object.entries(UNITS)) fs.writeFileSync(path.join(dir, name), text);
  const { args, env } = richPid1(TS_INIT, [`--log-console=${CONSOLE}`, '--', '/usr/bin/python3', MEASURE, TS_INIT, ...ONLY.map((m) => `${m}=flood-${m === 'stdout' ? 'lines' : m}.service`)], setup(dir));
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    const results = [];
    let partial = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop();
      for (const l of lines) if (l.startsWith('{"mode"')) results.push(JSON.parse(l));
    });
    child.stderr.setEncoding('utf8').on('data', (d) => (err = (err + d).slice(-4000)));
    child.on('close', (code) => {
      fs.rmSync(dir, { recursive: true, force: true });
      if (results.length !== ONLY.length) reject(new Error(`run ended (${code}) with ${results.length} results: ${err}`));
      else resolve(results);
    });
  });
}

const load = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const rows = { stdout: [], syslog: [] };
for (let r = 0; r < RUNS; r++) {
  const before = load();
  for (const m of await oneRun()) {
    const row = { ...m, load: before, pid1UsPer: (m.pid1Ms * 1000) / m.stored, writerUsPer: (m.writerMs * 1000) / m.stored, perS: m.stored / m.wallS };
    rows[m.mode].push(row);
    console.log(
      `${m.mode}: ${m.stored} stored${m.droppedBehind ? ` (${m.droppedBehind} dropped: the writer was behind)` : ''} in ${m.wallS} s (${Math.round(row.perS)}/s); PID 1 ${row.pid1UsPer.toFixed(1)} us/entry, writer ${row.writerUsPer.toFixed(1)} us/entry; ` +
        `ping p50 ${m.pingP50} p99 ${m.pingP99} ms (${m.pings}); PID 1 RssAnon ${m.rssAnonKb} kB, writer ${m.writerRssAnonKb} kB; load ${before}`,
    );
  }
}
for (const [mode, rs] of Object.entries(rows)) {
  const med = (k) => median(rs.map((r) => r[k]));
  console.log(
    `median ${mode} (${rs.length} runs): PID 1 ${med('pid1UsPer').toFixed(1)} us/entry, writer ${med('writerUsPer').toFixed(1)} us/entry, ` +
      `${Math.round(med('perS'))} entries/s, ping p99 ${med('pingP99')} ms, PID 1 RssAnon ${med('rssAnonKb')} kB`,
  );
}
