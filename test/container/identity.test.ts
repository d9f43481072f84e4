// The image's own software, once ts-init says it is systemd (/run/systemd/system): on the "vm"
// image (scripts/vm-image.sh: Debian 12 with its daemons installed by apt, and systemd's own
// systemctl, which then talks to ts-init over the system bus), every way Debian restarts a
// daemon keeps it under ts-init's supervision: redis-server's postinst run as dpkg runs it on an
// upgrade, `service`, `/etc/init.d/X`, `invoke-rc.d`; a SysV-only daemon (xinetd) restarted
// through its init script goes to systemctl once and no further (its unit runs the script with
// PPID 1, which /lib/lsb/init-functions does not redirect); sd_booted() says yes; a reinstall of
// redis-server (dpkg -i of a .deb fetched from the host's mirror) restarts it under supervision;
// an ssh login with libpam-systemd installed takes under a second.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ResourceTracker, exec, podman, requireTsInit, runCommand, runDetached, waitUntil } from '../helpers/container';
import { tempDir } from '../helpers/temp-dir';
import { VM_RUNTIME, buildVmImage } from '../helpers/vm-image';

const resources = new ResourceTracker();
const FRONT = '/usr/local/lib/ts-init/systemctl';
const DAEMONS = ['redis-server', 'cron', 'ssh', 'nginx', 'xinetd'];
let container = '';

async function sh(script: string, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return exec(container, ['sh', '-c', script], { runtime: VM_RUNTIME, timeoutMs });
}

/** MainPID, ActiveState and how many processes of that name there are. */
async function state(unit: string, comm: string): Promise<{ pid: number; active: string; count: number }> {
  const r = await sh(`${FRONT} show -p MainPID --value ${unit}; ${FRONT} is-active ${unit}; pgrep -x ${comm} | wc -l`);
  const [pid, active, count] = r.stdout.trim().split('\n');
  return { pid: Number(pid), active: active ?? '', count: Number(count) };
}

