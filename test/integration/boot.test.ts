// systemd's boot machinery under ts-init as PID 1, booting the (private) systemd directories
// of the namespace: tmpfiles.d before the first unit, the image's generators and their
// units with systemd's precedence, SysV init scripts as units, with status, stop and start.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAsPid1, TS_INIT } from '../helpers/ts-init';
import { tempDir } from '../helpers/temp-dir';
import { placeFiles } from '../helpers/place-files';

/** The rich init, booting the namespace's systemd directories (where that is not already the default). */
const RICH = { env: { ...process.env, TS_INIT_RICH: '1' } };

let bin: string;
beforeAll(() => {
  bin = tempDir('ts-init-bin-');
  fs.symlinkSync(TS_INIT, path.join(bin, 'systemctl'));
});

const place = placeFiles;

const wanted = (name: string) => ({ [`/etc/systemd/system/multi-user.target.wants/${name}`]: `->/etc/systemd/system/${name}` });

describe('tmpfiles.d at boot', () => {
  it('creates what the units need before the first one starts; /etc overrides /usr/lib by name; never /run/systemd', async () => {
    const setup = place({
      '/usr/lib/tmpfiles.d/app.conf': 'd /run/app 0750 nobody - -\nf /run/app/hello 0644 - - - hi\\n\nL /run/applink - - - - /run/app\nd /run/systemd/system\nd /run/%H-host\n',
      '/usr/lib/tmpfiles.d/over.conf': 'd /run/over-usr\n',
      '/etc/tmpfiles.d/over.conf': 'd /run/over-etc\n',
      '/etc/systemd/system/needs.service': '[Service]\nType=oneshot\nExecStart=/bin/sh -c "test -f /run/app/hello && echo needs-found-its-dir"\n',
      ...wanted('needs.service'),
    });
    const r = await runAsPid1(['--', '/bin/sh', '-c', 'stat -c "%a %U" /run/app; cat /run/app/hello; readlink /run/applink; ls -d /run/over-* /run/*-host; ls -d /run/systemd/system 2>&1 || true'], RICH, setup);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('needs.service: needs-found-its-dir');
    // The CMD's own lines, in order (the unit's line, which the journal's writer shows, may come between them).
    const cmdLines = r.stdout.split('\n').filter((l) => !l.startsWith('needs.service: ')).join('\n');
    expect(cmdLines).toContain(`750 nobody\nhi\n/run/app\n${['/run/over-etc', `/run/${os.hostname()}-host`].sort().join('\n')}\n`);
    expect(r.stdout).toMatch(/ls: cannot access '\/run\/systemd\/system': No such file or directory/);
  });

  it('a bad line is reported with file and line, and the rest still applies', async () => {
    const setup = place({ '/etc/tmpfiles.d/bad.conf': 'd /run/good\nY /run/bad\nd /run/u 0755 no-such-user\n' });
    const r = await runAsPid1(['--', '/bin/ls', '-d', '/run/good'], RICH, setup);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('/run/good\n');
    expect(r.stderr).toContain("tmpfiles: /etc/tmpfiles.d/bad.conf:2: unknown line type 'Y'");
    expect(r.stderr).toContain('tmpfiles: /etc/tmpfiles.d/bad.conf:3: d /run/u: unknown user "no-such-user"');
  });

  // The host's own `D /tmp` (systemd's tmp.conf) must not empty the host's /tmp when ts-init is
  // PID 1 of a bare PID namespace there; in a container (here: `container=` says so) it does.
  it('removes (D, R) only as PID 1 of a container\'s own root, never on the host\'s root', async () => {
    const conf = { '/usr/lib/tmpfiles.d/tmp.conf': 'D /run/scratch 1777 root root -\nR /run/gone\n' };
    const seed = 'mkdir -p /run/scratch /run/gone && touch /run/scratch/keep /run/gone/x';
    const show = ['--', '/bin/sh', '-c', 'ls -A /run/scratch; ls -d /run/gone 2>/dev/null || echo no-gone'];
    const host = await runAsPid1(show, RICH, `${place(conf)} && ${seed}`);
    expect(host.code, host.stderr).toBe(0);
    expect(host.stdout).toBe('keep\n/run/gone\n');
    const container = await runAsPid1(show, { env: { ...RICH.env, container: 'podman' } }, `${place(conf)} && ${seed}`);
    expect(container.code, container.stderr).toBe(0);
    expect(container.stdout).toBe('no-gone\n');
  });
});

