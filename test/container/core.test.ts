// The core init in real containers (podman with crun and runc): ts-init as the image's
// ENTRYPOINT and as podman's --init binary must reap orphaned zombies, turn `podman stop`'s
// SIGTERM into the child's death and exit 143, and pass the CMD's exit status through
// (128+N for a CMD killed by signal N).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RUNTIMES,
  ResourceTracker,
  type Runtime,
  buildImage,
  containerPid,
  ensureContainerEnv,
  exec,
  inspect,
  logs,
  processesOfPid1,
  requireTsInit,
  runDetached,
  stop,
  wait,
  waitUntil,
  zombies,
} from '../helpers/container';

const resources = new ResourceTracker();
/** ENTRYPOINT ["/sbin/ts-init", "--"], CMD sleep 1000. */
let entrypointImage = '';
/** No ENTRYPOINT (for `podman run --init --init-path=dist/ts-init`), CMD sleep 1000. */
let plainImage = '';

const ORPHANS = 3;
const RELEASE = '/tmp/release-orphans';
// Spawns ORPHANS processes whose parents exit at once, so they are reparented to PID 1; they
// live until RELEASE exists. Then execs a long sleep as the CMD's main process.
const ORPHAN_SCRIPT =
  `i=0; while [ $i -lt ${ORPHANS} ]; do ` +
  `(sh -c 'while [ ! -e ${RELEASE} ]; do sleep 0.1; done' &); i=$((i+1)); done; exec sleep 1000`;

/** Host-side children of PID 1 that are the orphans spawned by ORPHAN_SCRIPT. */
function orphansOf(pid1: number) {
  return processesOfPid1(pid1).filter((p) => p.ppid === pid1 && p.cmdline[2]?.startsWith('while '));
}

beforeAll(async () => {
  requireTsInit();
  await ensureContainerEnv();
  entrypointImage = resources.image(
    await buildImage({ base: 'small', entrypoint: ['/sbin/ts-init', '--'], cmd: ['sleep', '1000'] }),
  );
  plainImage = resources.image(await buildImage({ base: 'small', cmd: ['sleep', '1000'] }));
});

afterAll(async () => {
  await resources.cleanup();
});

type Mode = 'entrypoint' | 'init-path';
const MODES: Mode[] = ['entrypoint', 'init-path'];

function start(mode: Mode, runtime: Runtime, cmd: string[]): Promise<string> {
  return mode === 'entrypoint'
    ? runDetached(entrypointImage, { runtime, cmd })
    : runDetached(plainImage, { runtime, cmd, init: true });
}

/** Runs a container to its end and returns the status `podman wait` reports. */
async function exitStatusOf(mode: Mode, runtime: Runtime, cmd: string[]): Promise<number> {
  const name = resources.container(await start(mode, runtime, cmd));
  return wait(name, { runtime, timeoutMs: 60_000 });
}

