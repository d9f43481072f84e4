// Helpers for the engine tests (test/engines/): the Debian package of ts-init, unpacked
// into a private folder instead of installed, and private state folders for engines.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, requireTsInit, runCommand, uniqueName } from './container';

const PKG = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
export const DEB = path.join(REPO_ROOT, 'dist', `ts-init_${PKG.version}_amd64.deb`);
export const ENGINES_CACHE = path.join(REPO_ROOT, '.cache', 'engines');

/**
 * dist/ts-init_VERSION_amd64.deb, packaged again when older than dist/ts-init. Test files
 * run in parallel: the check and the build happen under one lock.
 */
export async function ensureDeb(): Promise<string> {
  const bin = requireTsInit();
  fs.mkdirSync(ENGINES_CACHE, { recursive: true });
  const build = `[ -f "$1" ] && [ ! "$1" -ot "$2" ] || "$3" "$4" --deb-only`;
  const r = await runCommand(
    'flock',
    [path.join(ENGINES_CACHE, 'deb.lock'), 'sh', '-c', build, 'sh', DEB, bin, process.execPath, path.join(REPO_ROOT, 'build.js')],
    { timeoutMs: 300_000 },
  );
  if (r.code !== 0) throw new Error(`node build.js --deb-only failed:\n${r.stderr}${r.stdout}`);
  return DEB;
}

