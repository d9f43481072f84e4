#!/usr/bin/env node
// The floor plan, enforced: every file of src/ belongs to a floor (LAYERS, lowest first), and
// a file may import only from its own floor or the floors below it; no two files may import
// each other, directly or through others (type-only imports count: a cycle of types is
// still a knot for the reader). Prints each violation and exits 1; silent and 0 when clean.
// Usage: node scripts/check-imports.js [SRC_DIR]
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** Lowest first. A path is a folder of src/ (ending in "/") or a file of src/. */
const LAYERS = [
  ['sys/', 'version.ts'],
  ['cli/'],
  ['log/'],
  ['process/', 'units/', 'runtime-env.ts'],
  ['output/', 'notify/', 'exec/', 'hooks/', 'boot/', 'sockets/', 'journal/', 'sinks/', 'host-settings/'],
  ['control/', 'bus/'],
  ['supervisor/', 'engine/', 'personality/'],
  ['init/'],
  ['control-start.ts', 'bus-start.ts', 'journal-start.ts', 'services.ts', 'init-main.ts', 'client-main.ts', 'face.ts', 'main.ts', 'sea-main.ts'],
];

function layerOf(rel) {
  for (let i = 0; i < LAYERS.length; i++) {
    if (LAYERS[i].some((p) => (p.endsWith('/') ? rel.startsWith(p) : rel === p))) return i;
  }
  return -1;
}

function listTs(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) listTs(p, out);
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}\/[^'"]+)\1/gm;

/** Relative imports of one file, resolved to files of src/ (relative paths). */
function importsOf(src, file) {
  const text = fs.readFileSync(file, 'utf8');
  const found = [];
  for (const m of text.matchAll(IMPORT)) {
    const base = path.resolve(path.dirname(file), m[2]);
    const target = [`${base}.ts`, path.join(base, 'index.ts'), base].find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
    if (target) found.push({ spec: m[2], to: path.relative(src, target), line: text.slice(0, m.index).split('\n').length });
  }
  return found;
}

function check(src) {
  const problems = [];
  const graph = new Map();
  for (const file of listTs(src)) {
    const rel = path.relative(src, file);
    const from = layerOf(rel);
    if (from < 0) problems.push(`${rel}: belongs to no floor (add its folder to LAYERS in scripts/check-imports.js)`);
    const edges = importsOf(src, file);
    graph.set(rel, edges.map((e) => e.to));
    for (const e of edges) {
      const to = layerOf(e.to);
      if (from >= 0 && to > from) {
        problems.push(`${rel}:${e.line}: imports ${e.spec}, which is on a higher floor (${LAYERS[to][0]} above ${LAYERS[from][0]})`);
      }
    }
  }
  // Cycles: depth-first search, reporting each cycle once by its smallest member.
  const state = new Map();
  const seen = new Set();
  const visit = (node, stack) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') {
        const cycle = stack.slice(stack.indexOf(next));
        const key = [...cycle].sort().join(' ');
        if (!seen.has(key)) {
          seen.add(key);
          problems.push(`import cycle: ${[...cycle, next].join(' -> ')}`);
        }
      } else if (!state.has(next)) visit(next, stack);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node, []);
  return problems;
}

module.exports = { check, LAYERS };

if (require.main === module) {
  const src = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'src'));
  const problems = check(src);
  for (const p of problems) process.stderr.write(`check-imports: ${p}\n`);
  process.exit(problems.length ? 1 : 0);
}