/** A package at the image's version, fetched from the host's mirror into the container (the container has no network). */
async function download(pkg: string, version: string): Promise<string> {
  const dir = tempDir('ts-init-debs-');
  const got = await runCommand('apt-get', ['download', `${pkg}=${version}`], { cwd: dir, timeoutMs: 120_000 });
  const deb = fs.readdirSync(dir).find((f) => f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${pkg}=${version}: ${got.stderr}`);
  await podman(['cp', path.join(dir, deb), `${container}:/root/${deb}`], { runtime: VM_RUNTIME, check: true });
  return `/root/${deb}`;
}

beforeAll(async () => {
  requireTsInit();
  const image = resources.image(await buildVmImage());
  container = resources.container(await runDetached(image, { runtime: VM_RUNTIME }));
  await waitUntil(async () => (await sh(`${FRONT} is-active ${DAEMONS.join(' ')}`)).code === 0, 60_000, 'the daemons to be active', 300);
}, 10 * 60_000);

afterAll(async () => {
  await resources.cleanup();
});

describe('the systemd identity on the vm image', () => {
  it('/run/systemd/system is there, and sd_booted() (systemd-notify --booted) says systemd', async () => {
    expect((await sh('stat -c "%a %U" /run/systemd/system')).stdout.trim()).toBe('755 root');
    expect((await sh('systemd-notify --booted')).code).toBe(0);
  });

  it("redis-server's postinst as dpkg runs it on an upgrade restarts it under supervision: a new main pid, one instance, active", async () => {
    const before = await state('redis-server', 'redis-server');
    const env = [
      'DPKG_MAINTSCRIPT_PACKAGE=redis-server', 'DPKG_MAINTSCRIPT_NAME=postinst', 'DPKG_MAINTSCRIPT_ARCH=amd64',
      'DPKG_MAINTSCRIPT_PACKAGE_REFCOUNT=1', 'DPKG_RUNNING_VERSION=1.21.22', 'DPKG_ADMINDIR=/var/lib/dpkg',
    ].join(' ');
    const old = (await sh("dpkg-query -W -f '${Version}' redis-server")).stdout.trim();
    const r = await sh(`env ${env} /var/lib/dpkg/info/redis-server.postinst configure '${old}' 2>&1; echo "rc=$?"`);
    expect(r.stdout, r.stdout).toMatch(/rc=0$/m);
    const after = await state('redis-server', 'redis-server');
    expect(after.active).toBe('active');
    expect(after.pid).toBeGreaterThan(0);
    expect(after.pid).not.toBe(before.pid);
    expect(after.count).toBe(1);
    expect((await sh('redis-cli ping')).stdout.trim()).toBe('PONG');
  });

  it.each([
    ['service cron restart', 'cron', 'cron'],
    ['/etc/init.d/ssh restart', 'ssh', 'sshd'],
    ['invoke-rc.d nginx restart', 'nginx', 'nginx'],
  ])('%s keeps the daemon supervised: a new main pid, active, no second copy', async (command, unit, comm) => {
    const before = await state(unit, comm);
    const r = await sh(`${command} 2>&1; echo "rc=$?"`);
    expect(r.stdout, r.stdout).toMatch(/rc=0$/m);
    const after = await state(unit, comm);
    expect(after.active).toBe('active');
    expect(after.pid).not.toBe(before.pid);
    // nginx: one master plus its workers, all of the new main pid's tree.
    if (comm === 'nginx') expect((await sh(`pgrep -f '^nginx: master' | wc -l`)).stdout.trim()).toBe('1');
    else expect(after.count).toBe(1);
  });

  it('/etc/init.d/ssh stop and start go through systemctl, and systemctl says nothing failed', async () => {
    const stop = await sh('/etc/init.d/ssh stop 2>&1; echo "rc=$?"');
    expect(stop.stdout).toMatch(/Stopping ssh \(via systemctl\): ssh\.service/);
    expect(stop.stdout).not.toMatch(/Failed/);
    expect((await state('ssh', 'sshd')).active).toBe('inactive');
    await sh('/etc/init.d/ssh start');
    expect((await state('ssh', 'sshd')).active).toBe('active');
  });

  it("pg_ctlcluster's restart goes through systemctl (its unit runs it with --skip-systemctl-redirect): a new postgres under postgresql@15-main", async () => {
    const before = await state('postgresql@15-main', 'postgres');
    const r = await sh('pg_ctlcluster 15 main restart 2>&1; echo "rc=$?"', 90_000);
    expect(r.stdout, r.stdout).toMatch(/rc=0$/m);
    const after = await state('postgresql@15-main', 'postgres');
    expect(after.active).toBe('active');
    expect(after.pid).not.toBe(before.pid);
  });

  it("package scripts' other systemctl calls answer: daemon-reexec (libc6's postinst, set -e), kill -s HUP (rsyslog's logrotate hook), update-rc.d's daemon-reload", async () => {
    const r = await sh('systemctl daemon-reexec; echo "reexec=$?"; /usr/lib/rsyslog/rsyslog-rotate; echo "rotate=$?"; update-rc.d cron defaults; echo "update-rc.d=$?"');
    expect(r.stdout.trim().split('\n')).toEqual(['reexec=0', 'rotate=0', 'update-rc.d=0']);
    expect(r.stderr).toBe('');
    expect((await state('rsyslog', 'rsyslogd')).active).toBe('active');
  });

  it("the boot records: who -b, who -r (the default target's runlevel) and last -x reboot read them", async () => {
    const r = await sh('LC_ALL=C who -b; LC_ALL=C who -r; LC_ALL=C last -x -f /var/log/wtmp reboot runlevel');
    expect(r.stdout).toMatch(/^\s+system boot\s+\w+\s+\d+ \d\d:\d\d$/m);
    expect(r.stdout).toMatch(/^\s+run-level [35]\s+/m);
    expect(r.stdout).toMatch(/^reboot\s+system boot\s+\S+.*still running$/m);
  });

  it("reinstalling redis-server as apt-get install --reinstall does (dpkg -i of the same version, from the mirror: the image keeps no .deb): stopped and started again under supervision", async () => {
    const before = await state('redis-server', 'redis-server');
    const deb = await download('redis-server', (await sh("dpkg-query -W -f '${Version}' redis-server")).stdout.trim());
    const r = await sh(`DEBIAN_FRONTEND=noninteractive dpkg -i ${deb} 2>&1; echo "rc=$?"`, 120_000);
    expect(r.stdout, r.stdout).toMatch(/rc=0$/m);
    const after = await state('redis-server', 'redis-server');
    expect(after).toMatchObject({ active: 'active', count: 1 });
    expect(after.pid).not.toBe(before.pid);
  });

  it('an ssh login with libpam-systemd (from the mirror, the version of the image\'s systemd) takes under a second: pam_systemd asks logind and is told at once that there is none', async () => {
    const deb = await download('libpam-systemd', (await sh("dpkg-query -W -f '${Version}' systemd")).stdout.trim());
    const install = await sh(`DEBIAN_FRONTEND=noninteractive dpkg -i ${deb} 2>&1; echo "rc=$?"; grep -c pam_systemd /etc/pam.d/common-session`, 120_000);
    expect(install.stdout.trim(), install.stdout).toMatch(/rc=0\n1$/);
    await sh("rm -f /root/.ssh/id_ed25519* && ssh-keygen -q -t ed25519 -N '' -f /root/.ssh/id_ed25519 && cat /root/.ssh/id_ed25519.pub >> /root/.ssh/authorized_keys");
    const login = await sh(
      's=$(date +%s%N); ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null root@127.0.0.1 "echo logged-in; echo XDG=\\$XDG_SESSION_ID" 2>/dev/null; echo "ms=$(( ($(date +%s%N) - s) / 1000000 ))"',
    );
    expect(login.stdout).toContain('logged-in');
    const ms = Number(/ms=(\d+)/.exec(login.stdout)?.[1]);
    process.stdout.write(`ssh login with libpam-systemd: ${ms} ms\n`);
    expect(ms).toBeLessThan(1000);
  });

  it('a SysV-only daemon restarted through its script: redirected to systemctl once, the unit runs the script itself (no loop)', async () => {
    const before = await state('xinetd', 'xinetd');
    const t0 = Date.now();
    const r = await sh('timeout 30 /etc/init.d/xinetd restart 2>&1; echo "rc=$?"', 40_000);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(r.stdout, r.stdout).toMatch(/Restarting xinetd \(via systemctl\): xinetd\.service/);
    expect(r.stdout).toMatch(/rc=0$/m);
    const after = await state('xinetd', 'xinetd');
    expect(after.active).toBe('active');
    expect(after.count).toBe(1);
    expect((await sh(`${FRONT} show -p SourcePath --value xinetd`)).stdout.trim()).toBe('/etc/init.d/xinetd');
    expect(before.count).toBe(1);
  });
});
