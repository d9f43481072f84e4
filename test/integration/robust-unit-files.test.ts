// Unit files that used to crash or hang PID 1: a NUL byte or an over-long argument in
// ExecStart=, FIFOs and /dev/zero named as EnvironmentFile=, PIDFile= or output file,
// a MAINPID= or PID file naming PID 1 or a dead process. Each fails that one unit
// (with the reason said), the CMD runs, and the exit status is the CMD's.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAsPid1, TS_INIT } from '../helpers/ts-init';
import { unitDir } from '../helpers/units';
import { tempDir } from '../helpers/temp-dir';

type Status = { name: string; activeState: string; subState: string; mainPid?: number; result: string };

/** A CMD that waits, prints `ctl --json status` of the units, and exits 0. */
function statusCmd(units: string[], wait = 1): string[] {
  return ['/bin/sh', '-c', `sleep ${wait}; printf "STATUS %s\\n" "$("${TS_INIT}" ctl --json status ${units.join(' ')} | tr -d '\\n')"`];
}

function statuses(stdout: string): Record<string, Status> {
  const line = stdout.split('\n').find((l) => l.startsWith('STATUS '));
  if (!line) throw new Error(`no status line in ${stdout}`);
  const list = JSON.parse(line.slice(7)) as Status[];
  return Object.fromEntries(list.map((s) => [s.name.replace(/\.service$/, ''), s]));
}

const tmpDir = (): string => tempDir('robust-files-');

describe('ExecStart= the kernel cannot take', () => {
  it('a NUL byte or an argument over the kernel limit (E2BIG) fails that unit only', async () => {
    const dir = unitDir({
      'nul.service': `[Service]\nExecStart=/bin/echo a\u0000b\n`,
      'escnul.service': `[Service]\nExecStart=/bin/echo "a\\x00b"\n`,
      'big.service': `[Service]\nExecStart=/bin/echo ${'x'.repeat(200_000)}\n`,
      'fine.service': `[Service]\nExecStart=/bin/sleep 100\n`,
    });
    const r = await runAsPid1(['--units', dir, '--', ...statusCmd(['nul', 'escnul', 'big', 'fine'])]);
    expect(r.code).toBe(0);
    const s = statuses(r.stdout);
    expect(s.fine!.activeState).toBe('active');
    for (const u of ['nul', 'escnul', 'big']) expect(s[u]!.activeState, u).not.toBe('active');
    expect(r.stderr).toMatch(/E2BIG \(argument list and environment too long\)/);
    expect(r.stderr).toMatch(/NUL byte/);
    expect(r.stderr).not.toMatch(/internal error/);
  });
});

describe('files a unit names are never waited on or read without bound', () => {
  it('FIFOs and /dev/zero as EnvironmentFile=, PIDFile=, StandardOutput=append: fail those units, PID 1 goes on', async () => {
    const t = tmpDir();
    const fifo = path.join(t, 'fifo');
    const dir = unitDir({
      'envfifo.service': `[Service]\nEnvironmentFile=${fifo}\nExecStart=/bin/sleep 100\n`,
      'envzero.service': `[Service]\nEnvironmentFile=/dev/zero\nExecStart=/bin/sleep 100\n`,
      'outfifo.service': `[Service]\nStandardOutput=append:${fifo}\nExecStart=/bin/sleep 100\n`,
      'pidfifo.service': `[Service]\nType=forking\nPIDFile=${fifo}\nExecStart=/bin/true\n`,
      'pidzero.service': `[Service]\nType=forking\nPIDFile=/dev/zero\nExecStart=/bin/true\n`,
    });
    const r = await runAsPid1(['--units', dir, '--', ...statusCmd(['envfifo', 'envzero', 'outfifo', 'pidfifo', 'pidzero'])], {}, `mkfifo ${fifo}`);
    expect(r.code).toBe(0);
    const s = statuses(r.stdout);
    expect(s.outfifo!.activeState).toBe('failed');
    expect(s.pidfifo!.activeState).toBe('failed');
    expect(s.pidzero!.activeState).toBe('failed');
    // A refused EnvironmentFile= is said, as an unreadable one always was; the unit runs without it.
    expect(r.stderr).toMatch(new RegExp(`EnvironmentFile ${fifo}: a FIFO, not a regular file`));
    expect(r.stderr).toMatch(/EnvironmentFile \/dev\/zero: a character device, not a regular file/);
    expect(r.stderr).toMatch(/is a FIFO with no reader/);
    expect(r.stderr).toMatch(/PID file \/dev\/zero: a character device/);
    // The forking units wait out their PID file (5 s); nothing else takes long.
    expect(r.ms).toBeLessThan(12_000);
  });
});

describe('main pids that are not the unit’s', () => {
  const notifier = (mainPid: string, exitCode: number): string =>
    `/usr/bin/python3 -c 'import os,socket,time; s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM); s.sendto(b"MAINPID=${mainPid}\\\\nREADY=1", os.environ["NOTIFY_SOCKET"]); time.sleep(0.5); raise SystemExit(${exitCode})'`;

  it('MAINPID=1 or a dead pid is refused: the real process exiting 3 fails the unit, the CMD is not signalled', async () => {
    const t = tmpDir();
    const dir = unitDir({
      'pid1.service': `[Service]\nType=notify\nExecStart=${notifier('1', 3)}\n`,
      'dead.service': `[Service]\nType=notify\nExecStart=${notifier('999999', 3)}\n`,
      'pidfile1.service': `[Service]\nType=forking\nPIDFile=${t}/one.pid\nExecStart=/bin/sh -c 'echo 1 > ${t}/one.pid'\n`,
    });
    const r = await runAsPid1(['-v', '--units', dir, '--', '/bin/sh', '-c', `trap 'echo CMD-GOT-TERM' TERM; ${statusCmd(['pid1', 'dead', 'pidfile1'], 6)[2]}`]);
    expect(r.stdout).not.toContain('CMD-GOT-TERM');
    expect(r.code).toBe(0);
    const s = statuses(r.stdout);
    expect(s.pid1).toMatchObject({ activeState: 'failed', result: 'exit-code' });
    expect(s.dead).toMatchObject({ activeState: 'failed', result: 'exit-code' });
    expect(s.pidfile1!.activeState).toBe('failed');
    expect(r.stderr).toMatch(/new main PID 1 is the manager; refusing it/);
    expect(r.stderr).toMatch(/new main PID 999999 does not exist or is a zombie; refusing it/);
    expect(r.stderr).toMatch(/PID 1 in PID file .*one\.pid is the manager; refusing it/);
  });

  it('a main pid that is not ts-init\'s child and is reaped by its own parent is seen to be gone', async () => {
    // The unit names its child as MAINPID, then reaps it itself: no exit reaches ts-init.
    const py = `import os,socket,subprocess,time; p=subprocess.Popen(["sleep","1"]); s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM); s.sendto(("MAINPID=%d\\\\nREADY=1" % p.pid).encode(), os.environ["NOTIFY_SOCKET"]); p.wait(); time.sleep(100)`;
    const dir = unitDir({ 'adopt.service': `[Service]\nType=notify\nExecStart=/usr/bin/python3 -c '${py}'\n` });
    const r = await runAsPid1(['--units', dir, '--', ...statusCmd(['adopt'], 3.5)]);
    expect(r.code).toBe(0);
    const s = statuses(r.stdout);
    expect(s.adopt!.activeState).not.toBe('active');
    expect(r.stderr).toMatch(/main PID \d+ is gone without its exit reaching ts-init/);
  });
});
