// SIGPIPE that ts-init raises by its own writes stays with ts-init (the write fails
// with EPIPE); a SIGPIPE sent to PID 1 is still forwarded to the CMD like any signal.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pid1HostPid, sleep, startAsPid1 } from '../helpers/ts-init';
import { unitDir } from '../helpers/units';
import { tempDir } from '../helpers/temp-dir';

const TRAP_PIPE = `trap 'echo CMD-GOT-SIGPIPE' PIPE; i=0; while [ $i -lt 30 ]; do sleep 0.1; i=$((i+1)); done; echo cmd-done`;

describe('self-raised SIGPIPE', () => {
  it("stdout's reader going away (ts-init | head -1) neither reaches the CMD nor ends PID 1", async () => {
    const dir = unitDir({ 'spam.service': `[Service]\nExecStart=/bin/sh -c 'while :; do echo spam spam spam; done'\n` });
    const run = startAsPid1(['--units', dir, '--', '/bin/sh', '-c', `${TRAP_PIPE} >&2`]);
    await run.waitFor(/spam/);
    run.child.stdout!.destroy(); // like head -1: the read end is closed
    const r = await run.result;
    expect(r.stderr).toContain('cmd-done');
    expect(r.stderr).not.toContain('CMD-GOT-SIGPIPE');
    expect(r.code).toBe(0);
  });

  it('control clients that close before reading their replies do not signal the CMD', async () => {
    const tmp = tempDir('pipe-ctl-');
    const sock = path.join(tmp, 'ctl.sock');
    const dir = unitDir({ 'idle.service': `[Service]\nExecStart=/bin/sleep 1000\n` });
    const run = startAsPid1(['--control-socket', sock, '--units', dir, '--', '/bin/sh', '-c', TRAP_PIPE]);
    for (let t = 0; t < 100 && !fs.existsSync(sock); t++) await sleep(50);
    const req = `${JSON.stringify({ v: 1, id: 1, verb: 'status' })}\n`.repeat(2000);
    for (let i = 0; i < 20; i++) {
      const c = net.createConnection(sock);
      c.on('error', () => undefined);
      c.on('connect', () => c.write(req));
      c.pause(); // never read: the replies fill the socket, then the client is gone
      await sleep(150);
      c.destroy();
    }
    const r = await run.result;
    expect(r.stdout).toContain('cmd-done');
    expect(r.stdout).not.toContain('CMD-GOT-SIGPIPE');
    expect(r.code).toBe(0);
  });

  it('a prestart hook that exits without reading its stdin does not signal anything', async () => {
    // Large annotations make the state on stdin larger than a pipe holds.
    const env = { ...process.env, TS_INIT_ANNOTATION_BIG: 'x'.repeat(100_000) };
    const run = startAsPid1(['--initcmd', 'true', '--', '/bin/sh', '-c', TRAP_PIPE], { env });
    const r = await run.result;
    expect(r.stdout).not.toContain('CMD-GOT-SIGPIPE');
    expect(r.stdout).toContain('cmd-done');
    expect(r.code).toBe(0);
  });

  it('a SIGPIPE sent to PID 1 is forwarded to the CMD', async () => {
    const run = startAsPid1(['--', '/bin/sh', '-c', TRAP_PIPE]);
    const host = await pid1HostPid(run.child.pid!);
    await sleep(500);
    process.kill(host, 'SIGPIPE');
    const r = await run.result;
    expect(r.stdout).toContain('CMD-GOT-SIGPIPE');
    expect(r.code).toBe(0);
  });
});
