// Shutdown is bounded in every step: a stdout that nobody reads, a unit caught in
// ExecStopPost= when the CMD exits.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ISOLATE_MOUNTS, TS_INIT } from '../helpers/ts-init';
import { unitDir } from '../helpers/units';

describe('bounded shutdown', () => {
  it('stdout piped into a reader that never reads: ts-init still exits promptly with the CMD status', async () => {
    const dir = unitDir({ 'spam.service': `[Service]\nExecStart=/bin/sh -c 'while :; do echo spam spam spam spam spam spam; done'\n` });
    const t0 = Date.now();
    const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', '--propagation', 'private', '/bin/sh', '-c', `${ISOLATE_MOUNTS} && exec "$0" "$@"`,
      TS_INIT, '--grace', '2', '--units', dir, '--', '/bin/sh', '-c', 'sleep 1; exit 5'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pause(); // never read: the pipe fills and stays full
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    const ms = Date.now() - t0;
    child.stdout.destroy();
    expect(code).toBe(5);
    expect(ms).toBeLessThan(10_000);
    expect(stderr).toMatch(/unit output lines not written: stdout is not being read/);
  });
});
