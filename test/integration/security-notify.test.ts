// Attacks on the notify sockets (world-writable: a daemon that dropped its privileges must
// reach its own), run for real by an unprivileged user against ts-init as PID 1:
// - H1: descriptors whose last close blocks (lingering TCP sockets), passed with
//   SCM_RIGHTS, must not freeze PID 1;
// - M1: an unprivileged main process must not name another process as MAINPID=;
// - L1: refused datagrams must not make PID 1 write without bound.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, pid1HostPid, sleep, startAsPid1, TS_INIT, type Running } from '../helpers/ts-init';
import { tempDir } from '../helpers/temp-dir';
import { unitDir } from '../helpers/units';

const NOBODY = ['setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups', '--inh-caps=-all'];

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** Something PID 1 must not outlive the test with, whatever state the attack left it in. */
function killAtEnd(child: ChildProcess | number): void {
  cleanups.push(() => {
    try {
      if (typeof child === 'number') process.kill(child, 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      // gone
    }
  });
}

function ctl(socket: string, args: string[], timeoutMs = 5000): Promise<{ code: number | null; out: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(TS_INIT, ['ctl', '--socket', socket, ...args], { timeout: timeoutMs }, (err, stdout) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, out: stdout, ms: Date.now() - t0 });
    });
  });
}

/** A unit's state as ctl --json says it (undefined when ctl did not answer). */
async function unitState(socket: string, unit: string): Promise<{ activeState: string; mainPid?: number } | undefined> {
  const r = await ctl(socket, ['--json', 'status', unit]);
  return r.code === 0 ? (JSON.parse(r.out) as Array<{ activeState: string; mainPid?: number }>)[0] : undefined;
}

/** ts-init as PID 1 with the units and a control socket the test can reach; resolves once it answers. */
async function boot(units: Record<string, string>, socket: string, args: string[] = []): Promise<{ run: Running; init: number }> {
  const run = startAsPid1([...args, '--control-socket', socket, '--units', unitDir(units), '--', '/bin/sleep', '120']);
  killAtEnd(run.child);
  const init = await pid1HostPid(run.child.pid!);
  killAtEnd(init);
  for (let t = 0; t < 100 && !fs.existsSync(socket); t++) await sleep(50);
  return { run, init };
}

/** A python fixture run as nobody inside PID 1's namespaces (its mounts: the notify sockets are on its /run). */
function asNobodyInside(init: number, fixture: string, args: string[]): { child: ChildProcess; out: () => string } {
  const code = fs.readFileSync(path.join(FIXTURES, 'notify', fixture), 'utf8');
  const child = spawn('nsenter', ['-t', String(init), '-m', '-p', '--', ...NOBODY, '/usr/bin/python3', '-c', code, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killAtEnd(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, out: () => out };
}

async function until(ok: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(25)) if (ok()) return true;
  return ok();
}

/** The host pid of a process of PID 1's namespace, from its pid there. */
function victimHostPid(init: number, nsPid: number): number {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = fs.readFileSync(`/proc/${entry}/status`, 'utf8');
      const ns = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/).map(Number);
      if (ns && ns.length > 1 && ns[ns.length - 1] === nsPid && fs.readlinkSync(`/proc/${entry}/ns/pid`) === fs.readlinkSync(`/proc/${init}/ns/pid`)) return Number(entry);
    } catch {
      // gone
    }
  }
  throw new Error(`no process ${nsPid} in the namespace of ${init}`);
}

