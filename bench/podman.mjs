// The container benchmarks' podman (bench/rich.mjs, bench/journal.mjs): a base image from one of
// the project's cached image scripts, podman run in that script's storage, and a one-off image
// made FROM the base with the executable under test and the benchmark's own files.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './lib.mjs';

const RUNTIME = 'runc'; // cgroups enabled: systemd's cgroups stay inside the container's own
const BUILD_TMP = path.join(REPO, '.cache/podman/buildtmp');

/**
 * Runs `scripts/NAME ARGS` (it builds its image once, cached) and takes what it exports: the
 * podman environment it built in, and the base image's reference, `wanted`.
 */
export function baseImage(script, args, wanted) {
  const what = [script, ...args].join(' ');
  const res = spawnSync('bash', [path.join(REPO, 'scripts', script), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (res.status !== 0) throw new Error(`scripts/${what} exited ${res.status}`);
  const vars = {};
  for (const m of res.stdout.matchAll(/^export ([A-Z0-9_]+)='([^']*)'$/gm)) vars[m[1]] = m[2];
  if (!vars[wanted]) throw new Error(`scripts/${what} printed no ${wanted}`);
  const env = { ...process.env, CONTAINERS_CONF: vars.CONTAINERS_CONF, CONTAINERS_STORAGE_CONF: vars.CONTAINERS_STORAGE_CONF, TMPDIR: BUILD_TMP };
  return { env, base: vars[wanted] };
}

/**
 * podman with runc in `env`; throws on a failure unless check is false. Its `env` and `options`
 * (the arguments before the command) are there for a podman started with spawn.
 */
export function podmanIn(env) {
  const options = ['--runtime', RUNTIME];
  const run = (args, { check = true, timeoutMs = 120_000 } = {}) => {
    const res = spawnSync('podman', [...options, ...args], { env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 << 20 });
    if (check && res.status !== 0) throw new Error(`podman ${args.join(' ')} exited ${res.status}: ${res.stderr}`);
    return res;
  };
  return Object.assign(run, { env, options });
}

/**
 * A one-off image `localhost/ts-init-bench-NAME:...` FROM base: `files` (name in the build
 * context -> `{ from, executable }` copied, or `{ text }` written) and the Containerfile's
 * `lines` after its FROM.
 */
export function benchImage(podman, { name, base, files, lines }) {
  const ctx = fs.mkdtempSync(path.join(BUILD_TMP, `bench-${name}-`));
  const tag = `localhost/ts-init-bench-${name}:${process.pid}-${Date.now().toString(36)}`;
  try {
    for (const [file, f] of Object.entries(files)) {
      const to = path.join(ctx, file);
      if (f.text !== undefined) fs.writeFileSync(to, f.text);
      else fs.copyFileSync(f.from, to);
      if (f.executable) fs.chmodSync(to, 0o755);
    }
    fs.writeFileSync(path.join(ctx, 'Containerfile'), [`FROM ${base}`, ...lines, ''].join('\n'));
    podman(['build', '--pull=never', '--quiet', '-t', tag, ctx], { timeoutMs: 600_000 });
  } finally {
    fs.rmSync(ctx, { recursive: true, force: true });
  }
  return tag;
}
