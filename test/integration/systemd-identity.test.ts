// The systemd identity: as the rich PID 1 of a container's root, /run/systemd/system exists
// (root's, 0755) before the first unit starts, so sd_booted() and Debian's scripts take ts-init
// for systemd; --systemd-identity=no keeps it absent, and as tini, as dumb-init, or in a bare
// PID namespace on the host's root nothing changes. The namespace's /run is a private tmpfs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { looksLikeHostRoot } from '../../src/personality/facts';
import { ISOLATE_MOUNTS, requireBinary, runAsPid1, start, TS_INIT } from '../helpers/ts-init';
import { tempDir } from '../helpers/temp-dir';
import { placeFiles } from '../helpers/place-files';

const LOOK = 'stat -c "identity=%a %U %F" /run/systemd/system 2>/dev/null || echo identity=absent';
/** A container's rich init: $container says it is one. */
const CONTAINER = { ...process.env, container: 'podman' };
const onHostRoot = looksLikeHostRoot(fs.readFileSync('/proc/self/mountinfo', 'utf8'), process.env, fs.existsSync('/run/.containerenv'));

let dir = '';
beforeAll(() => {
  requireBinary();
  dir = tempDir('ts-init-identity-');
  for (const name of ['tini', 'dumb-init']) fs.symlinkSync(TS_INIT, path.join(dir, name));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const identity = (out: string): string | undefined => /identity=(.*)/.exec(out)?.[1];

/** Another name of the executable as PID 1 of the test's namespace, with the same private mounts. */
function runNamedAsPid1(name: string, args: readonly string[], env: NodeJS.ProcessEnv) {
  return start('unshare', ['--pid', '--fork', '--mount-proc', '--propagation', 'private', '/bin/sh', '-c', `${ISOLATE_MOUNTS} && exec "$0" "$@"`, path.join(dir, name), ...args], { env }).result;
}

describe('/run/systemd/system', () => {
  it("the rich init of a container makes it, root's and 0755, before the first unit starts", async () => {
    const setup = placeFiles({
      '/etc/systemd/system/early.service': `[Service]\nType=oneshot\nExecStart=/bin/sh -c 'test -d /run/systemd/system && echo unit-saw-systemd'\n`,
      '/etc/systemd/system/multi-user.target.wants/early.service': '->/etc/systemd/system/early.service',
    });
    const r = await runAsPid1(['--', '/bin/sh', '-c', LOOK], { env: CONTAINER }, setup);
    expect(r.code).toBe(0);
    expect(identity(r.stdout)).toBe('755 root directory');
    expect(r.stdout).toContain('early.service: unit-saw-systemd');
  });

  it('--systemd-identity=no (or TS_INIT_SYSTEMD_IDENTITY=no) keeps it absent', async () => {
    const off = await runAsPid1(['--systemd-identity=no', '--', '/bin/sh', '-c', LOOK], { env: CONTAINER });
    expect(identity(off.stdout)).toBe('absent');
    const offEnv = await runAsPid1(['--', '/bin/sh', '-c', LOOK], { env: { ...CONTAINER, TS_INIT_SYSTEMD_IDENTITY: 'no' } });
    expect(identity(offEnv.stdout)).toBe('absent');
  });

  it('a /run/systemd another user planted is moved aside, and the directory made root\'s', async () => {
    const setup = 'mkdir -p /run/systemd/system && chown -R 65534:65534 /run/systemd';
    const r = await runAsPid1(['--', '/bin/sh', '-c', `${LOOK}; ls -d /run/systemd.untrusted-*`], { env: CONTAINER }, setup);
    expect(identity(r.stdout)).toBe('755 root directory');
    expect(r.stdout).toMatch(/^\/run\/systemd\.untrusted-\w+$/m);
    expect(r.stderr).toMatch(/\/run\/systemd was not root's alone: moved it to/);
  });

  it("systemd-update-utmp's records: the boot and the runlevel in utmp (made by tmpfiles.d) before the CMD, the shutdown in wtmp after the units", async () => {
    const setup = placeFiles({ '/usr/lib/tmpfiles.d/systemd.conf': 'f /run/utmp 0664 root utmp -\n' });
    const look = 'LC_ALL=C who -b /run/utmp; LC_ALL=C who -r /run/utmp';
    const after = "LC_ALL=C last -x -f /var/log/wtmp | sed -n 's/^\\(reboot\\|shutdown\\|runlevel\\) *\\(system boot\\|system down\\|(to lvl 3)\\).*/wtmp: \\1 \\2/p'";
    const r = await runAsPid1(['--poststopcmd', after, '--', '/bin/sh', '-c', look], { env: CONTAINER }, setup);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\s+system boot\s+\w+\s+\d+ \d\d:\d\d$/m);
    expect(r.stdout).toMatch(/^\s+run-level 3\s+/m);
    expect(r.stdout.match(/^wtmp: .*/gm)).toEqual(['wtmp: shutdown system down', 'wtmp: runlevel (to lvl 3)', 'wtmp: reboot system boot']);
    const off = await runAsPid1(['--systemd-identity=no', '--', '/bin/sh', '-c', 'wc -c < /run/utmp'], { env: CONTAINER }, setup);
    expect(off.stdout.trim()).toBe('0');
  });

  it.each(['tini', 'dumb-init'])('as %s in a container: absent', async (name) => {
    const r = await runNamedAsPid1(name, ['--', '/bin/sh', '-c', LOOK], CONTAINER);
    expect(r.code).toBe(0);
    expect(identity(r.stdout)).toBe('absent');
  });

  it.runIf(onHostRoot)("PID 1 of a bare PID namespace on the host's root: absent, even with --rich", async () => {
    for (const args of [[], ['--rich']]) {
      const r = await runAsPid1([...args, '--', '/bin/sh', '-c', LOOK], { env: { ...process.env, container: '' } });
      expect(r.code).toBe(0);
      expect(identity(r.stdout)).toBe('absent');
    }
  });
});
