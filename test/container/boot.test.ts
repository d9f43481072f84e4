// systemd's boot machinery in a VM-style Debian image (systemd and systemd-sysv installed,
// scripts/boot-image.sh), booted once by Debian's systemd 252 and once by ts-init as
// ENTRYPOINT with systemctl linked to it. The same answers from both, where a user sees them:
// a package's generator and its unit, PostgreSQL's cluster (postgresql@15-main, made by
// postgresql-common's generator, its socket directory by tmpfiles.d) answering on loopback,
// tmpfiles.d, a condition that skips a unit in a container, exim4 (a daemon with only a SysV init script) talking SMTP on loopback and
// shown as systemd shows it, and `runlevel`. Under ts-init also: `invoke-rc.d cron restart`
// restarts cron, and `shutdown -h now` ends the container with status 0.
// Cost: the base image is built once (~3 min); a re-run takes about 40 s.
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPO_ROOT, ResourceTracker, buildImage, ensureContainerEnv, exec, inspect, logs, requireTsInit, runCommand, runDetached, wait, waitUntil,
  type Runtime,
} from '../helpers/container';
import { cgroupsOf, removeCgroupTree } from '../helpers/host-cgroups';

const resources = new ResourceTracker();
const RUNTIME: Runtime = 'runc';

/** A package's generator, as postgresql-common's: a unit and its enablement link in the normal output directory. */
const GENERATOR = `#!/bin/sh
set -eu
cat > "$1/hello-gen.service" <<EOT
[Unit]
Description=Made by a generator
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'echo "$SYSTEMD_SCOPE" > /run/hello-gen'
EOT
mkdir -p "$1/multi-user.target.wants"
ln -s ../hello-gen.service "$1/multi-user.target.wants/hello-gen.service"
`;

const FILES = {
  '/lib/systemd/system-generators/hello-generator': { content: GENERATOR, mode: 0o755 },
  '/usr/lib/tmpfiles.d/boot-test.conf': 'd /run/boot-test 0750 Debian-exim Debian-exim -\nf /run/boot-test/motd 0640 - - - hello\n',
  '/etc/systemd/system/not-in-container.service':
    '[Unit]\nConditionVirtualization=!container\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n',
  // A condition systemd does not know: an unknown key, ignored with a warning (the unit runs).
  '/etc/systemd/system/unknown-condition.service':
    '[Unit]\nConditionFrobnicate=yes\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n',
  '/etc/systemd/system/in-container.service':
    '[Unit]\nConditionVirtualization=container\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n',
};
const SETUP = [
  'mkdir -p /etc/systemd/system/multi-user.target.wants',
  'ln -s ../not-in-container.service ../in-container.service ../unknown-condition.service /etc/systemd/system/multi-user.target.wants/',
  // exim4 ships only /etc/init.d/exim4: no native unit anywhere.
  'test -x /etc/init.d/exim4 && ! ls /lib/systemd/system/exim4.service 2>/dev/null && ls /etc/rc2.d/S*exim4',
];

const SMTP_PROBE = `bash -c 'exec 3<>/dev/tcp/127.0.0.1/25 && head -c 4 <&3 && printf "QUIT\\r\\n" >&3'`;

const containers = { systemd: '', tsInit: '' };

const ids: string[] = [];

const sh = (c: string, line: string) => exec(c, ['/bin/sh', '-c', line], { runtime: RUNTIME });

beforeAll(async () => {
  requireTsInit();
  await ensureContainerEnv();
  const base = await runCommand('bash', [path.join(REPO_ROOT, 'scripts/boot-image.sh')], { timeoutMs: 10 * 60_000 });
  const from = /^export TS_INIT_BASE_DEBIAN_BOOT='([^']*)'$/m.exec(base.stdout)?.[1];
  if (!from) throw new Error(`scripts/boot-image.sh failed:\n${base.stderr}`);
  const [systemdImage, tsInitImage] = await Promise.all([
    buildImage({ base: 'debian', from, files: FILES, run: SETUP, cmd: ['/sbin/init'] }),
    buildImage({
      base: 'debian',
      from,
      files: FILES,
      run: [...SETUP, 'ln -sf /sbin/ts-init /usr/bin/systemctl'],
      entrypoint: ['/sbin/ts-init', '--'],
      cmd: ['sleep', 'infinity'],
    }),
  ]);
  resources.image(systemdImage);
  resources.image(tsInitImage);
  containers.systemd = resources.container(await runDetached(systemdImage, { runtime: RUNTIME, args: ['--systemd=always'] }));
  containers.tsInit = resources.container(await runDetached(tsInitImage, { runtime: RUNTIME }));
  for (const c of Object.values(containers)) ids.push(await inspect(c, '{{.Id}}'));
  for (const c of Object.values(containers)) {
    const units = ['exim4', 'hello-gen', 'postgresql@15-main'];
    await waitUntil(async () => (await exec(c, ['systemctl', 'is-active', ...units], { runtime: RUNTIME })).stdout === 'active\n'.repeat(units.length), 60_000, `${units.join(', ')} up in ${c}`, 250).catch(
      async (err: Error) => {
        throw new Error(`${err.message}\nlogs:\n${await logs(c)}`);
      },
    );
  }
}, 15 * 60_000);

