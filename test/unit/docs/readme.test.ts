// README.md: the two commands for a fresh machine come first; every command its code blocks show
// that runs ts-init or one of its fronts (systemctl, journalctl, service, ts-init ctl) parses
// with options that exist; the benchmark table's regeneration command is shown above it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../../src/cli/options';
import { parseCtlArgs } from '../../../src/control/ctl-cli';
import { parseServiceArgs, parseSystemctlArgs } from '../../../src/control/systemctl';
import { SYSTEMCTL_HELP } from '../../../src/control/systemctl-help';
import { parseJournalctlArgs } from '../../../src/journal/journalctl-args';
import { codeBlocks, readPage, REPO } from '../../helpers/markdown';

const README = readPage('README.md');

/** Shell words of a command line, quotes removed (README's commands use no expansions that matter here). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** The commands of a shell block: comments dropped, split at &&, ||, ; and |. */
function shellCommands(body: string): string[][] {
  return body
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.replace(/(^|\s)#.*$/, ''))
    .flatMap((l) => l.split(/&&|\|\||;|\|/))
    .map(words)
    .filter((w) => w.length > 0);
}

/** A Dockerfile's ENTRYPOINT and CMD (exec form), joined as the engine joins them. */
function dockerfileCommand(body: string): string[] | undefined {
  const exec = (key: string): string[] => {
    const m = new RegExp(`^${key} (\\[.*\\])`, 'm').exec(body);
    return m ? (JSON.parse(m[1]!) as string[]) : [];
  };
  const argv = [...exec('ENTRYPOINT'), ...exec('CMD')];
  return argv.length ? argv : undefined;
}

const SYSTEMCTL_VERBS = new Set(SYSTEMCTL_HELP.flatMap((s) => s.rows.map((r) => r.usage.split(' ')[0]!)));

/** Why a ts-init command line would be refused, or undefined when it parses. */
function problem(argv: string[]): string | undefined {
  const [program, ...args] = argv;
  switch (path.basename(program!)) {
    case 'ts-init': {
      if (args[0] === 'ctl') {
        const r = parseCtlArgs(args.slice(1), '/run/ts-init.sock');
        return r.kind === 'usage-error' ? r.message : undefined;
      }
      const r = parseArgs(args, {});
      return r.kind === 'usage-error' ? r.message : undefined;
    }
    case 'systemctl': {
      const r = parseSystemctlArgs(args);
      if (r.error) return r.error;
      return r.verb === undefined || SYSTEMCTL_VERBS.has(r.verb) ? undefined : `unknown verb ${r.verb}`;
    }
    case 'journalctl': {
      const r = parseJournalctlArgs(args, () => 0);
      return r.ok ? undefined : r.error;
    }
    case 'service': {
      const r = parseServiceArgs(args);
      return r.kind === 'say' && r.code !== 0 ? r.text : undefined;
    }
    default:
      return undefined;
  }
}

describe('README.md', () => {
  it('starts with the two commands for a fresh machine', () => {
    expect(README).toMatch(
      /^# ts-init\n\n```sh\nbash scripts\/demo\.sh {4}# build dist\/ts-init and run it as PID 1 with the bundled example units\nbash scripts\/test\.sh {4}# the whole test suite \(unit, PID-namespace, peer-suite and real-container tests\)\n```\n/,
    );
    expect(fs.existsSync(path.join(REPO, 'scripts/demo.sh')) && fs.existsSync(path.join(REPO, 'scripts/test.sh'))).toBe(true);
  });

  it('stays a front door: under 250 lines', () => {
    expect(README.split('\n').length).toBeLessThan(250);
  });

  it('every command of its code blocks that runs ts-init or a front parses', () => {
    const checked: string[] = [];
    const refused: string[] = [];
    for (const block of codeBlocks(README)) {
      const commands = block.lang === 'dockerfile' ? [dockerfileCommand(block.body)].filter((c) => c !== undefined) : block.lang === 'sh' ? shellCommands(block.body) : [];
      for (const argv of commands) {
        if (!['ts-init', 'systemctl', 'journalctl', 'service'].includes(path.basename(argv[0]!))) continue;
        checked.push(argv.join(' '));
        const p = problem(argv);
        if (p) refused.push(`${argv.join(' ')}: ${p}`);
      }
    }
    expect(refused).toEqual([]);
    expect(checked.length).toBeGreaterThanOrEqual(5);
  });

  it('the check refuses a command with an option that does not exist', () => {
    expect(problem(['ts-init', '--frobnicate', '--', 'true'])).toMatch(/unknown option/);
    expect(problem(['systemctl', 'frobnicate'])).toMatch(/unknown verb/);
    expect(problem(['ts-init', 'ctl', 'logs', '--frob'])).toMatch(/unknown option/);
  });
});

describe('the benchmark table', () => {
  it('is in docs/benchmarks.md between its markers, the command that rewrites it shown above it, and bench.mjs writes there', () => {
    const page = readPage('docs/benchmarks.md');
    const begin = page.indexOf('<!-- bench:begin (bash bench/run.sh --readme) -->');
    expect(begin).toBeGreaterThan(0);
    expect(page.indexOf('<!-- bench:end -->')).toBeGreaterThan(begin);
    expect(page.slice(0, begin)).toContain('bash bench/run.sh --readme');
    expect(fs.readFileSync(path.join(REPO, 'bench/bench.mjs'), 'utf8')).toMatch(/const TABLE_PAGE = 'docs\/benchmarks\.md';/);
    expect(README).not.toContain('<!-- bench:begin');
  });
});
