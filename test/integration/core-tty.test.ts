// With a terminal on stdin, the CMD runs in its own process group that is the
// terminal's foreground group: Ctrl-C reaches the CMD once, from the terminal.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, start, TS_INIT, requireBinary } from '../helpers/ts-init';

const PTY = path.join(FIXTURES, 'pty-run.py');
const CATCHER = path.join(FIXTURES, 'signal-catcher.py');

describe('terminal', () => {
  it('the CMD is its own process group and the foreground of the terminal', async () => {
    requireBinary();
    // /proc/self/stat: field 5 pgrp, field 8 tpgid (the terminal's foreground group).
    const script = `set -- $(cat /proc/$$/stat); echo "pid=$1 pgrp=$5 tpgid=$8 initpid=$PPID"`;
    const r = await start(PTY, ['', '', '--', TS_INIT, '-s', '--', '/bin/sh', '-c', script]).result;
    const m = r.stdout.match(/pid=(\d+) pgrp=(\d+) tpgid=(\d+) initpid=(\d+)/);
    expect(m, r.stdout).not.toBeNull();
    const [, pid, pgrp, tpgid, initPid] = m!;
    expect(pgrp).toBe(pid);
    expect(tpgid).toBe(pid);
    expect(initPid).not.toBe(pid);
    expect(r.stdout).toMatch(/exit=0/);
  });

  it('Ctrl-C on the terminal reaches the CMD exactly once', async () => {
    const r = await start(PTY, ['ready', '\\x03', '--', TS_INIT, '-s', '--', CATCHER, '2'], {
      env: { ...process.env, STOP_SIGNAL: '2' },
    }).result;
    expect(r.stdout.match(/got 2/g)?.length, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/exit=0/);
  });

  it('the CMD reads what is typed on the terminal', async () => {
    const script = 'echo prompt; read line; echo "read=$line"';
    const r = await start(PTY, ['prompt', 'hello\\n', '--', TS_INIT, '-s', '--', '/bin/sh', '-c', script]).result;
    expect(r.stdout).toMatch(/read=hello/);
    expect(r.stdout).toMatch(/exit=0/);
  });

  it('the exit code still passes through with a terminal', async () => {
    const r = await start(PTY, ['', '', '--', TS_INIT, '-s', '--', '/bin/sh', '-c', 'exit 9']).result;
    expect(r.stdout).toMatch(/exit=9/);
  });

  it('a missing command with a terminal is 127', async () => {
    const r = await start(PTY, ['', '', '--', TS_INIT, '-s', '--', '/no/such/cmd']).result;
    expect(r.stdout).toMatch(/cannot run '\/no\/such\/cmd'/);
    expect(r.stdout).toMatch(/exit=127/);
  });
});
