// ts-init installed as dumb-init, as PID 1 of a fresh PID namespace (PouchContainer's
// dumb-init rich mode): orphans are reaped, the child's status is the exit status, and
// nothing of ts-init's own shows; SIGTERM reaches the child's whole group.
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installAs } from '../helpers/peer-suites';
import { ISOLATE_MOUNTS, requireBinary, start, TS_INIT } from '../helpers/ts-init';
import { tempDir } from '../helpers/temp-dir';

let dir = '';
let dumbInit = '';

beforeAll(() => {
  requireBinary();
  dir = tempDir('ts-init-dumb-init-');
  dumbInit = installAs(TS_INIT, dir, 'dumb-init');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function asPid1(args: string[]) {
  return start('unshare', ['--pid', '--fork', '--mount-proc', '--propagation', 'private', '/bin/sh', '-c', `${ISOLATE_MOUNTS} && exec "$0" "$@"`, dumbInit, ...args]);
}

describe('installed as dumb-init', () => {
  it('as PID 1: reaps orphans and exits with the child\'s status, saying nothing', async () => {
    const script = `for i in 1 2 3; do ( sleep 0.1 & ); done; sleep 0.5; ps -eo stat= | grep -c '^Z' || true; exit 7`;
    const r = await asPid1(['--', '/bin/sh', '-c', script]).result;
    expect(r.code).toBe(7);
    expect(r.stdout).toBe('0\n');
    expect(r.stderr).toBe('');
  });

  it('as PID 1 with -v: dumb-init\'s debug lines, one per orphan reaped', async () => {
    const r = await asPid1(['-v', '-c', '/bin/sh', '-c', '( sleep 0.1 & ); sleep 0.4']).result;
    expect(r.code).toBe(0);
    const child = r.stderr.match(/^\[dumb-init\] Child spawned with PID (\d+)\.\n/)?.[1];
    expect(child, r.stderr).toBeDefined();
    // The orphaned sleep, then the child itself.
    const ended = [...r.stderr.matchAll(/\[dumb-init\] A child with PID (\d+) exited with exit status 0\.\n/g)].map((m) => m[1]);
    expect(ended, r.stderr).toHaveLength(2);
    expect(ended[0]).not.toBe(child);
    expect(ended[1]).toBe(child);
    expect(r.stderr).toMatch(/\[dumb-init\] Child exited with status 0\. Goodbye\.\n$/);
  });

  it('SIGTERM goes to the child\'s group: 143, and the group\'s other member heard it', async () => {
    // Started directly (not PID 1), so the signal goes to dumb-init itself.
    const run = start(dumbInit, ['/bin/sh', '-c', `sh -c 'trap "echo member got TERM; exit 0" TERM; echo ready; while :; do sleep 0.1; done' & wait`]);
    await run.waitFor(/ready/);
    run.child.kill('SIGTERM');
    const r = await run.result;
    expect(r.code).toBe(143);
    expect(r.stdout).toMatch(/^ready\nmember got TERM\n/);
  });
});
