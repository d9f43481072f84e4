// The journal file store's write cost, alone (no sockets, no PID 1): entries of ~12 fields
// with a 200-byte message, as a unit's syslog line carries them, appended one by one and in
// bursts of 64 (what a sink reads from a busy socket in one turn), into one file in a fresh
// temporary directory; then as the writer process gets them (ts-init-journal): PID 1's text
// frames of 64 entries per read, decoded and stored (the frames are made before the clock runs). Prints entries/s (wall), CPU per 100,000 entries (user + system of
// this process) and the file's bytes per entry, then checks the file with systemd's
// journalctl when there is one.
//
//   node bench/journal-file.mjs [ENTRIES]
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { syslogEntry } from './journal-workload.mjs';
import { REPO } from './lib.mjs';

const N = Number(process.argv[2] ?? 100_000);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-bench-'));
try {
  const bundle = path.join(tmp, 'writer.cjs');
  await build({
    stdin: { contents: "export * from './src/journal/journal-file-writer'; export * from './src/journal/entry-frames';", resolveDir: REPO, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: bundle,
    logLevel: 'warning',
  });
  const { createRequire } = await import('node:module');
  const { JournalFileWriter, FrameDecoder, textFrame } = createRequire(import.meta.url)(bundle);
  const { randomBytes } = await import('node:crypto');
  const machineId = randomBytes(16);
  const bootId = randomBytes(16);
  const rows = [];
  for (const [burst, framed] of [[1, false], [64, false], [64, true]]) {
    const file = path.join(tmp, `burst-${burst}-${framed}.journal`);
    const w = JournalFileWriter.create(file, { machineId, maxFileSize: 128 << 20 });
    const base = Date.now() * 1000;
    const decoder = new FrameDecoder(bootId);
    // The entries (or frames) are made a few batches at a time before the clock runs (as few as the
    // writer holds at once, so that the heap is not the bench's): only the store
    // (and the decoding) is measured.
    const CHUNK = 4 * 64;
    let wallNs = 0n;
    const cpu = { user: 0, system: 0 };
    for (let c = 0; c < N; c += CHUNK) {
      const inputs = [];
      for (let i = c; i < Math.min(N, c + CHUNK); i += burst) {
        const batch = [];
        for (let k = i; k < Math.min(N, c + CHUNK, i + burst); k++) batch.push(syslogEntry(k, base, 1, bootId));
        inputs.push(framed ? Buffer.from(batch.map((e) => textFrame(e.fields, e.realtimeUsec, e.monotonicUsec)).join('')) : batch);
      }
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      for (const input of inputs) {
        const results = w.appendMany(framed ? decoder.push(input) : input);
        if (!results.every((r) => r.ok)) throw new Error(`append failed: ${JSON.stringify(results.find((r) => !r.ok))}`);
      }
      wallNs += process.hrtime.bigint() - t0;
      const used = process.cpuUsage(cpu0);
      cpu.user += used.user;
      cpu.system += used.system;
    }
    const wallS = Number(wallNs) / 1e9;
    w.close();
    const size = fs.statSync(file).size;
    let check = 'no journalctl';
    if (spawnSync('journalctl', ['--version']).status === 0) {
      const t = process.hrtime.bigint();
      const out = execFileSync('journalctl', ['--no-pager', '--file', file, '_SYSTEMD_UNIT=cron.service', '-n', '20', '-o', 'cat'], { encoding: 'utf8' });
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      check = `journalctl -n 20 by unit: ${out.trim().split('\n').length} lines in ${ms.toFixed(0)} ms`;
    }
    rows.push({
      burst,
      framed,
      perSec: Math.round(N / wallS),
      cpuPer100k: ((cpu.user + cpu.system) / 1000 / N) * 100_000,
      userShare: cpu.user / (cpu.user + cpu.system),
      bytes: size / N,
      check,
    });
  }
  console.log(`| appended | entries/s (wall) | CPU per 100,000 entries | of which user | bytes per entry | read back |`);
  console.log(`| --- | --- | --- | --- | --- | --- |`);
  for (const r of rows) {
    console.log(`| ${r.burst === 1 ? 'one by one' : `in bursts of ${r.burst}`}${r.framed ? ', from text frames (decoded too)' : ''} | ${r.perSec} | ${(r.cpuPer100k / 1000).toFixed(2)} s | ${(r.userShare * 100).toFixed(0)}% | ${r.bytes.toFixed(0)} | ${r.check} |`);
  }
  console.log(`\n${N} entries each, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), file system of ${os.tmpdir()}.`);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
