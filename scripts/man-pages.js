#!/usr/bin/env node
// The manual pages of the Debian package, made from the documentation pages themselves
// (docs/command-line.md is ts-init(8), docs/units.md is ts-init-units(5)), so that the two
// cannot drift apart. A small Markdown-to-roff translation for what those pages use:
// headings, paragraphs, lists, tables (as tagged paragraphs), fenced code and inline marks.
//   node scripts/man-pages.js OUTDIR    writes OUTDIR/man8/ts-init.8 and OUTDIR/man5/ts-init-units.5
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

/** The pages: source, name, section, the one-line summary for NAME and whatis. */
const PAGES = [
  { source: 'docs/command-line.md', name: 'ts-init', section: '8', summary: 'PID 1 for rich containers: reaps, forwards signals, supervises systemd units' },
  { source: 'docs/units.md', name: 'ts-init-units', section: '5', summary: 'the systemd unit files ts-init reads, and what it does with them' },
];

const MANUALS = { 5: 'File Formats', 8: 'System Administration' };

/** Escapes text for roff: backslashes, and what would read as a request at a line's start. */
function escapeText(s) {
  return s.replace(/\\/g, '\\e');
}

/** A code span: bold, with hyphens as minus signs (options are typed with them). */
function code(s) {
  return `\\fB${escapeText(s).replace(/-/g, '\\-')}\\fR`;
}

/** Inline Markdown to roff: `code`, **bold**, *emphasis*, [links](target) as their text. */
function inline(text) {
  const out = [];
  // Code spans first: nothing inside them is Markdown.
  const parts = text.split(/(`[^`]*`)/);
  for (const part of parts) {
    if (part.startsWith('`') && part.endsWith('`') && part.length >= 2) {
      out.push(code(part.slice(1, -1)));
      continue;
    }
    let s = escapeText(part);
    s = s.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    s = s.replace(/\*\*([^*]+)\*\*/g, '\\fB$1\\fR');
    s = s.replace(/(^|[\s(])\*([^*\s][^*]*)\*/g, '$1\\fI$2\\fR');
    s = s.replace(/<sup>([^<]*)<\/sup>/g, '^$1');
    out.push(s);
  }
  return out.join('');
}

/** Lines of roff text; a line that would start with '.' or "'" is guarded with \&. */
function textLines(s) {
  return s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l));
}

function tableCells(line) {
  // Split on | not inside a code span (a `text\|json` cell keeps its bar).
  const cells = [];
  let cur = '';
  let inCode = false;
  const body = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '`') inCode = !inCode;
    if (c === '\\' && body[i + 1] === '|') {
      cur += '|';
      i++;
      continue;
    }
    if (c === '|' && !inCode) {
      cells.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  cells.push(cur.trim());
  return cells;
}

/** A Markdown table as tagged paragraphs: the first cell is the tag, the others follow (named by their headers past the second). */
function table(lines) {
  const header = tableCells(lines[0]);
  const rows = lines.slice(2).map(tableCells);
  const out = [];
  for (const row of rows) {
    out.push('.TP', inline(row[0] ?? ''));
    const rest = row.slice(1).map((cell, i) => (row.length > 2 ? `${inline(header[i + 1] ?? '')}: ${inline(cell)}` : inline(cell)));
    out.push(...textLines(rest.join('; ')));
  }
  return out;
}

/**
 * Markdown to a man page. The page's H1 is the title; the text before the first H2 is its
 * DESCRIPTION; each H2 a section (upper case, as man pages have them), each H3 a subsection.
 */
function markdownToMan(markdown, { name, section, summary, version, date }) {
  const lines = markdown.replace(/\r/g, '').split('\n');
  const out = [
    `.TH ${name.toUpperCase()} ${section} "${date}" "ts-init ${version}" "${MANUALS[section] ?? ''}"`,
    '.SH NAME',
    `${name} \\- ${escapeText(summary)}`,
  ];
  let i = 0;
  let sawDescription = false;
  let para = [];
  const flush = () => {
    if (para.length) out.push('.PP', ...textLines(inline(para.join('\n'))));
    para = [];
  };
  while (i < lines.length) {
    const line = lines[i];
    if (/^# /.test(line)) {
      i++;
      continue;
    }
    if (!sawDescription && line.trim() !== '' && !/^## /.test(line)) {
      out.push('.SH DESCRIPTION');
      sawDescription = true;
    }
    if (/^```/.test(line)) {
      flush();
      const body = [];
      for (i++; i < lines.length && !/^```/.test(lines[i]); i++) body.push(lines[i]);
      i++;
      out.push('.PP', '.nf', '.RS 4', ...body.map((l) => `\\&${escapeText(l).replace(/-/g, '\\-')}`), '.RE', '.fi');
      continue;
    }
    const h = /^(#{2,3}) +(.*)$/.exec(line);
    if (h) {
      flush();
      sawDescription = true;
      out.push(h[1] === '##' ? `.SH ${inline(h[2]).toUpperCase()}` : `.SS ${inline(h[2])}`);
      i++;
      continue;
    }
    if (/^\|/.test(line)) {
      flush();
      const rows = [];
      for (; i < lines.length && /^\|/.test(lines[i]); i++) rows.push(lines[i]);
      out.push(...table(rows));
      continue;
    }
    if (/^\s*(-|\d+\.) /.test(line)) {
      flush();
      // A list item runs on over its indented continuation lines.
      const item = [line.replace(/^\s*(-|\d+\.) /, '')];
      for (i++; i < lines.length && /^ {2,}\S/.test(lines[i]) && !/^\s*(-|\d+\.) /.test(lines[i]); i++) item.push(lines[i]);
      out.push('.IP \\(bu 2', ...textLines(inline(item.join('\n'))));
      continue;
    }
    if (line.trim() === '') {
      flush();
      i++;
      continue;
    }
    para.push(line);
    i++;
  }
  flush();
  return `${out.join('\n')}\n`;
}

/** Writes every page under outDir (manN/NAME.N); returns their paths. */
function writeManPages(outDir, { version, date }) {
  return PAGES.map((p) => {
    const text = markdownToMan(fs.readFileSync(path.join(ROOT, p.source), 'utf8'), { ...p, version, date });
    const file = path.join(outDir, `man${p.section}`, `${p.name}.${p.section}`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
  });
}

module.exports = { PAGES, markdownToMan, writeManPages };

if (require.main === module) {
  const outDir = process.argv[2];
  if (!outDir) {
    console.error('usage: node scripts/man-pages.js OUTDIR');
    process.exit(2);
  }
  const pkg = require('../package.json');
  for (const f of writeManPages(path.resolve(outDir), { version: pkg.version, date: new Date().toISOString().slice(0, 10) })) console.log(f);
}
