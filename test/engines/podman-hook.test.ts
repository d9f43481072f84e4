// Rich mode per container under podman, through the OCI precreate hook of the Debian
// package (unpacked into a private folder, its hook JSON pointed there): an unmodified
// Debian image without ts-init, run with --annotation io.ts-init.rich=true, gets the
// host's ts-init as PID 1 and brings its own units up. About 20 s.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ResourceTracker,
  buildImage,
  containerPid,
  containerProcesses,
  ensureContainerEnv,
  podman,
  stop,
  uniqueName,
  wait,
  waitUntil,
} from '../helpers/container';
import { fileId, stateDir, unpackDeb, type UnpackedDeb } from '../helpers/engines';

const resources = new ResourceTracker();
let deb: UnpackedDeb;
let dir = '';
let base = '';
const RICH = ['--annotation', 'io.ts-init.rich=true'];
const QUIET = ['--annotation', 'io.ts-init.no-units=true'];

/** podman with the package's hook directory. */
function hooked(args: string[], timeoutMs?: number) {
  return podman(['--hooks-dir', deb.hooksDir, ...args], { timeoutMs });
}

async function runDetached(args: string[]): Promise<string> {
  const name = resources.container(uniqueName('ts-init-test-hook'));
  const r = await hooked(['run', '-d', '--name', name, ...args]);
  if (r.code !== 0) throw new Error(`podman run exited ${r.code}: ${r.stderr}`);
  return name;
}

