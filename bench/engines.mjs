// Rich mode on container engines, in one run on this machine:
//   1. container start-to-exit time (`run --rm IMAGE true`) per engine: plain, with the
//      engine's own init (catatonit under podman, tini as Docker's docker-init), and with
//      ts-init in rich mode through the engine integration (podman: the precreate hook;
//      Docker and containerd: the runtime wrapper) — as ratios to plain;
//   2. what the runtime wrapper adds to each runtime call (`runc --version` through it);
//   3. private memory of N rich containers' PID 1s running one shared host binary, against
//      N containers each running its own copy of the binary (as N images that each COPY it
//      would: one file per image layer).
// Private daemons with state under .cache/engines/ (images cached there), the podman
// configuration of scripts/container-env.sh. Prints a Markdown table, also written to
// bench/engines-results.md.
//
//   node bench/engines.mjs --ts-init PATH [--quick] [--out FILE]    (bench/engines.sh calls it)
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BENCH_DIR, REPO, fmt, median, quantile, sleep } from './lib.mjs';

function option(name, fallback) {
  const k = process.argv.indexOf(name);
  return k > 0 ? process.argv[k + 1] : fallback;
}
const quick = process.argv.includes('--quick');
const TS_INIT = path.resolve(option('--ts-init', path.join(REPO, 'dist/ts-init')));
const OUT = path.resolve(option('--out', path.join(BENCH_DIR, 'engines-results.md')));
const RUNS = quick ? 5 : 15; // container runs per variant
const CALLS = quick ? 20 : 50; // runtime calls for the wrapper overhead
const N = 20; // containers for the memory comparison
const CACHE = path.join(REPO, '.cache', 'engines');
const DOCKER = '/usr/bin/docker';
const log = (s) => process.stderr.write(`${s}\n`);

const state = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-init-engines-bench-'));
const cleanups = [];
process.on('exit', () => fs.rmSync(state, { recursive: true, force: true }));

