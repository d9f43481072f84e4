// Helpers for the real-container tests: a private podman environment prepared by
// scripts/container-env.sh, image builds on cached root filesystems, container lifecycle
// wrappers and a host-side view of the processes (and zombies) inside a container.
//
// Typical use in a vitest file:
//
//   beforeAll(async () => {
//     await ensureContainerEnv();
//     image = await buildImage({ base: 'small', entrypoint: ['/sbin/ts-init', '--'], cmd: ['sleep', '1000'] });
//   });
//   afterAll(() => resources.cleanup());
//
// Everything runs podman with CONTAINERS_CONF / CONTAINERS_STORAGE_CONF pointing at the
// configuration under .cache/podman/, so the host's own podman state is never touched.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inject } from 'vitest';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** The binary under test, built by `node build.js`. */
export const TS_INIT_BIN = path.join(REPO_ROOT, 'dist', 'ts-init');
export const CONTAINER_ENV_SCRIPT = path.join(REPO_ROOT, 'scripts', 'container-env.sh');
const CONTEXT_DIR = path.join(REPO_ROOT, '.cache', 'podman', 'contexts');

export type Runtime = 'crun' | 'runc';
export const RUNTIMES: readonly Runtime[] = ['crun', 'runc'];
/** 'debian-systemd': debian plus Debian's systemd as /sbin/init, built on first use (~1 min, cached). */
export type BaseImage = 'debian' | 'small' | 'debian-systemd';

export interface CmdResult {
  /** Exit status; 128+N when the command was killed by signal N. */
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall-clock duration in milliseconds. */
  elapsedMs: number;
}

export interface CommandOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
  /** Kill the command (SIGKILL) and reject after this many ms. Default 120 s. */
  timeoutMs?: number;
}

const SIGNAL_NUMBERS: Record<string, number> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8,
  SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15,
};

/** Runs a command to completion, collecting its output; never throws for a non-zero exit. */
export function runCommand(cmd: string, args: readonly string[], opts: CommandOptions = {}): Promise<CmdResult> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const started = Date.now();
  return new Promise<CmdResult>((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd ?? REPO_ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(new Error(`timed out after ${timeoutMs} ms: ${cmd} ${args.join(' ')}\n${stderr.slice(-2000)}`));
        return;
      }
      const status = code ?? (signal ? 128 + (SIGNAL_NUMBERS[signal] ?? 0) : -1);
      resolve({ code: status, signal, stdout, stderr, elapsedMs: Date.now() - started });
    });
    child.stdin.on('error', () => { /* the command may not read its input */ });
    child.stdin.end(opts.input ?? '');
  });
}

// ---------------------------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------------------------

export interface ContainerEnv {
  containersConf: string;
  storageConf: string;
  /** Imported base images, tagged with the build id of their root filesystem ('debian-systemd' once built). */
  baseImages: Record<'debian' | 'small', string> & Partial<Record<BaseImage, string>>;
  /** process.env plus the private podman configuration. */
  env: NodeJS.ProcessEnv;
}

let envPromise: Promise<ContainerEnv> | undefined;

/** Where the first file of a vitest run leaves the environment for the run's other files. */
export function runEnvFile(run: string): string {
  return path.join(CONTEXT_DIR, `run-${run}.env.json`);
}

/**
 * Runs scripts/container-env.sh once per vitest run (it is idempotent, serialised with flock and
 * fast once everything is in place, about a second; the first run on a machine installs packages
 * and builds the Debian rootfs, about two minutes): the first test file to ask runs it and leaves
 * what it printed in runEnvFile() for the others. Throws with the script's output on failure.
 */
