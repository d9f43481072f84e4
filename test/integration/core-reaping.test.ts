// Reaping: a storm of orphans leaves no zombie; subreaper mode outside PID 1;
// whatever outlives the CMD is terminated within the grace, then killed.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAsPid1, runDirect, sleep, startAsPid1, pid1HostPid } from '../helpers/ts-init';
import { tempDir } from '../helpers/temp-dir';

/** Shell that counts zombies in this PID namespace (state Z in /proc/PID/stat). */
const COUNT_ZOMBIES = `cat /proc/[0-9]*/stat 2>/dev/null | awk '$3 == "Z"' | wc -l`;

describe('zombie reaping as PID 1', () => {
  it('reaps a storm of 2,000 orphans and leaves 0 zombies', async () => {
    // Each subshell starts a short-lived process and exits at once, orphaning it to PID 1.
    const script = `
      i=0; while [ $i -lt 2000 ]; do ( /bin/true & ); i=$((i+1)); done
      n=0; while [ $n -lt 200 ]; do z=$(${COUNT_ZOMBIES}); [ "$z" -eq 0 ] && break; sleep 0.05; n=$((n+1)); done
      echo "zombies=$z"`;
    const r = await runAsPid1(['-w', '--', '/bin/sh', '-c', script]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^zombies=0$/m);
    const reaped = r.stderr.match(/Reaped zombie process with pid=\d+/g)?.length ?? 0;
    expect(reaped).toBeGreaterThanOrEqual(2000);
  }, 120_000);

  it('keeps every -w line while its stderr reader is slow (a full, non-blocking pipe)', async () => {
    // stderr is a FIFO nobody reads until the storm is over: 2,000 lines do not fit.
    const dir = tempDir('ts-init-slow-stderr-');
    const fifo = path.join(dir, 'stderr');
    execFileSync('mkfifo', [fifo]);
    const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const writer = fs.openSync(fifo, fs.constants.O_WRONLY);
    const readNow = (): string => {
      let text = '';
      const buf = Buffer.alloc(65536);
      for (;;) {
        try {
          const n = fs.readSync(reader, buf);
          if (n === 0) return text;
          text += buf.subarray(0, n).toString();
        } catch {
          return text; // EAGAIN: nothing more for now
        }
      }
    };
    try {
      const script = `i=0; while [ $i -lt 2000 ]; do ( /bin/true & ); i=$((i+1)); done; echo spawned; sleep 1`;
      const run = startAsPid1(['-w', '--', '/bin/sh', '-c', script], { stdio: ['ignore', 'pipe', writer] });
      fs.closeSync(writer);
      await run.waitFor(/spawned/, 'stdout', 100_000);
      await sleep(300);
      let stderr = '';
      const reading = setInterval(() => (stderr += readNow()), 10);
      const r = await run.result;
      clearInterval(reading);
      stderr += readNow();
      expect(r.code).toBe(0);
      expect(stderr.match(/Reaped zombie process with pid=\d+/g)?.length ?? 0).toBe(2000);
      expect(stderr).not.toMatch(/dropped/);
    } finally {
      fs.closeSync(reader);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('never blocks on a stderr pipe that nobody reads: reaping, the CMD and its status go on', async () => {
    // A blocking FIFO as stderr, its reader open but never reading: 3,000 -w lines fill
    // it many times over. PID 1 writes through a non-blocking descriptor of its own.
    const dir = tempDir('ts-init-stuck-stderr-');
    const fifo = path.join(dir, 'stderr');
    execFileSync('mkfifo', [fifo]);
    const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const writer = fs.openSync(fifo, fs.constants.O_WRONLY);
    try {
      const script = `i=0; while [ $i -lt 3000 ]; do ( /bin/true & ); i=$((i+1)); done
        n=0; while [ $n -lt 200 ]; do z=$(${COUNT_ZOMBIES}); [ "$z" -eq 0 ] && break; sleep 0.05; n=$((n+1)); done
        echo "zombies=$z"; exit 7`;
      const run = startAsPid1(['-w', '--', '/bin/sh', '-c', script], { stdio: ['ignore', 'pipe', writer] });
      fs.closeSync(writer);
      const r = await run.result;
      expect(r.code).toBe(7);
      expect(r.stdout).toMatch(/^zombies=0$/m);
    } finally {
      fs.closeSync(reader);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('reaps orphans that die while the CMD keeps running, without -w it is silent', async () => {
    const script = `for i in 1 2 3 4 5; do ( sleep 0.1 & ); done; sleep 0.6; echo "zombies=$(${COUNT_ZOMBIES})"`;
    const r = await runAsPid1(['--', '/bin/sh', '-c', script]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('zombies=0\n');
    expect(r.stderr).toBe('');
  });

  it('-w warns about each orphan it reaps, never about the CMD, whose status it returns', async () => {
    const script = `( sleep 0.1 & ); sleep 0.4; echo "cmd=$$"; exit 5`;
    const r = await runAsPid1(['-w', '--', '/bin/sh', '-c', script]);
    expect(r.code).toBe(5);
    // tini's wording, which tools and tini's own tests read.
    const warnings = [...r.stderr.matchAll(/Reaped zombie process with pid=(\d+)/g)].map((m) => m[1]);
    expect(warnings, r.stderr).toHaveLength(1);
    expect(warnings).not.toContain(r.stdout.match(/cmd=(\d+)/)![1]);
  });
});

describe('not PID 1', () => {
  it('registers as a child subreaper, warns, and adopts orphans', async () => {
    // The orphan's parent must become ts-init (the CMD's parent), not the host's init.
    const script = `( sleep 2 & echo $! > "$TMPF" ); sleep 0.3; o=$(cat "$TMPF"); awk '{print "orphan-ppid=" $4}' /proc/$o/stat; echo "init-pid=$PPID"; kill $o`;
    const tmpf = path.join(tempDir('ts-init-orphan-'), 'pid');
    const r = await runDirect(['--', '/bin/sh', '-c', script], { env: { ...process.env, TMPF: tmpf } });
    expect(r.code).toBe(0);
    const orphanParent = r.stdout.match(/orphan-ppid=(\d+)/)![1];
    const initPid = r.stdout.match(/init-pid=(\d+)/)![1];
    expect(orphanParent).toBe(initPid);
    expect(r.stderr).toMatch(/not running as PID 1.*subreaper/);
  });

  it('-s (or TINI_SUBREAPER) silences the warning', async () => {
    expect((await runDirect(['-s', '--', '/bin/true'])).stderr).toBe('');
    const r = await runDirect(['--', '/bin/true'], { env: { ...process.env, TINI_SUBREAPER: '' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('what outlives the CMD', () => {
  it('gets SIGTERM and ts-init exits as soon as it is gone', async () => {
    const r = await runAsPid1(['--', '/bin/sh', '-c', 'sleep 100 & sleep 100 & exit 7']);
    expect(r.code).toBe(7);
    expect(r.ms).toBeLessThan(5000);
  });

  it('a process that ignores SIGTERM is killed after --grace', async () => {
    const r = await runAsPid1(['-v', '--grace', '1', '--', '/bin/sh', '-c', `sh -c 'trap "" TERM; sleep 100' & sleep 0.2; exit 3`]);
    expect(r.code).toBe(3);
    expect(r.ms).toBeGreaterThanOrEqual(1000);
    expect(r.ms).toBeLessThan(8000);
    expect(r.stderr).toMatch(/still running after 1000 ms grace; sending SIGKILL/);
  });

  it('the grace also bounds exit when not PID 1 (descendants only)', async () => {
    const r = await runDirect(['-s', '--grace', '0.5', '--', '/bin/sh', '-c', `sh -c 'trap "" TERM; sleep 100' & sleep 0.2; exit 4`]);
    expect(r.code).toBe(4);
    expect(r.ms).toBeLessThan(6000);
  });

  it('SIGTERM to PID 1 while the CMD ignores it: the CMD keeps running', async () => {
    const run = startAsPid1(['--', '/bin/sh', '-c', `trap 'echo got-term' TERM; echo up; while :; do sleep 0.05; done`]);
    await run.waitFor(/up/);
    const pid = await pid1HostPid(run.child.pid!);
    process.kill(pid, 'SIGTERM');
    await run.waitFor(/got-term/);
    process.kill(pid, 'SIGKILL');
    await run.result;
  });
});
