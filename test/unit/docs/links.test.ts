// Every relative link of README.md and docs/ reaches a file, and its #anchor a heading there.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchors, documentationPages, readPage, REPO, relativeLinks } from '../../helpers/markdown';

function resolve(page: string, target: string): { file: string; anchor?: string } {
  const [file, anchor] = target.split('#') as [string, string | undefined];
  return { file: file === '' ? page : path.normalize(path.join(path.dirname(page), file)), anchor };
}

describe('links of README.md and docs/', () => {
  it('every relative link resolves: the file exists, the anchor is a heading of it', () => {
    const broken: string[] = [];
    for (const page of documentationPages()) {
      for (const { target, line } of relativeLinks(readPage(page))) {
        const { file, anchor } = resolve(page, target);
        if (!fs.existsSync(path.join(REPO, file))) {
          broken.push(`${page}:${line}: ${target}: no file ${file}`);
          continue;
        }
        if (anchor && file.endsWith('.md') && !anchors(readPage(file)).has(anchor)) broken.push(`${page}:${line}: ${target}: no heading #${anchor} in ${file}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('every page of docs/ is linked from README.md', () => {
    const fromReadme = new Set(relativeLinks(readPage('README.md')).map((l) => resolve('README.md', l.target).file));
    expect(documentationPages().filter((p) => p !== 'README.md' && !fromReadme.has(p))).toEqual([]);
  });
});