function pid1Args(pid: number): string[] {
  return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

beforeAll(async () => {
  const env = await ensureContainerEnv();
  base = env.baseImages.debian; // no ts-init in it
  dir = stateDir('podman-hook');
  deb = await unpackDeb(dir);
});

afterAll(async () => {
  await resources.cleanup();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('podman precreate hook', () => {
  it('runs the one host file as PID 1 of every rich container, and the image units come up', async () => {
    const [a, b] = await Promise.all([runDetached([...RICH, base, 'sleep', '1000']), runDetached([...RICH, base, 'sleep', '1000'])]);
    const host = fileId(deb.binary);
    for (const c of [a, b]) {
      const pid = await containerPid(c);
      // run -d can return just before the runtime's init has exec'd PID 1.
      await waitUntil(() => pid1Args(pid)[0] === '/sbin/ts-init', 5_000, 'ts-init to run');
      expect(pid1Args(pid)).toEqual(['/sbin/ts-init', '--rich', '--', 'sleep', '1000']);
      expect(fileId(`/proc/${pid}/exe`)).toBe(host);
    }
    const comms = await waitUntil(
      async () => {
        const names = (await containerProcesses(a)).map((p) => p.comm);
        return ['cron', 'rsyslogd', 'sshd', 'sleep'].every((n) => names.includes(n)) && names;
      },
      20_000,
      "the image's cron, rsyslog and ssh units",
    );
    // The rich PID 1 of a container says it is systemd, and is then named init (its exe is checked above).
    expect(comms[0]).toBe('init');
    // The control socket answers through the bound binary.
    const status = await podman(['exec', a, '/sbin/ts-init', 'ctl', 'status', 'cron']);
    expect(status.stdout).toMatch(/active/);
  });

  it('runs the initscript annotation with the state JSON on each start; stop gives 143', async () => {
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    const script = path.join(dir, 'prestart.sh');
    fs.writeFileSync(script, '#!/bin/sh\ncat > /out/state.json\necho start >> /out/starts\n', { mode: 0o755 });
    const c = await runDetached([
      ...RICH,
      ...QUIET,
      '--annotation', 'io.ts-init.initscript=/etc/rich/prestart.sh',
      '-v', `${script}:/etc/rich/prestart.sh:ro`,
      '-v', `${out}:/out`,
      base, 'sleep', '1000',
    ]);
    const starts = () => (fs.existsSync(path.join(out, 'starts')) ? fs.readFileSync(path.join(out, 'starts'), 'utf8').split('\n').filter(Boolean).length : 0);
    await waitUntil(() => starts() === 1, 10_000, 'the initscript');
    const state = JSON.parse(fs.readFileSync(path.join(out, 'state.json'), 'utf8'));
    expect(state).toMatchObject({ ociVersion: '1.0.2', status: 'creating', pid: 1, bundle: '/' });
    expect((await stop(c, 10)).code).toBe(0);
    expect(await wait(c)).toBe(143);
    expect((await hooked(['start', c])).code).toBe(0);
    await waitUntil(() => starts() === 2, 10_000, 'the initscript on the second start');
    expect(pid1Args(await containerPid(c))[0]).toBe('/sbin/ts-init');
  });

  it('leaves a container without the annotation untouched', async () => {
    for (const extra of [[], ['--annotation', 'io.ts-init.rich=false']]) {
      const r = await hooked(['run', '--rm', ...extra, base, 'sh', '-c', 'tr "\\0" " " < /proc/1/cmdline; echo; grep -c ts-init /proc/self/mountinfo']);
      expect(r.stdout.trim().split('\n')).toEqual(['sh -c tr "\\0" " " < /proc/1/cmdline; echo; grep -c ts-init /proc/self/mountinfo ', '0']);
    }
  });

  it("takes the annotation's value in any case (TRUE, Yes, On), as podman matches the hook's regex", async () => {
    for (const value of ['TRUE', 'Yes', 'On']) {
      const r = await hooked(['run', '--rm', '--annotation', `io.ts-init.rich=${value}`, ...QUIET, base, 'sh', '-c', 'tr "\\0" " " < /proc/1/cmdline']);
      expect({ value, code: r.code, out: r.stdout.trim() }).toEqual({ value, code: 0, out: '/sbin/ts-init --rich --no-units -- sh -c tr "\\0" " " < /proc/1/cmdline' });
    }
  });

  it('replaces podman --init instead of stacking', async () => {
    const r = await hooked(['run', '--rm', '--init', ...RICH, ...QUIET, base, 'sh', '-c', 'tr "\\0" " " < /proc/1/cmdline']);
    expect(r.stdout.trim()).toBe('/sbin/ts-init --rich --no-units -- sh -c tr "\\0" " " < /proc/1/cmdline');
    expect(r.code).toBe(0);
  });

  it('refuses a malformed annotation with a message naming it', async () => {
    const r = await hooked(['run', '--rm', ...RICH, '--annotation', 'io.ts-init.grace=soon', base, 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr + r.stdout).toContain("ts-init: annotation io.ts-init.grace: --grace takes a number of seconds, not 'soon'");
    const unknown = await hooked(['run', '--rm', ...RICH, '--annotation', 'io.ts-init.gracee=1', base, 'true']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr + unknown.stdout).toContain('annotation io.ts-init.gracee: unknown ts-init option');
  });

  it('a prestart hook that does not read its stdin does not kill the CMD with SIGPIPE', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await hooked(['run', '--rm', ...RICH, ...QUIET, '--annotation', 'io.ts-init.initcmd=true', base, 'sh', '-c', 'sleep 0.3; echo done']);
      expect({ code: r.code, out: r.stdout.trim() }).toEqual({ code: 0, out: 'done' });
    }
    // A SIGPIPE someone else sends is still forwarded.
    const c = await runDetached([...RICH, ...QUIET, base, 'sleep', '1000']);
    await waitUntil(async () => (await containerProcesses(c)).some((p) => p.comm === 'sleep'), 10_000, 'the CMD');
    expect((await podman(['kill', '--signal', 'PIPE', c])).code).toBe(0);
    expect(await wait(c)).toBe(141);
  });

  const ro = ['--read-only', '--read-only-tmpfs=false', '--tmpfs', '/run:rw,noexec,nosuid', '--tmpfs', '/tmp:rw,noexec,nosuid'];
  const probe =
    'grep -q " /dev/shm .*noexec" /proc/self/mountinfo && grep -q " /run .*noexec" /proc/self/mountinfo && ' +
    'grep -q " /dev .*noexec" /proc/self/mountinfo && grep -o "/[^ ]*koffi[^ ]*" /proc/1/maps | sort -u';

  it('starts on a read-only root whose every tmpfs is noexec', async () => {
    const r = await hooked(['run', '--rm', ...ro, ...RICH, ...QUIET, base, 'sh', '-c', probe]);
    expect({ code: r.code, out: r.stdout.trim(), err: r.stderr.trim() }).toMatchObject({ code: 0 });
    // The module bound beside the binary: nothing was written in the container.
    expect(r.stdout.trim()).toMatch(/^\/(usr\/)?sbin\/ts-init-koffi-[0-9a-f]{16}\.node$/);
  });

  it('an image that only COPYs the binary starts there too, from a memory file', async () => {
    const image = resources.image(await buildImage({ base: 'debian', entrypoint: ['/sbin/ts-init', '--no-units', '--'] }));
    const r = await podman(['run', '--rm', ...ro, image, 'sh', '-c', probe]);
    expect({ code: r.code, out: r.stdout.trim() }).toEqual({ code: 0, out: '/memfd:ts-init-koffi' });
    // Without perl or python3 in the image there is no way to make one: a clear refusal.
    const small = resources.image(await buildImage({ base: 'small', entrypoint: ['/sbin/ts-init', '--no-units', '--'] }));
    const s = await podman(['run', '--rm', ...ro, small, 'true']);
    expect(s.code).toBe(1);
    expect(s.stderr).toContain('cannot load the embedded FFI module');
    expect(s.stderr).toContain('beside the executable');
  });
});
