// A rich container's config.json keeps every number the engine wrote: RLIM_INFINITY
// (18446744073709551615, from --ulimit core=-1) and seccomp argument values above 2^53
// are not values a JavaScript number holds, and an edit that rounded them made podman
// refuse the container ("cannot unmarshal number 18446744073709552000") or changed the
// seccomp policy. Through the podman precreate hook, through the runtime wrapper, and
// runc itself taking a config the hook edited. About 5 s once the package is built.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, ensureContainerEnv, runCommand, uniqueName } from '../helpers/container';
import { stateDir, unpackDeb, type UnpackedDeb } from '../helpers/engines';

const RLIM_INFINITY = '18446744073709551615';
const ABOVE_2_53 = '9007199254740993';
/** What the rounding made of them. */
const ROUNDED = /18446744073709552000|9007199254740992/;

let deb: UnpackedDeb;
let dir = '';
let base = '';
let env: NodeJS.ProcessEnv = {};
let profile = '';

/**
 * A seccomp profile that allows everything but two rules no default profile has: add_key
 * into KEY_SPEC_THREAD_KEYRING (-1, as a 64-bit argument 2^64-1) and a masked compare with
 * 2^53+1. Written as text: the values are what is being tested.
 */
const PROFILE = `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
 {"names":["add_key"],"action":"SCMP_ACT_ERRNO","errnoRet":1,"args":[{"index":4,"value":${RLIM_INFINITY},"op":"SCMP_CMP_EQ"}]},
 {"names":["request_key"],"action":"SCMP_ACT_ERRNO","errnoRet":1,"args":[{"index":3,"value":${ABOVE_2_53},"valueTwo":${ABOVE_2_53},"op":"SCMP_CMP_MASKED_EQ"}]}]}
`;

/** --ulimit replaces the configuration's default ulimits: those this machine needs are given again (no CAP_SYS_RESOURCE). */
const LIMITS = ['--ulimit', 'core=-1', '--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768:32768'];
const PROBE = ['sh', '-c', 'ulimit -c; ulimit -Hc; tr "\\0" " " < /proc/1/cmdline'];

function count(text: string, what: string): number {
  return text.split(what).length - 1;
}

/** The config a runtime was given holds the values as written and ts-init in front. */
function expectExact(file: string): void {
  const text = fs.readFileSync(file, 'utf8');
  expect(text).not.toMatch(ROUNDED);
  expect(count(text, RLIM_INFINITY)).toBe(3); // core's soft and hard limits, the add_key rule
  expect(count(text, ABOVE_2_53)).toBe(2);
  expect(text).toContain('"args":["/sbin/ts-init","--rich"');
}

function pm(args: string[]) {
  return runCommand('podman', args, { env, timeoutMs: 60_000 });
}

