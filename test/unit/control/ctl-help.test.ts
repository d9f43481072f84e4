// `ts-init ctl --help`, `ts-init ctl COMMAND --help` and its usage errors; the verb table is the
// one source of the verbs' words for ctl's help and systemctl's.
import { describe, expect, it } from 'vitest';
import { ctl, parseCtlArgs } from '../../../src/control/ctl-cli';
import { SYSTEMCTL_HELP } from '../../../src/control/systemctl-help';
import { VERBS, verbRow } from '../../../src/control/verbs';

const SOCKET = '/nonexistent/ts-init.sock';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await ctl(argv, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

describe('ts-init ctl help', () => {
  it('--help lists every command with its arguments and what it does', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: ts-init ctl \[--socket PATH\] \[--json\] COMMAND \[ARGS\.\.\.\]\n/);
    for (const v of VERBS) {
      const row = verbRow(v);
      expect(r.out, v).toContain(`  ${`${v} ${row.args}`.trimEnd()}`);
      expect(r.out, v).toContain(row.summary);
    }
  });

  it('COMMAND --help (or -h) says what one command does, and who may ask for it', async () => {
    for (const argv of [['start', '--help'], ['-h', 'start'], ['start', 'cron', '-h']]) {
      const r = await run(argv);
      expect(r).toEqual({ code: 0, out: 'Usage: ts-init ctl [--socket PATH] [--json] start UNIT...\n\nStart (activate) one or more units.\nOnly root may ask for it.\n', err: '' });
    }
    expect((await run(['status', '--help'])).out).not.toMatch(/root/);
  });

  it('a usage error names the problem and points to the help, exit 2, before any socket is tried', async () => {
    const cases: Array<[string[], string]> = [
      [['--frobnicate'], "unknown option '--frobnicate'"],
      [['frobnicate'], "unknown command 'frobnicate'"],
      [['frobnicate', '--help'], "unknown command 'frobnicate'"],
      [[], 'no command given'],
      [['start'], 'start needs a unit name'],
      [['daemon-reload', 'cron'], 'daemon-reload takes no arguments'],
      [['logs', '-n', 'many', 'cron'], '-n takes a whole number'],
      [['kill', '--kill-who=everyone', 'cron'], "--kill-who takes 'main' or 'all', not 'everyone'"],
    ];
    for (const [argv, message] of cases) {
      expect(await run(argv), argv.join(' ')).toEqual({ code: 2, out: '', err: `ts-init ctl: ${message}\nSee 'ts-init ctl --help'.\n` });
    }
  });

  it('set-environment and unset-environment pass their words as arguments, not unit names', () => {
    expect(parseCtlArgs(['set-environment', 'A=1', 'B=2'], SOCKET)).toMatchObject({ kind: 'run', verb: 'set-environment', units: [], args: ['A=1', 'B=2'] });
    expect(parseCtlArgs(['--socket', '/x.sock', 'restart', 'cron'], SOCKET)).toMatchObject({ kind: 'run', socket: '/x.sock', units: ['cron.service'], args: [] });
  });

  it("systemctl --help says of a control verb exactly what ctl --help says (one source, the verb table)", () => {
    const systemctlWords = new Map(SYSTEMCTL_HELP.flatMap((s) => s.rows).map((r) => [r.usage.split(' ')[0]!, r.what]));
    const shared = { 'is-system-running': 'system-state', 'show-environment': 'environment' } as Record<string, string>;
    let compared = 0;
    for (const [name, what] of systemctlWords) {
      const verb = shared[name] ?? name;
      if (!(VERBS as readonly string[]).includes(verb)) continue;
      expect(what, name).toBe(verbRow(verb as (typeof VERBS)[number]).summary);
      compared++;
    }
    expect(compared).toBeGreaterThan(20);
  });
});
