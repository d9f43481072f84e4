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
import { median, REPO } from './lib.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const TS_INIT = path.resolve(arg('ts-init', path.join(REPO, 'dist/ts-init')));
const RUNS = Number(arg('runs', '3'));
const UNITS = Number(arg('units', '100'));
const LINES = Number(arg('lines', '5'));
const USER = arg('user', '');

const unit = (lines) =>
  `[Service]\nType=oneshot\nRemainAfterExit=yes\n${USER ? `User=${USER}\n` : ''}${'ExecStart=/bin/true\n'.repeat(lines)}`;

function setupScript(dir) {
  const hide = ['/run', '/etc/systemd/system', '/usr/lib/systemd/system', '/etc/profile.d', '/etc/ts-init', '/etc/tmpfiles.d', '/usr/lib/tmpfiles.d',
    '/usr/lib/systemd/system-generators', '/etc/init.d', '/etc/rc1.d', '/etc/rc2.d', '/etc/rc3.d', '/etc/rc4.d', '/etc/rc5.d', '/var/log/journal', '/etc/systemd/journald.conf.d'];
  return [
    `for d in ${hide.join(' ')}; do if [ -d "$d" ]; then mount -t tmpfs -o mode=755 bench "$d" || exit 99; fi; done`,
    'mkdir -p /run/.host-dev && mount --rbind /dev /run/.host-dev && mount -t tmpfs -o mode=755,nosuid tmpfs /dev',
    'for n in null zero full random urandom; do touch /dev/$n && mount --bind /run/.host-dev/$n /dev/$n; done',
    'ln -s /proc/self/fd /dev/fd',
    'mkdir -p /etc/systemd/system/multi-user.target.wants',
    `for f in ${dir}/*.service; do cp "$f" /etc/systemd/system/ && ln -s "/etc/systemd/system/\${f##*/}" /etc/systemd/system/multi-user.target.wants/; done`,
    'exec "$0" "$@"',
  ].join(' && ');
}

// PID 1's utime + stime (ms) and its wall time since it started (ms), read by the CMD.
const MEASURE = `hz=$(getconf CLK_TCK); read -r stat </proc/1/stat; set -- \${stat##*) }
read -r up _ </proc/uptime
echo "cpu $(( (\${12} + \${13}) * 1000 / hz )) started \${20} hz $hz up $up"`;

function oneBoot(lines) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-spawn-pid1-'));
  for (let i = 0; i < UNITS; i++) fs.writeFileSync(path.join(dir, `spawn${i}.service`), unit(lines));
  const args = ['--pid', '--fork', '--mount-proc', '--propagation', 'private', '/bin/sh', '-c', setupScript(dir), TS_INIT, '--', '/bin/sh', '-c', MEASURE];
  const env = { ...process.env, TS_INIT_RICH: '1' };
  for (const k of Object.keys(env)) if (/^(NODE_|TINI_)/.test(k)) delete env[k];
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