beforeAll(async () => {
  const e = await ensureContainerEnv();
  base = e.baseImages.debian;
  dir = stateDir('exact-config');
  deb = await unpackDeb(dir);
  profile = path.join(dir, 'seccomp.json');
  fs.writeFileSync(profile, PROFILE);

  // A second precreate hook, after ts-init's (hooks run in name order, each given the
  // config the one before printed): it keeps a copy of what podman hands the runtime.
  const capture = path.join(dir, 'capture-hook.sh');
  fs.writeFileSync(capture, `#!/bin/sh\ntee ${path.join(dir, 'hook-config.json')}\n`, { mode: 0o755 });
  fs.writeFileSync(
    path.join(deb.hooksDir, 'zz-capture.json'),
    JSON.stringify({ version: '1.0.0', hook: { path: capture }, when: { always: true }, stages: ['precreate'] }),
  );

  // The runtime wrapper, registered as podman-runtime.test.ts does, chaining to a script that
  // keeps a copy of the bundle's config.json (as the wrapper left it) and runs crun.
  const crun = path.join(REPO_ROOT, '.cache/podman/crun-wrapper');
  const keep = path.join(dir, 'keep-config.sh');
  fs.writeFileSync(
    keep,
    `#!/bin/sh\nprev=\nfor a in "$@"; do [ "$prev" = --bundle ] && cp "$a/config.json" ${path.join(dir, 'wrapper-config.json')}; prev=$a; done\nexec ${crun} "$@"\n`,
    { mode: 0o755 },
  );
  const chain = path.join(dir, 'ts-init-runtime-chain');
  fs.writeFileSync(chain, `#!/bin/sh\nTS_INIT_RUNTIME=${keep} exec ${path.join(deb.libexec, 'ts-init-runtime')} "$@"\n`, { mode: 0o755 });
  const conf = fs
    .readFileSync(e.env.CONTAINERS_CONF!, 'utf8')
    .replace(/^\[engine\]$/m, '[engine]\nruntime_supports_json = ["crun", "runc", "ts-init"]\nruntime_supports_nocgroup = ["crun", "ts-init"]')
    .replace(/^\[engine\.runtimes\]$/m, `[engine.runtimes]\nts-init = ["${chain}"]`);
  fs.writeFileSync(path.join(dir, 'containers.conf'), conf);
  env = { ...e.env, CONTAINERS_CONF: path.join(dir, 'containers.conf') };
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('a rich container with --ulimit core=-1 and a seccomp profile with 64-bit values', () => {
  it('starts through the podman hook; the runtime gets every value as podman wrote it', async () => {
    const r = await pm(['--hooks-dir', deb.hooksDir, 'run', '--rm', ...LIMITS, '--security-opt', `seccomp=${profile}`,
      '--annotation', 'io.ts-init.rich=true', '--annotation', 'io.ts-init.no-units=true', base, ...PROBE]);
    expect({ code: r.code, out: r.stdout, err: r.stderr }).toEqual({
      code: 0,
      out: `unlimited\nunlimited\n/sbin/ts-init --rich --no-units -- ${PROBE.join(' ')} `,
      err: '',
    });
    expectExact(path.join(dir, 'hook-config.json'));
  });

  it('starts through the runtime wrapper; the runtime gets every value as podman wrote it', async () => {
    const r = await pm(['--runtime', 'ts-init', 'run', '--rm', ...LIMITS, '--security-opt', `seccomp=${profile}`,
      '-e', 'TS_INIT_RICH=1', '-e', 'TS_INIT_NO_UNITS=1', base, ...PROBE]);
    expect({ code: r.code, out: r.stdout, err: r.stderr }).toEqual({
      code: 0,
      out: `unlimited\nunlimited\n/sbin/ts-init --rich -- ${PROBE.join(' ')} `,
      err: '',
    });
    expectExact(path.join(dir, 'wrapper-config.json'));
  });

  it("runc runs the hook's edit of its own spec with RLIM_INFINITY", async () => {
    const bundle = path.join(dir, 'bundle');
    fs.mkdirSync(bundle);
    // runc creates the bind mounts' targets in the root: a copy, not the cached tree.
    const cp = await runCommand('cp', ['-a', path.join(REPO_ROOT, '.cache/rootfs/small'), path.join(bundle, 'rootfs')]);
    expect(cp.code).toBe(0);
    expect((await runCommand('runc', ['spec'], { cwd: bundle })).code).toBe(0);
    const spec = fs
      .readFileSync(path.join(bundle, 'config.json'), 'utf8')
      .replace('"terminal": true', '"terminal": false')
      .replace(/"args": \[\s*"sh"\s*\]/, '"args": ["sh", "-c", "ulimit -c; ulimit -Hc"]')
      .replace(/"type": "RLIMIT_NOFILE",\s*"hard": 1024,\s*"soft": 1024/, `"type": "RLIMIT_CORE", "hard": ${RLIM_INFINITY}, "soft": ${RLIM_INFINITY}`)
      .replace('"mounts": [', '"mounts": [{"destination": "/run", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=755"]},')
      .replace('{', '{"annotations": {"io.ts-init.rich": "true", "io.ts-init.no-units": "true"},');
    expect(count(spec, RLIM_INFINITY)).toBe(2);
    const edit = await runCommand(deb.binary, ['oci-precreate'], { input: spec, env: { ...process.env, TS_INIT_HOST_BINARY: deb.binary } });
    expect({ code: edit.code, err: edit.stderr }).toEqual({ code: 0, err: '' });
    expect(count(edit.stdout, RLIM_INFINITY)).toBe(2);
    fs.writeFileSync(path.join(bundle, 'config.json'), edit.stdout);
    const root = path.join(dir, 'runc-state');
    const id = uniqueName('ts-init-exact');
    const run = await runCommand('runc', ['--root', root, 'run', '--bundle', bundle, id], { timeoutMs: 30_000 });
    await runCommand('runc', ['--root', root, 'delete', '--force', id]);
    expect({ code: run.code, out: run.stdout, err: run.stderr }).toEqual({ code: 0, out: 'unlimited\nunlimited\n', err: '' });
  });
});
