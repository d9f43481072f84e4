// Exit statuses, usage errors and --version of the built executable, as PID 1.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAsPid1, runDirect } from '../helpers/ts-init';
import { tempDir } from '../helpers/temp-dir';

describe('exit status of the CMD becomes ts-init\'s', () => {
  it.each([0, 1, 2, 42, 100, 125, 126, 127, 128, 200, 255])('exit %i passes through', async (code) => {
    const r = await runAsPid1(['--', '/bin/sh', '-c', `exit ${code}`]);
    expect(r.code).toBe(code);
  });

  it.each([
    ['TERM', 15],
    ['KILL', 9],
    ['INT', 2],
    ['SEGV', 11],
    ['USR1', 10],
    ['HUP', 1],
  ])('killed by SIG%s gives 128+N', async (name, num) => {
    const r = await runAsPid1(['--', '/bin/sh', '-c', `kill -${name} $$; sleep 5`]);
    expect(r.code).toBe(128 + num);
  });

  it('a missing command gives 127 with a clear message', async () => {
    const r = await runAsPid1(['--', '/no/such/program', 'arg']);
    expect(r.code).toBe(127);
    expect(r.stderr).toMatch(/cannot run '\/no\/such\/program': no such file or directory/);
  });

  it('a command not found in PATH gives 127', async () => {
    const r = await runAsPid1(['--', 'no-such-program-in-path']);
    expect(r.code).toBe(127);
    expect(r.stderr).toMatch(/cannot run 'no-such-program-in-path'/);
  });

  it('a file that is not executable gives 126', async () => {
    const file = path.join(tempDir('ts-init-'), 'plain.txt');
    fs.writeFileSync(file, 'echo hi\n', { mode: 0o644 });
    const r = await runAsPid1(['--', file]);
    expect(r.code).toBe(126);
    expect(r.stderr).toMatch(/permission denied/);
  });

  it('a directory as command gives 126', async () => {
    const r = await runAsPid1(['--', '/tmp']);
    expect(r.code).toBe(126);
  });

  it('-e remaps exit codes to 0, and only those', async () => {
    expect((await runAsPid1(['-e', '3', '--', '/bin/sh', '-c', 'exit 3'])).code).toBe(0);
    expect((await runAsPid1(['-e', '3', '-e4', '--', '/bin/sh', '-c', 'exit 4'])).code).toBe(0);
    expect((await runAsPid1(['-e', '3', '--', '/bin/sh', '-c', 'exit 5'])).code).toBe(5);
    // The remap applies to 128+N as well, as in tini.
    expect((await runAsPid1(['-e', '143', '--', '/bin/sh', '-c', 'kill -TERM $$'])).code).toBe(0);
  });

  it('works without -- when the command does not start with a dash', async () => {
    const r = await runAsPid1(['/bin/sh', '-c', 'echo "$0 $1"', 'a', 'b']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('a b\n');
  });
});

describe('usage errors start nothing and exit 1', () => {
  const marker = (): string => path.join(tempDir('ts-init-'), 'started');
  it.each([
    [['-x'], /unknown option '-x'/],
    [['--bogus'], /unknown option '--bogus'/],
    [['-p', 'SIGBOGUS'], /-p takes a signal name or number, not 'SIGBOGUS'/],
    [['-e', '256'], /-e takes an exit code from 0 to 255, not '256'/],
    [['-e', 'abc'], /-e takes an exit code/],
    [['--grace', 'soon'], /--grace takes a number of seconds/],
    [['--', '--'], /'--' given twice/],
    [['-touch'], /unknown option '-t' \(put -- before a command that starts with -\)/],
  ])('%j', async (args, message) => {
    const file = marker();
    const r = await runDirect([...(args as string[]), '/usr/bin/touch', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stderr).toMatch(/Try 'ts-init -h'/);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('no command at all', async () => {
    const r = await runDirect([]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no command given/);
  });

  it('bad TINI_VERBOSITY', async () => {
    const r = await runDirect(['--', '/bin/true'], { env: { ...process.env, TINI_VERBOSITY: 'loud' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/TINI_VERBOSITY must be a whole number/);
  });
});

describe('--version, -h, -l', () => {
  it('--version ends with the line Docker parses', async () => {
    const r = await runDirect(['--version']);
    expect(r.code).toBe(0);
    // docker info reads the commit only when tini's line is the last one on stdout.
    expect(r.stdout.endsWith('\n')).toBe(true);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^ts-init version \d+\.\d+\.\d+, git\.[0-9a-z]+$/);
    // Docker splits the output on ' - ' and takes the commit only from a last line.
    expect(r.stdout.split(' - ')).toHaveLength(2);
    expect(lines[1]).toMatch(/^tini version \d+\.\d+\.\d+ - git\.[0-9a-z]+$/);
  });

  it('-h lists every tini flag', async () => {
    const r = await runDirect(['-h']);
    expect(r.code).toBe(0);
    for (const flag of ['-s', '-p SIGNAL', '-v', '-w', '-g', '-e EXIT_CODE', '-l', '--version', 'TINI_SUBREAPER', 'TINI_VERBOSITY', 'TINI_KILL_PROCESS_GROUP']) {
      expect(r.stdout).toContain(flag);
    }
  });

  it('-l prints the license', async () => {
    const r = await runDirect(['-l']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/MIT License/);
  });
});