describe.each(RUNTIMES)('podman + %s', (runtime) => {
  describe.each(MODES)('ts-init via %s', (mode) => {
    it('reaps orphaned zombies and exits 143 on podman stop', async () => {
      const name = resources.container(await start(mode, runtime, ['sh', '-c', ORPHAN_SCRIPT]));
      const pid1 = await containerPid(name);
      expect(pid1, 'container PID 1 on the host').toBeGreaterThan(0);

      // PID 1 must be ts-init itself (podman's --init runs it as /run/podman-init).
      const init = processesOfPid1(pid1).find((p) => p.pid === pid1)!;
      expect(init.cmdline[0]).toBe(mode === 'entrypoint' ? '/sbin/ts-init' : '/run/podman-init');

      // The orphans are reparented to PID 1.
      await waitUntil(() => orphansOf(pid1).length === ORPHANS, 30_000, `${ORPHANS} orphans reparented to PID 1`);
      // Once they exit, PID 1 reaps them: only the main child is left and nothing is a zombie.
      const released = await exec(name, ['touch', RELEASE], { runtime });
      expect(released.code, released.stderr).toBe(0);
      const tree = await waitUntil(
        () => {
          const procs = processesOfPid1(pid1);
          const children = procs.filter((p) => p.ppid === pid1);
          return children.length === 1 && !procs.some((p) => p.state === 'Z') ? procs : undefined;
        },
        30_000,
        'the orphans to be reaped',
      ).catch(async (err: Error) => {
        throw new Error(`${err.message}\nprocesses: ${JSON.stringify(processesOfPid1(pid1))}\nlogs:\n${await logs(name)}`);
      });
      const main = tree.find((p) => p.ppid === pid1)!;
      expect(main.cmdline).toEqual(['sleep', '1000']);
      expect(main.state).not.toBe('Z');
      expect(await zombies(name)).toEqual([]);

      // podman stop: SIGTERM to ts-init, forwarded to the child, which dies of it: 128+15.
      // Well under the 10 s grace period, so it was not podman's SIGKILL that ended it:
      // timed to the container's end, not to the end of podman's own clean-up after it.
      const stopAsked = Date.now();
      const stopped = await stop(name, 10, { runtime });
      expect(stopped.code, stopped.stderr).toBe(0);
      const finished = Number(await inspect(name, '{{.State.FinishedAt.UnixMilli}}'));
      expect(finished - stopAsked).toBeLessThan(8_000);
      expect(await wait(name, { runtime })).toBe(143);
      expect(await inspect(name, '{{.State.ExitCode}}')).toBe('143');
      expect(await containerPid(name)).toBe(0);
    });

    it('passes the CMD exit status through (exit 42)', async () => {
      expect(await exitStatusOf(mode, runtime, ['sh', '-c', 'exit 42'])).toBe(42);
    });

    it('reports a CMD killed by a signal as 128+N', async () => {
      expect(await exitStatusOf(mode, runtime, ['sh', '-c', 'kill -KILL $$'])).toBe(128 + 9);
      expect(await exitStatusOf(mode, runtime, ['sh', '-c', 'kill -USR1 $$'])).toBe(128 + 10);
    });
  });
});

describe('a read-only root filesystem (podman run --read-only)', () => {
  it.each(MODES)('via %s: the FFI module loads from a writable place, quietly, and the status passes through', async (mode) => {
    // podman mounts /dev/shm noexec, and tmpfs on /run and /tmp; the image itself is read-only.
    const cmd = ['sh', '-c', 'touch /probe 2>/dev/null && exit 1; grep -q " /dev/shm .*noexec" /proc/mounts || exit 2; exit 42'];
    const name = resources.container(
      mode === 'entrypoint'
        ? await runDetached(entrypointImage, { runtime: 'crun', cmd, args: ['--read-only'] })
        : await runDetached(plainImage, { runtime: 'crun', cmd, init: true, args: ['--read-only'] }),
    );
    expect(await wait(name, { runtime: 'crun', timeoutMs: 60_000 })).toBe(42);
    const said = await logs(name);
    // podman's /run there is a 1777 tmpfs: the rich init (the entrypoint) makes it 0755, as
    // systemd's /run is, and says so in one line; as the engine's --init (tini) it says nothing.
    if (mode === 'entrypoint') expect(said).toMatch(/^\[WARN {2}ts-init\] \/run \(uid 0, mode 1777\) was writable by other users: made it 0755[^\n]*\n$/);
    else expect(said).toBe('');
  });
});

describe('the host-side zombie view', () => {
  it('sees the zombies a PID 1 that never reaps leaves behind (control without ts-init)', async () => {
    // `sleep` as PID 1 never calls wait(): the orphans stay zombies. This proves that the
    // zero-zombie checks above would see zombies if there were any.
    const name = resources.container(
      await runDetached(entrypointImage, { entrypoint: ['sh', '-c', ORPHAN_SCRIPT], cmd: [] }),
    );
    const pid1 = await containerPid(name);
    await waitUntil(() => orphansOf(pid1).length === ORPHANS, 30_000, `${ORPHANS} orphans reparented to PID 1`);
    expect((await exec(name, ['touch', RELEASE])).code).toBe(0);
    const found = await waitUntil(
      async () => {
        const z = await zombies(name);
        return z.length === ORPHANS ? z : undefined;
      },
      30_000,
      `${ORPHANS} zombies under a non-reaping PID 1`,
    );
    expect(found.every((p) => p.ppid === pid1)).toBe(true);
  });
});
