// Which personality a run gets, seen from outside: PID 1 of a bare PID namespace on this
// machine's own root filesystem is not a container, so ts-init writes no environment files
// and serves no control socket unless asked (--rich); installed as tini it speaks tini's
// words. The namespace has private tmpfs over /run, /etc/profile.d and the unit directories.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { looksLikeHostRoot } from '../../src/personality/facts';
import { requireBinary, runAsPid1, start, TS_INIT } from '../helpers/ts-init';
import { tempDir } from '../helpers/temp-dir';

const LOOK = 'ls /etc/profile.d/ts-init-env.sh /run/ts-init/env /run/ts-init.sock 2>/dev/null; echo done';
let dir = '';
let tini = '';

beforeAll(() => {
  requireBinary();
  dir = tempDir('ts-init-personality-');
  tini = path.join(dir, 'tini');
  fs.symlinkSync(TS_INIT, tini);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// This suite normally runs on a machine's own root filesystem; run inside a container
// (an overlay root), the namespace is that container's and the rich init is right.
const onHostRoot = looksLikeHostRoot(fs.readFileSync('/proc/self/mountinfo', 'utf8'), process.env, fs.existsSync('/run/.containerenv'));

describe('PID 1 on the host root (not a container)', () => {
  it('writes no environment files and serves no socket, and -v says why', async () => {
    const r = await runAsPid1(['-v', '--', '/bin/sh', '-c', LOOK]);
    expect(r.code).toBe(0);
    if (onHostRoot) {
      expect(r.stdout).toBe('done\n');
      expect(r.stderr).toMatch(/personality: plain init \(no units\); started as ts-init, PID 1 of a PID namespace on the host's own root filesystem/);
    } else {
      expect(r.stdout).toBe('/etc/profile.d/ts-init-env.sh\n/run/ts-init.sock\n/run/ts-init/env\ndone\n');
      expect(r.stderr).toMatch(/personality: rich init; started as ts-init, PID 1 of a container/);
    }
  });

  it('--rich (or TS_INIT_RICH=1) turns the rich init on', async () => {
    for (const [args, env] of [[['--rich'], {}], [[], { TS_INIT_RICH: '1' }]] as const) {
      const r = await runAsPid1([...args, '-v', '--', '/bin/sh', '-c', LOOK], { env: { ...process.env, ...env } });
      expect(r.stdout).toBe('/etc/profile.d/ts-init-env.sh\n/run/ts-init.sock\n/run/ts-init/env\ndone\n');
      expect(r.stderr).toMatch(/personality: rich init; started as ts-init, --rich or TS_INIT_RICH=1/);
    }
  });

  it('is silent at the default verbosity', async () => {
    const r = await runAsPid1(['--', '/bin/true']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('installed as tini', () => {
  it('as PID 1: tini, nothing written, -w in tini\'s words', async () => {
    const script = `( sleep 0.1 & ); sleep 0.4; ${LOOK}`;
    const r = await new Promise<Awaited<ReturnType<typeof runAsPid1>>>((resolve) => {
      const run = start('unshare', ['--pid', '--fork', '--mount-proc', '--propagation', 'private', '/bin/sh', '-c',
        'mount -t tmpfs tmpfs /run && mkdir -p /etc/profile.d && mount -t tmpfs tmpfs /etc/profile.d && exec "$0" "$@"',
        tini, '-v', '-w', '--', '/bin/sh', '-c', script]);
      void run.result.then(resolve);
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('done\n');
    expect(r.stderr).toMatch(/personality: tini; started as tini \(the engine's --init or tini\)/);
    expect(r.stderr).toMatch(/^\[WARN {2}tini \(1\)\] Reaped zombie process with pid=\d+$/m);
  });

  it('not PID 1 and without -s: no subreaper, and tini 0.19\'s warning', async () => {
    const r = await start(tini, ['--', '/bin/sh', '-c', '( sleep 0.2 & echo $! >&3 ) 3>&1; sleep 0.05']).result;
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `[WARN  tini (${r.stderr.match(/\((\d+)\)/)![1]})] Tini is not running as PID 1 and isn't registered as a child subreaper.\n` +
        "Zombie processes will not be re-parented to Tini, so zombie reaping won't work.\n" +
        'To fix the problem, use the -s option or set the environment variable TINI_SUBREAPER to register Tini as a child subreaper, or run Tini as PID 1.\n',
    );
    expect((await start(tini, ['-s', '--', '/bin/true']).result).stderr).toBe('');
  });

  it('--version: the tini line docker info parses comes with the version', async () => {
    const r = await start(tini, ['--version']).result;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^tini version 0\.19\.0 - git\.\w+$/m);
  });
});
