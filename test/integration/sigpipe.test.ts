// SIGPIPE and ts-init's own writes: a prestart hook that exits without reading its
// stdin makes ts-init's write of the state fail with EPIPE, and the kernel sends
// ts-init SIGPIPE for it. That signal is ts-init's own: the CMD must never get it.
// A SIGPIPE someone else sends is still forwarded, as tini does.
import { describe, expect, it } from 'vitest';
import { pid1HostPid, runAsPid1, startAsPid1 } from '../helpers/ts-init';

describe('SIGPIPE', () => {
  it('a prestart hook that does not read its stdin does not kill the CMD', async () => {
    // A state larger than a pipe's buffer makes the write outlive the hook every time.
    const big = 'x'.repeat(60_000);
    const env = { ...process.env, TS_INIT_ANNOTATION_A: big, TS_INIT_ANNOTATION_B: big, TS_INIT_ANNOTATION_C: big };
    for (let i = 0; i < 3; i++) {
      const r = await runAsPid1(['--no-units', '--initcmd', 'true', '--', '/bin/sh', '-c', 'sleep 0.3; echo done'], { env });
      expect({ code: r.code, signal: r.signal, out: r.stdout }).toEqual({ code: 0, signal: null, out: 'done\n' });
    }
  });

  it('a SIGPIPE sent to PID 1 still reaches the CMD', async () => {
    const run = startAsPid1(['--no-units', '--', '/bin/sh', '-c', 'echo ready; sleep 30']);
    await run.waitFor(/ready/);
    process.kill(await pid1HostPid(run.child.pid!), 'SIGPIPE');
    const r = await run.result;
    expect(r.code).toBe(141);
  });
});