/** The threads of a process whose kernel stack holds the given function. */
function waitingThreads(pid: number, fn: string): number[] {
  return fs.readdirSync(`/proc/${pid}/task`).map(Number).filter((tid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/task/${tid}/stack`, 'utf8').includes(fn);
    } catch {
      return false;
    }
  });
}

const lines = (file: string): number => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').length - 1 : 0);

describe('H1: descriptors passed to a notify socket cannot freeze PID 1', () => {
  it('after nobody passes 300 lingering TCP sockets: ctl answers, Restart=always restarts, barriers work, SIGTERM ends PID 1', async () => {
    const tmp = tempDir('sec-h1-');
    const socket = path.join(tmp, 'ctl.sock');
    const ticks = path.join(tmp, 'ticks');
    const go = path.join(tmp, 'go');
    const { run, init } = await boot(
      {
        'web.service': '[Service]\nType=notify\nTimeoutStartSec=infinity\nExecStart=/bin/sleep 1000\n',
        'tick.service': `[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart=/bin/sh -c 'echo tick >> ${ticks}; sleep 0.2'\nRestart=always\nRestartSec=100ms\nRestartMaxDelaySec=100ms\n`,
        // systemd-notify --ready waits for the barrier (a pipe passed along): it fails if the pipe is never closed.
        'late.service': `[Service]\nType=notify\nNotifyAccess=all\nTimeoutStartSec=20\nExecStart=/bin/sh -c 'while [ ! -e ${go} ]; do sleep 0.1; done; systemd-notify --ready && exec sleep 1000'\n`,
      },
      socket,
    );
    const sock = `/proc/${init}/root/run/ts-init/notify/web.service.sock`;
    expect(await until(() => fs.existsSync(sock), 5000)).toBe(true);

    const attacker = asNobodyInside(init, 'lingering-fds.py', ['/run/ts-init/notify/web.service.sock', '300', '50']);
    expect(await until(() => /passed 300 lingering sockets/.test(attacker.out()), 10_000)).toBe(true);
    // The attack reached PID 1: one of its threads waits in the close, and it is not the main one.
    expect(await until(() => waitingThreads(init, 'sk_stream_wait_close').length > 0, 5000)).toBe(true);
    expect(waitingThreads(init, 'sk_stream_wait_close')).not.toContain(init);

    const status = await ctl(socket, ['status', 'tick.service']);
    expect(status.code).toBe(0);
    expect(status.ms).toBeLessThan(2000);
    const before = lines(ticks);
    await sleep(1500);
    const restarts = lines(ticks) - before;
    expect(restarts).toBeGreaterThanOrEqual(2);

    fs.writeFileSync(go, '');
    let late: string | undefined;
    for (let t = 0; t < 40 && late !== 'active'; t++, await sleep(200)) late = (await unitState(socket, 'late.service'))?.activeState;
    expect(late).toBe('active');

    const t0 = Date.now();
    process.kill(init, 'SIGTERM');
    const ended = await Promise.race([run.result.then(() => true), sleep(8000).then(() => false)]);
    expect(ended).toBe(true);
    const shutdownMs = Date.now() - t0;
    expect(shutdownMs).toBeLessThan(8000);
    console.log(`h1: ${JSON.stringify({ ctlStatusMs: status.ms, tickRunsIn1500Ms: restarts, shutdownMs })}`);
    attacker.child.kill('SIGKILL');
  }, 40_000);

  it('the same through an Accept=yes connection: PID 1 closing it after its instance ends does not wait', async () => {
    const tmp = tempDir('sec-h1-');
    const socket = path.join(tmp, 'ctl.sock');
    const { run, init } = await boot(
      {
        'drop.socket': '[Socket]\nListenStream=/run/drop.sock\nSocketMode=0666\nAccept=yes\n',
        // The instance never reads what its peer sent; PID 1 holds the connection's last reference once it ends.
        'drop@.service': '[Service]\nExecStart=/bin/sleep 0.5\n',
      },
      socket,
    );
    expect(await until(() => fs.existsSync(`/proc/${init}/root/run/drop.sock`), 5000)).toBe(true);
    const attacker = asNobodyInside(init, 'lingering-fds.py', ['stream:/run/drop.sock', '100', '50', 'hello']);
    expect(await until(() => /passed 100 lingering sockets/.test(attacker.out()), 10_000)).toBe(true);
    expect(await until(() => waitingThreads(init, 'sk_stream_wait_close').length > 0, 5000)).toBe(true);
    expect(waitingThreads(init, 'sk_stream_wait_close')).not.toContain(init);
    const status = await ctl(socket, ['status', 'drop.socket']);
    expect(status.code).toBe(0);
    expect(status.ms).toBeLessThan(2000);
    process.kill(init, 'SIGTERM');
    expect(await Promise.race([run.result.then(() => true), sleep(8000).then(() => false)])).toBe(true);
  }, 30_000);

  it('the same through a pending connection: PID 1 closing the socket unit\'s socket does not wait', async () => {
    const tmp = tempDir('sec-h1-');
    const socket = path.join(tmp, 'ctl.sock');
    const { run, init } = await boot(
      {
        'hold.socket': '[Socket]\nListenStream=/run/hold.sock\nSocketMode=0666\n',
        // Started by the connection, it never accepts it; once it is gone PID 1 holds the socket's last reference.
        'hold.service': '[Service]\nExecStart=/bin/sleep 1000\n',
      },
      socket,
    );
    expect(await until(() => fs.existsSync(`/proc/${init}/root/run/hold.sock`), 5000)).toBe(true);
    const attacker = asNobodyInside(init, 'lingering-fds.py', ['stream:/run/hold.sock', '100', '50', 'hello']);
    expect(await until(() => /passed 100 lingering sockets/.test(attacker.out()), 10_000)).toBe(true);
    void ctl(socket, ['stop', 'hold.service', 'hold.socket'], 3000);
    expect(await until(() => waitingThreads(init, 'sk_stream_wait_close').length > 0, 5000)).toBe(true);
    expect(waitingThreads(init, 'sk_stream_wait_close')).not.toContain(init);
    const status = await ctl(socket, ['status', 'hold.socket']);
    expect(status.code).toBe(0);
    expect(status.ms).toBeLessThan(2000);
    process.kill(init, 'SIGTERM');
    expect(await Promise.race([run.result.then(() => true), sleep(8000).then(() => false)])).toBe(true);
  }, 30_000);
});

describe('M1: MAINPID= from an unprivileged main process', () => {
  it('cannot point the unit at another unit\'s root process: stopping it leaves the victim alone', async () => {
    const tmp = tempDir('sec-m1-');
    const socket = path.join(tmp, 'ctl.sock');
    const evil =
      "import os,socket,time; v=open('/run/victim.pid').read().strip(); s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM); " +
      "s.sendto(('READY=1'+chr(10)+'MAINPID='+v).encode(), os.environ['NOTIFY_SOCKET']); time.sleep(1000)";
    const { init } = await boot(
      {
        'victim.service': "[Service]\nExecStart=/bin/sh -c 'echo $$$$ > /run/victim.pid; exec sleep 1000'\n",
        'web.service': `[Unit]\nAfter=victim.service\n[Service]\nType=notify\nUser=nobody\nTimeoutStartSec=5\nExecStartPre=/bin/sleep 0.3\nExecStart=/usr/bin/python3 -c "${evil}"\n`,
      },
      socket,
    );
    let victim: number | undefined;
    let web: { activeState: string; mainPid?: number } | undefined;
    for (let t = 0; t < 100 && (victim === undefined || web?.activeState !== 'active'); t++, await sleep(50)) {
      victim = (await unitState(socket, 'victim.service'))?.mainPid;
      web = await unitState(socket, 'web.service');
    }
    expect(web?.activeState).toBe('active');
    expect(victim).toBeDefined();
    expect(web?.mainPid).not.toBe(victim);

    expect((await ctl(socket, ['stop', 'web.service'])).code).toBe(0);
    await sleep(300);
    expect(await unitState(socket, 'victim.service')).toMatchObject({ activeState: 'active', mainPid: victim });
    expect(() => process.kill(victimHostPid(init, victim!), 0)).not.toThrow();
  }, 30_000);
});

describe('L1: refused notify datagrams do not make PID 1 write without bound', () => {
  it('a flood from nobody outside the unit is not logged; one from inside the unit is rate-limited', async () => {
    const tmp = tempDir('sec-l1-');
    const socket = path.join(tmp, 'ctl.sock');
    const floodPy = path.join(FIXTURES, 'notify/flood.py');
    const { run, init } = await boot(
      {
        'web.service': '[Service]\nType=notify\nTimeoutStartSec=infinity\nExecStart=/bin/sleep 1000\n',
        // NotifyAccess=main: the flooding child is the unit's own, and refused.
        'chatty.service': `[Service]\nType=notify\nUser=nobody\nTimeoutStartSec=infinity\nExecStart=/bin/sh -c '/usr/bin/python3 ${floodPy} 1.5; exec sleep 1000'\n`,
      },
      socket,
    );
    expect(await until(() => fs.existsSync(`/proc/${init}/root/run/ts-init/notify/web.service.sock`), 5000)).toBe(true);
    const outsider = asNobodyInside(init, 'flood.py', ['1.5', '/run/ts-init/notify/web.service.sock']);
    expect(await until(() => /sent \d+/.test(outsider.out()), 10_000)).toBe(true);
    const sent = Number(/sent (\d+)/.exec(outsider.out())![1]);
    expect(sent).toBeGreaterThan(100);
    await sleep(1000);
    const err = run.stderr();
    expect(err.split('\n').filter((l) => l.includes('web.service') && /notification message|cannot find unit/.test(l))).toEqual([]);
    const chatty = err.split('\n').filter((l) => l.includes('chatty.service') && /notification message/.test(l));
    expect(chatty.length).toBeGreaterThan(0);
    expect(chatty.length).toBeLessThanOrEqual(5);
    expect(err.length).toBeLessThan(20_000);
    console.log(`l1: ${JSON.stringify({ outsiderSent: sent, unitWarnings: chatty.length, stderrBytes: err.length })}`);
  }, 30_000);
});
