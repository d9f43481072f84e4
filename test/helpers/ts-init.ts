// Running the built executable in tests: directly, or as PID 1 of a fresh PID
// namespace (unshare --pid --fork --mount-proc; the suite runs as root).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '../..');
export const TS_INIT = path.join(REPO, 'dist/ts-init');
export const FIXTURES = path.join(REPO, 'test/fixtures');

export function requireBinary(): void {
  if (!fs.existsSync(TS_INIT)) throw new Error(`${TS_INIT} is missing: run 'node build.js' first`);
}

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface Running {
  child: ChildProcess;
  result: Promise<Result>;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout (or stderr) matches. */
  waitFor(re: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<RegExpMatchArray>;
}

export function start(file: string, args: readonly string[], options: SpawnOptions = {}): Running {
  const t0 = Date.now();
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  const poke = (): void => waiters.slice().forEach((w) => w());
  child.stdout?.on('data', (d: Buffer) => ((out += d.toString()), poke()));
  child.stderr?.on('data', (d: Buffer) => ((err += d.toString()), poke()));
  const result = new Promise<Result>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err, ms: Date.now() - t0 }));
  });
  return {
    child,
    result,
    stdout: () => out,
    stderr: () => err,
    waitFor(re, stream = 'stdout', timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const m = (stream === 'stdout' ? out : err).match(re);
          if (!m) return false;
          waiters.splice(waiters.indexOf(check), 1);
          clearTimeout(timer);
          resolve(m);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(check), 1);
          reject(new Error(`timed out waiting for ${re} on ${stream}; stdout=${out} stderr=${err}`));
        }, timeoutMs);
        waiters.push(check);
        check();
      });
    },
  };
}

/**
 * The namespace's private mounts: ts-init as PID 1 writes /etc/profile.d and /run
 * and reads the systemd unit directories; the host's must stay untouched and unseen.
 * At boot it also runs the generators, turns /etc/init.d scripts into units and applies
 * tmpfiles.d: the host's are hidden too, so that only what a test puts there counts. The rich
 * PID 1 keeps a journal: the host's persistent journal directory is hidden by an empty one.
 */
export const BOOT_CONFIG_DIRS = [
  '/etc/tmpfiles.d', '/usr/lib/tmpfiles.d', '/usr/lib/systemd/system-generators', '/etc/init.d',
  '/etc/rc1.d', '/etc/rc2.d', '/etc/rc3.d', '/etc/rc4.d', '/etc/rc5.d',
];
export const ISOLATE_MOUNTS =
  'mount -t tmpfs -o mode=755 tmpfs /run && mount -t tmpfs tmpfs /etc/systemd/system && ' +
  'mount -t tmpfs tmpfs /usr/lib/systemd/system && mkdir -p /etc/profile.d && mount -t tmpfs -o mode=755 tmpfs /etc/profile.d && ' +
  `for d in ${BOOT_CONFIG_DIRS.join(' ')}; do if [ -d "$d" ]; then mount -t tmpfs tmpfs "$d"; fi; done && ` +
  'if [ -d /var/log/journal ]; then mount -t tmpfs -o mode=755 tmpfs /var/log/journal; fi && ' +
  // The rich PID 1 of a container appends its boot and shutdown records to wtmp: a private, empty one.
  'if [ -f /var/log/wtmp ]; then : > /run/.wtmp-under-test && mount --bind /run/.wtmp-under-test /var/log/wtmp; fi';

/**
 * Where the executable stays reachable inside a private mount namespace whose setup
 * mounts over the directory that holds it (a checkout under /tmp, say): a bind mount of
 * it on a private tmpfs /run. Same file name, so the process name does not change.
 */
export const PINNED_TS_INIT = '/run/.ts-init-under-test/ts-init';

/** Shell steps, run once /run is a private writable tmpfs, that pin the executable at PINNED_TS_INIT. */
export const PIN_BINARY = `mkdir -p ${path.dirname(PINNED_TS_INIT)} && touch ${PINNED_TS_INIT} && mount --bind "${TS_INIT}" ${PINNED_TS_INIT}`;

/**
 * A private /dev for runs that claim to be a container (`container=` in the environment): the rich
 * PID 1 of a container's own root links /dev/log to its journal, and the host's /dev is shared by
 * every mount namespace. The device nodes tests use are bound from the host's.
 */
export const PRIVATE_DEV =
  'mkdir -p /run/.host-dev && mount --rbind /dev /run/.host-dev && mount -t tmpfs -o mode=755,nosuid tmpfs /dev && ' +
  'for n in null zero full random urandom tty ptmx; do touch /dev/$n && mount --bind /run/.host-dev/$n /dev/$n; done && ' +
  'mkdir -p /dev/pts /dev/shm && mount --rbind /run/.host-dev/pts /dev/pts && mount --rbind /run/.host-dev/shm /dev/shm && ' +
  'ln -s /proc/self/fd /dev/fd && ln -s /proc/self/fd/0 /dev/stdin && ln -s /proc/self/fd/1 /dev/stdout && ln -s /proc/self/fd/2 /dev/stderr';

/** ts-init as PID 1 of a new PID namespace with its own /proc (the shell execs it, keeping pid 1). */
export function startAsPid1(args: readonly string[], options: SpawnOptions = {}, setup = ''): Running {
  requireBinary();
  if (options.env?.container) setup = setup ? `${PRIVATE_DEV} && ${setup}` : PRIVATE_DEV;
  // A setup may hide the checkout (a tmpfs over /tmp): run the pinned copy then.
  const script = setup ? `${ISOLATE_MOUNTS} && ${PIN_BINARY} && ${setup} && exec ${PINNED_TS_INIT} "$@"` : `${ISOLATE_MOUNTS} && exec "$0" "$@"`;
  return start('unshare', ['--pid', '--fork', '--mount-proc', '--propagation', 'private', '/bin/sh', '-c', script, TS_INIT, ...args], options);
}

export function runAsPid1(args: readonly string[], options: SpawnOptions = {}, setup = ''): Promise<Result> {
  return startAsPid1(args, options, setup).result;
}

export function runDirect(args: readonly string[], options: SpawnOptions = {}): Promise<Result> {
  requireBinary();
  return start(TS_INIT, args, options).result;
}

/** The host pid of the process unshare forked (ts-init, PID 1 inside). */
export async function pid1HostPid(unsharePid: number, timeoutMs = 5000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const kids = fs.readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim();
      if (kids) return Number(kids.split(' ')[0]);
    } catch {
      // not there yet
    }
    if (Date.now() > deadline) throw new Error(`unshare ${unsharePid} has no child`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
