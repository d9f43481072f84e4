// Jobs that used to hang or be lost: a stop during a unit's own ExecStopPost= (the
// CMD exits then), restart of a unit waiting in auto-restart, a hot-added unit while
// another hot-added one waits for readiness.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as net from 'node:net';
import { pid1HostPid, runAsPid1, sleep, startAsPid1, TS_INIT } from '../helpers/ts-init';
import { notifyDaemon, unitDir } from '../helpers/units';
import { tempDir } from '../helpers/temp-dir';

describe('jobs', () => {
  it('a unit in ExecStopPost= when the CMD exits is stopped, not restarted, and shutdown is prompt', async () => {
    const dir = unitDir({
      'flap.service': `[Service]\nRestart=always\nRestartSec=100ms\nExecStart=/bin/sh -c 'exit 1'\nExecStopPost=/bin/sleep 1\n`,
    });
    const r = await runAsPid1(['-v', '--units', dir, '--no-wait', '--', '/bin/sleep', '0.5']);
    expect(r.code).toBe(0);
    const after = r.stderr.slice(r.stderr.indexOf('shutting down'));
    expect(after).not.toMatch(/scheduling restart/);
    expect(after).not.toMatch(/-> activating \(start\)/);
    expect(r.ms).toBeLessThan(4000);
  });

  it('ctl restart of a unit waiting in auto-restart returns once it runs again', async () => {
    const dir = unitDir({ 'later.service': `[Service]\nRestart=always\nRestartSec=30\nExecStart=/bin/sh -c 'test -e /run/ok || exit 1; exec sleep 100'\n` });
    const cmd = `sleep 0.5; touch /run/ok; timeout 5 "${TS_INIT}" ctl restart later; echo "rc=$?"; "${TS_INIT}" ctl status`;
    const r = await runAsPid1(['--units', dir, '--', '/bin/sh', '-c', cmd]);
    expect(r.stdout).toMatch(/^rc=0$/m);
    expect(r.stdout).toMatch(/^later\.service\s+loaded\s+active\s+running/m);
  });

  // The machine goes from stopping straight into the next run when a start or restart came
  // while the unit stopped: the stop job, which waited for the unit to be down, waited for
  // its next stop (a chaos run's 'stop' hung 15 s). Now it is over, canceled as systemd's.
  for (const verb of ['start', 'restart'] as const) {
    it(`ctl stop returns when a ${verb} sent while the unit stops begins the next run`, async () => {
      const dir = unitDir({ 'slow.service': `[Service]\nExecStart=/bin/sleep 100\nExecStop=/bin/sleep 1\n` });
      const ctl = `"${TS_INIT}" ctl`;
      const cmd = `sleep 0.5; (timeout 6 ${ctl} stop slow; echo "stop=$?") & sleep 0.3; timeout 6 ${ctl} ${verb} slow; echo "${verb}=$?"; wait; ${ctl} status`;
      const r = await runAsPid1(['--units', dir, '--', '/bin/sh', '-c', cmd]);
      expect(r.stdout).toMatch(/^stop=0$/m);
      expect(r.stdout).toMatch(new RegExp(`^${verb}=0$`, 'm'));
      expect(r.stdout).toMatch(/^slow\.service\s+loaded\s+active\s+running/m);
    });
  }

  it('a unit added while another hot-added unit waits for readiness is started', async () => {
    const dir = unitDir({ 'base.service': `[Service]\nExecStart=/bin/sleep 100\n` });
    // Ready only after 30 s: still waiting when the status is taken, however slow the machine.
    const slow = `[Service]\nType=notify\nExecStart=${notifyDaemon(30, 'slow')}\n`;
    const quick = `[Service]\nExecStart=/bin/sleep 100\n`;
    fs.writeFileSync(path.join(dir, '.slow'), slow);
    fs.writeFileSync(path.join(dir, '.quick'), quick);
    const cmd = `sleep 0.5; mv ${dir}/.slow ${dir}/slow.service; sleep 1.2; mv ${dir}/.quick ${dir}/quick.service; sleep 1.5; "${TS_INIT}" ctl status`;
    const r = await runAsPid1(['--units', dir, '--', '/bin/sh', '-c', cmd]);
    expect(r.stdout).toMatch(/^slow\.service\s+loaded\s+activating\s+start/m);
    expect(r.stdout).toMatch(/^quick\.service\s+loaded\s+active\s+running/m);
  });
});

