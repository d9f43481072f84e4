// `systemctl --help` and `--version` through the front: answered without a manager, in
// systemctl's layout, and the help names only verbs the front carries out.
import { describe, expect, it } from 'vitest';
import { systemctl } from '../../../src/control/systemctl';
import { helpVerbs, SYSTEMD_COMPAT_VERSION } from '../../../src/control/systemctl-help';

/** Runs the front against a socket nobody listens on: only what needs no manager can succeed. */
async function run(argv: string[]): Promise<{ code: number | 'no-manager'; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = { out: (s: string) => (out += s), err: (s: string) => (err += s), socket: '/nonexistent/ts-init.sock' };
  try {
    return { code: await systemctl(argv, io), out, err };
  } catch {
    return { code: 'no-manager', out, err };
  }
}

describe('systemctl --version and --help', () => {
  it('--version: systemd\'s first line, which tools parse for the number, then what answers', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(new RegExp(`^systemd ${SYSTEMD_COMPAT_VERSION} \\(ts-init \\d+\\.\\d+\\.\\d+\\)$`));
    expect(r.out).toMatch(/systemctl front/);
  });

  it('--help and -h: usage, sections and options; they win over a verb, as in systemctl', async () => {
    for (const argv of [['--help'], ['-h'], ['status', 'cron', '--help']]) {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^systemctl \[OPTIONS\.\.\.\] COMMAND \.\.\.\n/);
      expect(r.out).toMatch(/^Unit Commands:$/m);
      expect(r.out).toMatch(/^ {2}is-enabled UNIT\.\.\. +Check whether unit files are enabled$/m);
      expect(r.out).toMatch(/^ {2}--version +Show package version$/m);
    }
  });

  it('every verb the help lists is one the front knows; an unknown one is refused', async () => {
    expect(helpVerbs().length).toBeGreaterThan(15);
    for (const verb of helpVerbs()) {
      const r = await run([verb, 'x.service']);
      expect(r.err, verb).not.toMatch(/Unknown command verb/);
    }
    expect(await run(['bogus-verb'])).toEqual({ code: 1, out: '', err: "Unknown command verb 'bogus-verb'.\n" });
  });

  it('a usage error points to the help', async () => {
    expect(await run(['--bogus'])).toEqual({ code: 1, out: '', err: "systemctl: unrecognized option '--bogus'\nSee 'systemctl --help'.\n" });
  });
});
