// Signal forwarding: every forwardable signal sent to ts-init (PID 1) reaches the CMD,
// -g reaches the CMD's whole process group, and SIGUSR1 never opens an inspector.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, pid1HostPid, runAsPid1, startAsPid1 } from '../helpers/ts-init';

const CATCHER = path.join(FIXTURES, 'signal-catcher.py');
const FORWARDED: Array<[string, number]> = [
  ['SIGHUP', 1], ['SIGINT', 2], ['SIGQUIT', 3], ['SIGUSR1', 10], ['SIGUSR2', 12], ['SIGPIPE', 13],
  ['SIGALRM', 14], ['SIGTERM', 15], ['SIGSTKFLT', 16], ['SIGCONT', 18], ['SIGTSTP', 20], ['SIGTTIN', 21],
  ['SIGTTOU', 22], ['SIGURG', 23], ['SIGXCPU', 24], ['SIGXFSZ', 25], ['SIGVTALRM', 26], ['SIGPROF', 27],
  ['SIGWINCH', 28], ['SIGIO', 29], ['SIGPWR', 30],
  ['SIGRTMIN', 34], ['SIGRTMIN+1', 35], ['SIGRTMIN+10', 44], ['SIGRTMAX-1', 63], ['SIGRTMAX', 64],
];
const STOP = 44;

describe('signal forwarding', () => {
  it('each forwardable signal, classic and real-time, reaches the CMD', async () => {
    const run = startAsPid1(['--', CATCHER, ...FORWARDED.map(([, n]) => String(n))], {
      env: { ...process.env, STOP_SIGNAL: '0' },
    });
    await run.waitFor(/ready \d+/);
    const pid = await pid1HostPid(run.child.pid!);
    let seen = 0;
    for (const [name, num] of FORWARDED) {
      process.kill(pid, num);
      const re = new RegExp(`got ${num}\\n`, 'g');
      await run.waitFor(new RegExp(`(?:[\\s\\S]*got ${num}\\n){${(run.stdout().match(re)?.length ?? 0) + 1}}`)).catch(() => {
        throw new Error(`${name} (${num}) did not reach the CMD`);
      });
      seen++;
    }
    expect(seen).toBe(FORWARDED.length);
    process.kill(pid, 'SIGKILL');
    await run.result;
  });

  it('SIGRTMIN+3 (podman stop for systemd images) is a shutdown request: the CMD gets SIGTERM', async () => {
    const run = startAsPid1(['--', '/bin/sh', '-c', `trap 'echo got-term; exit 0' TERM; echo up; while :; do sleep 0.05; done`]);
    await run.waitFor(/up/);
    process.kill(await pid1HostPid(run.child.pid!), 37);
    await run.waitFor(/got-term/);
    expect((await run.result).code).toBe(0);
  });

  it('ends with the CMD when the forwarded signal kills it (SIGTERM -> 143)', async () => {
    const run = startAsPid1(['--', '/bin/sh', '-c', 'echo up; sleep 100 & wait']);
    await run.waitFor(/up/);
    process.kill(await pid1HostPid(run.child.pid!), 'SIGTERM');
    expect((await run.result).code).toBe(143);
  });

  it('SIGUSR1 is forwarded and does not open an inspector', async () => {
    const run = startAsPid1(['--', CATCHER, '10'], { env: { ...process.env, STOP_SIGNAL: String(STOP) } });
    await run.waitFor(/ready/);
    const pid = await pid1HostPid(run.child.pid!);
    process.kill(pid, 'SIGUSR1');
    await run.waitFor(/got 10/);
    process.kill(pid, STOP);
    const r = await run.result;
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/Debugger|inspector|9229/i);
  });

  it('without -g only the CMD gets the signal; with -g its whole group does', async () => {
    // The CMD is a shell whose background child is in the same process group.
    const script = `trap 'echo shell-got-usr2' USR2; ${CATCHER} 12 & wait; wait`;
    for (const group of [false, true]) {
      const run = startAsPid1([...(group ? ['-g'] : []), '--', '/bin/sh', '-c', script], {
        env: { ...process.env, STOP_SIGNAL: String(STOP) },
      });
      await run.waitFor(/ready/);
      const pid = await pid1HostPid(run.child.pid!);
      process.kill(pid, 'SIGUSR2');
      await run.waitFor(/shell-got-usr2/);
      if (group) await run.waitFor(/got 12/);
      else {
        await new Promise((r) => setTimeout(r, 300));
        expect(run.stdout()).not.toMatch(/got 12/);
      }
      process.kill(pid, 'SIGKILL');
      await run.result;
    }
  });

  it('TINI_KILL_PROCESS_GROUP works like -g', async () => {
    // The shell survives USR2, so the run does not end (and SIGTERM everything) before the catcher reports.
    const run = startAsPid1(['--', '/bin/sh', '-c', `trap 'echo shell-got-usr2' USR2; ${CATCHER} 12 & wait; wait`], {
      env: { ...process.env, TINI_KILL_PROCESS_GROUP: '1', STOP_SIGNAL: String(STOP) },
    });
    await run.waitFor(/ready/);
    const pid = await pid1HostPid(run.child.pid!);
    process.kill(pid, 'SIGUSR2');
    await run.waitFor(/got 12/);
    process.kill(pid, 'SIGKILL');
    await run.result;
  });
});

describe("the CMD's signal state", () => {
  it('starts with no signal blocked or ignored, and in its own session', async () => {
    const script = `grep -E '^Sig(Blk|Ign):' /proc/self/status; echo "sid=$(awk '{print $6}' /proc/self/stat) pid=$$"`;
    const r = await runAsPid1(['--', '/bin/sh', '-c', script]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^SigBlk:\s+0{16}$/m);
    expect(r.stdout).toMatch(/^SigIgn:\s+0{16}$/m);
    const [, sid, pid] = r.stdout.match(/sid=(\d+) pid=(\d+)/)!;
    expect(sid).toBe(pid);
  });
});