const GENERATOR = `#!/bin/sh
# A package generator: one unit in each output directory, enabled through the normal one.
set -e
normal="$1"; early="$2"; late="$3"
cat > "$normal/gen.service" <<EOT
[Service]
Type=oneshot
ExecStart=/bin/echo gen-ran scope=$SYSTEMD_SCOPE initrd=$SYSTEMD_IN_INITRD
EOT
mkdir -p "$normal/multi-user.target.wants"
ln -s ../gen.service "$normal/multi-user.target.wants/gen.service"
printf '[Service]\\nType=oneshot\\nExecStart=/bin/echo early-wins\\n' > "$early/over.service"
printf '[Service]\\nType=oneshot\\nExecStart=/bin/echo late-wins\\n' > "$late/vendor.service"
`;

describe('generators at boot', () => {
  it("the image's generators run with systemd's arguments and environment; their units load with systemd's precedence", async () => {
    const setup = place({
      '/run/gens/pkg-generator': GENERATOR,
      '/usr/lib/systemd/system-generators/pkg-generator': '->/run/gens/pkg-generator',
      '/usr/lib/systemd/system-generators/systemd-fstab-generator': '#!/bin/sh\necho fstab-generator-ran > /run/fstab-ran\n',
      '/usr/lib/systemd/system-generators/broken-generator': '#!/bin/sh\necho broken says no >&2\nexit 3\n',
      '/etc/systemd/system/over.service': '[Service]\nType=oneshot\nExecStart=/bin/echo etc-wins\n',
      '/usr/lib/systemd/system/vendor.service': '[Service]\nType=oneshot\nExecStart=/bin/echo vendor-wins\n',
      ...wanted('over.service'),
      '/etc/systemd/system/multi-user.target.wants/vendor.service': '->/usr/lib/systemd/system/vendor.service',
    });
    const r = await runAsPid1(['--', '/bin/sh', '-c', `PATH=${bin}:$PATH; systemctl is-enabled gen; systemctl status gen | head -2; ls /run/fstab-ran 2>&1 | head -1`], RICH, setup);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('gen.service: gen-ran scope=system initrd=0');
    expect(r.stdout).toContain('over.service: early-wins');
    expect(r.stdout).toContain('vendor.service: vendor-wins');
    // The CMD's own lines, in order (the units' lines, which the journal's writer shows, may come between them).
    const cmdLines = r.stdout.split('\n').filter((l) => !/^(gen|over|vendor)\.service: /.test(l)).join('\n');
    expect(cmdLines).toContain('generated\n○ gen.service - gen.service\n     Loaded: loaded (/run/systemd/generator/gen.service; generated)');
    expect(r.stdout).toMatch(/ls: cannot access '\/run\/fstab-ran'/);
    expect(r.stderr).toContain('generator broken-generator failed: exit status 3: broken says no');
  });
});

const LEGACYD = `#!/bin/sh
### BEGIN INIT INFO
# Provides:          legacyd legacy-app
# Required-Start:    $remote_fs $syslog $network
# Required-Stop:     $remote_fs $syslog
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: Legacy daemon
# Description:       A daemon that only has an init script.
### END INIT INFO
PIDFILE=/run/legacyd.pid
case "$1" in
  start) echo "starting legacyd ppid=$PPID"; setsid sleep 1000 </dev/null >/dev/null 2>&1 & echo $! > $PIDFILE ;;
  stop) echo "stopping legacyd"; kill $(cat $PIDFILE); rm -f $PIDFILE ;;
  reload) echo "reloading legacyd" ;;
  *) echo "Usage: $0 {start|stop|reload|restart}"; exit 1 ;;
esac
exit 0
`;

