// A /run other users can write (a Kubernetes emptyDir: 0777) is not trusted by the rich
// init (issue 18, H3's /run part), and the container environment is not handed to other
// users (L3). The attacks are made by uid 65534 before ts-init starts (during an earlier
// run of the pod: an emptyDir outlives the container); the victim is a file in a private
// temporary directory of the test standing in for /etc/passwd.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir';
import { runAsPid1 } from '../helpers/ts-init';
import { unitDir } from '../helpers/units';

const AS_USER = 'setpriv --reuid 65534 --regid 65534 --clear-groups';

function victimFile(): { dir: string; file: string } {
  const dir = tempDir('ts-init-victim-');
  const file = path.join(dir, 'passwd');
  fs.writeFileSync(file, 'root:x:0:0:root:/root:/bin/bash\n');
  return { dir, file };
}

describe('a /run other users can write', () => {
  it("is made 0755 at start, so nobody else can create names in it any more, and ts-init says so in one line", async () => {
    const units = unitDir({});
    const check = `${AS_USER} sh -c 'touch /run/planted-later' 2>&1; stat -c '%a %U' /run /run/ts-init /run/ts-init/env; ls -A /run | tr '\\n' ' '`;
    const r = await runAsPid1(['--units', units, '--', '/bin/sh', '-c', check], {}, 'chmod 0777 /run');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/touch: cannot touch '\/run\/planted-later': Permission denied/);
    expect(r.stdout).toMatch(/^755 root\n755 root\n600 root\n/m);
    expect(r.stderr.split('\n').filter((l) => l.includes('/run (uid 0, mode 0777) was writable by other users'))).toEqual([
      expect.stringMatching(/made it 0755, as systemd's \/run is/),
    ]);
  });

  it('the environment file never follows a symlink planted at its temporary name, nor trusts a /run/ts-init a user made', async () => {
    const victim = victimFile();
    const units = unitDir({});
    // The review's repro: /run 0777, /run/ts-init the user's, env.1.tmp -> the victim.
    const plant = `chmod 0777 /run && ${AS_USER} sh -c 'mkdir -m 0777 /run/ts-init && ln -s ${victim.file} /run/ts-init/env.1.tmp && ln -s ${victim.file} /run/ts-init/env'`;
    const r = await runAsPid1(['--units', units, '--', '/bin/sh', '-c', 'stat -c "%U %a %F" /run/ts-init /run/ts-init/env; head -1 /run/ts-init/env'], { env: { ...process.env, DB_PASSWORD: 's3cret' } }, plant);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(victim.file, 'utf8')).toBe('root:x:0:0:root:/root:/bin/bash\n');
    expect(fs.readdirSync(victim.dir)).toEqual(['passwd']);
    expect(r.stdout).toBe('root 755 directory\nroot 600 regular file\n# Written by ts-init at start-up: the container environment, for login shells.\n');
    expect(r.stderr).toMatch(/moved \/run\/ts-init, which others could change, to \/run\/ts-init\.untrusted-[0-9a-f]{8}/);
  });

  it("that ts-init cannot make its own gets none of ts-init's files, and one clear line says so", async () => {
    const victim = victimFile();
    const units = unitDir({ 'n.service': '[Service]\nType=notify\nExecStart=/bin/sleep 100\n' });
    // /run belongs to the user (not ours to chmod); they point /run/ts-init at a directory of root's.
    const plant = `chown 65534:65534 /run && chmod 0777 /run && ${AS_USER} sh -c 'ln -s ${victim.dir} /run/ts-init'`;
    const r = await runAsPid1(['--no-wait', '--units', units, '--', '/bin/sh', '-c', 'ls -A /run | tr "\\n" " "'], {}, plant);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readdirSync(victim.dir)).toEqual(['passwd']);
    expect(r.stdout.split(' ')).not.toContain('ts-init.sock');
    const said = r.stderr.split('\n').filter((l) => l.includes('/run (uid 65534, mode 0777) was writable by other users'));
    expect(said).toEqual([expect.stringMatching(/ts-init puts none of its files there .* give the container a tmpfs on \/run with mode=0755/)]);
    expect(r.stderr).toMatch(/control socket \/run\/ts-init\.sock unavailable: not creating it: \/run belongs to uid 65534/);
    expect(r.stderr).toMatch(/cannot create the notify socket: not creating \/run\/ts-init\/notify: \/run belongs to uid 65534/);
  });
});

