import { describe, expect, it } from 'vitest';
import { DEFAULT_GRACE_MS, parseArgs, type InitOptions } from '../../../src/cli/options';

function run(argv: string[], env: NodeJS.ProcessEnv = {}): InitOptions {
  const r = parseArgs(argv, env);
  if (r.kind !== 'run') throw new Error(`expected run, got ${JSON.stringify(r)}`);
  return r.options;
}

describe('tini flags', () => {
  it('defaults match tini with zero flags', () => {
    const o = run(['--', 'app']);
    expect(o).toMatchObject({ command: ['app'], subreaper: false, killProcessGroup: false, verbosity: 1, warnOnReap: false, graceMs: DEFAULT_GRACE_MS });
    expect(o.parentDeathSignal).toBeUndefined();
    expect([...o.remapToZero]).toEqual([]);
  });

  it('clusters, repeats and attached values', () => {
    const o = run(['-sgw', '-vvv', '-e3', '-e', '4', '-pSIGKILL', '--', 'app', '-x']);
    expect(o).toMatchObject({ subreaper: true, killProcessGroup: true, warnOnReap: true, verbosity: 4, parentDeathSignal: 9, command: ['app', '-x'] });
    expect([...o.remapToZero].sort()).toEqual([3, 4]);
  });

  it('-p takes names without SIG and numbers', () => {
    expect(run(['-p', 'TERM', 'app']).parentDeathSignal).toBe(15);
    expect(run(['-p', '9', 'app']).parentDeathSignal).toBe(9);
    expect(run(['-p', 'RTMIN+3', 'app']).parentDeathSignal).toBe(37);
  });

  it('stops at the first non-option like getopt("+")', () => {
    expect(run(['-s', 'app', '-g']).command).toEqual(['app', '-g']);
    expect(run(['-s', 'app', '-g']).killProcessGroup).toBe(false);
  });

  it('--version, -h, --help and -l win', () => {
    expect(parseArgs(['--version'], {}).kind).toBe('version');
    expect(parseArgs(['-h', 'app'], {}).kind).toBe('help');
    expect(parseArgs(['--help'], {}).kind).toBe('help');
    expect(parseArgs(['-l'], {}).kind).toBe('license');
  });

  it.each([
    [['-x', 'app'], "unknown option '-x'"],
    [['--nope', 'app'], "unknown option '--nope'"],
    [['-e'], '-e needs a value'],
    [['-e', '-1', 'app'], '-e takes an exit code from 0 to 255'],
    [['-p', 'SIGFOO', 'app'], "-p takes a signal name or number, not 'SIGFOO'"],
    [['--', '--', 'app'], "'--' given twice"],
    [['--'], 'no command given'],
    [['-s'], 'no command given'],
    [['--grace'], '--grace needs a value'],
    [['--grace', '-1', 'app'], '--grace takes a number of seconds'],
    [['--no-wait=1', 'app'], '--no-wait takes no value'],
    [['--log-format', 'xml', 'app'], "--log-format takes 'text' or 'json'"],
  ])('usage error for %j', (argv, message) => {
    const r = parseArgs(argv as string[], {});
    expect(r.kind).toBe('usage-error');
    expect(r.kind === 'usage-error' && r.message).toContain(message);
  });
});

describe('environment forms', () => {
  it("tini's variables only need to be set", () => {
    const o = run(['app'], { TINI_SUBREAPER: '', TINI_KILL_PROCESS_GROUP: '', TINI_VERBOSITY: '3' });
    expect(o).toMatchObject({ subreaper: true, killProcessGroup: true, verbosity: 3 });
  });

  it("ts-init's own variables, overridden by the command line", () => {
    const o = run(['--grace', '2', '--units', '/b', 'app'], {
      TS_INIT_GRACE: '5',
      TS_INIT_UNITS: '/a:/c',
      TS_INIT_NO_WAIT: '1',
      TS_INIT_INITSCRIPT: '/init.sh',
      TS_INIT_LOG_FORMAT: 'json',
    });
    expect(o).toMatchObject({ graceMs: 2000, unitDirs: ['/b'], noWait: true, initScript: '/init.sh', logFormat: 'json' });
    expect(run(['app'], { TS_INIT_UNITS: '/a:/c' }).unitDirs).toEqual(['/a', '/c']);
    expect(run(['app'], { TS_INIT_NO_WAIT: 'no' }).noWait).toBe(false);
  });

  it('bad values in the environment are usage errors too', () => {
    expect(parseArgs(['app'], { TS_INIT_GRACE: 'x' }).kind).toBe('usage-error');
    expect(parseArgs(['app'], { TINI_VERBOSITY: 'x' }).kind).toBe('usage-error');
  });
});

describe('--systemd-identity', () => {
  it("yes by default; no, 0, false, off turn it off (systemd's booleans), from the command line or TS_INIT_SYSTEMD_IDENTITY", () => {
    expect(run(['app']).systemdIdentity).toBe(true);
    for (const v of ['no', '0', 'false', 'off', 'NO']) expect(run([`--systemd-identity=${v}`, 'app']).systemdIdentity).toBe(false);
    expect(run(['--systemd-identity', 'yes', 'app']).systemdIdentity).toBe(true);
    expect(run(['app'], { TS_INIT_SYSTEMD_IDENTITY: 'no' }).systemdIdentity).toBe(false);
    expect(run(['--systemd-identity=yes', 'app'], { TS_INIT_SYSTEMD_IDENTITY: 'no' }).systemdIdentity).toBe(true);
    const bad = parseArgs(['--systemd-identity=maybe', 'app'], {});
    expect(bad).toEqual({ kind: 'usage-error', message: "--systemd-identity takes 'yes' or 'no', not 'maybe'" });
  });
});
