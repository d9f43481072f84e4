// hostnamectl, timedatectl and localectl are links to the ts-init executable: each sets what
// systemd 252's sets, in the files it sets it in, with its words and exit codes. Run in a
// private mount and UTS namespace with an overlay over /etc, so the machine's own files and
// host name are never touched.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBinary, TS_INIT } from '../helpers/ts-init';
import { tempDir } from '../helpers/temp-dir';

let bin: string;
let scratch: string;
beforeAll(() => {
  requireBinary();
  bin = tempDir('ts-init-settings-bin-');
  scratch = tempDir('ts-init-settings-etc-');
  for (const n of ['hostnamectl', 'timedatectl', 'localectl']) fs.symlinkSync(TS_INIT, path.join(bin, n));
});

/** Runs the script with the fronts on PATH, /etc an overlay of scratch over the machine's, a host name of its own. */
function inPrivateEtc(script: string): { stdout: string; stderr: string; code: number | null } {
  const setup = `set -u
mount -t tmpfs tmpfs "${scratch}"
mkdir "${scratch}/upper" "${scratch}/work"
mount -t overlay overlay -o lowerdir=/etc,upperdir="${scratch}/upper",workdir="${scratch}/work" /etc
hostname before-test
PATH="${bin}:$PATH"
`;
  const r = spawnSync('unshare', ['--mount', '--uts', '--propagation', 'private', '/bin/sh', '-c', setup + script], { encoding: 'utf8', timeout: 30_000 });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
}

describe('hostnamectl', () => {
  it('set-hostname writes /etc/hostname and the kernel name; --static/--transient/--pretty read them back', () => {
    const r = inPrivateEtc(`
hostnamectl set-hostname box1; echo "rc=$?"
echo "file=$(cat /etc/hostname) uname=$(uname -n) static=$(hostnamectl --static) transient=$(hostnamectl --transient status)"
hostnamectl | grep 'Static hostname'
hostnamectl set-hostname 'Foo Bar'; echo "rc=$?"
echo "file=$(cat /etc/hostname) pretty=$(hostnamectl --pretty)"; cat /etc/machine-info
hostnamectl --transient set-hostname other; echo "rc=$?"
hostnamectl set-hostname a b; echo "rc=$?"
hostnamectl frobnicate; echo "rc=$?"
`);
    expect(r.stdout).toBe(
      [
        'rc=0',
        'file=box1 uname=box1 static=box1 transient=box1',
        ' Static hostname: box1',
        'rc=0',
        'file=FooBar pretty=Foo Bar',
        'PRETTY_HOSTNAME="Foo Bar"',
        'rc=0',
        'rc=1',
        'rc=1',
        '',
      ].join('\n'),
    );
    expect(r.stderr).toBe(
      'Hint: static hostname is already set, so the specified transient hostname will not be used.\nToo many arguments.\nUnknown command verb frobnicate.\n',
    );
  });
});

describe('timedatectl', () => {
  it('set-timezone links /etc/localtime into the zone database and status shows the zone; a bad zone is refused', () => {
    const r = inPrivateEtc(`
timedatectl set-timezone Europe/Berlin; echo "rc=$?"
readlink /etc/localtime
timedatectl status | grep 'Time zone'
timedatectl show -p Timezone --value
timedatectl set-timezone Nowhere/Land; echo "rc=$?"
timedatectl set-timezone ../../etc/passwd; echo "rc=$?"
timedatectl set-local-rtc 1; echo "rc=$?"; sed -n 3p /etc/adjtime
timedatectl | grep -c 'Warning: The system is configured to read the RTC time in the local time zone.'
timedatectl set-ntp true; echo "rc=$?"
`);
    expect(r.stdout).toMatch(
      /^rc=0\n\.\.\/usr\/share\/zoneinfo\/Europe\/Berlin\n {16}Time zone: Europe\/Berlin \((CET, \+0100|CEST, \+0200)\)\nEurope\/Berlin\nrc=1\nrc=1\nrc=0\nLOCAL\n1\nrc=1\n$/,
    );
    expect(r.stderr).toBe(
      "Failed to set time zone: Invalid or not installed time zone 'Nowhere/Land'\nFailed to set time zone: Invalid or not installed time zone '../../etc/passwd'\nFailed to set ntp: NTP not supported\n",
    );
  });
});

describe('localectl', () => {
  it("set-locale replaces Debian's /etc/default/locale; status shows it; an uninstalled locale is refused", () => {
    const r = inPrivateEtc(`
rm -f /etc/locale.conf /etc/default/locale
localectl; echo "rc=$?"
localectl set-locale LANG=C.UTF-8 LC_TIME=C; echo "rc=$?"
cat /etc/default/locale
localectl
localectl set-locale xx_YY.UTF-8; echo "rc=$?"
localectl set-locale FOO=C; echo "rc=$?"
`);
    expect(r.stdout).toBe(
      [
        'System Locale: (unset)',
        '    VC Keymap: (unset)',
        '   X11 Layout: (unset)',
        'rc=0',
        'rc=0',
        'LANG=C.UTF-8',
        'LC_TIME=C',
        'System Locale: LANG=C.UTF-8',
        '               LC_TIME=C',
        '    VC Keymap: (unset)',
        '   X11 Layout: (unset)',
        'rc=1',
        'rc=1',
        '',
      ].join('\n'),
    );
    expect(r.stderr).toBe(
      'Failed to issue method call: Locale xx_YY.UTF-8 not installed, refusing.\nFailed to issue method call: Locale assignment FOO=C not valid, refusing.\n',
    );
  });
});
