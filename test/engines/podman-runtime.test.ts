// Rich mode under podman through the runtime wrapper instead of the hook: the package's
// ts-init-runtime registered in [engine.runtimes] (with runtime_supports_json and
// runtime_supports_nocgroup, as README shows) and picked with `podman --runtime ts-init`;
// the container asks with TS_INIT_RICH=1. The wrapper chains to this machine's crun
// (its hybrid-cgroup wrapper, see scripts/container-env.sh) through TS_INIT_RUNTIME,
// set by a two-line script in front of it, as an operator would with crun. About 5 s.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, ensureContainerEnv, runCommand, uniqueName, waitUntil } from '../helpers/container';
import { fileId, stateDir, unpackDeb, type UnpackedDeb } from '../helpers/engines';

const containers: string[] = [];
let deb: UnpackedDeb;
let dir = '';
let base = '';
let env: NodeJS.ProcessEnv = {};

/** podman with a copy of the private configuration that also knows the ts-init runtime. */
function pm(args: string[]) {
  return runCommand('podman', args, { env, timeoutMs: 60_000 });
}
function viaWrapper(args: string[]) {
  return pm(['--runtime', 'ts-init', ...args]);
}

beforeAll(async () => {
  const e = await ensureContainerEnv();
  base = e.baseImages.debian;
  dir = stateDir('podman-runtime');
  deb = await unpackDeb(dir);
  const chain = path.join(dir, 'ts-init-runtime-crun');
  const crun = path.join(REPO_ROOT, '.cache/podman/crun-wrapper');
  fs.writeFileSync(chain, `#!/bin/sh\nTS_INIT_RUNTIME=${crun} exec ${path.join(deb.libexec, 'ts-init-runtime')} "$@"\n`, { mode: 0o755 });
  const conf = fs
    .readFileSync(e.env.CONTAINERS_CONF!, 'utf8')
    .replace(/^\[engine\]$/m, '[engine]\nruntime_supports_json = ["crun", "runc", "ts-init"]\nruntime_supports_nocgroup = ["crun", "ts-init"]')
    .replace(/^\[engine\.runtimes\]$/m, `[engine.runtimes]\nts-init = ["${chain}"]`);
  const file = path.join(dir, 'containers.conf');
  fs.writeFileSync(file, conf);
  env = { ...e.env, CONTAINERS_CONF: file };
});

afterAll(async () => {
  for (const c of containers) await pm(['rm', '-f', '-t', '0', c]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('podman --runtime ts-init', () => {
  // Ends with a newline: the lines the journal's writer shows on the same log never join its line.
  const probe = ['sh', '-c', 'tr "\\0" " " < /proc/1/cmdline; echo'];

  it('gives a container with TS_INIT_RICH=1 the host ts-init as PID 1, leaves others alone', async () => {
    const rich = await viaWrapper(['run', '--rm', '-e', 'TS_INIT_RICH=1', base, ...probe]);
    // The container log also shows what the image's daemons sent to the journal, tagged `ident[pid]: ` (--log-console=all).
    const cmdOut = rich.stdout.trim().split('\n').filter((l) => !/^[\w.@-]+\[\d+\]: /.test(l)).join('\n').trim();
    expect({ code: rich.code, out: cmdOut, err: rich.stderr }).toMatchObject({ code: 0, out: `/sbin/ts-init --rich -- ${probe.join(' ')}` });
    const plain = await viaWrapper(['run', '--rm', base, ...probe]);
    expect({ code: plain.code, out: plain.stdout.trim() }).toEqual({ code: 0, out: probe.join(' ') });
  });

  it('brings the image units up; the one host file is PID 1; podman stop (kill through the wrapper) gives 143', async () => {
    const name = uniqueName('ts-init-test-rt');
    containers.push(name);
    const r = await viaWrapper(['run', '-d', '--name', name, '-e', 'TS_INIT_RICH=1', base, 'sleep', '1000']);
    expect(r.code).toBe(0);
    const pid = Number((await pm(['inspect', '-f', '{{.State.Pid}}', name])).stdout.trim());
    await waitUntil(() => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('/sbin/ts-init\0'), 5_000, 'ts-init to run');
    expect(fileId(`/proc/${pid}/exe`)).toBe(fileId(deb.binary));
    await waitUntil(async () => (await pm(['exec', name, '/sbin/ts-init', 'ctl', 'status', 'cron'])).stdout.includes('active (running)'), 20_000, 'cron under ts-init');
    expect((await pm(['stop', '-t', '10', name])).code).toBe(0);
    expect((await pm(['wait', name])).stdout.trim()).toBe('143');
  });

  it('a bad TS_INIT_* value fails the create with a message naming it', async () => {
    const r = await viaWrapper(['run', '--rm', '-e', 'TS_INIT_RICH=1', '-e', 'TS_INIT_GRACE=soon', base, 'true']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("--grace takes a number of seconds, not 'soon'");
  });
});