/** uid 65534 plants an enabled unit in /run/systemd/system that would run as root. */
const PLANT_UNIT =
  `${AS_USER} sh -c 'mkdir -p /run/systemd/system/multi-user.target.wants && ` +
  `printf "[Service]\\nType=oneshot\\nExecStart=/bin/sh -c \\"echo planted unit ran as \\$(id -un)\\"\\n[Install]\\nWantedBy=multi-user.target\\n" > /run/systemd/system/evil.service && ` +
  `ln -s ../evil.service /run/systemd/system/multi-user.target.wants/evil.service'`;

describe('what ts-init reads from a /run other users could write', () => {
  it('a unit another user planted in /run/systemd is moved aside with its directory, never run as root', async () => {
    const r = await runAsPid1(['--rich', '--', '/bin/sh', '-c', 'ls -A /run | tr "\\n" " "'], {}, `chmod 0777 /run && ${PLANT_UNIT}`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/planted unit ran/);
    expect(r.stdout).toMatch(/systemd\.untrusted-[0-9a-f]{8}/);
    expect(r.stderr).toMatch(/moved \/run\/systemd, which others could change, to \/run\/systemd\.untrusted-/);
  });

  it('in a /run ts-init cannot make its own, no unit is read from it and no generator or tmpfiles.d runs', async () => {
    const r = await runAsPid1(['--rich', '--', '/bin/true'], {}, `chown 65534:65534 /run && chmod 0777 /run && ${PLANT_UNIT}`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/planted unit ran/);
    expect(r.stderr).toMatch(/runs nothing that reads from it \(no units from \/run\/systemd, no generators, no tmpfiles\.d\)/);
  });
});

describe('the container environment (secrets)', () => {
  it("reaches root's units and root's login files only; a User= unit gets what systemd gives it unless --unit-environment all", async () => {
    const show = `/bin/sh -c 'echo "$(id -un) sees DB_PASSWORD=$DB_PASSWORD PATH=$PATH"'`;
    const units = unitDir({
      'www.service': `[Service]\nType=oneshot\nUser=nobody\nExecStart=${show}\n`,
      'db.service': `[Service]\nType=oneshot\nExecStart=${show}\n`,
      'pass.service': `[Service]\nType=oneshot\nUser=nobody\nPassEnvironment=DB_PASSWORD\nExecStart=${show}\n`,
    });
    const env = { ...process.env, DB_PASSWORD: 's3cret', PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };
    const files = `for f in /run/ts-init/env /etc/profile.d/ts-init-env.sh; do ${AS_USER} cat $f >/dev/null 2>&1 && echo "$f readable by nobody"; stat -c "%n %a %U" $f; done`;
    const r = await runAsPid1(['--units', units, '--', '/bin/sh', '-c', files], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^www\.service: nobody sees DB_PASSWORD= PATH=\/usr\/sbin:\/usr\/bin:\/sbin:\/bin$/m);
    expect(r.stdout).toMatch(/^db\.service: root sees DB_PASSWORD=s3cret/m);
    expect(r.stdout).toMatch(/^pass\.service: nobody sees DB_PASSWORD=s3cret/m);
    expect(r.stdout).not.toMatch(/readable by nobody/);
    expect(r.stdout).toMatch(/^\/run\/ts-init\/env 600 root$/m);
    expect(r.stdout).toMatch(/^\/etc\/profile\.d\/ts-init-env\.sh 600 root$/m);

    const all = await runAsPid1(['--unit-environment', 'all', '--units', units, '--', '/bin/true'], { env });
    expect(all.stdout).toMatch(/^www\.service: nobody sees DB_PASSWORD=s3cret/m);
  });
});