describe('generators on daemon-reload', () => {
  it('run again, as systemd runs them: a package installed after boot gets its generated unit', async () => {
    const setup = place({ '/run/gens/late-generator': GENERATOR.replace(/gen\.service/g, 'later.service').replace('gen-ran', 'later-ran') });
    const cmd = 'ln -s /run/gens/late-generator /usr/lib/systemd/system-generators/; systemctl daemon-reload; systemctl is-enabled later; systemctl start later; sleep 0.2';
    const r = await runAsPid1(['--', '/bin/sh', '-c', `PATH=${bin}:$PATH; systemctl is-enabled later; ${cmd}`], RICH, setup);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Failed to get unit file state for later.service');
    expect(r.stdout.replace(/^later\.service: .*\n/gm, '')).toBe('generated\n');
    expect(r.stdout).toContain('later.service: later-ran scope=system initrd=0');
  });
});

describe('SysV init scripts', () => {
  it('a script without a native unit becomes one: enabled by its rc2.d link, started, shown, reloaded and stopped through the script', async () => {
    const setup = place({
      '/etc/init.d/legacyd': LEGACYD,
      '/etc/rc2.d/S01legacyd': '->../init.d/legacyd',
      '/etc/init.d/native': '#!/bin/sh\necho native-script-ran\n',
      '/etc/rc2.d/S01native': '->../init.d/native',
      '/etc/systemd/system/native.service': '[Service]\nType=oneshot\nExecStart=/bin/echo native-unit-ran\n',
      ...wanted('native.service'),
      '/etc/init.d/notlinked': LEGACYD.replace(/legacyd/g, 'notlinked'),
    });
    const cmd = [
      'systemctl is-active legacyd',
      'systemctl is-enabled legacyd',
      'systemctl status legacyd | head -3',
      'systemctl is-active legacy-app',
      'systemctl is-active notlinked; systemctl is-enabled notlinked',
      'systemctl show -p SourcePath,Type,FragmentPath legacyd',
      'systemctl list-unit-files --no-legend "legacyd*" "notlinked*"',
      'systemctl reload legacyd',
      'systemctl stop legacyd; systemctl is-active legacyd; test -e /run/legacyd.pid || echo pidfile-gone',
      'systemctl start legacyd; systemctl is-active legacyd',
    ].join('; ');
    const r = await runAsPid1(['--', '/bin/sh', '-c', `PATH=${bin}:$PATH; ${cmd}`], RICH, setup);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('native.service: native-unit-ran');
    expect(r.stdout).not.toContain('native-script-ran');
    expect(r.stdout).toContain('legacyd.service: starting legacyd ppid=1');
    const answers = r.stdout.split('\n').filter((l) => !l.startsWith('legacyd.service: ') && !l.startsWith('native.service: '));
    // systemd 252 says "enabled" for a SysV unit with rc links (is-enabled) and "generated" in status.
    expect(answers.slice(0, 3)).toEqual(['active', 'enabled', '● legacyd.service - LSB: Legacy daemon']);
    expect(answers[3]).toBe('     Loaded: loaded (/etc/init.d/legacyd; generated)');
    expect(answers[4]).toMatch(/^ {5}Active: active \((exited|running)\) since /);
    expect(answers.slice(5, 13)).toEqual([
      'active',
      'inactive',
      'disabled',
      // In systemd's order: the service's properties come before the unit's.
      'Type=forking',
      'FragmentPath=/run/systemd/generator.late/legacyd.service',
      'SourcePath=/etc/init.d/legacyd',
      'legacyd.service   generated',
      'notlinked.service generated',
    ]);
    expect(r.stdout).toContain('legacyd.service: reloading legacyd');
    expect(r.stdout).toContain('legacyd.service: stopping legacyd');
    expect(answers.slice(13)).toEqual(['inactive', 'pidfile-gone', 'active', '']);
  });
});
