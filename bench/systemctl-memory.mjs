// Private memory of a rich run under real use: ~30 units shaped like Debian's own
// (the directives of cron, ssh, rsyslog, nginx-style forking daemons and oneshot
// set-up units), then a health probe's worth of `systemctl status` / `is-active`
// calls through the real systemctl face, sampling RssAnon as they go.
//
// The units are synthetic (every program is `sleep <marker>`, so the run needs no
// daemons installed and leaves nothing behind), but their files use the same
// directives as the Debian units the tests parse (scripts/fetch-debian-units.sh).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  childrenOf,
  cmdline,
  initEnv,
  pidsWithCmdline,
  sleep,
  startProcess,
  statusKb,
  waitFor,
} from './lib.mjs';

const SIMPLE = 18;
const FORKING = 6;
const ONESHOT = 6;
export const MEMORY_UNITS = SIMPLE + FORKING + ONESHOT;

// A marker no other process on the machine uses, so every service of this run can be found.
const marker = () => String(800_000_000 + (process.pid % 100_000));

function simpleUnit(i, program, dir) {
  const shapes = [
    // cron.service
    `[Unit]\nDescription=Regular background program processing daemon ${i}\nDocumentation=man:cron(8)\nAfter=remote-fs.target nss-user-lookup.target\n\n` +
      `[Service]\nEnvironmentFile=-${dir}/default-cron\nExecStart=${program} $EXTRA_OPTS\nIgnoreSIGPIPE=false\nKillMode=process\nRestart=on-failure\nSyslogFacility=cron\n\n` +
      '[Install]\nWantedBy=multi-user.target\n',
    // ssh.service (sshd -D there: the stand-in takes no options)
    `[Unit]\nDescription=OpenBSD Secure Shell server ${i}\nDocumentation=man:sshd(8) man:sshd_config(5)\nAfter=network.target auditd.service\n\n` +
      `[Service]\nEnvironmentFile=-${dir}/default-ssh\nExecStartPre=/bin/true\nExecStart=${program} $SSHD_OPTS\nExecReload=/bin/true\nExecReload=/bin/kill -HUP $MAINPID\n` +
      'KillMode=process\nRestart=on-failure\nRestartPreventExitStatus=255\nType=exec\nRuntimeDirectory=bench-sshd-' + i + '\nRuntimeDirectoryMode=0755\n\n' +
      '[Install]\nWantedBy=multi-user.target\nAlias=bench-sshd-' + i + '.service\n',
    // rsyslog.service (Type=notify and -n -iNONE there; the stand-in cannot notify)
    `[Unit]\nDescription=System Logging Service ${i}\nRequires=syslog.socket\nDocumentation=man:rsyslogd(8)\n\n` +
      `[Service]\nType=simple\nExecStart=${program}\nStandardOutput=null\nRestart=on-failure\nLimitNOFILE=16384\n\n` +
      '[Install]\nWantedBy=multi-user.target\n',
  ];
  return shapes[i % shapes.length];
}

// nginx.service: a daemon that forks and leaves a PID file.
function forkingUnit(i, program, dir) {
  const pidFile = path.join(dir, `forking-${i}.pid`);
  return (
    `[Unit]\nDescription=A high performance web server and a reverse proxy server ${i}\nDocumentation=man:nginx(8)\nAfter=network-online.target remote-fs.target nss-lookup.target\nWants=network-online.target\n\n` +
    `[Service]\nType=forking\nPIDFile=${pidFile}\nExecStartPre=/bin/true\n` +
    `ExecStart=/bin/sh -c '${program} </dev/null >/dev/null 2>&1 & echo $$! > ${pidFile}'\n` +
    'ExecReload=/bin/kill -HUP $MAINPID\nTimeoutStopSec=5\nKillMode=mixed\n\n[Install]\nWantedBy=multi-user.target\n'
  );
}

// e2scrub_reap / networking-style set-up units: run once, stay active.
function oneshotUnit(i) {
  return (
    `[Unit]\nDescription=Raise network interfaces ${i}\nDocumentation=man:interfaces(5)\nDefaultDependencies=no\nBefore=network.target\n\n` +
    '[Service]\nType=oneshot\nExecStart=/bin/true\nRemainAfterExit=yes\nTimeoutStartSec=5min\n\n[Install]\nWantedBy=multi-user.target\n'
  );
}

/** Writes the unit files; returns the directory and how many long-running service processes to expect. */
export function writeUnits(dir) {
  const units = path.join(dir, 'units');
  fs.mkdirSync(units);
  const program = `/bin/sleep ${marker()}`;
  let k = 0;
  for (let i = 0; i < SIMPLE; i++) fs.writeFileSync(path.join(units, `bench-simple-${k++}.service`), simpleUnit(i, program, dir));
  for (let i = 0; i < FORKING; i++) fs.writeFileSync(path.join(units, `bench-forking-${k++}.service`), forkingUnit(i, program, dir));
  for (let i = 0; i < ONESHOT; i++) fs.writeFileSync(path.join(units, `bench-oneshot-${k++}.service`), oneshotUnit(i));
  return { units, service: ['/bin/sleep', marker()], running: SIMPLE + FORKING };
}

// Each sample is taken this long after the last call: ts-init hands back what requests
// used at most 2 s after the previous time and 0.5 s after the last one.
const QUIET_MS = 2500;

/** Every process of this run's services (the forking ones are orphans re-parented to ts-init). */
const servicePids = (service) => pidsWithCmdline(service);

/**
 * Starts `ts-init --units DIR -- sleep infinity` on that unit set, waits until
 * every service runs, then makes `calls` systemctl calls (alternating `status NAME`
 * and `is-active NAME` over the units) and samples the supervisor's RssAnon at
 * `checkpoints` (numbers of calls done; each sample is taken 2.5 s after the last
 * call, once ts-init has had its quiet moment, QUIET_MS). Returns { kb: {calls: RssAnon} }.
 */
export async function systemctlMemory(tsInitBin, calls, checkpoints, log) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-init-bench-systemctl-'));
  const { units, service, running } = writeUnits(dir);
  const socket = path.join(dir, 'ctl.sock');
  const systemctl = path.join(dir, 'systemctl');
  fs.symlinkSync(tsInitBin, systemctl);
  const p = startProcess(tsInitBin, ['--units', units, '--control-socket', socket, '--', 'sleep', 'infinity'], { env: initEnv() });
  const names = fs.readdirSync(units).sort();
  const env = initEnv({ TS_INIT_CONTROL_SOCKET: socket });
  const kb = {};
  let failures = 0;
  try {
    await waitFor(() => servicePids(service).length >= running, 60_000, 5, `${running} services running`);
    await waitFor(() => childrenOf(p.pid).some((c) => cmdline(c).join(' ') === 'sleep infinity'), 10_000, 5, 'the CMD');
    await sleep(1500);
    kb[0] = statusKb(p.pid).RssAnon;
    for (let n = 1; n <= calls; n++) {
      const unit = names[n % names.length];
      const args = n % 2 ? ['status', '--no-pager', unit] : ['is-active', unit];
      const r = spawnSync(systemctl, args, { env, stdio: 'ignore' });
      if (r.status !== 0) failures++;
      if (checkpoints.includes(n)) {
        await sleep(QUIET_MS);
        kb[n] = statusKb(p.pid).RssAnon;
        log(`  ${n} systemctl calls: RssAnon ${(kb[n] / 1024).toFixed(1)} MB`);
      }
    }
  } finally {
    await p.stop('SIGTERM', 30_000);
    for (const pid of servicePids(service)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { kb, failures };
}
