// PouchContainer's rich-container example, reproduced with podman (crun and runc) and ts-init as the
// image's init. Pouch documents `pouch run --rich --rich-mode <init> --initscript /tmp/test.sh`
// with an initscript `echo $(cat) > /tmp/xxx`: the prestart hook gets the container state on
// stdin. Here the same script runs under ts-init (flag form and `-e TS_INIT_INITSCRIPT=` form)
// in a Debian image whose own cron, ssh and rsyslog units are enabled, and the container is then
// inspected from inside: `ps` shows ts-init as PID 1 with the CMD as its child,
// `systemctl status cron` answers through the systemctl link, a login shell sees the container
// environment, a missing initscript stops everything with exit 120, `podman stop` gives 143.

import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RUNTIMES,
  ResourceTracker,
  buildImage,
  ensureContainerEnv,
  exec,
  inspect,
  logs,
  requireTsInit,
  runDetached,
  stop,
  wait,
  waitUntil,
  type Runtime,
} from '../helpers/container';
import { tempDir } from '../helpers/temp-dir';

const resources = new ResourceTracker();
const RUNTIME: Runtime = 'crun';

/** The initscript from Pouch's documentation, byte for byte. */
const POUCH_INITSCRIPT = '#!/bin/sh\necho $(cat) > /tmp/xxx\n';
const CMD = ['sleep', '1000'];
/** A value with the characters that break naive quoting: double quotes, `$`, spaces. */
const ODD_VALUE = 'odd "val" $x';

/** ENTRYPOINT ["/sbin/ts-init", "--initscript", "/tmp/test.sh", "--"]: Pouch's command line. */
let flagImage = '';
/** ENTRYPOINT ["/sbin/ts-init", "--"]: configured only through the container environment. */
let envImage = '';

beforeAll(async () => {
  requireTsInit();
  await ensureContainerEnv();
  const common = {
    base: 'debian' as const,
    files: {
      '/tmp/test.sh': { content: POUCH_INITSCRIPT, mode: 0o755 },
      // Proves "nothing started" when the initscript is missing: it would leave a mark in /out.
      '/etc/ts-init/units/marker.service':
        '[Unit]\nDescription=Leaves a mark when started\n[Service]\nType=oneshot\nRemainAfterExit=yes\n' +
        'ExecStart=/bin/sh -c "mkdir -p /out && touch /out/unit-started"\n',
    },
    run: ['ln -s /sbin/ts-init /usr/bin/systemctl'],
    cmd: CMD,
  };
  [flagImage, envImage] = await Promise.all([
    buildImage({ ...common, entrypoint: ['/sbin/ts-init', '--initscript', '/tmp/test.sh', '--'] }).then((i) => resources.image(i)),
    buildImage({ ...common, entrypoint: ['/sbin/ts-init', '--'] }).then((i) => resources.image(i)),
  ]);
});

afterAll(async () => {
  await resources.cleanup();
});

interface PsRow {
  pid: number;
  ppid: number;
  comm: string;
}

function parsePs(text: string): PsRow[] {
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .map(([pid, ppid, comm]) => ({ pid: Number(pid), ppid: Number(ppid), comm: comm! }));
}

/** Waits until the units ts-init reads from the image's systemd directories are up. */
async function waitForUnits(name: string, runtime: Runtime): Promise<void> {
  await waitUntil(
    async () => (await exec(name, ['systemctl', 'is-active', 'cron', 'ssh', 'rsyslog'], { runtime })).stdout === 'active\nactive\nactive\n',
    20_000,
    'cron, ssh and rsyslog to be active',
    200,
  ).catch(async (err: Error) => {
    throw new Error(`${err.message}\nlogs:\n${await logs(name)}`);
  });
}

const VARIANTS = RUNTIMES.flatMap((runtime) => [
  { runtime, how: 'ENTRYPOINT ts-init --initscript /tmp/test.sh --', image: () => flagImage, env: {} as Record<string, string> },
  { runtime, how: 'ENTRYPOINT ts-init -- with -e TS_INIT_INITSCRIPT=/tmp/test.sh', image: () => envImage, env: { TS_INIT_INITSCRIPT: '/tmp/test.sh' } },
]);