/** A fresh private folder under .cache/engines, removed by the returned cleanup. */
export function stateDir(prefix: string): string {
  const dir = path.join(ENGINES_CACHE, uniqueName(prefix));
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export interface UnpackedDeb {
  /** Where `dpkg-deb -x` put the package's files (its /usr is ROOT/usr). */
  root: string;
  libexec: string;
  binary: string;
  /** The package's podman hook, with /usr/libexec/ts-init pointed at ROOT (a hooks dir of its own). */
  hooksDir: string;
}

/**
 * The .deb unpacked with `dpkg-deb -x` into DIR/root rather than installed with dpkg -i:
 * the machine's dpkg database and /usr stay as they were. The package's hook JSON is
 * copied into DIR/hooks.d with only the install path rewritten to the unpacked tree.
 */
export async function unpackDeb(dir: string): Promise<UnpackedDeb> {
  const deb = await ensureDeb();
  const root = path.join(dir, 'root');
  fs.mkdirSync(root, { recursive: true });
  const r = await runCommand('dpkg-deb', ['-x', deb, root]);
  if (r.code !== 0) throw new Error(`dpkg-deb -x ${deb} failed: ${r.stderr}`);
  const libexec = path.join(root, 'usr/libexec/ts-init');
  const hooksDir = path.join(dir, 'hooks.d');
  fs.mkdirSync(hooksDir, { recursive: true });
  const hook = fs.readFileSync(path.join(root, 'usr/share/containers/oci/hooks.d/ts-init.json'), 'utf8');
  fs.writeFileSync(path.join(hooksDir, 'ts-init.json'), hook.split('/usr/libexec/ts-init').join(libexec));
  return { root, libexec, binary: path.join(libexec, 'ts-init'), hooksDir };
}

/** dev:inode of a file (following links), as the kernel identifies it. */
export function fileId(file: string): string {
  const st = fs.statSync(file);
  return `${st.dev}:${st.ino}`;
}

// ---------------------------------------------------------------------------------------------
// Private daemons
// ---------------------------------------------------------------------------------------------

export const DOCKER = '/usr/bin/docker'; // Debian's 20.10 client; a newer one may be first in PATH
export const DOCKERD = '/usr/sbin/dockerd';

export interface Daemon {
  /** Environment for the daemon's client (DOCKER_HOST or the containerd address). */
  env: NodeJS.ProcessEnv;
  address: string;
  log(): string;
  stop(): Promise<void>;
}

/** What a daemon leaves on the host whatever its root/state: removed again if it was not there. */
function hostLeftovers(paths: string[]): () => Promise<void> {
  const existed = new Set(paths.filter((p) => fs.existsSync(p)));
  return async () => {
    for (const p of [...paths].reverse()) {
      if (existed.has(p) || !fs.existsSync(p)) continue;
      // A cgroup empties a moment after its last process is gone: rmdir is retried.
      for (let attempt = 0; attempt < 40 && fs.existsSync(p); attempt++) {
        try {
          if (p.startsWith('/sys/fs/cgroup/')) fs.rmdirSync(p);
          else fs.rmSync(p, { recursive: true, force: true });
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }
  };
}

function cgroupDirs(name: string): string[] {
  try {
    return fs
      .readdirSync('/sys/fs/cgroup')
      .map((h) => path.join('/sys/fs/cgroup', h, name))
      .concat(path.join('/sys/fs/cgroup/unified', name));
  } catch {
    return [];
  }
}

/**
 * Daemons share host paths they leave behind (/run/containerd/s for every shim): one at a
 * time, so one test's clean-up never removes what another's daemon is using. The lock is
 * held by a `flock` child until release.
 */
async function hostLock(): Promise<() => Promise<void>> {
  const { spawn } = await import('node:child_process');
  fs.mkdirSync(ENGINES_CACHE, { recursive: true });
  // Its own process group, so release ends flock and its sleeping child together.
  const holder = spawn('flock', ['-x', '-o', path.join(ENGINES_CACHE, 'daemons.lock'), '-c', 'echo locked; exec sleep 3600'], {
    stdio: ['ignore', 'pipe', 'ignore'],
    detached: true,
  });
  await new Promise<void>((resolve, reject) => {
    holder.stdout.once('data', () => resolve());
    holder.once('exit', (code) => reject(new Error(`flock exited ${code}`)));
  });
  return async () => {
    const gone = new Promise((r) => holder.once('exit', r));
    process.kill(-holder.pid!, 'SIGTERM');
    await gone;
  };
}

async function startDaemon(
  file: string,
  args: string[],
  logFile: string,
  ready: () => Promise<boolean>,
  leftoverPaths: string[],
  env: NodeJS.ProcessEnv,
  address: string,
): Promise<Daemon> {
  const { spawn } = await import('node:child_process');
  const release = await hostLock();
  const leftovers = hostLeftovers(leftoverPaths); // what is there now stays
  const out = fs.openSync(logFile, 'a');
  const child = spawn(file, args, { stdio: ['ignore', out, out], detached: true, env });
  fs.closeSync(out);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 30_000;
  while (!(await ready())) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      await release();
      throw new Error(`${file} did not come up:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    env,
    address,
    log: () => fs.readFileSync(logFile, 'utf8'),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(t);
      }
      await leftovers();
      await release();
    },
  };
}

export interface DockerdOptions {
  initPath?: string;
  runtimes?: Record<string, string>;
  /** Persistent data-root (image cache); default DIR/data. */
  dataRoot?: string;
  /** Environment of the daemon (and so of runtime wrappers). */
  env?: NodeJS.ProcessEnv;
}

/** A private dockerd (its own containerd inside) with state under dir; nothing of the host's Docker is used. */
export async function startDockerd(dir: string, opts: DockerdOptions = {}): Promise<Daemon> {
  const sock = path.join(dir, 'docker.sock');
  const config = {
    'data-root': opts.dataRoot ?? path.join(dir, 'data'),
    'exec-root': path.join(dir, 'exec'),
    pidfile: path.join(dir, 'docker.pid'),
    hosts: [`unix://${sock}`],
    iptables: false,
    'ip-forward': false,
    'ip-masq': false,
    bridge: 'none',
    'storage-driver': 'overlay2',
    ...(opts.initPath ? { 'init-path': opts.initPath } : {}),
    ...(opts.runtimes ? { runtimes: Object.fromEntries(Object.entries(opts.runtimes).map(([k, v]) => [k, { path: v }])) } : {}),
  };
  fs.writeFileSync(path.join(dir, 'daemon.json'), JSON.stringify(config, null, 2));
  const leftovers = ['/etc/docker', '/etc/docker/key.json', '/run/docker', '/run/containerd', '/run/containerd/s', ...cgroupDirs('docker')];
  const env = { ...process.env, DOCKER_HOST: `unix://${sock}` };
  const d = await startDaemon(
    DOCKERD,
    ['--config-file', path.join(dir, 'daemon.json')],
    path.join(dir, 'dockerd.log'),
    async () => fs.existsSync(sock) && (await runCommand(DOCKER, ['version'], { env, timeoutMs: 10_000 })).code === 0,
    leftovers,
    { ...opts.env, PATH: process.env.PATH },
    sock,
  );
  return { ...d, env };
}

export function docker(d: Daemon, args: readonly string[], timeoutMs = 120_000) {
  return runCommand(DOCKER, args, { env: d.env, timeoutMs });
}

/** A private containerd (CRI included) with root/state under dir. */
export async function startContainerd(dir: string, toml: (dir: string) => string, env: NodeJS.ProcessEnv = {}): Promise<Daemon> {
  const sock = path.join(dir, 'containerd.sock');
  fs.writeFileSync(path.join(dir, 'config.toml'), toml(dir));
  const leftovers = [
    '/run/containerd',
    '/run/containerd/s',
    '/run/containerd/fifo',
    '/run/containerd/runc',
    ...cgroupDirs('default'),
    ...cgroupDirs('k8s.io'),
  ];
  const d = await startDaemon(
    '/usr/bin/containerd',
    ['--config', path.join(dir, 'config.toml')],
    path.join(dir, 'containerd.log'),
    async () => fs.existsSync(sock) && (await runCommand('ctr', ['-a', sock, 'version'], { timeoutMs: 10_000 })).code === 0,
    leftovers,
    { ...process.env, ...env },
    sock,
  );
  return { ...d, env: { ...process.env } };
}
