// Docker 20.10 (Debian's docker.io) with a private dockerd: ts-init as `--init`
// (daemon init-path) and as the runtime `ts-init` (the wrapper of the Debian package,
// unpacked into a private folder), rich mode asked for with -e TS_INIT_RICH=1 since
// this Docker passes no annotations to the runtime. About 30 s (the image import is cached).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, ensureContainerEnv, runCommand, uniqueName, waitUntil } from '../helpers/container';
import { docker, ENGINES_CACHE, fileId, stateDir, startDockerd, unpackDeb, type Daemon, type UnpackedDeb } from '../helpers/engines';

let d: Daemon;
let deb: UnpackedDeb;
let dir = '';
let image = '';
const containers: string[] = [];
const RICH = ['--runtime', 'ts-init', '-e', 'TS_INIT_RICH=1'];

function name(): string {
  const n = uniqueName('ts-init-test-docker');
  containers.push(n);
  return n;
}

async function pid1(c: string): Promise<number> {
  return Number((await docker(d, ['inspect', '--format', '{{.State.Pid}}', c])).stdout.trim());
}

function cmdline(pid: number): string[] {
  return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

/** PID 1's arguments once the runtime's init has exec'd it (`run -d` can return just before). */
function execed(pid: number, first: string): Promise<string[]> {
  return waitUntil(() => cmdline(pid)[0] === first && cmdline(pid), 5_000, `${first} to run`);
}

beforeAll(async () => {
  await ensureContainerEnv(); // the cached Debian tree
  dir = stateDir('docker');
  deb = await unpackDeb(dir);
  // Images are cached in a data-root that outlives the run; everything else is private to it.
  d = await startDockerd(dir, {
    initPath: deb.binary,
    runtimes: { 'ts-init': path.join(deb.libexec, 'ts-init-runtime') },
    dataRoot: path.join(ENGINES_CACHE, 'docker-data'),
  });
  const marker = fs.readFileSync(path.join(REPO_ROOT, '.cache/rootfs/debian.ready'), 'utf8').trim();
  image = `ts-init-engines-debian:${marker}`;
  if ((await docker(d, ['image', 'inspect', image])).code !== 0) {
    const r = await runCommand('bash', ['-c', `tar --numeric-owner -C .cache/rootfs/debian -c . | ${'/usr/bin/docker'} import --change 'CMD ["/bin/bash"]' - ${image}`], { env: d.env, timeoutMs: 300_000 });
    if (r.code !== 0) throw new Error(`docker import failed: ${r.stderr}`);
  }
});

afterAll(async () => {
  if (d) {
    if (containers.length) await docker(d, ['rm', '-f', ...containers]);
    await d.stop();
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('Docker', () => {
  it('docker info shows ts-init as the init, with its commit', async () => {
    const info = JSON.parse((await docker(d, ['info', '--format', '{{json .InitCommit}}'])).stdout) as { ID: string };
    const version = (await runCommand(deb.binary, ['--version'])).stdout.trim().split('\n').pop()!;
    const commit = /git\.([0-9a-z]+)$/.exec(version)![1];
    expect(info.ID).toBe(commit);
    expect((await docker(d, ['info'])).stdout).toMatch(new RegExp(`init version: ${commit}\\b`));
  });

  it('--init runs the host binary as /sbin/docker-init', async () => {
    const c = name();
    expect((await docker(d, ['run', '-d', '--name', c, '--init', image, 'sleep', '1000'])).code).toBe(0);
    const pid = await pid1(c);
    expect(await execed(pid, '/sbin/docker-init')).toEqual(['/sbin/docker-init', '--', 'sleep', '1000']);
    expect(fileId(`/proc/${pid}/exe`)).toBe(fileId(deb.binary));
    // Stopped once the CMD runs: a SIGTERM before PID 1 has its handlers is dropped by the kernel.
    await waitUntil(async () => /sleep/.test((await docker(d, ['exec', c, 'ps', '-e', '-o', 'comm'])).stdout), 20_000, 'the CMD');
    const stop = await docker(d, ['stop', '-t', '10', c]);
    expect(stop.code).toBe(0);
    expect((await docker(d, ['wait', c])).stdout.trim()).toBe('143');
  });

  it('--runtime ts-init -e TS_INIT_RICH=1: rich mode from the shared host binary, units up, stop gives 143', async () => {
    const [a, b] = [name(), name()];
    for (const c of [a, b]) expect((await docker(d, ['run', '-d', '--name', c, ...RICH, image, 'sleep', '1000'])).code).toBe(0);
    for (const c of [a, b]) {
      const pid = await pid1(c);
      expect(await execed(pid, '/sbin/ts-init')).toEqual(['/sbin/ts-init', '--rich', '--', 'sleep', '1000']);
      expect(fileId(`/proc/${pid}/exe`)).toBe(fileId(deb.binary));
    }
    await waitUntil(async () => /cron/.test((await docker(d, ['exec', a, 'ps', '-e', '-o', 'comm'])).stdout), 20_000, 'cron in the container');
    expect((await docker(d, ['stop', '-t', '10', a])).code).toBe(0);
    expect((await docker(d, ['wait', a])).stdout.trim()).toBe('143');
  });

  it('replaces --init under the wrapper; a container without TS_INIT_RICH is untouched', async () => {
    const both = await docker(d, ['run', '--rm', '--init', ...RICH, '-e', 'TS_INIT_NO_UNITS=1', image, 'sh', '-c', 'tr "\\0" " " < /proc/1/cmdline']);
    expect(both.stdout.trim()).toBe('/sbin/ts-init --rich -- sh -c tr "\\0" " " < /proc/1/cmdline');
    const plain = await docker(d, ['run', '--rm', '--runtime', 'ts-init', image, 'sh', '-c', 'tr "\\0" " " < /proc/1/cmdline']);
    expect(plain.stdout.trim()).toBe('sh -c tr "\\0" " " < /proc/1/cmdline');
  });

  it('--read-only with the default (noexec) tmpfs mounts', async () => {
    const probe = 'grep -q " /dev/shm .*noexec" /proc/self/mountinfo && grep -q " /run .*noexec" /proc/self/mountinfo && grep -o "/[^ ]*koffi[^ ]*" /proc/1/maps | sort -u';
    const ro = ['--read-only', '--tmpfs', '/run', '--tmpfs', '/tmp'];
    const rich = await docker(d, ['run', '--rm', ...ro, ...RICH, '-e', 'TS_INIT_NO_UNITS=1', image, 'sh', '-c', probe]);
    expect({ code: rich.code, out: rich.stdout.trim(), err: rich.stderr }).toMatchObject({ code: 0, out: expect.stringMatching(/^\/(usr\/)?sbin\/ts-init-koffi-[0-9a-f]{16}\.node$/) });
    const init = await docker(d, ['run', '--rm', ...ro, '--init', image, 'sh', '-c', probe]);
    expect({ code: init.code, err: init.stderr }).toMatchObject({ code: 0 });
    expect(init.stdout.trim()).not.toBe('');
  });

  it('a bad TS_INIT_* value is refused at create, naming the variable', async () => {
    const r = await docker(d, ['run', '--rm', ...RICH, '-e', 'TS_INIT_GRACE=soon', image, 'true']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("environment variable TS_INIT_GRACE: --grace takes a number of seconds, not 'soon'");
  });
});