export function ensureContainerEnv(): Promise<ContainerEnv> {
  envPromise ??= (async () => {
    const shared = runEnvFile(runId());
    let result: ContainerEnv | undefined;
    try {
      result = JSON.parse(fs.readFileSync(shared, 'utf8')) as ContainerEnv;
    } catch {
      result = undefined;
    }
    if (result) return { ...result, env: { ...process.env, ...result.env } };
    const res = await runCommand('bash', [CONTAINER_ENV_SCRIPT], { timeoutMs: 15 * 60_000 });
    if (res.code !== 0) {
      throw new Error(
        `the podman test environment could not be prepared (${CONTAINER_ENV_SCRIPT} exited ${res.code}):\n` +
          res.stderr.slice(-4000),
      );
    }
    const vars: Record<string, string> = {};
    for (const line of res.stdout.split('\n')) {
      const m = /^export ([A-Z_]+)='([^']*)'$/.exec(line.trim());
      if (m) vars[m[1]] = m[2];
    }
    for (const k of ['CONTAINERS_CONF', 'CONTAINERS_STORAGE_CONF', 'TS_INIT_BASE_DEBIAN', 'TS_INIT_BASE_SMALL']) {
      if (!vars[k]) throw new Error(`${CONTAINER_ENV_SCRIPT} did not print ${k}; output:\n${res.stdout}`);
    }
    const own = {
      CONTAINERS_CONF: vars.CONTAINERS_CONF,
      CONTAINERS_STORAGE_CONF: vars.CONTAINERS_STORAGE_CONF,
      TMPDIR: path.join(REPO_ROOT, '.cache', 'podman', 'buildtmp'),
    };
    result = {
      containersConf: vars.CONTAINERS_CONF,
      storageConf: vars.CONTAINERS_STORAGE_CONF,
      baseImages: { debian: vars.TS_INIT_BASE_DEBIAN, small: vars.TS_INIT_BASE_SMALL },
      env: { ...process.env, ...own },
    };
    await removeStale(result.env);
    fs.mkdirSync(CONTEXT_DIR, { recursive: true });
    const tmp = `${shared}.${process.pid}`;
    // Only the variables of its own: each file adds them to its process's environment.
    fs.writeFileSync(tmp, JSON.stringify({ ...result, env: own }));
    fs.renameSync(tmp, shared);
    return result;
  })();
  // A failed preparation is retried by the next caller rather than cached.
  envPromise.catch(() => { envPromise = undefined; });
  return envPromise;
}

let systemdBasePromise: Promise<string> | undefined;

/**
 * The 'debian-systemd' base image: runs scripts/container-env.sh --with-systemd once per test
 * process (the first run on a machine debootstraps the tree, about a minute). Returns its reference.
 */
export function ensureSystemdBase(): Promise<string> {
  systemdBasePromise ??= (async () => {
    const env = await ensureContainerEnv();
    const res = await runCommand('bash', [CONTAINER_ENV_SCRIPT, '--with-systemd'], { timeoutMs: 15 * 60_000 });
    const ref = /^export TS_INIT_BASE_DEBIAN_SYSTEMD='([^']*)'$/m.exec(res.stdout)?.[1];
    if (res.code !== 0 || !ref) {
      throw new Error(
        `the systemd base image could not be prepared (${CONTAINER_ENV_SCRIPT} --with-systemd exited ${res.code}):\n` +
          res.stderr.slice(-4000),
      );
    }
    env.baseImages['debian-systemd'] = ref;
    return ref;
  })();
  systemdBasePromise.catch(() => { systemdBasePromise = undefined; });
  return systemdBasePromise;
}

const NAME_PREFIX = 'ts-init-test';