describe.each(VARIANTS)('Pouch rich-container example, podman + $runtime, $how', ({ runtime, image, env }) => {
  it('initscript gets the container state, ts-init is PID 1 with the CMD as child, systemctl and login env work, stop gives 143', async () => {
    const name = resources.container(
      await runDetached(image(), { runtime, env: { ...env, SOMEVAR: ODD_VALUE } }),
    );
    await waitForUnits(name, runtime);

    // The initscript wrote what it read on stdin: the OCI state document, as Pouch's hook got it.
    const xxx = await exec(name, ['cat', '/tmp/xxx'], { runtime });
    expect(xxx.code, xxx.stderr).toBe(0);
    const state = JSON.parse(xxx.stdout) as Record<string, unknown>;
    const hostname = (await exec(name, ['hostname'], { runtime, check: true })).stdout.trim();
    const id = await inspect(name, '{{.Id}}');
    expect(hostname).toBe(id.slice(0, 12)); // podman's default hostname: the short container id
    expect(state).toEqual({
      ociVersion: '1.0.2',
      id: hostname,
      status: 'creating',
      pid: 1,
      bundle: '/',
      annotations: { 'org.opencontainers.container.manager': 'podman' },
    });

    // ps inside: PID 1 is ts-init (named init, as it says it is systemd: docs/systemd-identity.md), the CMD is its child.
    const ps = await exec(name, ['ps', '-eo', 'pid,ppid,comm'], { runtime });
    expect(ps.code, ps.stderr).toBe(0);
    const rows = parsePs(ps.stdout);
    expect(rows.find((r) => r.pid === 1), ps.stdout).toEqual({ pid: 1, ppid: 0, comm: 'init' });
    expect((await exec(name, ['ps', '-o', 'args=', '-p', '1'], { runtime })).stdout).toMatch(/^\/sbin\/ts-init /);
    const sleeps = rows.filter((r) => r.comm === 'sleep');
    expect(sleeps, ps.stdout).toHaveLength(1);
    expect(sleeps[0]!.ppid, ps.stdout).toBe(1);
    // The daemons are ts-init's children too (cron, sshd, rsyslogd run in the foreground).
    for (const daemon of ['cron', 'sshd', 'rsyslogd']) {
      expect(rows.find((r) => r.comm === daemon)?.ppid, `${daemon} in\n${ps.stdout}`).toBe(1);
    }

    // systemctl through the /usr/bin/systemctl -> /sbin/ts-init link.
    const status = await exec(name, ['systemctl', 'status', 'cron'], { runtime });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^● cron\.service - Regular background program processing daemon\n/);
    expect(status.stdout).toMatch(/^\s+Loaded: loaded \(\/lib\/systemd\/system\/cron\.service; enabled\)$/m);
    expect(status.stdout).toMatch(/^\s+Active: active \(running\) since /m);
    const cronPid = rows.find((r) => r.comm === 'cron')!.pid;
    expect(status.stdout).toMatch(new RegExp(`^\\s+Main PID: ${cronPid}$`, 'm'));

    // A login shell sees the container environment (podman exec passes it anyway) ...
    const login = await exec(name, ['bash', '-lc', 'echo $SOMEVAR'], { runtime });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toBe(`${ODD_VALUE}\n`);
    // ... and gets it from /etc/profile.d/ts-init-env.sh alone, with an emptied environment
    // (as an ssh session would start).
    const clean = await exec(name, ['env', '-i', '/bin/bash', '-lc', 'printf "%s|%s" "$SOMEVAR" "${TS_INIT_INITSCRIPT-unset}"'], {
      runtime,
    });
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toBe(`${ODD_VALUE}|${env.TS_INIT_INITSCRIPT ?? 'unset'}`);
    const control = await exec(name, ['env', '-i', '/bin/bash', '-c', 'printf "%s" "${SOMEVAR-unset}"'], { runtime });
    expect(control.stdout, 'a non-login shell with an empty environment has no SOMEVAR').toBe('unset');

    // podman stop: SIGTERM to ts-init, forwarded to the CMD, which dies of it.
    const stopped = await stop(name, 10, { runtime });
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.elapsedMs).toBeLessThan(8_000);
    expect(await wait(name, { runtime })).toBe(143);
    expect(await inspect(name, '{{.State.ExitCode}}')).toBe('143');
  }, 90_000);
});

describe('a missing initscript', () => {
  it.each([
    { how: '--initscript flag', entrypoint: ['/sbin/ts-init', '--initscript', '/tmp/missing.sh', '--'], env: {} as Record<string, string> },
    { how: 'TS_INIT_INITSCRIPT', entrypoint: ['/sbin/ts-init', '--'], env: { TS_INIT_INITSCRIPT: '/tmp/missing.sh' } as Record<string, string> },
  ])('via $how: exit 120 with a clear message, no unit and no CMD started', async ({ entrypoint, env }) => {
    const out = tempDir('ts-init-rich-');
    try {
      const name = resources.container(
        await runDetached(envImage, {
          runtime: RUNTIME,
          entrypoint,
          env,
          cmd: ['/bin/sh', '-c', 'touch /out/cmd-started; echo cmd-started; exec sleep 1000'],
          args: ['-v', `${out}:/out`],
        }),
      );
      expect(await wait(name, { runtime: RUNTIME, timeoutMs: 30_000 })).toBe(120);
      const text = await logs(name);
      expect(text).toMatch(/initscript \/tmp\/missing\.sh does not exist in the container's filesystem/);
      expect(text).not.toMatch(/cmd-started|\.service/);
      expect(fs.readdirSync(out)).toEqual([]);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);

  it('the marker unit and CMD do leave their marks when the initscript exists (control)', async () => {
    const out = tempDir('ts-init-rich-');
    try {
      const name = resources.container(
        await runDetached(flagImage, {
          runtime: RUNTIME,
          cmd: ['/bin/sh', '-c', 'touch /out/cmd-started; echo cmd-started'],
          args: ['-v', `${out}:/out`],
        }),
      );
      expect(await wait(name, { runtime: RUNTIME, timeoutMs: 30_000 })).toBe(0);
      expect(fs.readdirSync(out).sort()).toEqual(['cmd-started', 'unit-started']);
      expect(await logs(name)).toMatch(/cmd-started/);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
