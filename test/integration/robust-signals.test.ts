// A flood of real-time signals to PID 1 while the CMD blocks them (its queue fills):
// PID 1 forwards what it can, never throws on a signal it cannot deliver, and the
// CMD's end is seen on time.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { pid1HostPid, sleep, startAsPid1 } from '../helpers/ts-init';

describe('real-time signal flood', () => {
  it('a full signal queue in the CMD does not stall PID 1', async () => {
    // The CMD's own RLIMIT_SIGPENDING is small, so its queue fills without touching the machine's.
    const cmd = `import signal,time; signal.pthread_sigmask(signal.SIG_BLOCK, range(34, 65)); time.sleep(3)`;
    const run = startAsPid1(['--', '/usr/bin/prlimit', '--sigpending=16', '/usr/bin/python3', '-c', cmd]);
    const host = await pid1HostPid(run.child.pid!);
    await sleep(500);
    const sent = Number(
      execFileSync('/usr/bin/python3', ['-c', `import os,time
n=0; end=time.time()+1.5
while time.time()<end:
    try: os.kill(${host}, 36); n+=1
    except OSError: time.sleep(0.001)
print(n)`]).toString(),
    );
    const r = await run.result;
    expect(sent).toBeGreaterThan(1000);
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(6000);
    expect(r.stderr.split('\n').filter((l) => l.includes('signals not delivered so far')).length).toBeLessThanOrEqual(4);
    expect(r.stderr).not.toMatch(/internal error/);
  });
});
