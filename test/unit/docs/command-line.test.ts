// docs/command-line.md (also ts-init(8)) and `ts-init --help` name every option the command
// line takes (cli/options.ts), so neither can fall behind the parser.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LONG_OPTION_SPECS } from '../../../src/cli/options';
import { usageText } from '../../../src/cli/usage';
import { readPage, REPO } from '../../helpers/markdown';

const page = readPage('docs/command-line.md');
const help = usageText('ts-init');

/** The short flags the parser's switch takes (case 'x':), read from the source. */
function shortFlags(): string[] {
  const src = fs.readFileSync(path.join(REPO, 'src/cli/options.ts'), 'utf8');
  return [...src.matchAll(/case '([a-z])':/g)].map((m) => m[1]!);
}

describe('the command line, documented', () => {
  it('every long option is in the options table and in --help, with its environment variable', () => {
    expect(LONG_OPTION_SPECS.length).toBeGreaterThan(10);
    for (const o of LONG_OPTION_SPECS) {
      expect(page, o.name).toMatch(new RegExp(`^\\|[^\\n]*\`--${o.name}[ \`]`, 'm'));
      expect(help, o.name).toContain(`--${o.name}`);
      expect(help, o.name).toContain(o.env);
    }
  });

  it('every short flag is in the options table and in --help', () => {
    const flags = shortFlags();
    expect(flags.length).toBeGreaterThanOrEqual(8);
    for (const f of flags) {
      expect(page, f).toMatch(new RegExp(`^\\| \`-${f}[ \`,]`, 'm'));
      expect(help, f).toMatch(new RegExp(`^ {2}-${f}[ ,]`, 'm'));
    }
  });
});
