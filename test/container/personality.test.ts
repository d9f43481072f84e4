// The personality rule in real containers, on the Debian image whose packages enabled
// cron, rsyslog and ssh: as podman's `--init` ts-init is tini (no service starts, nothing
// is printed, no file is written), and starts the image's services only when the container
// asks (TS_INIT_RICH=1). Installed as /usr/bin/dumb-init, as PouchContainer's dumb-init
// rich mode launches it, it is dumb-init: `podman stop` reaches the CMD's whole process
// group and the container exits 143.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ResourceTracker,
  buildImage,
  containerProcesses,
  ensureContainerEnv,
  exec,
  logs,
  requireTsInit,
  runDetached,
  stop,
  wait,
  waitUntil,
} from '../helpers/container';

const resources = new ResourceTracker();
const DAEMONS = ['cron', 'rsyslogd', 'sshd'];
const FILES = ['/etc/profile.d/ts-init-env.sh', '/run/ts-init/env', '/run/ts-init.sock'];
let debianImage = '';
let ownUnitsImage = '';
let dumbInitImage = '';

beforeAll(async () => {
  requireTsInit();
  await ensureContainerEnv();
  // No ENTRYPOINT: `podman run --init` puts the init in front of the CMD.
  [debianImage, ownUnitsImage, dumbInitImage] = await Promise.all([
    buildImage({ base: 'debian', cmd: ['sleep', 'infinity'] }),
    buildImage({
      base: 'debian',
      files: { '/etc/ts-init/units/agent.service': '[Service]\nExecStart=/bin/sh -c "echo agent up; exec sleep infinity"\n' },
      cmd: ['sleep', 'infinity'],
    }),
    buildImage({
      base: 'small',
      run: ['cp /sbin/ts-init /usr/bin/dumb-init'],
      entrypoint: ['/usr/bin/dumb-init', '--'],
      // The CMD's child traps SIGTERM and says so: only a signal to the whole group reaches it.
      // The CMD, signalled with it, lets the child say so before it dies of the same signal
      // (dumb-init exits with its child, and the container with it, however slow the machine).
      cmd: ['/bin/sh', '-c', `trap 'wait; trap - TERM; kill -TERM $$' TERM; sh -c 'trap "echo child got TERM; exit 0" TERM; echo child ready; while :; do sleep 0.1; done' & wait`],
    }),
  ]);
  resources.image(debianImage);
  resources.image(ownUnitsImage);
  resources.image(dumbInitImage);
});

afterAll(async () => {
  await resources.cleanup();
});

async function daemonsIn(name: string): Promise<string[]> {
  return (await containerProcesses(name)).map((p) => p.comm).filter((c) => DAEMONS.includes(c)).sort();
}

async function present(name: string, files: string[]): Promise<string[]> {
  const r = await exec(name, ['sh', '-c', `for f in ${files.join(' ')}; do [ -e "$f" ] && echo "$f"; done; true`], { check: true });
  return r.stdout.split('\n').filter(Boolean);
}

describe('podman run --init --init-path=ts-init on a Debian image with cron, rsyslog and ssh', () => {
  it('starts no service, prints nothing and writes nothing', async () => {
    const name = resources.container(await runDetached(debianImage, { init: true }));
    // Long enough for units to have come up, were they started (they come up in well under a second).
    await new Promise((r) => setTimeout(r, 2000));
    expect(await daemonsIn(name)).toEqual([]);
    expect(await present(name, FILES)).toEqual([]);
    expect((await stop(name, 10)).code).toBe(0);
    expect(await wait(name)).toBe(143);
    expect(await logs(name)).toBe('');
  }, 120_000);

  it('with -v it says which personality and why', async () => {
    const name = resources.container(await runDetached(debianImage, { init: true, env: { TINI_VERBOSITY: '2' } }));
    const log = await waitUntil(async () => {
      const l = await logs(name);
      return /started command/.test(l) ? l : undefined;
    }, 20_000, 'the CMD to start');
    expect(log).toMatch(/personality: tini; started as podman-init \(the engine's --init or tini\): units only when asked for/);
    await stop(name, 10);
  }, 120_000);

  it('TS_INIT_RICH=1 starts the services the image enabled, and writes the environment files', async () => {
    const name = resources.container(await runDetached(debianImage, { init: true, env: { TS_INIT_RICH: '1' } }));
    await waitUntil(async () => (await daemonsIn(name)).length === 3, 30_000, 'cron, rsyslogd and sshd');
    expect(await daemonsIn(name)).toEqual(['cron', 'rsyslogd', 'sshd']);
    expect(await present(name, FILES)).toEqual(FILES);
    expect((await stop(name, 20)).code).toBe(0);
    expect(await wait(name)).toBe(143);
  }, 120_000);
});

describe('podman run --init on an image that ships /etc/ts-init/units', () => {
  it('runs those units, and not the ones the Debian packages enabled', async () => {
    const name = resources.container(await runDetached(ownUnitsImage, { init: true }));
    await waitUntil(async () => /agent\.service: agent up/.test(await logs(name)), 20_000, 'the agent unit');
    expect(await daemonsIn(name)).toEqual([]);
    expect((await stop(name, 10)).code).toBe(0);
    expect(await wait(name)).toBe(143);
  }, 120_000);
});

describe("PouchContainer's dumb-init launch: /usr/bin/dumb-init -- CMD with ts-init installed there", () => {
  it('podman stop reaches the whole process group of the CMD; exit 143', async () => {
    const name = resources.container(await runDetached(dumbInitImage));
    await waitUntil(async () => /child ready/.test(await logs(name)), 20_000, "the CMD's child to set its trap");
    const procs = await containerProcesses(name);
    expect(procs[0]!.comm).toBe('dumb-init');
    expect((await stop(name, 10)).code).toBe(0);
    expect(await wait(name)).toBe(143);
    // (busybox sh may add "Terminated" for the child's own sleep, which got the signal too.)
    expect((await logs(name)).split('\n').slice(0, 2)).toEqual(['child ready', 'child got TERM']);
  }, 120_000);
});
