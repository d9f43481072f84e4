// What Debian 13's packages (systemd 257) expect of the init beyond unit files, under ts-init
// as PID 1: a machine ID at boot, Type=notify-reload, OpenFile=, credentials, one line for
// the sandboxing settings a container cannot apply, and a socket's Result=.
// Every file is private to the namespace: /etc is a copy on the private /run, bind-mounted
// over the host's in the test's own mount namespace; the host's /etc/machine-id is never touched.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PINNED_TS_INIT, runAsPid1, TS_INIT } from '../helpers/ts-init';
import { tempDir } from '../helpers/temp-dir';
import { unitDir } from '../helpers/units';

const ID_RE = /^[0-9a-f]{32}$/;
/** The host's D-Bus machine ID (which systemd prefers) hidden behind a private tmpfs. */
const HIDE_DBUS = 'mkdir -p /var/lib/dbus && mount -t tmpfs tmpfs /var/lib/dbus';
const UUID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

let bin: string;
beforeAll(() => {
  bin = tempDir('ts-init-bin-');
  fs.symlinkSync(TS_INIT, path.join(bin, 'systemctl'));
});

/** The environment of a container's rich init ($container says so; $container_uuid as libvirt/LXC give it). */
function containerEnv(extra: Record<string, string> = {}): { env: NodeJS.ProcessEnv } {
  return { env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, TS_INIT_RICH: '1', container: 'podman', ...extra } };
}

/**
 * Shell steps: a private copy of /etc on the namespace's /run, its machine-id replaced by
 * `machineId` (a text, 'missing', 'fifo' or 'dir'), bind-mounted over /etc (read-only with ro).
 */