/** The id of the process that created a test resource named by uniqueName(). */
function creatorPid(name: string): number | undefined {
  const m = /-(\d+)-[0-9a-z]+-[0-9a-f]{6}$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/**
 * Removes test containers and images left behind by test processes that no longer exist
 * (a run that was killed before its cleanup).
 */
async function removeStale(env: NodeJS.ProcessEnv): Promise<void> {
  const gone = (name: string) => {
    const pid = creatorPid(name);
    return pid !== undefined && pid !== process.pid && !fs.existsSync(`/proc/${pid}`);
  };
  const ps = await runCommand('podman', ['ps', '-a', '--format', '{{.Names}}', '--filter', `name=^${NAME_PREFIX}`], { env });
  const containers = ps.stdout.split('\n').map((s) => s.trim()).filter((n) => n && gone(n));
  if (containers.length > 0) await runCommand('podman', ['rm', '-f', '--ignore', '-t', '0', ...containers], { env });
  const imgs = await runCommand('podman', ['images', '--format', '{{.Repository}}:{{.Tag}}'], { env });
  const images = imgs.stdout
    .split('\n')
    .map((s) => s.trim())
    .filter((r) => r.startsWith(`localhost/${NAME_PREFIX}`) && gone(r));
  if (images.length > 0) await runCommand('podman', ['rmi', '-f', '--ignore', ...images], { env });
  // And what such a run left for its own files (runEnvFile(), binaryImagesMark()).
  for (const f of fs.existsSync(CONTEXT_DIR) ? fs.readdirSync(CONTEXT_DIR) : []) {
    const pid = /^run-(\d+)\./.exec(f)?.[1];
    if (pid && !fs.existsSync(`/proc/${pid}`)) fs.rmSync(path.join(CONTEXT_DIR, f), { force: true });
  }
}

/** Fails with a clear message when dist/ts-init has not been built. */
export function requireTsInit(bin: string = TS_INIT_BIN): string {
  if (!fs.existsSync(bin)) {
    throw new Error(`${bin} does not exist: build it first with \`node build.js\` (npm run build)`);
  }
  return bin;
}

/** A name unique to this run, usable for containers and image tags. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`.toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// podman
// ---------------------------------------------------------------------------------------------

export interface PodmanOptions extends Omit<CommandOptions, 'env'> {
  /** OCI runtime; default crun (the wrapper registered under that name). */
  runtime?: Runtime;
  /** Throw when podman exits non-zero. */
  check?: boolean;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

/**
 * Runs podman with the private configuration. For `run`/`create` with runc, cgroups are
 * enabled for the container: podman accepts `cgroups = "disabled"` (the default here) only
 * for crun, while runc works on this kind of host with cgroupfs v1 hierarchies.
 */
export async function podman(args: readonly string[], opts: PodmanOptions = {}): Promise<CmdResult> {
  const env = await ensureContainerEnv();
  const runtime = opts.runtime ?? 'crun';
  let sub = [...args];
  if (runtime === 'runc' && (sub[0] === 'run' || sub[0] === 'create')) {
    sub = [sub[0], '--cgroups=enabled', ...sub.slice(1)];
  }
  const full = ['--runtime', runtime, ...sub];
  const res = await runCommand('podman', full, {
    env: { ...env.env, ...opts.env },
    cwd: opts.cwd,
    input: opts.input,
    timeoutMs: opts.timeoutMs,
  });
  if (opts.check && res.code !== 0) {
    throw new Error(`podman ${full.join(' ')} exited ${res.code}:\n${res.stderr.trim()}\n${res.stdout.trim()}`);
  }
  return res;
}

// ---------------------------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------------------------

/** A file for an image: a host path (absolute, existing) or literal content. */
export type ImageFile = string | Buffer | { content: string | Buffer; mode?: number } | { hostPath: string; mode?: number };

export interface BuildImageOptions {
  /** Image reference; default a unique localhost/ts-init-test-<base>:<id>. */
  tag?: string;
  base: BaseImage;
  /** An image reference to build FROM instead of the cached base (e.g. scripts/boot-image.sh's). */
  from?: string;
  /** Files to add: path in the image -> host path or content (a directory host path is copied whole). */
  files?: Record<string, ImageFile>;
  entrypoint?: string[];
  cmd?: string[];
  env?: Record<string, string>;
  /** RUN steps (each run with /bin/sh -c in the image), after the files are copied. */
  run?: string[];
  /** The init binary copied to /sbin/ts-init; default dist/ts-init. */
  initBinary?: string;
  /** Build timeout; default 10 min. */
  timeoutMs?: number;
}

function addToContext(ctx: string, name: string, file: ImageFile): void {
  const dest = path.join(ctx, name);
  let mode: number | undefined;
  if (typeof file === 'string' && file.startsWith('/') && !file.includes('\n') && fs.existsSync(file)) {
    fs.cpSync(file, dest, { recursive: true, dereference: true });
    return;
  }
  if (typeof file === 'string' || Buffer.isBuffer(file)) {
    fs.writeFileSync(dest, file);
  } else if ('content' in file) {
    fs.writeFileSync(dest, file.content);
    mode = file.mode;
  } else {
    if (!fs.existsSync(file.hostPath)) throw new Error(`buildImage: ${file.hostPath} does not exist`);
    fs.cpSync(file.hostPath, dest, { recursive: true, dereference: true });
    mode = file.mode;
  }
  if (mode !== undefined) fs.chmodSync(dest, mode);
}

/** The vitest run this process belongs to (test/helpers/global-setup.ts); its own pid outside one. */
function runId(): string {
  try {
    return inject('tsInitTestRun') ?? String(process.pid);
  } catch {
    return String(process.pid);
  }
}

const binaryImages = new Map<string, Promise<string>>();

/**
 * `from` plus the init binary at /sbin/ts-init (mode 0755): the layer every buildImage() starts
 * with, built once per vitest run, base and binary, and shared by the test files (copying the
 * 130 MB binary into a layer costs some 4 s a build). Tagged with the run's pid: the run's global
 * teardown removes it, or removeStale() once that process is gone.
 */
function binaryImage(from: string, initBinary: string): Promise<string> {
  const st = fs.statSync(initBinary);
  const run = runId();
  const key = createHash('sha256').update(`${from}\n${path.resolve(initBinary)} ${st.dev} ${st.ino} ${st.size} ${st.mtimeMs}`).digest('hex').slice(0, 6);
  const tag = `localhost/${NAME_PREFIX}-bin:run-${run}-bin-${key}`;
  let p = binaryImages.get(tag);
  if (!p) {
    p = (async () => {
      if ((await podman(['image', 'exists', tag])).code === 0) return tag;
      const env = await ensureContainerEnv();
      fs.mkdirSync(CONTEXT_DIR, { recursive: true });
      const ctx = fs.mkdtempSync(path.join(CONTEXT_DIR, 'bin-'));
      try {
        // Hard link when possible (same filesystem): the binary is large.
        try {
          fs.linkSync(initBinary, path.join(ctx, 'ts-init'));
        } catch {
          fs.copyFileSync(initBinary, path.join(ctx, 'ts-init'));
        }
        fs.chmodSync(path.join(ctx, 'ts-init'), 0o755);
        fs.writeFileSync(path.join(ctx, 'Containerfile'), `FROM ${from}\nCOPY ts-init /sbin/ts-init\n`);
        // Two files of one run may want it at once: one builds, the other then finds it.
        const res = await runCommand(
          'flock',
          [
            path.join(CONTEXT_DIR, `${tag.slice(tag.indexOf(':') + 1)}.lock`),
            'sh', '-c', 'podman image exists "$1" || podman build --pull=never --quiet --layers=false -t "$1" -f "$2/Containerfile" "$2"', 'sh', tag, ctx,
          ],
          { env: env.env, timeoutMs: 10 * 60_000 },
        );
        if (res.code !== 0) throw new Error(`building ${tag} from ${from} exited ${res.code}:\n${res.stderr.trim()}\n${res.stdout.trim()}`);
        fs.writeFileSync(binaryImagesMark(run), '');
      } finally {
        fs.rmSync(ctx, { recursive: true, force: true });
        fs.rmSync(path.join(CONTEXT_DIR, `${tag.slice(tag.indexOf(':') + 1)}.lock`), { force: true });
      }
      return tag;
    })();
    p.catch(() => binaryImages.delete(tag));
    binaryImages.set(tag, p);
  }
  return p;
}

/** A file that says the run `run` made binary layers. */
export function binaryImagesMark(run: string): string {
  return path.join(CONTEXT_DIR, `run-${run}.made`);
}

/** Removes the binary layers of the vitest run `run` (its global teardown). */
export async function removeBinaryImages(run: string): Promise<void> {
  fs.rmSync(binaryImagesMark(run), { force: true });
  const imgs = await podman(['images', '--format', '{{.Repository}}:{{.Tag}}', `localhost/${NAME_PREFIX}-bin`]);
  const mine = imgs.stdout.split('\n').map((s) => s.trim()).filter((r) => r.startsWith(`localhost/${NAME_PREFIX}-bin:run-${run}-`));
  // Without -f: an image still built on one (a file's leftover) keeps it.
  if (mine.length > 0) await podman(['rmi', '--ignore', ...mine], { timeoutMs: 120_000 });
}

/**
 * Builds an image from a cached base rootfs with the init binary at /sbin/ts-init plus the
 * given files, and returns its reference. Remove it with removeImages() when done.
 */
export async function buildImage(opts: BuildImageOptions): Promise<string> {
  const env = await ensureContainerEnv();
  const initBinary = requireTsInit(opts.initBinary ?? TS_INIT_BIN);
  let tag = opts.tag ?? `${NAME_PREFIX}-${opts.base}:${uniqueName('img')}`;
  if (!tag.includes('/')) tag = `localhost/${tag}`;

  const from = opts.from ?? (opts.base === 'debian-systemd' ? await ensureSystemdBase() : env.baseImages[opts.base]);
  const withBinary = await binaryImage(from, initBinary);
  fs.mkdirSync(CONTEXT_DIR, { recursive: true });
  const ctx = fs.mkdtempSync(path.join(CONTEXT_DIR, 'ctx-'));
  try {
    const lines = [`FROM ${withBinary}`];
    fs.mkdirSync(path.join(ctx, 'files'));
    let i = 0;
    for (const [inImage, file] of Object.entries(opts.files ?? {})) {
      if (!inImage.startsWith('/')) throw new Error(`buildImage: path in image must be absolute: ${inImage}`);
      const name = `files/${i++}`;
      addToContext(ctx, name, file);
      const isDir = fs.statSync(path.join(ctx, name)).isDirectory();
      lines.push(`COPY ${JSON.stringify([name, isDir ? `${inImage.replace(/\/+$/, '')}/` : inImage])}`);
    }
    for (const [k, v] of Object.entries(opts.env ?? {})) lines.push(`ENV ${k}=${JSON.stringify(v)}`);
    for (const step of opts.run ?? []) lines.push(`RUN ${step.replace(/\n/g, ' \\\n')}`);
    if (opts.entrypoint) lines.push(`ENTRYPOINT ${JSON.stringify(opts.entrypoint)}`);
    if (opts.cmd) lines.push(`CMD ${JSON.stringify(opts.cmd)}`);
    fs.writeFileSync(path.join(ctx, 'Containerfile'), lines.join('\n') + '\n');
    // --layers=false: one layer for all the steps, committed once, rather than an intermediate
    // image per step (a few seconds for a dozen steps), and no look-up of a build cache that
    // other files' image removals can pull layers from under ("layer not known").
    await podman(['build', '--pull=never', '--quiet', '--layers=false', '-t', tag, '-f', path.join(ctx, 'Containerfile'), ctx], {
      check: true,
      timeoutMs: opts.timeoutMs ?? 10 * 60_000,
    });
  } finally {
    fs.rmSync(ctx, { recursive: true, force: true });
  }
  return tag;
}

/** `podman rmi -f`, ignoring images that do not exist. */
export async function removeImages(...refs: string[]): Promise<void> {
  if (refs.length === 0) return;
  await podman(['rmi', '-f', '--ignore', ...refs], { timeoutMs: 120_000 });
}

// ---------------------------------------------------------------------------------------------
// Containers
// ---------------------------------------------------------------------------------------------

export interface RunOptions {
  /** Container name; default unique. */
  name?: string;
  runtime?: Runtime;
  /** `podman run --init`: true uses dist/ts-init as --init-path, a string another binary. */
  init?: boolean | string;
  /** Overrides the image's ENTRYPOINT (JSON array form). */
  entrypoint?: string[];
  /** Overrides the image's CMD. */
  cmd?: string[];
  env?: Record<string, string>;
  /** Further `podman run` options (before the image). */
  args?: string[];
}

/** `podman run -d`; returns the container name. */
export async function runDetached(image: string, opts: RunOptions = {}): Promise<string> {
  const name = opts.name ?? uniqueName(NAME_PREFIX);
  const args = ['run', '-d', '--name', name];
  if (opts.init) {
    const initPath = typeof opts.init === 'string' ? opts.init : requireTsInit();
    args.push('--init', `--init-path=${path.resolve(initPath)}`);
  }
  if (opts.entrypoint) args.push('--entrypoint', JSON.stringify(opts.entrypoint));
  for (const [k, v] of Object.entries(opts.env ?? {})) args.push('-e', `${k}=${v}`);
  args.push(...(opts.args ?? []), image, ...(opts.cmd ?? []));
  await podman(args, { runtime: opts.runtime, check: true });
  return name;
}

export interface ExecOptions extends PodmanOptions {
  user?: string;
  /** Further `podman exec` options. */
  args?: string[];
}

export function exec(container: string, cmd: readonly string[], opts: ExecOptions = {}): Promise<CmdResult> {
  const args = ['exec'];
  if (opts.user) args.push('--user', opts.user);
  if (opts.input !== undefined) args.push('-i');
  args.push(...(opts.args ?? []), container, ...cmd);
  return podman(args, opts);
}

/** `podman stop -t N`: SIGTERM to PID 1, SIGKILL after N seconds. */
export function stop(container: string, timeoutSec = 10, opts: PodmanOptions = {}): Promise<CmdResult> {
  return podman(['stop', '-t', String(timeoutSec), container], {
    ...opts,
    timeoutMs: opts.timeoutMs ?? (timeoutSec + 60) * 1000,
  });
}

/** `podman wait`: resolves to the container's exit status. */
export async function wait(container: string, opts: PodmanOptions = {}): Promise<number> {
  const res = await podman(['wait', container], { ...opts, check: true });
  const code = Number.parseInt(res.stdout.trim().split('\n').pop() ?? '', 10);
  if (!Number.isInteger(code)) throw new Error(`podman wait ${container} printed ${JSON.stringify(res.stdout)}`);
  return code;
}

export async function inspect(container: string, format: string): Promise<string> {
  const res = await podman(['inspect', '--format', format, container], { check: true });
  return res.stdout.trim();
}

/** Host PID of the container's PID 1 (0 when it is not running). */
export async function containerPid(container: string): Promise<number> {
  return Number.parseInt(await inspect(container, '{{.State.Pid}}'), 10);
}

export async function logs(container: string): Promise<string> {
  const res = await podman(['logs', container]);
  return res.stdout + res.stderr;
}

/** `podman rm -f`, ignoring containers that do not exist. */
export async function removeContainers(...names: string[]): Promise<void> {
  if (names.length === 0) return;
  await podman(['rm', '-f', '--ignore', '-t', '0', ...names], { timeoutMs: 120_000 });
}

/** Collects containers and images to remove in afterAll/afterEach. */
export class ResourceTracker {
  readonly containers: string[] = [];
  readonly images: string[] = [];

  container(name: string): string {
    this.containers.push(name);
    return name;
  }

  image(ref: string): string {
    this.images.push(ref);
    return ref;
  }

  async cleanup(): Promise<void> {
    await removeContainers(...this.containers.splice(0));
    await removeImages(...this.images.splice(0));
  }
}

// ---------------------------------------------------------------------------------------------
// Processes seen from the host
// ---------------------------------------------------------------------------------------------

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** One-letter state from /proc/PID/stat: R, S, D, Z, T, ... */
  state: string;
  comm: string;
  /** Arguments (empty for zombies and kernel threads). */
  cmdline: string[];
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may hold spaces and parentheses: it spans from the first '(' to the last ')'.
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    const rest = stat.slice(close + 2).split(' ');
    let cmdline: string[] = [];
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s) => s !== '');
    } catch {
      /* gone or not readable */
    }
    return { pid, ppid: Number(rest[1]), state: rest[0], comm: stat.slice(open + 1, close), cmdline };
  } catch {
    return undefined; // exited meanwhile
  }
}

