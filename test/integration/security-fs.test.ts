// Attacks on the paths root PID 1 acts on, run for real as an unprivileged user (nobody) inside
// the namespace: a symlink or hard link a user leaves for tmpfiles.d, a volume under /tmp, a
// PID file linked to a root daemon's, a symlink raced into a world-writable /run. Every file
// an attack aims at lies on a private tmpfs (/srv/etc plays /etc): nothing on the host changes.
import { describe, expect, it } from 'vitest';
import { runAsPid1, TS_INIT } from '../helpers/ts-init';
import { unitDir } from '../helpers/units';

const RICH = { env: { ...process.env, TS_INIT_RICH: '1' } };
const asNobody = 'setpriv --reuid 65534 --regid 65534 --clear-groups';
/** A private /srv with a root-owned stand-in for /etc: what the attacks try to take over. */
const PRIVATE_ETC =
  'mount -t tmpfs -o mode=755 tmpfs /srv && mkdir -p /srv/etc/ssl && echo secret > /srv/etc/shadow && chmod 640 /srv/etc/shadow';

describe('tmpfiles.d (M3)', () => {
  it("a user's symlink in a path and a user's hard link never turn root's chown onto root's files", async () => {
    const setup = [
      PRIVATE_ETC,
      'mkdir -p /srv/var/lib/app /srv/var/lib/app2 && chown 65534:65534 /srv/var/lib/app /srv/var/lib/app2',
      // Left by the user during the container's previous run.
      `${asNobody} ln -s /srv/etc /srv/var/lib/app/data`,
      // The hard link a user can make where fs.protected_hardlinks=0: made by root here (this
      // kernel has it on), and the namespace is shown the sysctl as 0.
      'ln /srv/etc/shadow /srv/var/lib/app2/shadow',
      'echo 0 > /srv/protected_hardlinks && mount --bind /srv/protected_hardlinks /proc/sys/fs/protected_hardlinks',
      `printf 'd /srv/var/lib/app 0755 65534 65534\\nd /srv/var/lib/app/data/ssl 0750 65534 65534\\nZ /srv/var/lib/app2 0700 65534 65534\\n' > /etc/tmpfiles.d/app.conf`,
    ].join(' && ');
    const r = await runAsPid1(['--', '/bin/sh', '-c', 'stat -c "%n %u %a" /srv/etc/ssl /srv/etc/shadow; cat /proc/sys/fs/protected_hardlinks'], RICH, setup);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('/srv/etc/ssl 0 755\n/srv/etc/shadow 0 640\n0\n');
    expect(r.stderr).toContain(
      'tmpfiles: /etc/tmpfiles.d/app.conf:2: d /srv/var/lib/app/data/ssl: refused: unsafe path transition /srv/var/lib/app/data (owned by uid 65534) -> / (owned by uid 0)',
    );
    expect(r.stderr).toContain(
      'tmpfiles: /etc/tmpfiles.d/app.conf:3: Z /srv/var/lib/app2: refused: refusing to change the owner or mode of /srv/var/lib/app2/shadow: it has 2 hard links and fs.protected_hardlinks is off',
    );
  });
});

describe('tmpfiles.d removal (M4)', () => {
  it('D /tmp leaves a volume and a file mounted below it from the same file system alone', async () => {
    const setup = [
      'mkdir -p /run/vol && mount -t tmpfs tmpfs /run/vol && mkdir -p /run/vol/tmp/old /run/vol/shared && chmod 1777 /run/vol/tmp',
      'echo data > /run/vol/shared/precious.db && echo junk > /run/vol/tmp/old/junk',
      // Two volumes from one disk: /tmp and, below it, /tmp/shared (same st_dev, other mounts).
      'mount --bind /run/vol/tmp /tmp && mkdir -p /tmp/shared && mount --bind /run/vol/shared /tmp/shared',
      // And a file bound there (a secret or a socket handed in).
      'touch /tmp/bound && mount --bind /run/vol/shared/precious.db /tmp/bound',
      `echo 'D /tmp 1777 root root -' > /etc/tmpfiles.d/tmp.conf`,
    ].join(' && ');
    // As PID 1 of a container's own root (`container=`): only there does tmpfiles.d remove anything.
    const r = await runAsPid1(['--', '/bin/sh', '-c', 'ls -A /tmp; cat /tmp/shared/precious.db'], { env: { ...RICH.env, container: 'podman' } }, setup);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('bound\nshared\ndata\n');
    expect(r.code).toBe(0);
  });
});

