// The manual pages are made from docs/ (scripts/man-pages.js): the translation, and every
// section of the source page a section of the manual (test/slow-unit/docs/man-pages.test.ts
// renders them with man).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../../helpers/markdown';

const { PAGES, markdownToMan } = require('../../../scripts/man-pages.js') as {
  PAGES: Array<{ source: string; name: string; section: string; summary: string }>;
  markdownToMan(md: string, o: { name: string; section: string; summary: string; version: string; date: string }): string;
};

const OPTS = { name: 'x', section: '8', summary: 'a test', version: '1.0', date: '2026-12-07' };

describe('man pages', () => {
  it('translates headings, lists, tables, code and inline marks to roff', () => {
    const roff = markdownToMan(
      '# Title\n\nIntro with `--flag` and **bold**, *em*, [a link](units.md).\n\n## Options\n\n| flag | meaning |\n| --- | --- |\n| `-v` | more `a\\|b` |\n\n### Sub\n\n- one\n  two\n- .three\n\n```sh\nts-init -- /bin/true\n.dot\n```\n',
      OPTS,
    );
    expect(roff).toBe(
      [
        '.TH X 8 "2026-12-07" "ts-init 1.0" "System Administration"',
        '.SH NAME',
        'x \\- a test',
        '.SH DESCRIPTION',
        '.PP',
        'Intro with \\fB\\-\\-flag\\fR and \\fBbold\\fR, \\fIem\\fR, a link.',
        '.SH OPTIONS',
        '.TP',
        '\\fB\\-v\\fR',
        'more \\fBa|b\\fR',
        '.SS Sub',
        '.IP \\(bu 2',
        'one',
        'two',
        '.IP \\(bu 2',
        '\\&.three',
        '.PP',
        '.nf',
        '.RS 4',
        '\\&ts\\-init \\-\\- /bin/true',
        '\\&.dot',
        '.RE',
        '.fi',
        '',
      ].join('\n'),
    );
  });

  it('each page has every ## section of its source page', () => {
    for (const p of PAGES) {
      const md = fs.readFileSync(path.join(REPO, p.source), 'utf8');
      const roff = markdownToMan(md, { ...p, version: '1.0', date: '2026-12-07' });
      const sections = [...md.matchAll(/^## +(.+)$/gm)].length;
      expect(sections, p.source).toBeGreaterThan(3);
      expect([...roff.matchAll(/^\.SH /gm)].length, p.source).toBe(sections + 2); // + NAME, DESCRIPTION
    }
  });
});