function run(file, args, opts = {}) {
  const r = spawnSync(file, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (opts.check !== false && r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r;
}

/** Wall time of one command in ms. */
function timed(file, args, env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, args, { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

/** Variants measured in turns (plain, init, ts-init, plain, ...) so noise hits them alike; one warm-up each. */
function turns(variants, runs = RUNS) {
  const out = Object.fromEntries(variants.map((v) => [v.name, []]));
  for (const v of variants) v.run();
  for (let i = 0; i < runs; i++) for (const v of variants) out[v.name].push(v.run());
  return out;
}

// ---------------------------------------------------------------- host layout

const prefix = path.join(state, 'usr');
run(TS_INIT, ['install-host', '--prefix', prefix]);
const libexec = path.join(prefix, 'libexec/ts-init');
const hooksDir = path.join(prefix, 'share/containers/oci/hooks.d');
const wrapper = path.join(libexec, 'ts-init-runtime');

// ---------------------------------------------------------------- podman

const podmanEnv = (() => {
  const out = run('bash', [path.join(REPO, 'scripts/container-env.sh')]).stdout;
  const env = { ...process.env, TMPDIR: path.join(REPO, '.cache/podman/buildtmp') };
  for (const m of out.matchAll(/^export ([A-Z_]+)='([^']*)'$/gm)) env[m[1]] = m[2];
  return env;
})();
const IMAGE = podmanEnv.TS_INIT_BASE_DEBIAN;
const podman = (args) => ['podman', ['--hooks-dir', hooksDir, ...args], podmanEnv];
const podmanRun = (args) => run('podman', ['--hooks-dir', hooksDir, ...args], { env: podmanEnv });

function podmanTimes() {
  log(`podman: ${RUNS} runs each`);
  const quiet = ['--annotation', 'io.ts-init.no-units=true'];
  return turns([
    { name: 'plain', run: () => timed(...podman(['run', '--rm', IMAGE, 'true'])) },
    { name: 'init', run: () => timed(...podman(['run', '--rm', '--init', IMAGE, 'true'])) },
    { name: 'ts-init', run: () => timed(...podman(['run', '--rm', '--annotation', 'io.ts-init.rich=true', ...quiet, IMAGE, 'true'])) },
  ]);
}

// ---------------------------------------------------------------- daemons

async function daemon(file, args, logFile, ready) {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(file, args, { stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  const exited = new Promise((r) => child.once('exit', r));
  cleanups.push(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  for (let i = 0; !ready(); i++) {
    if (child.exitCode !== null || i > 300) throw new Error(`${file} did not come up: ${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
    await sleep(100);
  }
}

/** Removes what the daemons leave on the host, when it was not there before. */
function leftovers(paths) {
  const existed = new Set(paths.filter((p) => fs.existsSync(p)));
  cleanups.push(async () => {
    for (const p of [...paths].reverse()) {
      if (existed.has(p) || !fs.existsSync(p)) continue;
      try {
        if (p.startsWith('/sys/fs/cgroup/')) fs.rmdirSync(p);
        else fs.rmSync(p, { recursive: true, force: true });
      } catch {
        // busy
      }
    }
  });
}
const cgroups = (name) => fs.readdirSync('/sys/fs/cgroup').map((h) => path.join('/sys/fs/cgroup', h, name));

async function dockerTimes() {
  const dir = path.join(state, 'docker');
  fs.mkdirSync(dir);
  const sock = path.join(dir, 'docker.sock');
  // No init-path: --init is Docker's own docker-init (tini).
  fs.writeFileSync(path.join(dir, 'daemon.json'), JSON.stringify({
    'data-root': path.join(CACHE, 'docker-data'), 'exec-root': path.join(dir, 'exec'), pidfile: path.join(dir, 'pid'),
    hosts: [`unix://${sock}`], iptables: false, 'ip-forward': false, 'ip-masq': false, bridge: 'none', 'storage-driver': 'overlay2',
    runtimes: { 'ts-init': { path: wrapper } },
  }));
  leftovers(['/etc/docker', '/run/docker', '/run/containerd', ...cgroups('docker')]);
  const env = { ...process.env, DOCKER_HOST: `unix://${sock}` };
  await daemon('/usr/sbin/dockerd', ['--config-file', path.join(dir, 'daemon.json')], path.join(dir, 'log'), () => fs.existsSync(sock) && run(DOCKER, ['version'], { env, check: false }).status === 0);
  const marker = fs.readFileSync(path.join(REPO, '.cache/rootfs/debian.ready'), 'utf8').trim();
  const image = `ts-init-engines-debian:${marker}`;
  if (run(DOCKER, ['image', 'inspect', image], { env, check: false }).status !== 0) {
    run('bash', ['-c', `tar --numeric-owner -C ${REPO}/.cache/rootfs/debian -c . | ${DOCKER} import - ${image}`], { env });
  }
  log(`docker: ${RUNS} runs each`);
  return turns([
    { name: 'plain', run: () => timed(DOCKER, ['run', '--rm', '--network', 'none', image, 'true'], env) },
    { name: 'init', run: () => timed(DOCKER, ['run', '--rm', '--network', 'none', '--init', image, 'true'], env) },
    { name: 'ts-init', run: () => timed(DOCKER, ['run', '--rm', '--network', 'none', '--runtime', 'ts-init', '-e', 'TS_INIT_RICH=1', '-e', 'TS_INIT_NO_UNITS=1', image, 'true'], env) },
  ]);
}

async function containerdTimes() {
  const dir = path.join(state, 'containerd');
  fs.mkdirSync(dir);
  const sock = path.join(dir, 'containerd.sock');
  fs.writeFileSync(path.join(dir, 'config.toml'), [
    'version = 2', `root = "${path.join(CACHE, 'containerd-root')}"`, `state = "${dir}/state"`,
    '[grpc]', `  address = "${sock}"`, '[ttrpc]', `  address = "${sock}.ttrpc"`, '[debug]', `  address = "${dir}/debug.sock"`,
    '[plugins."io.containerd.internal.v1.opt"]', `  path = "${dir}/opt"`, '',
  ].join('\n'));
  leftovers(['/run/containerd', ...cgroups('default')]);
  await daemon('/usr/bin/containerd', ['--config', path.join(dir, 'config.toml')], path.join(dir, 'log'), () => fs.existsSync(sock) && run('ctr', ['-a', sock, 'version'], { check: false }).status === 0);
  const ctr = (args) => ['ctr', ['-a', sock, '-n', 'k8s.io', ...args]];
  const marker = fs.readFileSync(path.join(REPO, '.cache/rootfs/debian.ready'), 'utf8').trim();
  const image = `localhost/ts-init-engines-debian:${marker}`;
  if (!run(...ctr(['image', 'ls', '-q'])).stdout.split('\n').includes(image)) {
    const archive = path.join(dir, 'image.tar');
    run('podman', ['save', '--format', 'oci-archive', '-o', archive, IMAGE], { env: podmanEnv });
    run(...ctr(['image', 'import', '--base-name', image.replace(/:[^:]+$/, ''), archive]));
    const got = run(...ctr(['image', 'ls', '-q'])).stdout.split('\n').find((l) => l.startsWith(image.replace(/:[^:]+$/, '')));
    if (got !== image) run(...ctr(['image', 'tag', got, image]));
    fs.rmSync(archive, { force: true });
  }
  let n = 0;
  const id = () => `bench-${process.pid}-${n++}`;
  log(`containerd (ctr run): ${RUNS} runs each`);
  const times = turns([
    { name: 'plain', run: () => timed(...ctr(['run', '--rm', image, id(), 'true'])) },
    { name: 'ts-init', run: () => timed(...ctr(['run', '--rm', '--runc-binary', wrapper, '--annotation', 'io.ts-init.rich=true', '--annotation', 'io.ts-init.no-units=true', image, id(), 'true'])) },
  ]);
  return times;
}

function wrapperOverhead() {
  log(`runtime wrapper: ${CALLS} calls each`);
  const runc = run('sh', ['-c', 'command -v runc']).stdout.trim();
  // `create` of a rich container: ts-init starts, reads and edits BUNDLE/config.json,
  // then execs the runtime (here /bin/true, to time the wrapper alone).
  const bundle = path.join(state, 'bundle');
  fs.mkdirSync(bundle);
  const config = { ociVersion: '1.0.2', process: { args: ['/bin/sleep', '1'], env: ['PATH=/bin'] }, root: { path: 'rootfs' }, mounts: [], annotations: { 'io.ts-init.rich': 'true' } };
  const fresh = () => fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config));
  const env = { ...process.env, TS_INIT_RUNTIME: '/bin/true' };
  return turns([
    { name: 'runc', run: () => timed(runc, ['--version']) },
    { name: 'wrapper', run: () => timed(wrapper, ['--version']) },
    { name: 'true', run: () => (fresh(), timed('/bin/true', ['create', '--bundle', bundle, 'x'])) },
    { name: 'create', run: () => (fresh(), timed(wrapper, ['create', '--bundle', bundle, 'x'], env)) },
  ], CALLS);
}

// ---------------------------------------------------------------- memory

function smapsRollup(pid) {
  const out = {};
  for (const line of fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').split('\n')) {
    const m = /^(\w+):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

async function memoryOf(runArgs) {
  const names = [];
  for (let i = 0; i < N; i++) {
    const name = `ts-init-bench-${process.pid}-${names.length}`;
    names.push(name);
    podmanRun(['run', '-d', '--name', name, ...runArgs(i), 'sleep', '1000']);
  }
  await sleep(3000); // start-up done, free memory returned
  const rows = names.map((c) => smapsRollup(Number(podmanRun(['inspect', '--format', '{{.State.Pid}}', c]).stdout.trim())));
  podmanRun(['rm', '-f', '-t', '0', ...names]);
  const privateKb = rows.map((r) => r.Private_Clean + r.Private_Dirty);
  return {
    privateMb: median(privateKb) / 1024,
    pssTotalMb: rows.reduce((s, r) => s + r.Pss, 0) / 1024,
    rssMb: median(rows.map((r) => r.Rss)) / 1024,
  };
}

async function memory() {
  log(`memory: ${N} rich containers with one host binary`);
  const shared = await memoryOf(() => ['--annotation', 'io.ts-init.rich=true', '--annotation', 'io.ts-init.no-units=true', IMAGE]);
  log(`memory: ${N} containers each with its own copy of the binary`);
  const copies = path.join(state, 'copies');
  fs.mkdirSync(copies);
  for (let i = 0; i < N; i++) fs.copyFileSync(TS_INIT, path.join(copies, `ts-init-${i}`));
  const own = await memoryOf((i) => ['-v', `${path.join(copies, `ts-init-${i}`)}:/sbin/ts-init:ro`, '--entrypoint', '["/sbin/ts-init","--no-units","--"]', IMAGE]);
  fs.rmSync(copies, { recursive: true, force: true });
  return { shared, own };
}

// ---------------------------------------------------------------- table

const rows = [];
function timeRows(engine, t, integration, initLabel) {
  const plain = median(t.plain);
  const cell = (xs) => `${fmt(median(xs), 0)} ms (p90 ${fmt(quantile(xs, 0.9), 0)})`;
  rows.push(`| ${engine} | ${cell(t.plain)} | ${t.init ? `${cell(t.init)}, ${fmt(median(t.init) / plain, 2)}× (${initLabel})` : '—'} | ${cell(t['ts-init'])}, **${fmt(median(t['ts-init']) / plain, 2)}×** (${integration}) |`);
}

async function main() {
  const version = run(TS_INIT, ['--version']).stdout.trim().split('\n')[0];
  const started = new Date().toISOString().slice(0, 16).replace('T', ' ');
  try {
    timeRows('podman 4.3 (crun)', podmanTimes(), 'precreate hook', 'catatonit');
    timeRows('Docker 20.10 (runc)', await dockerTimes(), 'runtime wrapper', 'tini');
    timeRows('containerd 1.6, `ctr run` (runc)', await containerdTimes(), 'runtime wrapper');
    const w = wrapperOverhead();
    const mem = await memory();
    const md = [
      `# Rich mode on container engines`,
      '',
      `Measured ${started} UTC with \`bash bench/engines.sh${quick ? ' --quick' : ''}\`: ${version}; ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Linux ${os.release()}.`,
      `${RUNS} runs per variant, in turns; the Debian image of the tests, CMD \`true\`; ts-init with no units (\`io.ts-init.no-units\`), so the figures are the engine integration and ts-init's start, not the image's services.`,
      '',
      '| engine | plain `run --rm IMAGE true` | engine\'s init (`--init`) | ts-init rich mode |',
      '|---|---:|---:|---:|',
      ...rows,
      '',
      `| runtime wrapper (${CALLS} calls each) | runtime alone | through \`ts-init-runtime\` | added per call |`,
      '|---|---:|---:|---:|',
      `| any verb but create/run (\`--version\`), median | ${fmt(median(w.runc), 1)} ms | ${fmt(median(w.wrapper), 1)} ms | ${fmt(median(w.wrapper) - median(w.runc), 1)} ms |`,
      `| \`create\` of a rich container (edits config.json; runtime \`/bin/true\`), median | ${fmt(median(w.true), 1)} ms | ${fmt(median(w.create), 1)} ms | ${fmt(median(w.create) - median(w.true), 1)} ms |`,
      '',
      `| ${N} rich containers' PID 1 (podman) | one shared host binary (hook) | a copy of the binary each | shared / copies |`,
      '|---|---:|---:|---:|',
      `| private memory per PID 1 (Private_Clean + Private_Dirty), median | ${fmt(mem.shared.privateMb)} MB | ${fmt(mem.own.privateMb)} MB | ${fmt(mem.shared.privateMb / mem.own.privateMb, 2)}× |`,
      `| proportional memory of all ${N} (sum of Pss) | ${fmt(mem.shared.pssTotalMb)} MB | ${fmt(mem.own.pssTotalMb)} MB | ${fmt(mem.shared.pssTotalMb / mem.own.pssTotalMb, 2)}× |`,
      `| resident per PID 1 (Rss), median | ${fmt(mem.shared.rssMb)} MB | ${fmt(mem.own.rssMb)} MB | |`,
      '',
    ].join('\n');
    process.stdout.write(md);
    fs.writeFileSync(OUT, md);
  } finally {
    for (const c of cleanups.reverse()) await c();
  }
}

main().catch(async (err) => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  console.error(err);
  process.exit(1);
});
