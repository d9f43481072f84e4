// PID 1's CPU per unit command started, measured on this machine without a container engine:
// the rich ts-init as PID 1 of a fresh PID namespace (private /run, unit directories,
// /var/log/journal and /dev, so the machine's own are never touched), its journal on, booting
// UNITS oneshot units that run /bin/true, once with one ExecStart= line each and once with
// LINES. The CMD starts once the boot's start jobs are done and prints PID 1's CPU time then
// (/proc/1/stat); the difference between the two boots, over the extra commands, is what one
// more command costs PID 1 (its spawn, its exit, its journal stream, the unit's bookkeeping),
// with loading and the rest of the boot taken out. --user runs the commands as User=nobody
// (the exec chain's setpriv), --heap-mb grows PID 1's heap first (a daemon-reload's worth of
// units makes it bigger, and the cost of a fork grows with it).
//
//   node bench/spawn-pid1.mjs [--ts-init dist/ts-init] [--runs 3] [--units 100] [--lines 5] [--user nobody]
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { median, optionArg, REPO, richPid1 } from './lib.mjs';

const TS_INIT = path.resolve(optionArg('ts-init', path.join(REPO, 'dist/ts-init')));
const RUNS = Number(optionArg('runs', '3'));
const UNITS = Number(optionArg('units', '100'));
const LINES = Number(optionArg('lines', '5'));
const USER = optionArg('user', '');

const unit = (lines) =>
  `[Service]\nType=oneshot\nRemainAfterExit=yes\n${USER ? `User=${USER}\n` : ''}${'ExecStart=/bin/true\n'.repeat(lines)}`;

/** In the namespace: the units, each wanted by multi-user.target. */
const setup = (dir) => [
  'mkdir -p /etc/systemd/system/multi-user.target.wants',
  `for f in ${dir}/*.service; do cp "$f" /etc/systemd/system/ && ln -s "/etc/systemd/system/\${f##*/}" /etc/systemd/system/multi-user.target.wants/; done`,
];

// PID 1's utime + stime (ms) and its wall time since it started (ms), read by the CMD.
const MEASURE = `hz=$(getconf CLK_TCK); read -r stat </proc/1/stat; set -- \${stat##*) }
read -r up _ </proc/uptime
echo "cpu $(( (\${12} + \${13}) * 1000 / hz )) started \${20} hz $hz up $up"`;

function oneBoot(lines) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-spawn-pid1-'));
  for (let i = 0; i < UNITS; i++) fs.writeFileSync(path.join(dir, `spawn${i}.service`), unit(lines));
  const { args, env } = richPid1(TS_INIT, ['--', '/bin/sh', '-c', MEASURE], setup(dir));
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (err = (err + d).slice(-4000)));
    child.on('close', (code) => {
      fs.rmSync(dir, { recursive: true, force: true });
      const m = out.match(/cpu (\d+) started (\d+) hz (\d+) up ([\d.]+)/);
      if (!m) return reject(new Error(`boot ended (${code}) without a measurement: ${err}`));
      resolve({ cpuMs: Number(m[1]), wallMs: Number(m[4]) * 1000 - (Number(m[2]) * 1000) / Number(m[3]) });
    });
  });
}

const load = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const extra = UNITS * (LINES - 1);
const perCommand = [];
for (let r = 0; r < RUNS; r++) {
  const before = load();
  const one = await oneBoot(1);
  const many = await oneBoot(LINES);
  const us = ((many.cpuMs - one.cpuMs) * 1000) / extra;
  perCommand.push(us);
  console.log(
    `${UNITS} units: ${UNITS} commands PID 1 ${one.cpuMs} ms CPU (${Math.round(one.wallMs)} ms), ${UNITS * LINES} commands ${many.cpuMs} ms (${Math.round(many.wallMs)} ms): ` +
      `${Math.round(us)} us of PID 1's CPU per command; load ${before}`,
  );
}
console.log(`median (${RUNS} runs): ${Math.round(median(perCommand))} us of PID 1's CPU per command started${USER ? ` (User=${USER})` : ''}`);