function privateEtc(machineId: string, o: { ro?: boolean; files?: Record<string, string> } = {}): string {
  const files = tempDir('ts-init-etc-');
  const steps = ['mkdir -p /run/etc-copy', 'cp -a /etc/. /run/etc-copy/', 'rm -rf /run/etc-copy/machine-id'];
  if (machineId === 'fifo') steps.push('mkfifo /run/etc-copy/machine-id');
  else if (machineId === 'dir') steps.push('mkdir /run/etc-copy/machine-id');
  else if (machineId !== 'missing') {
    fs.writeFileSync(path.join(files, 'machine-id'), machineId);
    steps.push(`cp ${path.join(files, 'machine-id')} /run/etc-copy/machine-id`);
  }
  for (const [p, text] of Object.entries(o.files ?? {})) {
    const dest = path.join('/run/etc-copy', p.replace(/^\/etc\//, ''));
    if (text.startsWith('->')) {
      steps.push(`mkdir -p ${path.dirname(dest)} && ln -s ${text.slice(2)} ${dest}`);
      continue;
    }
    const src = path.join(files, p.replace(/\//g, '_'));
    fs.writeFileSync(src, text, { mode: 0o755 });
    steps.push(`mkdir -p ${path.dirname(dest)} && cp -p ${src} ${dest}`);
  }
  steps.push('mount --bind /run/etc-copy /etc');
  if (o.ro) steps.push('mount -o remount,bind,ro /etc');
  return steps.join(' && ');
}

const wanted = (name: string) => ({ [`/etc/systemd/system/multi-user.target.wants/${name}`]: `->/etc/systemd/system/${name}` });

/** Two oneshot units that say whether ConditionFirstBoot= held. */
const FIRST_BOOT_UNITS = {
  '/etc/systemd/system/first.service': '[Unit]\nConditionFirstBoot=yes\n[Service]\nType=oneshot\nExecStart=/bin/echo first-boot-unit-ran\n',
  '/etc/systemd/system/later.service': '[Unit]\nConditionFirstBoot=no\n[Service]\nType=oneshot\nExecStart=/bin/echo not-first-boot-unit-ran\n',
  ...wanted('first.service'),
  ...wanted('later.service'),
};

/** What the CMD reports: the ID seen through /etc, the file beneath it, whether it is a read-only mount. */
const REPORT = [
  'echo "seen=$(cat /etc/machine-id)"',
  'echo "beneath=$(cat /run/etc-copy/machine-id 2>&1 | head -c 40)"',
  'echo "mounted=$(grep -c " /etc/machine-id " /proc/self/mountinfo)"',
  '(echo x > /etc/machine-id) 2>/dev/null && echo write=yes || echo write=no',
].join('; ');

function field(out: string, name: string): string | undefined {
  return new RegExp(`^${name}=(.*)$`, 'm').exec(out)?.[1];
}

describe('the machine ID at boot', () => {
  it('an empty file on a writable /etc gets the ID written in ($container_uuid); not a first boot', async () => {
    const setup = `${HIDE_DBUS} && ${privateEtc('', { files: FIRST_BOOT_UNITS })}`;
    const r = await runAsPid1(['--', '/bin/sh', '-c', REPORT], containerEnv({ container_uuid: UUID }), setup);
    expect(r.code).toBe(0);
    expect(field(r.stdout, 'seen')).toBe(UUID.replace(/-/g, ''));
    expect(field(r.stdout, 'beneath')).toBe(UUID.replace(/-/g, ''));
    expect(field(r.stdout, 'mounted')).toBe('0');
    expect(r.stdout).toContain('not-first-boot-unit-ran');
    expect(r.stdout).not.toMatch(/first\.service: first-boot-unit-ran/);
  });

  it("D-Bus's machine ID comes first, when it is a regular file", async () => {
    const dbusId = 'ab'.repeat(16);
    const setup = `${HIDE_DBUS} && echo ${dbusId} > /var/lib/dbus/machine-id && ${privateEtc('')}`;
    const r = await runAsPid1(['--', '/bin/sh', '-c', REPORT], containerEnv({ container_uuid: UUID }), setup);
    expect(field(r.stdout, 'seen')).toBe(dbusId);
  });

  it.each(['missing', 'uninitialized\n'])(
    '%j: a first boot: a transient ID bind-mounted read-only during the boot, "uninitialized" beneath; committed once the boot is done',
    async (content) => {
      const during = {
        '/etc/systemd/system/during.service': `[Service]\nType=oneshot\nExecStart=/bin/sh -c '${REPORT.replace(/'/g, "'\\''")}'\n`,
        ...wanted('during.service'),
      };
      const setup = privateEtc(content, { files: { ...FIRST_BOOT_UNITS, ...during } });
      const r = await runAsPid1(['--', '/bin/sh', '-c', REPORT], containerEnv(), setup);
      expect(r.code).toBe(0);
      const seen = field(r.stdout, 'during.service: seen');
      expect(seen).toMatch(ID_RE);
      expect(field(r.stdout, 'during.service: beneath')).toBe('uninitialized');
      expect(field(r.stdout, 'during.service: mounted')).toBe('1');
      expect(field(r.stdout, 'during.service: write')).toBe('no');
      expect(r.stdout).toMatch(/first\.service: first-boot-unit-ran/);
      expect(r.stdout).not.toContain('not-first-boot-unit-ran');
      // systemd-machine-id-commit's work: the same ID, now in the file itself.
      expect(field(r.stdout, 'seen')).toBe(seen);
      expect(field(r.stdout, 'beneath')).toBe(seen);
      expect(field(r.stdout, 'mounted')).toBe('0');
    },
  );

  it('a read-only /etc: the empty file stays empty beneath a transient ID; not a first boot', async () => {
    const setup = privateEtc('', { ro: true, files: FIRST_BOOT_UNITS });
    const r = await runAsPid1(['--', '/bin/sh', '-c', REPORT], containerEnv(), setup);
    expect(r.code).toBe(0);
    expect(field(r.stdout, 'seen')).toMatch(ID_RE);
    expect(field(r.stdout, 'beneath')).toBe('');
    expect(field(r.stdout, 'mounted')).toBe('1');
    expect(r.stdout).toContain('not-first-boot-unit-ran');
  });

  it('a FIFO is never read into a hang nor written: a warning, and a transient ID over it', async () => {
    const setup = privateEtc('fifo');
    const r = await runAsPid1(['--', '/bin/sh', '-c', 'echo "seen=$(timeout 5 cat /etc/machine-id)"; test -p /run/etc-copy/machine-id && echo fifo-beneath'], containerEnv(), setup);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('/etc/machine-id is a FIFO, not a machine ID file');
    expect(field(r.stdout, 'seen')).toMatch(ID_RE);
    expect(r.stdout).toContain('fifo-beneath');
  });

  it('a directory or garbage: said, and handled as systemd does (refused; garbage replaced)', async () => {
    const dir = await runAsPid1(['--', '/bin/true'], containerEnv(), privateEtc('dir'));
    expect(dir.code).toBe(0);
    expect(dir.stderr).toContain('machine ID not set up: /etc/machine-id is a directory');
    const junk = await runAsPid1(['--', '/bin/sh', '-c', 'echo "seen=$(cat /etc/machine-id)"'], containerEnv(), privateEtc('not an id\n'));
    expect(junk.stderr).toContain('/etc/machine-id does not hold a valid machine ID; replacing it');
    expect(field(junk.stdout, 'seen')).toMatch(ID_RE);
  });

  it('a planted symlink at /etc/machine-id is not followed', async () => {
    const setup = `${privateEtc('')} && echo keep-me > /run/target && rm /etc/machine-id && ln -s /run/target /etc/machine-id`;
    const r = await runAsPid1(['--', '/bin/sh', '-c', 'cat /run/target'], containerEnv(), setup);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('keep-me\n');
    expect(r.stderr).toContain('machine ID not set up: /etc/machine-id is a symbolic link; not followed');
  });

  it.each([
    ['missing', '1'],
    ['', '0'],
  ])('generators run after the ID is set up, with SYSTEMD_FIRST_BOOT as systemd 257 says (%j: %s)', async (content, expected) => {
    const gen = path.join(tempDir('ts-init-gen-'), 'first-boot-generator');
    fs.writeFileSync(gen, '#!/bin/sh\necho "$SYSTEMD_FIRST_BOOT $(cat /etc/machine-id)" > /run/generator-saw\n', { mode: 0o755 });
    const setup = `${privateEtc(content)} && cp ${gen} /usr/lib/systemd/system-generators/`;
    const r = await runAsPid1(['--', '/bin/cat', '/run/generator-saw'], containerEnv(), setup);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${expected} [0-9a-f]{32}\n$`));
  });

  it("without CAP_SYS_ADMIN (Docker's default) no mount can be made: a writable /etc/machine-id gets the ID written in", async () => {
    // The setup execs ts-init itself, without CAP_SYS_ADMIN in its bounding set (still PID 1).
    const setup = `${privateEtc('missing')} && exec setpriv --bounding-set -sys_admin -- ${PINNED_TS_INIT} "$@"`;
    const r = await runAsPid1(['-v', '--', '/bin/sh', '-c', REPORT], containerEnv(), setup);
    expect(r.code).toBe(0);
    expect(field(r.stdout, 'seen')).toMatch(ID_RE);
    expect(field(r.stdout, 'beneath')).toBe(field(r.stdout, 'seen'));
    expect(field(r.stdout, 'mounted')).toBe('0');
    expect(r.stderr).toMatch(/cannot bind-mount \/run\/machine-id over \/etc\/machine-id \(EPERM\); wrote the machine ID into it/);
  });

  it('in a bare PID namespace on the host root (no container), nothing is written', async () => {
    const r = await runAsPid1(['--', '/bin/sh', '-c', REPORT], { env: { ...process.env, TS_INIT_RICH: '1' } }, privateEtc(''));
    expect(r.code).toBe(0);
    expect(field(r.stdout, 'seen')).toBe('');
    expect(field(r.stdout, 'mounted')).toBe('0');
  });
});

describe('settings a container cannot apply', () => {
  const units = {
    'a.service': '[Service]\nType=oneshot\nPrivateTmp=yes\nProtectSystem=strict\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n',
    'b.service': '[Service]\nType=oneshot\nProtectHome=yes\nPrivateDevices=yes\nExecStart=/bin/true\n',
    'c.service': '[Service]\nType=oneshot\nPrivateTmp=disconnected\nNoNewPrivileges=yes\nExecStart=/bin/true\n',
  };

  it('ONE line for the whole boot at the default verbosity, naming how many units and -v; -v lists each unit', async () => {
    const dir = unitDir(units);
    const quiet = await runAsPid1(['--units', dir, '--', '/bin/true']);
    expect(quiet.code).toBe(0);
    const lines = quiet.stderr.split('\n').filter((l) => /container cannot apply|not applied in a container|not supported/.test(l));
    expect(lines).toEqual(['[WARN  ts-init] 3 units carry settings a container cannot apply (sandboxing, resource control, scheduling); they are ignored (-v lists them)']);
    const verbose = await runAsPid1(['-v', '--units', dir, '--', '/bin/true']);
    expect(verbose.stderr).toMatch(/a\.service: 2 settings not applied in a container, ignored: PrivateTmp, ProtectSystem/);
    expect(verbose.stderr).toMatch(/b\.service: 2 settings not applied in a container, ignored: ProtectHome, PrivateDevices/);
    expect(verbose.stderr).toMatch(/c\.service: 2 settings not applied in a container, ignored: PrivateTmp, NoNewPrivileges/);
  });
});

/** A Type=notify-reload daemon in python: READY=1 at start; on SIGHUP (answer=yes) RELOADING=1 with MONOTONIC_USEC=, then READY=1. */
function reloadDaemon(answer: boolean): string {
  const py = [
    'import os,signal,socket,time',
    'def say(m):',
    ' s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM); s.sendto(m.encode(),os.environ["NOTIFY_SOCKET"]); s.close()',
    'def hup(n,f):',
    ' print("got SIGHUP",flush=True)',
    answer ? ' say("RELOADING=1\\nMONOTONIC_USEC=%d" % (time.clock_gettime_ns(time.CLOCK_MONOTONIC)//1000)); time.sleep(0.3); open("/run/answers-reloaded","w").close(); say("READY=1")' : ' pass',
    'signal.signal(signal.SIGHUP,hup)',
    'say("READY=1")',
    'while True: time.sleep(1)',
  ].join('\n');
  fs.writeFileSync(path.join(daemons, answer ? 'answers.py' : 'silent.py'), `${py}\n`);
  return `/usr/bin/python3 ${path.join(daemons, answer ? 'answers.py' : 'silent.py')}`;
}

let daemons: string;
beforeAll(() => {
  daemons = tempDir('ts-init-daemons-');
});

describe('Type=notify-reload', () => {
  it('reload sends SIGHUP and waits for RELOADING=1 and READY=1; one that never answers fails the reload after the timeout and stays up', async () => {
    const dir = unitDir({
      'answers.service': `[Service]\nType=notify-reload\nExecStart=${reloadDaemon(true)}\n[Install]\nWantedBy=multi-user.target\n`,
      'silent.service': `[Service]\nType=notify-reload\nTimeoutStartSec=1\nExecStart=${reloadDaemon(false)}\n[Install]\nWantedBy=multi-user.target\n`,
    });
    const script = [
      't0=$(date +%s%N); systemctl reload answers; echo "answers rc=$? ms=$(( ($(date +%s%N)-t0)/1000000 ))"; test -e /run/answers-reloaded && echo "answers had reloaded"',
      't0=$(date +%s%N); systemctl reload silent; echo "silent rc=$? ms=$(( ($(date +%s%N)-t0)/1000000 ))"',
      'echo "silent is $(systemctl is-active silent)"',
      'echo "answers is $(systemctl is-active answers)"',
    ].join('; ');
    const r = await runAsPid1(['--units', dir, '--', '/bin/sh', '-c', `PATH=${bin}:$PATH; ${script}`]);
    expect(r.code).toBe(0);
    const answers = /answers rc=(\d+) ms=(\d+)/.exec(r.stdout)!;
    expect(answers[1]).toBe('0');
    // systemctl returned only once the daemon had reloaded (it takes 300 ms after the signal).
    expect(Number(answers[2])).toBeGreaterThanOrEqual(250);
    // (the daemon marks its reload done before READY=1: the mark is there when systemctl returns)
    expect(r.stdout).toContain('answers had reloaded');
    const silent = /silent rc=(\d+) ms=(\d+)/.exec(r.stdout)!;
    expect(silent[1]).toBe('1');
    expect(Number(silent[2])).toBeGreaterThanOrEqual(900);
    expect(r.stdout).toContain('silent.service: got SIGHUP');
    expect(r.stdout).toContain('silent is active');
    expect(r.stdout).toContain('answers is active');
    expect(r.stderr).toMatch(/reload timed out after 1000 ms/);
  });
});

describe("a socket's Result=", () => {
  it('a socket whose service hits its start limit says Result: service-start-limit-hit in status and show', async () => {
    const dir = unitDir({
      'flap.socket': '[Socket]\nListenStream=/run/flap.sock\n[Install]\nWantedBy=sockets.target\n',
      'flap.service': '[Unit]\nStartLimitBurst=2\nStartLimitIntervalSec=60\n[Service]\nExecStart=/bin/false\n',
    });
    const setup = [
      `cp ${dir}/* /usr/lib/systemd/system/`,
      'mkdir -p /etc/systemd/system/sockets.target.wants',
      'ln -s /usr/lib/systemd/system/flap.socket /etc/systemd/system/sockets.target.wants/flap.socket',
    ].join(' && ');
    const poke = `/usr/bin/python3 -c 'import socket,time\nfor i in range(8):\n  try:\n    s=socket.socket(socket.AF_UNIX); s.connect("/run/flap.sock"); s.close()\n  except OSError: pass\n  time.sleep(0.3)'`;
    const cmd = `${poke}; systemctl status flap.socket; systemctl show -p Result flap.socket; true`;
    const r = await runAsPid1(['--rich', '--', '/bin/sh', '-c', `PATH=${bin}:$PATH; ${cmd}`], {}, setup);
    expect(r.stderr).toMatch(/flap\.service keeps failing to start; flap\.socket gives up \(Result: service-start-limit-hit\)/);
    expect(r.stdout).toMatch(/Active: failed \(Result: service-start-limit-hit\)/);
    expect(r.stdout).toContain('Result=service-start-limit-hit');
  });
});

describe('OpenFile=', () => {
  it('the files are opened by ts-init and passed from fd 3 with their names; graceful ones may be missing, others fail the start', async () => {
    const py = path.join(daemons, 'openfile.py');
    fs.writeFileSync(
      py,
      'import os\nprint("fds", os.environ["LISTEN_FDS"], os.environ["LISTEN_FDNAMES"], os.environ["LISTEN_PID"] == str(os.getpid()), flush=True)\n' +
        'print("read", os.read(3, 100).decode().strip(), flush=True)\nos.write(4, b"appended\\n")\n',
      { mode: 0o644 },
    );
    fs.chmodSync(daemons, 0o755); // the unit runs as nobody
    const dir = unitDir({
      'files.service': `[Service]\nType=oneshot\nUser=nobody\nOpenFile=/run/secret.txt:secret:read-only\nOpenFile=/run/out.log::append\nOpenFile=/run/missing:gone:graceful\nExecStart=/usr/bin/python3 ${py}\n[Install]\nWantedBy=multi-user.target\n`,
      'strict.service': '[Service]\nType=oneshot\nOpenFile=/run/missing\nExecStart=/bin/echo should-not-run\n[Install]\nWantedBy=multi-user.target\n',
    });
    // Root-only files the unit could not open itself: it runs as nobody.
    const setup = 'echo top-secret > /run/secret.txt && chmod 600 /run/secret.txt && echo first > /run/out.log && chmod 600 /run/out.log';
    const r = await runAsPid1(['--units', dir, '--', '/bin/sh', '-c', `PATH=${bin}:$PATH; cat /run/out.log; systemctl is-failed strict`], {}, setup);
    expect(r.stdout).toContain('files.service: fds 2 secret:/run/out.log True');
    expect(r.stdout).toContain('files.service: read top-secret');
    expect(r.stdout).toContain('first\nappended\n');
    expect(r.stdout).not.toContain('should-not-run');
    expect(r.stdout).toMatch(/^failed$/m);
    expect(r.stderr).toMatch(/status 202\): OpenFile=\/run\/missing: ENOENT/);
  });
});

describe('credentials', () => {
  it("$CREDENTIALS_DIRECTORY: the unit's User= reads its credentials; another user cannot; removed when the unit stops", async () => {
    const dir = unitDir({
      'app.service':
        '[Service]\nUser=daemon\nSetCredential=token:s3cret\nSetCredential=key:not-this-one\nLoadCredential=key:/run/keyfile\n' +
        'ExecStart=/bin/sh -c \'echo "dir=$CREDENTIALS_DIRECTORY"; echo "token=$(cat $CREDENTIALS_DIRECTORY/token)"; echo "key=$(cat $CREDENTIALS_DIRECTORY/key)"; exec sleep 100\'\n' +
        '[Install]\nWantedBy=multi-user.target\n',
    });
    const cmd = [
      'sleep 1',
      'stat -c "%a %U" /run/credentials/app.service /run/credentials/app.service/token',
      'setpriv --reuid 65534 --regid 65534 --clear-groups cat /run/credentials/app.service/token 2>&1 | sed "s/^/nobody: /"',
      'systemctl stop app',
      'test -e /run/credentials/app.service && echo still-there || echo removed',
    ].join('; ');
    const r = await runAsPid1(['--units', dir, '--', '/bin/sh', '-c', `PATH=${bin}:$PATH; ${cmd}`], {}, 'echo from-file > /run/keyfile && chmod 600 /run/keyfile');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('app.service: dir=/run/credentials/app.service');
    expect(r.stdout).toContain('app.service: token=s3cret');
    expect(r.stdout).toContain('app.service: key=from-file');
    expect(r.stdout).toContain('500 daemon\n400 daemon\n');
    expect(r.stdout).toMatch(/nobody: cat: \/run\/credentials\/app\.service\/token: Permission denied/);
    expect(r.stdout).toContain('removed');
  });

  it('an encrypted credential is refused at start, clearly', async () => {
    const dir = unitDir({
      'enc.service': '[Service]\nType=oneshot\nSetCredentialEncrypted=db:AAAA\nExecStart=/bin/echo should-not-run\n[Install]\nWantedBy=multi-user.target\n',
    });
    const r = await runAsPid1(['--units', dir, '--', '/bin/true']);
    expect(r.stdout).not.toContain('should-not-run');
    expect(r.stderr).toContain("cannot set up the credentials: SetCredentialEncrypted=db: encrypted credentials need systemd-creds' TPM2 or host key");
  });
});

describe('StateDirectory= and its kin', () => {
  it('made when missing, owned by User= (the configuration one by root), named in $STATE_DIRECTORY...; an existing one is left as it is', async () => {
    const dir = unitDir({
      'dirs.service':
        '[Service]\nType=oneshot\nUser=daemon\nStateDirectory=app app/sub\nStateDirectoryMode=0750\nCacheDirectory=app\nLogsDirectory=app\nConfigurationDirectory=app\nLogsDirectory=kept\n' +
        'ExecStart=/bin/sh -c \'echo "state=$STATE_DIRECTORY cache=$CACHE_DIRECTORY logs=$LOGS_DIRECTORY conf=$CONFIGURATION_DIRECTORY"; touch /var/lib/app/ok && echo writable\'\n' +
        '[Install]\nWantedBy=multi-user.target\n',
    });
    // Private /var/lib, /var/cache, /var/log and /etc: nothing is made on the host.
    const setup = `${privateEtc('')} && for d in /var/lib /var/cache /var/log; do mount -t tmpfs tmpfs $d; done && mkdir -m 0700 /var/log/kept`;
    const cmd = 'stat -c "%n %a %U" /var/lib/app /var/lib/app/sub /var/cache/app /var/log/app /etc/app /var/log/kept';
    const r = await runAsPid1(['--units', dir, '--', '/bin/sh', '-c', cmd], {}, setup);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('dirs.service: state=/var/lib/app:/var/lib/app/sub cache=/var/cache/app logs=/var/log/app:/var/log/kept conf=/etc/app');
    expect(r.stdout).toContain('dirs.service: writable');
    expect(r.stdout).toContain(
      ['/var/lib/app 750 daemon', '/var/lib/app/sub 750 daemon', '/var/cache/app 755 daemon', '/var/log/app 755 daemon', '/etc/app 755 root', '/var/log/kept 700 root'].join('\n'),
    );
  });
});