describe('PIDFile= (M2)', () => {
  it("a unit's user linking its PID file to a root daemon's does not get that daemon stopped", async () => {
    const dir = unitDir({
      'victim.service': "[Service]\nExecStart=/bin/sh -c 'echo $$$$ > /run/victim.pid; exec sleep 100000'\n",
      'evil.service':
        '[Unit]\nAfter=victim.service\n[Service]\nType=forking\nUser=nobody\nRuntimeDirectory=evil\nPIDFile=/run/evil/evil.pid\nExecStartPre=/bin/sleep 0.5\n' +
        "ExecStart=/bin/sh -c 'ln -sf /run/victim.pid /run/evil/evil.pid; sleep 100000 > /dev/null 2>&1 &'\n",
    });
    const cmd = [
      'sleep 2',
      'V=$(cat /run/victim.pid)',
      `${TS_INIT} ctl stop evil`,
      'sleep 1',
      'kill -0 "$V" && echo victim-alive',
      `${TS_INIT} ctl status victim | grep -c "Main PID: $V"`,
    ].join('; ');
    const r = await runAsPid1(['--units', dir, '--', '/bin/sh', '-c', cmd]);
    expect(r.stdout).toBe('evil.service: done\nvictim-alive\n1\n');
    expect(r.stderr).toMatch(
      /PID \d+ in PID file \/run\/evil\/evil\.pid does not belong to the unit, and acquired through an unsafe symlink chain \(unsafe path transition \/run\/evil\/evil\.pid \(owned by uid 65534\) -> \/ \(owned by uid 0\) while resolving \/run\/evil\/evil\.pid\); refusing it unit="evil\.service"/,
    );
  });
});

describe('RuntimeDirectory= beneath a world-writable directory (H3)', () => {
  // ts-init makes a 0777 /run 0755 at start (test/integration/security-run.test.ts), so the
  // attack is run one level down: a 0777 /run/app that an image's tmpfiles line could make.
  it('a symlink raced in at /run/app/foo between restarts never hands its target to the unit user', async () => {
    const dir = unitDir({
      'foo.service':
        '[Unit]\nStartLimitIntervalSec=0\n[Service]\nUser=nobody\nRuntimeDirectory=app/foo\nRestart=always\nRestartSec=0.1\nExecStart=/bin/sh -c "sleep 0.3; exit 1"\n',
      'attacker.service':
        "[Service]\nUser=nobody\nExecStart=/bin/sh -c 'while :; do [ -e /run/app/foo ] || ln -s /srv/etc /run/app/foo 2>/dev/null; sleep 0.005; done'\n",
      'fine.service': '[Service]\nUser=nobody\nRuntimeDirectory=fine/sub\nRuntimeDirectoryMode=0750\nExecStart=/bin/sleep 100\n',
    });
    // /run as a Kubernetes emptyDir gives it (0777, no sticky bit), and a 0777 directory in it.
    const setup = `${PRIVATE_ETC} && chmod 0777 /run && mkdir -m 0777 /run/app`;
    const r = await runAsPid1(['--units', dir, '--', '/bin/sh', '-c', 'sleep 4; stat -c "%n %U %a" /srv/etc /run/fine /run/fine/sub'], {}, setup);
    expect(r.stdout).toBe('/srv/etc root 755\n/run/fine root 755\n/run/fine/sub nobody 750\n');
    expect(r.stderr).toContain('cannot create RuntimeDirectory /run/app/foo: /run/app/foo exists and is not a directory (a symlink is never followed); refusing it');
  });
});