describe('resource faults', () => {
  it('2 s without free file descriptors (EMFILE) leave no Restart=always unit wedged', async () => {
    const dir = unitDir({
      'crashy.service': `[Service]\nRestart=always\nRestartSec=100ms\nStartLimitBurst=1000\nExecStart=/bin/sh -c 'sleep 0.2; exit 1'\n`,
      'steady.service': `[Service]\nRestart=always\nRestartSec=100ms\nExecStart=/bin/sleep 1000\n`,
    });
    // The status is taken once the fault is over (the test says so with .go), as soon as steady
    // runs and crashy is seen running or waiting to restart, or after 10 s: a wedged unit never
    // is. crashy cycles, so one look may catch it between the start and the spawn's report.
    const status = `"${TS_INIT}" ctl status`;
    const both = `s=$(${status}); echo "$s" | grep -Eq '^steady[.]service +loaded +active +running' && echo "$s" | grep -Eq '^crashy[.]service +loaded +(active +running|activating +auto-restart)'`;
    const cmd = `until [ -e ${dir}/.go ]; do sleep 0.1; done; for i in $(seq 50); do ${both} && break; sleep 0.2; done; ${status}`;
    const run = startAsPid1(['--units', dir, '--', '/bin/sh', '-c', cmd]);
    const host = await pid1HostPid(run.child.pid!);
    // steady.service's sleep: PID 1's child once the units run (a slow start takes a while).
    const steadyPid = (): number | undefined => {
      const kids = fs.readFileSync(`/proc/${host}/task/${host}/children`, 'utf8').split(' ').filter(Boolean);
      const found = kids.find((p) => {
        try {
          return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('/bin/sleep');
        } catch {
          return false; // gone meanwhile
        }
      });
      return found === undefined ? undefined : Number(found);
    };
    let steady: number | undefined;
    for (const t0 = Date.now(); (steady = steadyPid()) === undefined; await sleep(100)) {
      if (Date.now() - t0 > 10_000) throw new Error('steady.service never started');
    }
    const limits = fs.readFileSync(`/proc/${host}/limits`, 'utf8').match(/Max open files\s+(\d+)\s+(\d+)/)!;
    const open = fs.readdirSync(`/proc/${host}/fd`).length;
    execFileSync('prlimit', ['--pid', String(host), `--nofile=${open}:${limits[2]}`]);
    process.kill(steady, 'SIGKILL');
    await sleep(2000);
    execFileSync('prlimit', ['--pid', String(host), `--nofile=${limits[1]}:${limits[2]}`]);
    fs.writeFileSync(path.join(dir, '.go'), '');
    const r = await run.result;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^steady\.service\s+loaded\s+active\s+running/m);
    expect(r.stdout).toMatch(/^crashy\.service\s+loaded\s+(active\s+running|activating\s+auto-restart)/m);
  });

  it('64 idle control connections cannot use up the file descriptors a restarting unit needs', async () => {
    const tmp = tempDir('idle-ctl-');
    const socket = path.join(tmp, 'ctl.sock');
    const dir = unitDir({ 'crashy.service': `[Service]\nRestart=always\nRestartSec=100ms\nStartLimitBurst=1000\nExecStart=/bin/sh -c 'sleep 0.3; exit 1'\n` });
    const cmd = `sleep 4; "${TS_INIT}" ctl --socket ${socket} --json status crashy`;
    // A small descriptor limit, as in a container started with --ulimit nofile=72.
    const run = startAsPid1(['--control-socket', socket, '--units', dir, '--', '/bin/sh', '-c', cmd], {}, 'ulimit -n 72');
    for (let t = 0; t < 100 && !fs.existsSync(socket); t++) await sleep(50);
    const idle: net.Socket[] = [];
    for (let i = 0; i < 64; i++) {
      const c = net.createConnection(socket);
      c.on('error', () => undefined);
      idle.push(c);
    }
    const r = await run.result;
    for (const c of idle) c.destroy();
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout.slice(r.stdout.indexOf('['))) as Array<{ restarts: number; activeState: string }>;
    expect(status[0]!.restarts).toBeGreaterThan(2);
    expect(r.stderr).not.toMatch(/EMFILE|too many open files/i);
  });
});