/** Every process on the host. */
export function hostProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const p = readProc(Number(entry));
    if (p) out.push(p);
  }
  return out;
}

function pidNamespace(pid: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined; // zombies have no namespaces left
  }
}

/** `rootPid` and all its descendants, from the host's /proc. */
export function processTree(rootPid: number, procs: ProcInfo[] = hostProcesses()): ProcInfo[] {
  const children = new Map<number, ProcInfo[]>();
  for (const p of procs) {
    const list = children.get(p.ppid) ?? [];
    list.push(p);
    children.set(p.ppid, list);
  }
  const root = procs.find((p) => p.pid === rootPid);
  if (!root) return [];
  const out: ProcInfo[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...(children.get(p.pid) ?? []));
  }
  return out;
}

/**
 * The container's processes as seen from the host: its PID 1 and all descendants (zombies
 * included, since they keep their parent), plus processes that joined its PID namespace
 * (`podman exec`) and their descendants. Empty when the container is not running.
 */
export async function containerProcesses(container: string): Promise<ProcInfo[]> {
  const pid1 = await containerPid(container);
  if (!pid1) return [];
  return processesOfPid1(pid1);
}

/** Same as containerProcesses(), from the host PID of the container's PID 1. */
export function processesOfPid1(pid1: number): ProcInfo[] {
  const procs = hostProcesses();
  const ns = pidNamespace(pid1);
  const seen = new Map<number, ProcInfo>();
  for (const p of processTree(pid1, procs)) seen.set(p.pid, p);
  if (ns) {
    for (const p of procs) {
      if (!seen.has(p.pid) && pidNamespace(p.pid) === ns) {
        for (const q of processTree(p.pid, procs)) seen.set(q.pid, q);
      }
    }
  }
  return [...seen.values()].sort((a, b) => a.pid - b.pid);
}

/** Zombie processes (state Z) inside the container, from the host side. */
export async function zombies(container: string): Promise<ProcInfo[]> {
  return (await containerProcesses(container)).filter((p) => p.state === 'Z');
}

/** Polls `probe` until it returns a value other than undefined/false, or throws on timeout. */
export async function waitUntil<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
