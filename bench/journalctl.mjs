// ts-init's journalctl front over a big store: issue 20's "journalctl -u X -n 20 over 1,000,000
// entries answers in under 100 ms". The store is written with the store's batched append
// (entries of ~12 fields, a 200-byte message, four units and a fifth, `flood-syslog`, holding
// one entry in 50, as the issue's bench had it; rotated at journald's default file size) into a
// fresh temporary directory; then each query runs RUNS times through dist/ts-init
// invoked as `journalctl` and, when the host has one, through systemd's journalctl on the same
// files (the two in turns), and the median and best wall times are printed (the process's start included).
// The executable alone (`--version`) is the floor; `-f` is timed until its last lines are out.
//
//   node build.js && node bench/journalctl.mjs [ENTRIES] [RUNS] [KEEP_DIR]
// With KEEP_DIR the store is written there once and kept: later runs with the same KEEP_DIR
// only query it.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { syslogEntry } from './journal-workload.mjs';
import { REPO } from './lib.mjs';

const N = Number(process.argv[2] ?? 1_000_000);
/** Entry i of the store: one in RARE_EVERY is the rare unit's (the others the workload's four units). */
const RARE = 'flood-syslog';
const RARE_EVERY = 50;
/** A journal file's head_entry_realtime (header offset 184). */
function headRealtime(file) {
  const fd = fs.openSync(file, 'r');
  const b = Buffer.alloc(8);
  fs.readSync(fd, b, 0, 8, 184);
  fs.closeSync(fd);
  return Number(b.readBigUInt64LE(0));
}
function storeEntry(i, base, bootId) {
  const e = syslogEntry(i, base, 1000, bootId);
  if (i % RARE_EVERY !== RARE_EVERY - 1) return e;
  const rename = { SYSLOG_IDENTIFIER: RARE, _COMM: 'python3', _EXE: '/usr/bin/python3', _SYSTEMD_UNIT: `${RARE}.service` };
  return { ...e, fields: e.fields.map(([k, v]) => [k, rename[k] ?? v]) };
}
const RUNS = Number(process.argv[3] ?? 15);
const KEEP = process.argv[4];
const tmp = KEEP ?? fs.mkdtempSync(path.join(os.tmpdir(), 'journalctl-bench-'));
fs.mkdirSync(tmp, { recursive: true });
try {
  const bundle = path.join(tmp, 'store.cjs');
  await build({ entryPoints: [path.join(REPO, 'src/journal/journal-store.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'warning' });
  const { JournalStore } = createRequire(import.meta.url)(bundle);
  const { randomBytes } = await import('node:crypto');
  const machineId = randomBytes(16);
  const bootId = randomBytes(16);
  const root = path.join(tmp, 'root');
  fs.mkdirSync(path.join(root, 'run'), { recursive: true });
  fs.mkdirSync(path.join(root, 'var/log/journal'), { recursive: true });
  let base = Date.now() * 1000 - N * 1000;
  const settings = { storage: 'auto', maxRetentionMs: 0, maxFileMs: 0, systemMaxUse: 4 << 30 };
  const existing = fs.existsSync(path.join(root, 'var/log/journal')) ? fs.readdirSync(path.join(root, 'var/log/journal')) : [];
  const reuse = KEEP !== undefined && existing.length === 1;
  const store = reuse ? { dir: path.join(root, 'var/log/journal', existing[0]), close() {} } : JournalStore.open({ machineId, settings, root, nowMs: () => base / 1000 });
  if (reuse) base = Math.min(...fs.readdirSync(store.dir).map((f) => headRealtime(path.join(store.dir, f)))); // the kept store's first entry
  const t0 = process.hrtime.bigint();
  const BURST = 256;
  for (let i = 0; i < (reuse ? 0 : N); i += BURST) {
    const batch = [];
    for (let k = i; k < Math.min(N, i + BURST); k++) batch.push(storeEntry(k, base, bootId));
    const results = store.appendMany(batch);
    if (!results.every((r) => r.ok)) throw new Error(`append failed: ${JSON.stringify(results.find((r) => !r.ok))}`);
  }
  store.close();
  const writeS = Number(process.hrtime.bigint() - t0) / 1e9;
  const files = fs.readdirSync(store.dir);
  const bytes = files.reduce((n, f) => n + fs.statSync(path.join(store.dir, f)).size, 0);

  const bin = path.join(tmp, 'bin');
  fs.rmSync(bin, { recursive: true, force: true });
  fs.mkdirSync(bin);
  fs.symlinkSync(path.join(REPO, 'dist/ts-init'), path.join(bin, 'journalctl'));
  const ours = path.join(bin, 'journalctl');
  const systemd = spawnSync('/usr/bin/journalctl', ['--version']).status === 0 ? '/usr/bin/journalctl' : undefined;
  // The journalctls in turns, run by run, so that a shared machine's load falls on both alike.
  const time = (cmds, args) => {
    const ms = cmds.map(() => []);
    const outs = cmds.map(() => '');
    for (let r = 0; r < RUNS; r++) {
      for (const [k, cmd] of cmds.entries()) {
        const t = process.hrtime.bigint();
        const p = spawnSync(cmd, args, { env: { PATH: process.env.PATH, TZ: 'UTC' }, maxBuffer: 1 << 30 });
        ms[k].push(Number(process.hrtime.bigint() - t) / 1e6);
        if (p.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${p.status}: ${p.stderr}`);
        outs[k] = p.stdout.toString();
      }
    }
    return cmds.map((_, k) => {
      const sorted = ms[k].sort((a, b) => a - b);
      return { median: sorted[Math.floor(sorted.length / 2)], best: sorted[0], lines: outs[k].trimEnd().split('\n').length, out: outs[k] };
    });
  };
  const queries = [
    ['--version'],
    ['--no-pager', '-D', store.dir, '-u', RARE, '-n', '20'],
    ['--no-pager', '-D', store.dir, '-u', 'cron', '-n', '20'],
    ['--no-pager', '-D', store.dir, '-u', RARE, '-n', '20', '-o', 'cat'],
    ['--no-pager', '-D', store.dir, '-u', 'no-such-unit', '-n', '20'],
    ['--no-pager', '-D', store.dir, '-n', '20'],
    ['--no-pager', '-D', store.dir, '-p', 'err', '-n', '20'],
    ['--no-pager', '-D', store.dir, '-t', RARE, '-n', '20'],
    ['--no-pager', '-D', store.dir, '-u', 'cron', '-p', 'err', '-n', '20'],
    ['--no-pager', '-D', store.dir, '-t', 'nginx', '--since', `@${Math.floor((base + (N - 500) * 1000) / 1e6)}`],
    ['--no-pager', '-D', store.dir, '--list-boots'],
  ];
  console.log('| query | ts-init journalctl: median (best) | systemd 252 journalctl: median (best) | lines | same output |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const q of queries) {
    const [a, b] = time(systemd ? [ours, systemd] : [ours], q);
    const label = q.filter((x) => x !== '--no-pager' && x !== '-D' && x !== store.dir).join(' ');
    const same = !b ? '-' : q[0] === '--version' ? '-' : a.out === b.out ? 'yes' : 'NO';
    console.log(`| \`journalctl ${label}\` | ${a.median.toFixed(0)} ms (${a.best.toFixed(0)}) | ${b ? `${b.median.toFixed(0)} ms (${b.best.toFixed(0)})` : '-'} | ${a.lines} | ${same} |`);
  }
  // -f: from the start until the last lines are out (then it would wait for more, and is stopped)
  const follow = async (cmd, args, want) => {
    const ms = [];
    for (let r = 0; r < RUNS; r++) {
      const t = process.hrtime.bigint();
      await new Promise((resolve, reject) => {
        const p = spawn(cmd, args, { env: { PATH: process.env.PATH, TZ: 'UTC' }, stdio: ['ignore', 'pipe', 'inherit'] });
        let lines = 0;
        p.stdout.on('data', (d) => {
          for (const c of d) if (c === 10) lines++;
          if (lines >= want) {
            ms.push(Number(process.hrtime.bigint() - t) / 1e6);
            p.kill();
            resolve();
          }
        });
        p.on('exit', () => (lines < want ? reject(new Error(`${cmd} ${args.join(' ')}: ${lines} lines`)) : resolve()));
      });
    }
    ms.sort((a, b) => a - b);
    return `${ms[Math.floor(ms.length / 2)].toFixed(0)} ms (${ms[0].toFixed(0)})`;
  };
  const f = ['--no-pager', '-D', store.dir, '-f', '-u', RARE, '-n', '20'];
  console.log(`| \`journalctl -f -u ${RARE} -n 20\`, until its 20 lines are out | ${await follow(ours, f, 20)} | ${systemd ? await follow(systemd, f, 20) : '-'} | 20 | - |`);
  const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  console.log(`\n${N} entries in ${files.length} files (${(bytes / 2 ** 20).toFixed(0)} MiB)${reuse ? ' (kept from an earlier run)' : ` written in ${writeS.toFixed(1)} s`}; load average ${load}; ${RUNS} runs each; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}).`);
} finally {
  if (!KEEP) fs.rmSync(tmp, { recursive: true, force: true });
}
