// What the documentation tests read of the Markdown pages: their links, headings' anchors and
// code blocks, as GitHub renders them.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '../..');

/** README.md and every page of docs/, as paths relative to the repository. */
export function documentationPages(): string[] {
  const docs = fs.readdirSync(path.join(REPO, 'docs')).filter((f) => f.endsWith('.md'));
  return ['README.md', ...docs.sort().map((f) => `docs/${f}`)];
}

export function readPage(page: string): string {
  return fs.readFileSync(path.join(REPO, page), 'utf8');
}

/** The text outside fenced code blocks (links and headings inside them are not links). */
export function prose(text: string): string {
  return text.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors a page's headings make, repeated headings numbered as GitHub numbers them. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(text).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Relative links ([text](target)) of a page's prose, with their line numbers. */
export function relativeLinks(text: string): Array<{ target: string; line: number }> {
  const body = prose(text);
  const out: Array<{ target: string; line: number }> = [];
  for (const m of body.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1]!;
    if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
    out.push({ target, line: body.slice(0, m.index).split('\n').length });
  }
  return out;
}

/** Fenced code blocks with their language tag. */
export function codeBlocks(text: string): Array<{ lang: string; body: string }> {
  return [...text.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!.trim(), body: m[2]! }));
}
