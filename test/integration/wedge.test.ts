// Two ways units used to be left stuck for good: effects that failed for want of file
// descriptors (a /proc scan in the kill effect, /dev/urandom in a unit's setup) and were
// dropped, and the unit watcher's reload queued behind a start job that never ends.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir';
import { pid1HostPid, runAsPid1, sleep, startAsPid1, TS_INIT } from '../helpers/ts-init';
import { unitDir } from '../helpers/units';

interface Status {
  name: string;
  activeState: string;
  subState: string;
  mainPid?: number;
  restarts: number;
}

function status(socket: string): Status[] | undefined {
  try {
    const out = execFileSync(TS_INIT, ['ctl', '--socket', socket, '--json', 'status'], { encoding: 'utf8', timeout: 5000 });
    return JSON.parse(out.slice(out.indexOf('['))) as Status[];
  } catch {
    return undefined; // the control socket may itself be short of descriptors
  }
}

/** In a state that only a process's end or a timer can move on from. */
const transitional = (s: Status): boolean => (s.activeState === 'activating' || s.activeState === 'deactivating') && s.subState !== 'auto-restart';

describe('wedges', () => {
  it('PID 1 short of file descriptors for a while leaves no Restart=always unit stuck', async () => {
    const units: Record<string, string> = {};
    // StartLimitBurst= so that the units cycle for the whole test (the default limit would fail them, which is no wedge).
    for (const n of ['u1', 'u2', 'u3', 'u4']) {
      units[`${n}.service`] = `[Service]\nRestart=always\nRestartSec=100ms\nStartLimitBurst=100000\nExecStart=/bin/sh -c "sleep 0.2; exit 3"\n`;
    }
    const dir = unitDir(units);
    const tmp = tempDir('wedge-fds-');
    const socket = path.join(tmp, 'ctl.sock');
    const done = path.join(tmp, 'done');
    const run = startAsPid1(['-v', '--control-socket', socket, '--units', dir, '--', '/bin/sh', '-c', `while [ ! -e ${done} ]; do sleep 0.2; done`]);
    try {
      const host = await pid1HostPid(run.child.pid!);
      // The shortage comes once the units run (a slow start must not meet it half-way).
      for (const t0 = Date.now(); (status(socket) ?? []).filter((s) => s.name.startsWith('u')).length < 4; await sleep(200)) {
        if (Date.now() - t0 > 20_000) throw new Error(`the units never came up: ${run.stderr().slice(-2000)}`);
      }
      const hard = fs.readFileSync(`/proc/${host}/limits`, 'utf8').match(/Max open files\s+\d+\s+(\d+)/)![1];
      for (const soft of [12, 18, 24]) {
        execFileSync('prlimit', ['--pid', String(host), `--nofile=${soft}:${hard}`]);
        await sleep(1000);
      }
      execFileSync('prlimit', ['--pid', String(host), `--nofile=1024:${hard}`]);
      const restoredAt = Date.now();
      // Each unit either moves on or waits in auto-restart (a timer); none stays in a
      // transitional state for 3 s (its process lives 0.2 s).
      const stuckSince = new Map<string, number>();
      const first = new Map<string, number>();
      const cycled = new Set<string>();
      const stuck = new Set<string>();
      while (Date.now() - restoredAt < 12_000 && cycled.size < 4) {
        const now = Date.now();
        for (const s of status(socket) ?? []) {
          if (!first.has(s.name)) first.set(s.name, s.restarts);
          else if (s.restarts > first.get(s.name)! + 1) cycled.add(s.name);
          const key = `${s.name} ${s.activeState} (${s.subState}) restarts=${s.restarts}`;
          if (!transitional(s)) {
            stuckSince.delete(s.name);
            continue;
          }
          const prev = [...stuckSince.keys()].find((k) => k.startsWith(`${s.name} `));
          if (prev !== key) {
            if (prev) stuckSince.delete(prev);
            stuckSince.set(key, now);
          } else if (now - stuckSince.get(key)! > 3000) {
            stuck.add(key);
          }
        }
        await sleep(250);
      }
      expect([...stuck], run.stderr().slice(-4000)).toEqual([]);
      expect([...cycled].sort(), run.stderr().slice(-4000)).toEqual(['u1.service', 'u2.service', 'u3.service', 'u4.service']);
    } finally {
      fs.writeFileSync(done, '');
    }
    const r = await run.result;
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/internal error/);
    // The shortage was met (else the test shows nothing).
    expect(r.stderr).toMatch(/EMFILE/);
  }, 60_000);

  it('a hot-added unit that never becomes ready does not hold back the next unit the watcher finds', async () => {
    const dir = unitDir({ 'base.service': `[Service]\nExecStart=/bin/sleep 100\n` });
    fs.writeFileSync(path.join(dir, '.pending'), `[Service]\nType=notify\nTimeoutStartSec=infinity\nExecStart=/bin/sleep 100\n`);
    fs.writeFileSync(path.join(dir, '.later'), `[Service]\nExecStart=/bin/sleep 100\n`);
    const cmd = [
      `sleep 1.2; mv ${dir}/.pending ${dir}/pending.service`,
      `sleep 1.5; mv ${dir}/.later ${dir}/later.service`,
      // Asked for by name before the watcher has read it, it would be loaded on demand (and not started).
      'sleep 4',
      `"${TS_INIT}" ctl status`,
    ].join('; ');
    const r = await runAsPid1(['-v', '--units', dir, '--', '/bin/sh', '-c', cmd]);
    expect(r.stdout, r.stderr).toMatch(/^base\.service\s+loaded\s+active\s+running/m);
    expect(r.stdout, r.stderr).toMatch(/^pending\.service\s+loaded\s+activating\s+start/m);
    expect(r.stdout, r.stderr).toMatch(/^later\.service\s+loaded\s+active\s+running/m);
    expect(r.stderr).toMatch(/unit definitions reloaded added=\["later\.service"\]/);
  }, 30_000);

  it('a new enabled unit named (loaded on demand) before a reload reads it is started by that reload', async () => {
    // The rich init on the namespace's systemd directories: the watcher watches /etc/systemd/system,
    // not /usr/lib/systemd/system, so later.service (installed and enabled there) is read by the
    // reload that other.service's file starts, after systemctl status has loaded it on demand.
    const E = '/etc/systemd/system';
    const U = '/usr/lib/systemd/system';
    const setup = [
      `mkdir -p ${E}/multi-user.target.wants`,
      `printf '[Service]\\nExecStart=/bin/sleep 100\\n[Install]\\nWantedBy=multi-user.target\\n' > ${E}/base.service`,
      `ln -s ${E}/base.service ${E}/multi-user.target.wants/base.service`,
    ].join(' && ');
    const cmd = [
      'sleep 1',
      `mkdir -p ${U}/multi-user.target.wants`,
      `printf '[Service]\\nExecStart=/bin/sleep 100\\n[Install]\\nWantedBy=multi-user.target\\n' > ${U}/later.service`,
      `ln -s ${U}/later.service ${U}/multi-user.target.wants/later.service`,
      `"${TS_INIT}" ctl status later.service > /dev/null`,
      `printf '[Service]\\nExecStart=/bin/sleep 100\\n' > ${E}/other.service`,
      `for i in $(seq 40); do "${TS_INIT}" ctl status later.service | grep -q 'active (running)' && break; sleep 0.1; done`,
      `"${TS_INIT}" ctl status`,
    ].join('; ');
    const r = await runAsPid1(['-v', '--', '/bin/sh', '-c', cmd], { env: { ...process.env, TS_INIT_RICH: '1' } }, setup);
    expect(r.stdout, r.stderr).toMatch(/^base\.service\s+loaded\s+active\s+running/m);
    expect(r.stdout, r.stderr).toMatch(/^later\.service\s+loaded\s+active\s+running/m);
  }, 30_000);
});
