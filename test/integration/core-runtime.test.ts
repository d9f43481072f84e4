// The executable's runtime stays ts-init's own: the container's NODE_* variables
// are for the CMD, and the embedded FFI module finds a place to load from.
import { describe, expect, it } from 'vitest';
import { PIN_BINARY, PINNED_TS_INIT, runAsPid1, runDirect, start } from '../helpers/ts-init';

describe('NODE_* variables belong to the CMD', () => {
  const appEnv = {
    NODE_OPTIONS: '--require=/nonexistent/preload.js --max-old-space-size=1',
    NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem',
    NODE_DEBUG: 'child_process,net,timer',
    NODE_DEBUG_NATIVE: 'SEA',
    NODE_PENDING_DEPRECATION: '1',
    NODE_V8_COVERAGE: '/nonexistent/coverage',
    NODE_NO_WARNINGS: '0',
  };

  it('do not change what ts-init does or prints, and reach the CMD unchanged', async () => {
    const script = Object.keys(appEnv).map((k) => `echo "${k}=$${k}"`).join('; ');
    const r = await runAsPid1(['--', '/bin/sh', '-c', script], { env: { ...process.env, ...appEnv } });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    for (const [k, v] of Object.entries(appEnv)) expect(r.stdout).toContain(`${k}=${v}\n`);
  });
});

describe("the CMD's stdio", () => {
  it('stays blocking after ts-init has logged (a pipe shared with the CMD is never made non-blocking)', async () => {
    // The orphan's warning is written as it is reaped, so once its /proc entry is gone
    // ts-init has logged; the flags are the pipes' (shared with ts-init), not the shell's own.
    const script =
      'o=$( (sleep 0.1 >/dev/null 2>&1 & echo $!) ); while [ -e /proc/$o ]; do sleep 0.05; done; sleep 0.2; ' +
      'for f in 1 2; do echo "fd$f $(awk \'$1 == "flags:" {print $2}\' /proc/self/fdinfo/$f)"; done';
    const r = await runAsPid1(['-w', '--', '/bin/sh', '-c', script]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Reaped zombie process with pid=\d+/);
    const flags = [...r.stdout.matchAll(/^fd(\d) ([0-7]+)$/gm)].map((m) => ({ fd: Number(m[1]), nonBlocking: (parseInt(m[2]!, 8) & 0o4000) !== 0 }));
    expect(flags).toEqual([{ fd: 1, nonBlocking: false }, { fd: 2, nonBlocking: false }]);
  });
});

describe('embedded FFI module', () => {
  // A private mount namespace where /dev/shm is noexec and /run read-only (Docker's
  // and a read-only root's situation): the module must still load, from /tmp. The
  // executable is pinned on /run before that becomes read-only, so a checkout under
  // /tmp stays runnable.
  const readOnlyRun = `mount -t tmpfs tmpfs /run && ${PIN_BINARY} && mount -o remount,ro /run`;
  const shell = (setup: string): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    start('unshare', ['--mount', '--propagation', 'private', '/bin/sh', '-c', `${setup}; exec ${PINNED_TS_INIT} -s -- /bin/sh -c 'echo ran'`]).result;

  it('falls back past a noexec /dev/shm and a read-only /run', async () => {
    // /dev noexec too: the host's /dev is root's and executable, and would take the module first.
    const r = await shell(`mount -t tmpfs -o noexec tmpfs /dev/shm && ${readOnlyRun} && mount -t tmpfs tmpfs /tmp && mount -t tmpfs -o noexec tmpfs /dev`);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ran\n');
    expect(r.code).toBe(0);
  });

  // Every tmpfs noexec or read-only: the module goes through a memory file that the
  // image's perl or python3 makes.
  const nowhere = `mount -t tmpfs -o noexec tmpfs /dev/shm && ${readOnlyRun} && mount -t tmpfs -o ro tmpfs /tmp && mount -t tmpfs -o noexec tmpfs /dev`;

  it('loads through a memory file when no mount can hold it', async () => {
    const r = await shell(nowhere);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ran\n');
  });

  it('gives a clear error when no place can hold it and no interpreter can make a memory file', async () => {
    const r = await shell(`mount --bind /dev/null /usr/bin/perl && mount --bind /dev/null /usr/bin/python3 && ${nowhere}`);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/cannot load the embedded FFI module: none of \/dev\/shm, \/run, \/tmp, \/dev is writable and executable, and neither perl nor python3/);
  });

  it('runs with no node, npm or node_modules around (a bare environment)', async () => {
    const r = await runDirect(['-s', '--', '/bin/sh', '-c', 'command -v node || echo no-node'], {
      env: { PATH: '/usr/bin:/bin' },
      cwd: '/',
    });
    expect(r.code).toBe(0);
  });
});

describe('process name', () => {
  it('is the executable name in ps, not the runtime main thread name', async () => {
    const r = await runAsPid1(['--', '/bin/sh', '-c', 'cat /proc/1/comm; ps -o comm= -p 1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ts-init\nts-init\n');
  });
});
