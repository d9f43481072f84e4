// The Debian package installed for real: `apt install ./ts-init_VERSION_amd64.deb` in a
// throwaway container of the cached Debian tree (never on this machine), the layout it
// leaves, an upgrade to a newer version while a process runs the installed binary (dpkg
// renames the new file over: the process keeps its inode), and `apt remove`. Offline:
// the package's dependencies are already in the tree. About 15 s.
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureContainerEnv, podman } from '../helpers/container';
import { ensureDeb } from '../helpers/engines';

let deb = '';
let base = '';

beforeAll(async () => {
  base = (await ensureContainerEnv()).baseImages.debian;
  deb = await ensureDeb();
});

const SCRIPT = String.raw`
set -e
L=/usr/libexec/ts-init
apt-get install -y -q /pkg/ts-init.deb >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }
echo "status: $(dpkg-query -W -f '${"${Status} ${Version}"}' ts-init)"
for f in $L/ts-init $L/ts-init-runtime $L/ts-init-koffi-*.node /usr/share/containers/oci/hooks.d/ts-init.json; do
  [ -e "$f" ] && echo "file: $f $(stat -c %A "$f")"
done
echo "hook: $(base64 -w0 /usr/share/containers/oci/hooks.d/ts-init.json)"
echo "version: $($L/ts-init --version | head -n 1 | cut -d, -f1)"
# A process running the installed binary, as a container's PID 1 would.
$L/ts-init -s -- sleep 300 & pid=$!
sleep 1
before=$(stat -L -c %i /proc/$pid/exe)
# The same package as a newer version (repacked without compression: quick).
mkdir /tmp/v2 && dpkg-deb -R /pkg/ts-init.deb /tmp/v2
sed -i 's/^Version: .*/&+next1/' /tmp/v2/DEBIAN/control
dpkg-deb -Znone -b /tmp/v2 /tmp/ts-init-next.deb >/dev/null
apt-get install -y -q /tmp/ts-init-next.deb >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }
echo "upgraded: $(dpkg-query -W -f '${"${Version}"}' ts-init)"
after=$(stat -c %i $L/ts-init)
kill -0 $pid && echo "running: yes"
[ "$before" != "$after" ] && [ "$(stat -L -c %i /proc/$pid/exe)" = "$before" ] && echo "kept inode: yes"
readlink /proc/$pid/exe | grep -q '(deleted)$' && echo "old file unlinked: yes"
kill $pid; wait $pid || true
apt-get remove -y -q ts-init >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }
echo "removed: $(ls $L /usr/share/containers/oci/hooks.d/ts-init.json 2>&1 | grep -c 'No such file')"
`;

describe('apt install ./ts-init_*.deb in a Debian container', () => {
  it('installs the layout, upgrades by rename under a running process, and removes cleanly', async () => {
    const r = await podman(['run', '--rm', '-v', `${deb}:/pkg/ts-init.deb:ro`, '-w', '/', base, 'sh', '-c', SCRIPT], { timeoutMs: 240_000 });
    expect({ code: r.code, err: r.stderr.trim() }).toMatchObject({ code: 0 });
    const out = r.stdout.trim().split('\n');
    expect(out).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^status: install ok installed \S+$/),
        'file: /usr/libexec/ts-init/ts-init -rwxr-xr-x',
        'file: /usr/libexec/ts-init/ts-init-runtime -rwxr-xr-x',
        expect.stringMatching(/^file: \/usr\/libexec\/ts-init\/ts-init-koffi-[0-9a-f]{16}\.node -r--r--r--$/),
        'file: /usr/share/containers/oci/hooks.d/ts-init.json -rw-r--r--',
        expect.stringMatching(/^upgraded: \S+\+next1$/),
        'running: yes',
        'kept inode: yes',
        'old file unlinked: yes',
        'removed: 2',
      ]),
    );
    const hook = JSON.parse(Buffer.from(out.find((l) => l.startsWith('hook: '))!.slice(6), 'base64').toString());
    expect(hook).toMatchObject({ hook: { path: '/usr/libexec/ts-init/ts-init', args: ['/usr/libexec/ts-init/ts-init', 'oci-precreate'] }, stages: ['precreate'] });
    expect(out.find((l) => l.startsWith('version: '))).toMatch(/^version: ts-init version \S+$/);
  }, 300_000);
});