afterAll(async () => {
  await resources.cleanup();
  for (const id of ids) for (const dir of cgroupsOf(id)) removeCgroupTree(dir);
});

describe('a VM-style Debian image under systemd 252 and under ts-init', () => {
  it('PID 1 is systemd in one, ts-init in the other (named init, as it says it is systemd)', async () => {
    expect((await sh(containers.systemd, 'cat /proc/1/comm')).stdout).toBe('systemd\n');
    expect((await sh(containers.tsInit, 'cat /proc/1/comm; head -zn1 /proc/1/cmdline | tr -d "\\0"; echo')).stdout).toBe('init\n/sbin/ts-init\n');
  });

  it.each([
    ['generator unit', 'systemctl is-active hello-gen; cat /run/hello-gen'],
    ['tmpfiles.d', "stat -c '%a %U:%G' /run/boot-test; cat /run/boot-test/motd; echo; test -d /run/lock && echo lock-dir; test -e /run/nologin && echo nologin"],
    ['conditions', 'systemctl is-active not-in-container in-container unknown-condition'],
    ['exim4 over SMTP', SMTP_PROBE],
    ['postgresql cluster from its generator', 'systemctl is-active postgresql postgresql@15-main; pg_isready -h 127.0.0.1; su postgres -c "psql -tAc \'select 6*7\'"'],
    ['exim4 status', 'systemctl status exim4 --no-pager | head -2'],
    ['exim4 enablement', 'systemctl is-enabled exim4; systemctl show -p SourcePath exim4'],
    ['runlevel', 'runlevel'],
  ])('%s: same answer', async (_what, line) => {
    const [a, b] = await Promise.all([sh(containers.systemd, line), sh(containers.tsInit, line)]);
    expect({ code: b.code, out: b.stdout }).toEqual({ code: a.code, out: a.stdout });
  });

  it('the SysV unit is active under both (systemd: running, as it sees the daemon in its cgroup; ts-init: exited or running)', async () => {
    const line = "systemctl status exim4 --no-pager | sed -n 3p | sed 's/ since.*//'";
    expect((await sh(containers.systemd, line)).stdout).toBe('     Active: active (running)\n');
    expect((await sh(containers.tsInit, line)).stdout).toMatch(/^ {5}Active: active \((running|exited)\)\n$/);
  });

  it('the answers are the expected ones', async () => {
    const c = containers.tsInit;
    expect((await sh(c, 'systemctl is-active hello-gen; cat /run/hello-gen')).stdout).toBe('active\nsystem\n');
    expect((await sh(c, "stat -c '%a %U' /run/boot-test")).stdout).toBe('750 Debian-exim\n');
    expect((await sh(c, 'systemctl is-active not-in-container in-container unknown-condition')).stdout).toBe('inactive\nactive\nactive\n');
    expect((await sh(c, SMTP_PROBE)).stdout).toBe('220 ');
    expect((await sh(c, 'pg_isready -h 127.0.0.1; su postgres -c "psql -tAc \'select 6*7\'"')).stdout).toBe('127.0.0.1:5432 - accepting connections\n42\n');
    expect((await sh(c, 'systemctl list-units --no-legend "postgresql*"')).stdout).toMatch(/^postgresql@15-main\.service +loaded active running PostgreSQL Cluster 15-main$/m);
    expect((await sh(c, 'systemctl status exim4 --no-pager | head -2')).stdout).toBe(
      '● exim4.service - LSB: exim Mail Transport Agent\n     Loaded: loaded (/etc/init.d/exim4; generated)\n',
    );
    expect((await sh(c, 'runlevel')).stdout).toBe('N 5\n');
    // The systemd identity (docs/systemd-identity.md): the directory is there, as under systemd.
    expect((await sh(c, 'test -d /run/systemd/system && echo present')).stdout).toBe('present\n');
  });

  it('invoke-rc.d cron restart restarts cron (runlevel answers, the rc5.d link counts)', async () => {
    const c = containers.tsInit;
    const before = (await sh(c, 'pgrep -x cron')).stdout.trim();
    expect(before).toMatch(/^\d+$/);
    const r = await sh(c, 'invoke-rc.d cron restart');
    expect(r.code, r.stderr).toBe(0);
    await waitUntil(async () => /^\d+$/.test((await sh(c, 'pgrep -x cron')).stdout.trim()), 10_000, 'cron back', 100);
    const after = (await sh(c, 'pgrep -x cron')).stdout.trim();
    expect(after).not.toBe(before);
  });

  it('shutdown -h now ends the container with status 0', async () => {
    await sh(containers.tsInit, '/sbin/shutdown -h now');
    expect(await wait(containers.tsInit)).toBe(0);
  });
});
