import { describe, expect, it } from 'vitest';
import { helpText, parseDumbInitArgs } from '../../../src/personality/dumb-init-cli';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseDumbInitArgs('dumb-init', argv, env);
const REWRITE_HELP =
  'Usage: -r option takes <signum>:<signum>, where <signum> is between 1 and 31.\n' +
  'This option can be specified multiple times.\nUse --help for full usage.\n';

describe('dumb-init command line', () => {
  it('setsid mode by default, with the job-control stops rewritten to SIGSTOP', () => {
    const r = parse(['sleep', '1']);
    expect(r).toMatchObject({ kind: 'run', options: { command: ['sleep', '1'], setsid: true, debug: false } });
    if (r.kind === 'run') expect([...r.options.rewrite]).toEqual([[20, 19], [22, 19], [21, 19]]);
  });

  it('-c, --single-child and DUMB_INIT_SETSID=0: no setsid, no default rewrites', () => {
    for (const r of [parse(['-c', 'x']), parse(['--single-child', 'x']), parse(['--sing', 'x']), parse(['x'], { DUMB_INIT_SETSID: '0' })]) {
      expect(r).toMatchObject({ kind: 'run', options: { setsid: false } });
      if (r.kind === 'run') expect(r.options.rewrite.size).toBe(0);
    }
  });

  it('-r s:r in every spelling; 0 drops the signal; user rewrites win over the defaults', () => {
    const r = parse(['-r', '15:2', '-r1:0', '--rewrite=20:1', '--rewrite', '3:4junk', '-vr', '5:6', 'x']);
    expect(r.kind).toBe('run');
    if (r.kind !== 'run') return;
    expect(Object.fromEntries(r.options.rewrite)).toEqual({ 15: 2, 1: 0, 20: 1, 3: 4, 5: 6, 21: 19, 22: 19 });
    expect(r.options.debug).toBe(true);
  });

  it.each([[['-r']], [['-r', '']], [['-r', 'herp']], [['-r', '15']], [['-r', '15::12']], [['-r', '0:1']], [['-r', '1:32']], [['-r', '32:1']]])(
    'bad -r %j: dumb-init\'s usage text, exit 1',
    (args) => {
      expect(parse([...args, 'echo', 'hi'])).toEqual({ kind: 'exit', code: 1, stderr: REWRITE_HELP });
    },
  );

  it('help and version go to stderr and exit 0, at once', () => {
    expect(parse(['-h', '--yolo'])).toEqual({ kind: 'exit', code: 0, stderr: helpText('dumb-init') });
    expect(helpText('dumb-init')).toMatch(/^dumb-init v1\.2\.5\nUsage: dumb-init \[option\] command \[\[arg\] \.\.\.\]\n/);
    for (const f of ['-V', '--version', '--vers']) expect(parse([f])).toEqual({ kind: 'exit', code: 0, stderr: 'dumb-init v1.2.5\n' });
  });

  it("glibc getopt's messages for bad options", () => {
    expect(parse(['--yolo', 'x'])).toEqual({ kind: 'exit', code: 1, stderr: "dumb-init: unrecognized option '--yolo'\n" });
    expect(parse(['-x', 'y'])).toEqual({ kind: 'exit', code: 1, stderr: "dumb-init: invalid option -- 'x'\n" });
    expect(parse(['--ver', 'x'])).toEqual({ kind: 'exit', code: 1, stderr: "dumb-init: option '--ver' is ambiguous; possibilities: '--verbose' '--version'\n" });
    expect(parse(['--help=1'])).toEqual({ kind: 'exit', code: 1, stderr: "dumb-init: option '--help' doesn't allow an argument\n" });
    expect(parse(['--rewrite'])).toEqual({ kind: 'exit', code: 1, stderr: "dumb-init: option '--rewrite' requires an argument\n" });
  });

  it('no command: the short usage, exit 1; options stop at the first word and at --', () => {
    expect(parse([])).toEqual({ kind: 'exit', code: 1, stderr: 'Usage: dumb-init [option] program [args]\nTry dumb-init --help for full usage.\n' });
    expect(parse(['-v'])).toMatchObject({ kind: 'exit', code: 1 });
    expect(parse(['--', '-c', 'x'])).toMatchObject({ kind: 'run', options: { command: ['-c', 'x'], setsid: true } });
    expect(parse(['sh', '-c', 'x'])).toMatchObject({ kind: 'run', options: { command: ['sh', '-c', 'x'] } });
  });

  it('DUMB_INIT_DEBUG=1 turns debugging on and says so', () => {
    expect(parse(['x'], { DUMB_INIT_DEBUG: '1', DUMB_INIT_SETSID: '0' })).toMatchObject({
      kind: 'run',
      options: { debug: true, setsid: false, debugLines: ['Running in debug mode.', 'Not running in setsid mode.'] },
    });
    expect(parse(['x'], { DUMB_INIT_DEBUG: 'yes' })).toMatchObject({ options: { debug: false, debugLines: [] } });
  });
});
