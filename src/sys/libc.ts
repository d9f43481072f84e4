// Every libc call ts-init makes, typed, in one place. Functions are bound lazily
// so a code path that needs only waitpid does not pay for the rest.
import { loadKoffi, type KoffiModule } from './native-loader';

export const WNOHANG = 1;
export const PR_SET_PDEATHSIG = 1;
export const PR_SET_CHILD_SUBREAPER = 36;
export const PR_GET_CHILD_SUBREAPER = 37;
export const PR_SET_NAME = 15;
export const SIG_BLOCK = 0;
export const SIG_UNBLOCK = 1;
export const SIG_SETMASK = 2;
export const ENOENT = 2;
export const ECHILD = 10;
export const ESRCH = 3;
export const EINTR = 4;
export const EAGAIN = 11;
export const RLIMIT_NOFILE = 7;
export const PRIO_PROCESS = 0;

/**
 * The symbolic name of an errno value ('ENOENT'), as Node's system errors give it. The
 * runtime's os module is loaded only here, when a call has failed: a plain run never needs it.
 */
export function errnoName(errno: number): string | undefined {
  const { constants } = require('node:os') as typeof import('node:os');
  return Object.entries(constants.errno).find(([, n]) => n === errno)?.[0];
}

/** A syscall failure with its errno, like Node's own system errors. */
export class SysError extends Error {
  constructor(
    readonly call: string,
    readonly errno: number,
  ) {
    super(`${call} failed: errno ${errno}`);
  }
}

/** What waitpid(2) reports, decoded. */
export type WaitStatus =
  | { pid: number; kind: 'exited'; code: number }
  | { pid: number; kind: 'signaled'; signal: number; coreDumped: boolean }
  | { pid: number; kind: 'stopped' | 'continued'; signal: number };

export function decodeWaitStatus(pid: number, status: number): WaitStatus {
  const low = status & 0x7f;
  if (low === 0) return { pid, kind: 'exited', code: (status >> 8) & 0xff };
  if (low === 0x7f) return { pid, kind: 'stopped', signal: (status >> 8) & 0xff };
  if (status === 0xffff) return { pid, kind: 'continued', signal: 18 };
  return { pid, kind: 'signaled', signal: low, coreDumped: (status & 0x80) !== 0 };
}

// biome-ignore lint/suspicious/noExplicitAny: koffi functions are typed by their wrappers below
type Fn = (...args: any[]) => any;

class Libc {
  private readonly koffi: KoffiModule;
  private readonly lib: ReturnType<KoffiModule['load']>;
  private readonly fns = new Map<string, Fn>();

  constructor() {
    this.koffi = loadKoffi();
    this.lib = this.koffi.load('libc.so.6');
  }

  fn(decl: string): Fn {
    let f = this.fns.get(decl);
    if (!f) {
      f = this.lib.func(decl) as Fn;
      this.fns.set(decl, f);
    }
    return f;
  }

  errno(): number {
    return this.koffi.errno();
  }

  get ffi(): KoffiModule {
    return this.koffi;
  }
}

let instance: Libc | undefined;
function libc(): Libc {
  if (!instance) instance = new Libc();
  return instance;
}

/** Calls a libc function that returns -1 and sets errno on failure. */
function check(name: string, result: number): number {
  if (result === -1) throw new SysError(name, libc().errno());
  return result;
}

/** Loads the FFI now, so that a missing or unloadable module fails at start-up. */
export function preloadLibc(): void {
  libc();
}

/**
 * waitpid(pid, WNOHANG). Returns undefined when the child has not changed state,
 * or when it is not (or no longer) our child (ECHILD).
 */
export function waitpidNoHang(pid: number): WaitStatus | undefined {
  const status = [0];
  const r = libc().fn('int waitpid(int pid, _Out_ int *status, int options)')(pid, status, WNOHANG) as number;
  if (r > 0) return decodeWaitStatus(r, status[0]!);
  if (r === 0) return undefined;
  const e = libc().errno();
  if (e === ECHILD) return undefined;
  throw new SysError('waitpid', e);
}

/**
 * kill(2). Returns false when the target is gone (ESRCH), throws on other errors.
 * Through the runtime's own binding (libuv's uv_kill, the same syscall) rather than
 * the FFI: it is on the path of every forwarded signal, and a first call after a
 * quiet spell costs ~1.8 µs there against ~6 µs through koffi. Any number goes
 * through, real-time signals and 0 included.
 */
export function kill(pid: number, signal: number): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ESRCH') return false;
    throw new SysError('kill', Math.abs(e.errno ?? 0));
  }
}

function prctl(option: number, arg2: number): number {
  return check(
    'prctl',
    libc().fn('int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)')(
      option,
      arg2,
      0,
      0,
      0,
    ) as number,
  );
}

export function setChildSubreaper(): void {
  prctl(PR_SET_CHILD_SUBREAPER, 1);
}

export function isChildSubreaper(): boolean {
  const out = [0];
  check(
    'prctl',
    libc().fn('int prctl(int option, _Out_ int *a2, unsigned long a3, unsigned long a4, unsigned long a5)')(
      PR_GET_CHILD_SUBREAPER,
      out,
      0,
      0,
      0,
    ) as number,
  );
  return out[0] !== 0;
}

/**
 * Names the calling thread (the main thread: the process's `comm`, what ps and pgrep show).
 * The kernel truncates it to 15 bytes.
 */
export function setThreadName(name: string): void {
  check(
    'prctl',
    libc().fn('int prctl(int option, const char *a2, unsigned long a3, unsigned long a4, unsigned long a5)')(
      PR_SET_NAME,
      name,
      0,
      0,
      0,
    ) as number,
  );
}

export function setParentDeathSignal(signal: number): void {
  prctl(PR_SET_PDEATHSIG, signal);
}

export function setpgid(pid: number, pgid: number): void {
  check('setpgid', libc().fn('int setpgid(int pid, int pgid)')(pid, pgid) as number);
}

export function getpgid(pid: number): number {
  return check('getpgid', libc().fn('int getpgid(int pid)')(pid) as number);
}

export function setsid(): number {
  return check('setsid', libc().fn('int setsid(void)')() as number);
}

export function tcsetpgrp(fd: number, pgrp: number): void {
  check('tcsetpgrp', libc().fn('int tcsetpgrp(int fd, int pgrp)')(fd, pgrp) as number);
}

export function tcgetpgrp(fd: number): number {
  return check('tcgetpgrp', libc().fn('int tcgetpgrp(int fd)')(fd) as number);
}

/** glibc's sigset_t is 1024 bits. */
function sigset(signals: readonly number[]): Buffer {
  const set = Buffer.alloc(128);
  for (const s of signals) set[(s - 1) >> 3]! |= 1 << ((s - 1) & 7);
  return set;
}

/** Changes the calling thread's signal mask (how: SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK). */
export function sigprocmask(how: number, signals: readonly number[]): void {
  const r = libc().fn('int pthread_sigmask(int how, const void *set, void *old)')(how, sigset(signals), null) as number;
  if (r !== 0) throw new SysError('pthread_sigmask', r);
}

/** Resets a signal's disposition to default (exec keeps ignored signals ignored). */
export function resetSignalDisposition(signal: number): void {
  libc().fn('void *signal(int sig, void *handler)')(signal, null);
}

export function ignoreSignal(signal: number): void {
  libc().fn('void *signal(int sig, void *handler)')(signal, libc().ffi.as(1 as never, 'void *' as never));
}

export function setgroups(gids: readonly number[]): void {
  const arr = new Uint32Array(gids);
  check('setgroups', libc().fn('int setgroups(size_t size, const uint32_t *list)')(arr.length, arr) as number);
}

export function setgid(gid: number): void {
  check('setgid', libc().fn('int setgid(uint32_t gid)')(gid) as number);
}

export function setuid(uid: number): void {
  check('setuid', libc().fn('int setuid(uint32_t uid)')(uid) as number);
}

export function setpriority(pid: number, nice: number): void {
  check('setpriority', libc().fn('int setpriority(int which, uint32_t who, int prio)')(PRIO_PROCESS, pid, nice) as number);
}

const RLIM_INFINITY = 0xffffffffffffffffn;
export const EPERM = 1;

/** prlimit(2) on another process (0 = self); Infinity means RLIM_INFINITY. */
export function prlimit(pid: number, resource: number, soft: number, hard: number): void {
  const toRlim = (n: number): bigint => (n === Infinity ? RLIM_INFINITY : BigInt(n));
  const buf = Buffer.alloc(16);
  buf.writeBigUInt64LE(toRlim(soft), 0);
  buf.writeBigUInt64LE(toRlim(hard), 8);
  check('prlimit', libc().fn('int prlimit(int pid, int resource, const void *nl, void *ol)')(pid, resource, buf, null) as number);
}

/** getrlimit(2) of the calling process; Infinity for RLIM_INFINITY. */
export function getrlimit(resource: number): { soft: number; hard: number } {
  const buf = Buffer.alloc(16);
  check('prlimit', libc().fn('int prlimit(int pid, int resource, const void *nl, void *ol)')(0, resource, null, buf) as number);
  const fromRlim = (b: bigint): number => (b === RLIM_INFINITY ? Infinity : Number(b));
  return { soft: fromRlim(buf.readBigUInt64LE(0)), hard: fromRlim(buf.readBigUInt64LE(8)) };
}

/** execve(2): only returns on failure, with the errno. */
export function execve(file: string, argv: readonly string[], env: readonly string[]): number {
  libc().fn('int execve(const char *path, const char **argv, const char **envp)')(file, [...argv, null], [...env, null]);
  return libc().errno();
}

const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;

/**
 * posix_spawnp(3) in a new session, with an empty signal mask and every signal at its
 * default disposition. Returns the pid, or the errno when nothing was started (glibc
 * reports a failed exec, e.g. ENOENT or EACCES, this way). The caller reaps the child:
 * it is not libuv's.
 */
export function spawnInNewSession(file: string, argv: readonly string[], env: readonly string[]): { pid: number } | { errno: number } {
  return spawnProcess(file, argv, env, { newSession: true });
}

let chdirInSpawn: boolean | undefined;

/** glibc 2.29 and later: a spawned child can change directory before its exec. */
export function canSpawnInDirectory(): boolean {
  if (chdirInSpawn === undefined) {
    try {
      libc().fn('int posix_spawn_file_actions_addchdir_np(void *actions, const char *path)');
      chdirInSpawn = true;
    } catch {
      chdirInSpawn = false;
    }
  }
  return chdirInSpawn;
}

const O_RDONLY = 0;
const O_RDWR = 2;
const F_DUPFD_CLOEXEC = 1030;
/** posix_spawnattr_t by whether the child gets a session of its own: made once, used for every spawn. */
const spawnAttrs = new Map<boolean, Buffer>();

/** The child's attributes: its session, an empty signal mask, every signal at its default disposition. */
function spawnAttr(newSession: boolean): Buffer {
  let attr = spawnAttrs.get(newSession);
  if (attr) return attr;
  const lib = libc();
  attr = Buffer.alloc(512); // posix_spawnattr_t: 336 bytes on 64-bit glibc
  const call = (decl: string, ...args: unknown[]): void => {
    const r = lib.fn(decl)(...args) as number;
    if (r !== 0) throw new SysError(decl.slice(4, decl.indexOf('(')), r);
  };
  call('int posix_spawnattr_init(void *attr)', attr);
  // Every signal 1..64, glibc's own two (32, 33) included, which sigfillset(3) leaves out.
  call('int posix_spawnattr_setsigdefault(void *attr, const void *set)', attr, sigset(Array.from({ length: 64 }, (_, i) => i + 1)));
  call('int posix_spawnattr_setsigmask(void *attr, const void *set)', attr, Buffer.alloc(128));
  call('int posix_spawnattr_setflags(void *attr, short flags)', attr, (newSession ? POSIX_SPAWN_SETSID : 0) | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  // Nothing of glibc's is allocated for it: it is kept, never destroyed.
  spawnAttrs.set(newSession, attr);
  return attr;
}

/**
 * posix_spawnp(3) as spawnInNewSession, optionally in ts-init's own session and process
 * group, optionally in another directory (see canSpawnInDirectory). With `stdio`, the child's
 * descriptors 0..n-1 are those fds (null: as libuv does for 'ignore', /dev/null for 0, 1 and 2,
 * read-only as fd 0, read-write above, and nothing for a higher one), and it inherits no other
 * (ts-init opens everything close-on-exec); without, it inherits ts-init's 0, 1 and 2. glibc spawns with
 * clone(CLONE_VM|CLONE_VFORK): the parent's page tables are not copied, unlike a fork.
 */
export function spawnProcess(
  file: string,
  argv: readonly string[],
  env: readonly string[],
  opts: { newSession: boolean; cwd?: string; stdio?: readonly (number | null)[] },
): { pid: number } | { errno: number } {
  const lib = libc();
  const stdio = opts.stdio;
  const actions = opts.cwd === undefined && stdio === undefined ? null : Buffer.alloc(256); // posix_spawn_file_actions_t: 80 bytes
  const call = (decl: string, ...args: unknown[]): void => {
    const r = lib.fn(decl)(...args) as number;
    if (r !== 0) throw new SysError(decl.slice(4, decl.indexOf('(')), r);
  };
  // A source that is itself one of the child's slots could be overwritten by an earlier dup2
  // (and glibc before 2.29 leaves one dup2'd onto itself close-on-exec): such a source is
  // copied above the slots first, and the copy closed once the child has its own.
  const copies: number[] = [];
  try {
    const attr = spawnAttr(opts.newSession);
    if (actions) {
      call('int posix_spawn_file_actions_init(void *actions)', actions);
      if (opts.cwd !== undefined) call('int posix_spawn_file_actions_addchdir_np(void *actions, const char *path)', actions, opts.cwd);
      const fcntl = lib.fn('int fcntl(int fd, int cmd, int arg)');
      for (let slot = 0; slot < (stdio?.length ?? 0); slot++) {
        let fd = stdio![slot]!;
        if (fd === null) {
          if (slot > 2) continue;
          call('int posix_spawn_file_actions_addopen(void *actions, int fd, const char *path, int oflag, uint32_t mode)', actions, slot, '/dev/null', slot === 0 ? O_RDONLY : O_RDWR, 0);
          continue;
        }
        if (fd < stdio!.length) {
          const copy = fcntl(fd, F_DUPFD_CLOEXEC, stdio!.length) as number;
          if (copy < 0) return { errno: lib.errno() };
          copies.push(copy);
          fd = copy;
        }
        call('int posix_spawn_file_actions_adddup2(void *actions, int fd, int newfd)', actions, fd, slot);
      }
    }
    const pid = [0];
    const r = lib.fn(
      'int posix_spawnp(_Out_ int *pid, const char *file, const void *actions, const void *attr, const char **argv, const char **envp)',
    )(pid, file, actions, attr, [...argv, null], [...env, null]) as number;
    return r === 0 ? { pid: pid[0]! } : { errno: r };
  } catch (err) {
    // A file action glibc could not record (ENOMEM): nothing was started.
    if (err instanceof SysError) return { errno: err.errno };
    throw err;
  } finally {
    for (const fd of copies) lib.fn('int close(int fd)')(fd);
    if (actions) lib.fn('int posix_spawn_file_actions_destroy(void *actions)')(actions);
  }
}

const TIOCSCTTY = 0x540e;
const TIOCNOTTY = 0x5422;

/** ioctl(fd, TIOCNOTTY): gives up the controlling terminal. Returns 0 or the errno. */
export function detachControllingTerminal(fd: number): number {
  const r = libc().fn('int ioctl(int fd, unsigned long request, long arg)')(fd, TIOCNOTTY, 0) as number;
  return r === 0 ? 0 : libc().errno();
}

/** ioctl(fd, TIOCSCTTY, 0): a session leader takes fd's terminal as its controlling one. Returns 0 or the errno. */
export function attachControllingTerminal(fd: number): number {
  const r = libc().fn('int ioctl(int fd, unsigned long request, long arg)')(fd, TIOCSCTTY, 0) as number;
  return r === 0 ? 0 : libc().errno();
}

export function getsid(pid: number): number {
  return check('getsid', libc().fn('int getsid(int pid)')(pid) as number);
}

/** strerror(3): the C library's text for an errno ("No such file or directory"). */
export function strerror(errno: number): string {
  return libc().fn('const char *strerror(int errnum)')(errno) as string;
}

const SC_CLK_TCK = 2;
const SC_PAGESIZE = 30;
/** sysconf(3)'s clock ticks per second (/proc's times) and page size (its resident sets), read once. */
let sysconfValues: { clockTicks: number; pageBytes: number } | undefined;
export function procUnits(): { clockTicks: number; pageBytes: number } {
  if (!sysconfValues) {
    const sysconf = libc().fn('long sysconf(int name)');
    sysconfValues = { clockTicks: Number(sysconf(SC_CLK_TCK)), pageBytes: Number(sysconf(SC_PAGESIZE)) };
  }
  return sysconfValues;
}

/** isatty(3), without loading the runtime's tty module (and the networking code it needs). */
export function isatty(fd: number): boolean {
  return (libc().fn('int isatty(int fd)')(fd) as number) === 1;
}

const P_ALL = 0;
const WEXITED = 4;
const WNOWAIT = 0x01000000;

/**
 * The pid of some child that has exited and is waiting to be reaped, without
 * reaping it (waitid with WNOWAIT), or undefined when there is none.
 */
export function peekZombieChild(): number | undefined {
  const info = Buffer.alloc(128);
  const r = libc().fn('int waitid(int idtype, uint32_t id, void *info, int options)')(
    P_ALL,
    0,
    info,
    WEXITED | WNOHANG | WNOWAIT,
  ) as number;
  if (r !== 0) return undefined; // ECHILD: no children at all
  const pid = info.readInt32LE(16); // siginfo_t.si_pid on 64-bit Linux
  return pid > 0 ? pid : undefined;
}

const F_SETFD = 2;

/**
 * Clears FD_CLOEXEC so the fd survives execve: the runtime marks inherited stdio
 * close-on-exec at start-up. Returns false when the fd is not open.
 */
export function keepOpenOnExec(fd: number): boolean {
  return (libc().fn('int fcntl(int fd, int cmd, int arg)')(fd, F_SETFD, 0) as number) === 0;
}

const O_NONBLOCK = 0o4000;

/**
 * _exit(2): ends the process at once, without the runtime's exit-time clean-up, which
 * joins its I/O threads and would wait for ever on one blocked in a write to a stdout
 * that nobody reads. Everything ts-init writes itself is written synchronously by then.
 */
export function exitImmediately(code: number): never {
  libc().fn('void _exit(int status)')(code);
  throw new Error('_exit returned');
}

/** Makes an fd blocking again (one opened O_NONBLOCK so the open itself could not block). */
export function clearNonBlocking(fd: number): void {
  const fcntl = libc().fn('int fcntl(int fd, int cmd, int arg)');
  const flags = check('fcntl', fcntl(fd, F_GETFL, 0) as number);
  check('fcntl', fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) as number);
}

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_PEERCRED = 17;
const SO_RCVBUF = 8;
const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;
export const POLLIN = 1;

function sockaddrUn(path: string): Buffer {
  const addr = Buffer.alloc(110);
  addr.writeUInt16LE(AF_UNIX, 0);
  const bytes = Buffer.from(path);
  if (bytes.length > 107) throw new Error(`socket path too long: ${path}`);
  bytes.copy(addr, 2);
  return addr;
}

const SO_PASSCRED = 16;
/** Linux 6.16+ (asm-generic value, x86_64 and arm64): whether senders may pass descriptors at all. */
const SO_PASSRIGHTS = 83;
const ENOPROTOOPT = 92;
const SCM_RIGHTS = 1;
const SCM_CREDENTIALS = 2;
const MSG_DONTWAIT = 0x40;
const MSG_CMSG_CLOEXEC = 0x40000000;
/** SCM_MAX_FD: the most descriptors one datagram can carry. */
const SCM_MAX_FD = 253;
const SHUT_RD = 0;

function setIntOption(fd: number, name: number, value: number): void {
  const v = Buffer.alloc(4);
  v.writeInt32LE(value);
  check('setsockopt', libc().fn('int setsockopt(int fd, int level, int name, const void *val, uint32_t len)')(fd, SOL_SOCKET, name, v, 4) as number);
}

/**
 * A non-blocking AF_UNIX datagram socket bound to path (Node has none), with
 * SO_PASSCRED so every datagram says which process sent it. Unless passRights, senders
 * may not pass descriptors (SO_PASSRIGHTS off: their sendmsg fails with EPERM) where the
 * kernel has the option; older kernels (ENOPROTOOPT) deliver them, and the reader must
 * close them off its main thread whatever it asked for.
 */
export function bindDatagramSocket(path: string, options: { passRights: boolean; receiveBuffer?: number }): number {
  const fd = check('socket', libc().fn('int socket(int domain, int type, int protocol)')(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) as number);
  try {
    const addr = sockaddrUn(path);
    check('bind', libc().fn('int bind(int fd, const void *addr, uint32_t len)')(fd, addr, addr.length) as number);
    setIntOption(fd, SO_PASSCRED, 1);
    if (!options.passRights) {
      try {
        setIntOption(fd, SO_PASSRIGHTS, 0);
      } catch (err) {
        if (!(err instanceof SysError && err.errno === ENOPROTOOPT)) throw err;
      }
    }
    try {
      setIntOption(fd, SO_RCVBUF, options.receiveBuffer ?? 256 * 1024);
    } catch {
      // the default buffer is enough for notify messages
    }
  } catch (err) {
    closeFd(fd);
    throw err;
  }
  return fd;
}

/**
 * A stream socket connected to the AF_UNIX socket at path without waiting (SOCK_NONBLOCK,
 * close-on-exec): its fd, or undefined when nobody listens or the listener's backlog is full
 * (EAGAIN: a listener that does not accept, which PID 1 never waits for).
 */
/** The address connectStreamSocketNow last used: made once, not per connection (Buffer.alloc and Buffer.from cost some 25 us each time in PID 1's interpreter). connect(2) only reads it. */
let lastConnectAddr: { path: string; addr: Buffer } | undefined;

export function connectStreamSocketNow(path: string): number | undefined {
  const fd = check('socket', libc().fn('int socket(int domain, int type, int protocol)')(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) as number);
  if (lastConnectAddr?.path !== path) lastConnectAddr = { path, addr: sockaddrUn(path) };
  const addr = lastConnectAddr.addr;
  if ((libc().fn('int connect(int fd, const void *addr, uint32_t len)')(fd, addr, addr.length) as number) === 0) return fd;
  closeFd(fd);
  return undefined;
}

/** shutdown(SHUT_RD): senders get EPIPE from now on; what is queued can still be read. */
export function shutdownReceive(fd: number): void {
  libc().fn('int shutdown(int fd, int how)')(fd, SHUT_RD);
}

/** A datagram, its sender (SCM_CREDENTIALS; undefined when the kernel attached none) and the descriptors passed along. */
export interface Datagram {
  data: Buffer;
  sender?: { pid: number; uid: number; gid: number };
  /** Open in this process (close-on-exec) and the caller's to close: never on the main thread, see receiveDatagram. */
  fds: number[];
}

let msgTypesDefined = false;
/** struct iovec and struct msghdr for recvmsg(2), registered with koffi once by name. */
function defineMsgTypes(): void {
  if (msgTypesDefined) return;
  const k = libc().ffi;
  k.struct('ts_iovec', { base: 'void *', len: 'size_t' });
  k.struct('ts_msghdr', {
    name: 'void *', namelen: 'uint32', iov: 'ts_iovec *', iovlen: 'size_t', control: 'void *', controllen: 'size_t', flags: 'int',
  });
  msgTypesDefined = true;
}

/** CMSG_SPACE(n): a control message's header and n bytes of data, 8-aligned. */
const cmsgSpace = (n: number): number => 16 + ((n + 7) & ~7);
/** Room for the credentials and SCM_MAX_FD descriptors, so the kernel never has to drop any. */
const CONTROL_BYTES = cmsgSpace(12) + cmsgSpace(4 * SCM_MAX_FD);

let scratchBuffer: Buffer | undefined;
function scratch(bytes: number): Buffer {
  if (!scratchBuffer || scratchBuffer.length < bytes) scratchBuffer = Buffer.allocUnsafe(bytes);
  return scratchBuffer.subarray(0, bytes);
}

/**
 * One datagram with its sender's credentials, or undefined when none is queued.
 * Descriptors passed along (sd_notify's BARRIER=1 carries one) are returned, not closed:
 * the last close of a file can block for as long as its sender likes (a TCP socket
 * lingering on unsent data, a file on a hung mount), so the caller closes them off its
 * main thread. They arrive close-on-exec (MSG_CMSG_CLOEXEC), so no spawn inherits them,
 * and the control buffer fits the most a datagram can carry: a descriptor that did not
 * fit would be released by the kernel in this thread, with the same wait.
 */
export function receiveDatagram(fd: number, maxBytes = 4096): Datagram | undefined {
  // A larger datagram is cut to maxBytes (the rest is discarded by the kernel). A large
  // buffer is reused, and only what arrived is copied out of it.
  const data = maxBytes <= 4096 ? Buffer.alloc(maxBytes) : scratch(maxBytes);
  const control = Buffer.alloc(CONTROL_BYTES);
  const msg = { name: null, namelen: 0, iov: [{ base: data, len: data.length }], iovlen: 1, control, controllen: control.length, flags: 0 };
  defineMsgTypes();
  const n = libc().fn('intptr_t recvmsg(int fd, _Inout_ ts_msghdr *m, int flags)')(fd, msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) as number;
  if (n < 0) {
    const e = libc().errno();
    if (e === EAGAIN || e === EINTR) return undefined;
    throw new SysError('recvmsg', e);
  }
  const out: Datagram = { data: maxBytes <= 4096 ? data.subarray(0, n) : Buffer.from(data.subarray(0, n)), fds: [] };
  readControl(control, 0, Math.min(msg.controllen, control.length), out);
  return out;
}

/** sizeof(struct mmsghdr) on 64-bit Linux: a msghdr (56 bytes), msg_len and padding. */
const MMSGHDR_BYTES = 64;
const IOVEC_BYTES = 16;

/** The credentials and descriptors of one received control buffer (see receiveDatagram). */
function readControl(control: Buffer, at: number, end: number, out: Datagram): void {
  for (let off = at; off + 16 <= end; ) {
    const len = control.readUInt32LE(off) + control.readUInt32LE(off + 4) * 2 ** 32;
    if (len < 16 || off + len > end) break;
    const level = control.readInt32LE(off + 8);
    const kind = control.readInt32LE(off + 12);
    if (level === SOL_SOCKET && kind === SCM_CREDENTIALS && len >= 28) {
      out.sender = { pid: control.readInt32LE(off + 16), uid: control.readUInt32LE(off + 20), gid: control.readUInt32LE(off + 24) };
    } else if (level === SOL_SOCKET && kind === SCM_RIGHTS) {
      for (let p = off + 16; p + 4 <= off + len; p += 4) out.fds.push(control.readInt32LE(p));
    }
    off += (len + 7) & ~7;
  }
}

/**
 * recvmmsg(2) for one socket: up to `slots` datagrams with their credentials in one call, so a
 * flood costs one call through koffi per batch, not one per datagram (PID 1 runs interpreted,
 * where such a call, with its message structure built from JavaScript objects, was most of the
 * cost of receiving). The message headers, their iovecs and control buffers and the datagrams'
 * slots are one buffer laid out once; each call restores the headers from a pristine copy. Its
 * datagram slots are only resident where datagrams were written (a short line touches one page
 * of its slot). What receiveDatagram says of descriptors holds here too.
 */
/** The batches whose datagram slots releaseFreeMemory gives back. */
const datagramBatches = new Set<WeakRef<DatagramBatch>>();
const MADV_DONTNEED = 4;
const PAGE_BYTES = 4096;

export class DatagramBatch {
  private readonly memory: Buffer;
  private readonly pristine: Buffer;
  private readonly controlAt: number;
  private readonly dataAt: number;
  private readonly dataAddress: number;

  constructor(
    readonly slots: number,
    readonly maxBytes: number,
  ) {
    const headers = slots * (MMSGHDR_BYTES + IOVEC_BYTES);
    this.controlAt = headers;
    this.dataAt = headers + slots * CONTROL_BYTES;
    this.memory = Buffer.allocUnsafeSlow(this.dataAt + slots * maxBytes);
    this.memory.fill(0, 0, headers);
    const base = Number(libc().ffi.address(this.memory));
    for (let i = 0; i < slots; i++) {
      const h = i * MMSGHDR_BYTES;
      const iov = slots * MMSGHDR_BYTES + i * IOVEC_BYTES;
      this.writeAddress(h + 16, base + iov); // msg_iov
      this.memory.writeUInt32LE(1, h + 24); // msg_iovlen
      this.writeAddress(h + 32, base + this.controlAt + i * CONTROL_BYTES); // msg_control
      this.memory.writeUInt32LE(CONTROL_BYTES, h + 40); // msg_controllen
      this.writeAddress(iov, base + this.dataAt + i * maxBytes); // iov_base
      this.memory.writeUInt32LE(maxBytes, iov + 8); // iov_len
    }
    this.pristine = Buffer.from(this.memory.subarray(0, slots * MMSGHDR_BYTES));
    this.dataAddress = base + this.dataAt;
    datagramBatches.add(new WeakRef(this));
  }

  /**
   * Gives back the pages a burst wrote in the datagram slots (madvise MADV_DONTNEED: they read
   * as zeros, and cost nothing, until written again), so that a flood leaves PID 1 no bigger.
   * Only whole pages inside the slots, never the allocator's own bytes around them.
   */
  releaseSlots(): void {
    const from = Math.ceil(this.dataAddress / PAGE_BYTES) * PAGE_BYTES;
    const to = Math.floor((this.dataAddress + this.slots * this.maxBytes) / PAGE_BYTES) * PAGE_BYTES;
    if (to > from) libc().fn('int madvise(uintptr_t addr, size_t len, int advice)')(from, to - from, MADV_DONTNEED);
  }

  private writeAddress(at: number, address: number): void {
    this.memory.writeUInt32LE(address % 2 ** 32, at);
    this.memory.writeUInt32LE(Math.floor(address / 2 ** 32), at + 4);
  }

  /** The datagrams queued on fd, at most `slots` of them (none when none is queued). */
  receive(fd: number): Datagram[] {
    this.pristine.copy(this.memory, 0);
    const n = libc().fn('int recvmmsg(int fd, void *msgs, unsigned int n, int flags, void *timeout)')(fd, this.memory, this.slots, MSG_DONTWAIT | MSG_CMSG_CLOEXEC, null) as number;
    if (n < 0) {
      const e = libc().errno();
      if (e === EAGAIN || e === EINTR) return [];
      throw new SysError('recvmmsg', e);
    }
    const out: Datagram[] = [];
    for (let i = 0; i < n; i++) {
      const h = i * MMSGHDR_BYTES;
      const bytes = Math.min(this.memory.readUInt32LE(h + 56), this.maxBytes);
      const from = this.dataAt + i * this.maxBytes;
      const d: Datagram = { data: Buffer.from(this.memory.subarray(from, from + bytes)), fds: [] };
      const control = this.controlAt + i * CONTROL_BYTES;
      readControl(this.memory, control, control + Math.min(this.memory.readUInt32LE(h + 40), CONTROL_BYTES), d);
      out.push(d);
    }
    return out;
  }
}

const F_GET_SEALS = 1034;
/** F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE: a memfd nobody can change any more. */
const ALL_SEALS = 0x1 | 0x2 | 0x4 | 0x8;

/**
 * Whether fd is a memfd sealed against every change (journald's memfd_get_sealed): only a
 * shmem file can be sealed at all, so reading it never waits on a disk or a peer.
 */
export function isSealedMemfd(fd: number): boolean {
  const seals = libc().fn('int fcntl(int fd, int cmd, int arg)')(fd, F_GET_SEALS, 0) as number;
  return seals >= 0 && (seals & ALL_SEALS) === ALL_SEALS;
}

const MSG_NOSIGNAL = 0x4000;

/** A non-blocking, unbound AF_UNIX datagram socket to send from. */
export function sendingDatagramSocket(): number {
  return check('socket', libc().fn('int socket(int domain, int type, int protocol)')(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) as number);
}

/** sendto(2) a datagram to the socket at path without waiting: 0, or the errno (EAGAIN when its queue is full, ENOENT/ECONNREFUSED when nobody listens). */
export function sendDatagramTo(fd: number, path: string, data: Uint8Array): number {
  const addr = sockaddrUn(path);
  const n = libc().fn('intptr_t sendto(int fd, const void *buf, size_t n, int flags, const void *addr, uint32_t len)')(fd, data, data.length, MSG_DONTWAIT | MSG_NOSIGNAL, addr, addr.length) as number;
  return n < 0 ? libc().errno() : 0;
}

/** The uid and pid of the peer of a connected AF_UNIX stream socket. */
export function peerCredentials(fd: number): { pid: number; uid: number; gid: number } {
  const cred = Buffer.alloc(12);
  const len = [12];
  check('getsockopt', libc().fn('int getsockopt(int fd, int level, int name, void *val, _Inout_ uint32_t *len)')(fd, SOL_SOCKET, SO_PEERCRED, cred, len) as number);
  return { pid: cred.readInt32LE(0), uid: cred.readUInt32LE(4), gid: cred.readUInt32LE(8) };
}

export function closeFd(fd: number): void {
  libc().fn('int close(int fd)')(fd);
}

/** close(2) on one of the runtime's worker threads (koffi's async call): for a close that may block. */
export function closeFdAsync(fd: number, done: () => void): void {
  (libc().fn('int close(int fd)') as unknown as { async: (...a: unknown[]) => void }).async(fd, () => done());
}

export function eventFd(): number {
  return check('eventfd', libc().fn('int eventfd(uint32_t initval, int flags)')(0, EFD_CLOEXEC | EFD_NONBLOCK) as number);
}

export function signalEventFd(fd: number): void {
  const one = Buffer.alloc(8);
  one.writeBigUInt64LE(1n);
  libc().fn('intptr_t write(int fd, const void *buf, size_t n)')(fd, one, 8);
}

export function drainEventFd(fd: number): void {
  libc().fn('intptr_t read(int fd, void *buf, size_t n)')(fd, Buffer.alloc(8), 8);
}

/**
 * poll(2) on a worker thread (koffi's async call), so the event loop never blocks
 * and never polls on a timer. pollfds: struct pollfd[] { int fd; short events; short revents; }.
 */
export function pollAsync(pollfds: Buffer, count: number, done: (err: unknown, ready: number) => void): void {
  (libc().fn('int poll(void *fds, uint64_t n, int timeout)') as unknown as { async: (...a: unknown[]) => void }).async(
    pollfds,
    count,
    -1,
    done,
  );
}

const M_ARENA_MAX = -8;

/**
 * Makes threads started from now on (libuv's file-system workers, koffi's async calls)
 * share malloc's existing arenas instead of each getting its own: an arena per thread
 * keeps up to a few hundred kB of freed memory resident, and ts-init's threads only
 * ever allocate a little, rarely.
 */
export function shareMallocArenas(): void {
  libc().fn('int mallopt(int param, int value)')(M_ARENA_MAX, 1);
}

/** Hands free malloc memory back to the kernel (glibc malloc_trim); start-up leaves some behind. */
export function releaseFreeMemory(): void {
  libc().fn('int malloc_trim(size_t pad)')(0);
  for (const ref of datagramBatches) {
    const b = ref.deref();
    if (b) b.releaseSlots();
    else datagramBatches.delete(ref);
  }
}

// ---- listening sockets (socket units) ----

export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_STREAM = 1;
export const SOCK_DATAGRAM = 2;
export const SOCK_SEQPACKET = 5;
const SO_REUSEADDR = 2;
const IPPROTO_IPV6 = 41;
const IPV6_V6ONLY = 26;

/** struct sockaddr_un for a path, or for an abstract name ("@name": a leading NUL, not terminated). */
export function sockaddrUnix(address: string): Buffer {
  const abstract = address.startsWith('@');
  const bytes = Buffer.from(abstract ? address.slice(1) : address);
  if (bytes.length > 107) throw new Error(`socket path too long: ${address}`);
  const len = 2 + (abstract ? 1 : 0) + bytes.length + (abstract ? 0 : 1);
  const addr = Buffer.alloc(len);
  addr.writeUInt16LE(AF_UNIX, 0);
  bytes.copy(addr, abstract ? 3 : 2);
  return addr;
}

/** struct sockaddr_in / sockaddr_in6 (port in network order). */
export function sockaddrInet(family: number, ip: string, port: number): Buffer {
  if (family === AF_INET) {
    const addr = Buffer.alloc(16);
    addr.writeUInt16LE(AF_INET, 0);
    addr.writeUInt16BE(port, 2);
    ip.split('.').forEach((b, i) => addr.writeUInt8(Number(b), 4 + i));
    return addr;
  }
  const addr = Buffer.alloc(28);
  addr.writeUInt16LE(AF_INET6, 0);
  addr.writeUInt16BE(port, 2);
  ipv6Bytes(ip).copy(addr, 8);
  return addr;
}

/** An IPv6 address's 16 bytes ("::", "::1", "fe80::1", full forms; no embedded IPv4). */
export function ipv6Bytes(ip: string): Buffer {
  const out = Buffer.alloc(16);
  const halves = ip.split('::');
  if (halves.length > 2) throw new Error(`not an IPv6 address: ${ip}`);
  const [head = '', tail] = halves;
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) throw new Error(`not an IPv6 address: ${ip}`);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/**
 * A listening socket: socket(2), SO_REUSEADDR for IP, IPV6_V6ONLY off for [::] (both
 * families, as systemd's BindIPv6Only=default), bind(2), and listen(2) for stream and
 * seqpacket sockets. Close-on-exec: a child gets it only by being handed it.
 */
export function listeningSocket(family: number, type: number, addr: Buffer, backlog: number): number {
  const fd = check('socket', libc().fn('int socket(int domain, int type, int protocol)')(family, type | SOCK_CLOEXEC, 0) as number);
  try {
    if (family !== AF_UNIX) setIntOption(fd, SO_REUSEADDR, 1);
    if (family === AF_INET6) {
      const v = Buffer.alloc(4);
      libc().fn('int setsockopt(int fd, int level, int name, const void *val, uint32_t len)')(fd, IPPROTO_IPV6, IPV6_V6ONLY, v, 4);
    }
    check('bind', libc().fn('int bind(int fd, const void *addr, uint32_t len)')(fd, addr, addr.length) as number);
    if (type !== SOCK_DATAGRAM) check('listen', libc().fn('int listen(int fd, int backlog)')(fd, backlog) as number);
  } catch (err) {
    closeFd(fd);
    throw err;
  }
  return fd;
}

/** accept4(2) of one pending connection, close-on-exec; undefined when none is pending. */
export function acceptConnection(fd: number): number | undefined {
  const r = libc().fn('int accept4(int fd, void *addr, void *len, int flags)')(fd, null, null, SOCK_CLOEXEC | SOCK_NONBLOCK) as number;
  if (r >= 0) {
    // The connection is handed to a service, which expects a blocking socket.
    libc().fn('int fcntl(int fd, int cmd, int arg)')(r, F_SETFL, 0);
    return r;
  }
  const e = libc().errno();
  if (e === EAGAIN || e === EINTR) return undefined;
  throw new SysError('accept4', e);
}

const F_GETFL = 3;
const F_SETFL = 4;

/** Sets O_NONBLOCK on an fd (keeping its other status flags). */
export function setNonBlocking(fd: number): void {
  const fcntl = libc().fn('int fcntl(int fd, int cmd, int arg)');
  const flags = check('fcntl', fcntl(fd, F_GETFL, 0) as number);
  check('fcntl', fcntl(fd, F_SETFL, flags | SOCK_NONBLOCK) as number);
}

export function mkfifo(path: string, mode: number): void {
  check('mkfifo', libc().fn('int mkfifo(const char *path, uint32_t mode)')(path, mode) as number);
}

// ---- file-system calls relative to directory fds (the safe path walker) ----

export const AT_FDCWD = -100;
/** An fd that names a file without opening it (no FIFO blocks, no device opens); Node has no constant. */
export const O_PATH = 0o10000000;
export const O_CLOEXEC = 0o2000000;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_REMOVEDIR = 0x200;
export const AT_EMPTY_PATH = 0x1000;
export const ENOSYS = 38;
const STATX_BASIC_STATS = 0x7ff;
const STATX_MNT_ID = 0x1000;

/** What statx(2) says of a file; mountId when the kernel gives it (STATX_MNT_ID, Linux 5.8). */
export interface FileStat {
  /** st_mode: type and permission bits. */
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  ino: bigint;
  dev: number;
  mountId?: number;
}

/** openat(2); flags from fs.constants plus O_PATH/O_CLOEXEC above. Returns the fd. */
export function openat(dirfd: number, path: string, flags: number, mode = 0): number {
  return check('openat', libc().fn('int openat(int dirfd, const char *path, int flags, uint32_t mode)')(dirfd, path, flags, mode) as number);
}

export function mkdirat(dirfd: number, path: string, mode: number): void {
  check('mkdirat', libc().fn('int mkdirat(int dirfd, const char *path, uint32_t mode)')(dirfd, path, mode) as number);
}

/** unlinkat(2): flags 0 for a non-directory, AT_REMOVEDIR for an empty directory. */
export function unlinkat(dirfd: number, path: string, flags: number): void {
  check('unlinkat', libc().fn('int unlinkat(int dirfd, const char *path, int flags)')(dirfd, path, flags) as number);
}

export const LOCK_EX = 2;
export const LOCK_NB = 4;

/** flock(2) on an open (not O_PATH) fd. */
export function flock(fd: number, operation: number): void {
  check('flock', libc().fn('int flock(int fd, int operation)')(fd, operation) as number);
}

export function symlinkat(target: string, dirfd: number, path: string): void {
  check('symlinkat', libc().fn('int symlinkat(const char *target, int dirfd, const char *path)')(target, dirfd, path) as number);
}

/** readlinkat(2); path "" reads the link an O_PATH|O_NOFOLLOW fd names. */
export function readlinkat(dirfd: number, path: string): string {
  const buf = Buffer.alloc(4096);
  const n = check('readlinkat', libc().fn('intptr_t readlinkat(int dirfd, const char *path, void *buf, size_t size)')(dirfd, path, buf, buf.length) as number);
  if (n >= buf.length) throw new SysError('readlinkat', 36 /* ENAMETOOLONG */);
  return buf.toString('utf8', 0, n);
}

/** statx(2) with the basic fields and the mount id; flags AT_EMPTY_PATH (path "") to ask about dirfd itself. */
export function statx(dirfd: number, path: string, flags: number): FileStat {
  const buf = Buffer.alloc(256);
  check(
    'statx',
    libc().fn('int statx(int dirfd, const char *path, int flags, uint32_t mask, void *buf)')(dirfd, path, flags, STATX_BASIC_STATS | STATX_MNT_ID, buf) as number,
  );
  const mask = buf.readUInt32LE(0);
  return {
    nlink: buf.readUInt32LE(16),
    uid: buf.readUInt32LE(20),
    gid: buf.readUInt32LE(24),
    mode: buf.readUInt16LE(28),
    ino: buf.readBigUInt64LE(32),
    // makedev(major, minor) as glibc encodes it, so it compares with fs.Stats.dev.
    dev: devNumber(buf.readUInt32LE(136), buf.readUInt32LE(140)),
    mountId: (mask & STATX_MNT_ID) !== 0 ? Number(buf.readBigUInt64LE(144)) : undefined,
  };
}

function devNumber(major: number, minor: number): number {
  return Number(((BigInt(major) & 0xfffff000n) << 32n) | ((BigInt(major) & 0xfffn) << 8n) | ((BigInt(minor) & 0xffffff00n) << 12n) | (BigInt(minor) & 0xffn));
}

// ---- mounts (the transient machine ID) ----

export const MS_RDONLY = 0x1;
export const MS_REMOUNT = 0x20;
export const MS_BIND = 0x1000;

/** mount(2); source and fstype may be null (a remount). */
export function mount(source: string | null, target: string, fstype: string | null, flags: number): void {
  check('mount', libc().fn('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const void *data)')(source, target, fstype, flags, null) as number);
}

export const MNT_DETACH = 0x2;

/** umount2(2). */
export function umount2(target: string, flags: number): void {
  check('umount2', libc().fn('int umount2(const char *target, int flags)')(target, flags) as number);
}

/** sethostname(2): the UTS namespace's (transient) host name. */
export function sethostname(name: string): void {
  const bytes = Buffer.from(name);
  check('sethostname', libc().fn('int sethostname(const char *name, size_t len)')(bytes, bytes.length) as number);
}

/**
 * strftime(3) of a moment in the C library's local time zone (tzset(3) first, so that a TZ
 * just set is the one used): what systemd's tools print, abbreviations ("CET") included.
 */
export function strftimeLocal(format: string, epochSeconds: number): string {
  const l = libc();
  l.fn('void tzset(void)')();
  const t = Buffer.alloc(8);
  t.writeBigInt64LE(BigInt(Math.floor(epochSeconds)));
  const tm = Buffer.alloc(64); // struct tm is 56 bytes on glibc's 64-bit targets
  if (l.fn('void *localtime_r(const void *timep, void *result)')(t, tm) === null) throw new SysError('localtime_r', l.errno());
  const out = Buffer.alloc(256);
  const n = l.fn('size_t strftime(void *s, size_t max, const char *format, const void *tm)')(out, out.length, format, tm) as number;
  return out.subarray(0, Number(n)).toString();
}

/**
 * Whether the kernel's clock is synchronised, as systemd asks it: adjtimex(2) with no change
 * reports a maximum error under 16 s (STA_UNSYNC is left aside: it may be set only to keep the
 * kernel off the RTC).
 */
export function clockSynchronized(): boolean {
  const timex = Buffer.alloc(208); // struct timex; modes 0: read only
  if ((libc().fn('int adjtimex(void *buf)')(timex) as number) < 0) return false;
  return timex.readBigInt64LE(24) < 16_000_000n; // maxerror, in microseconds
}

const LC_ALL_MASK = 0x1fbf;

/** Whether the C library has the named locale (newlocale(3) succeeds). */
export function localeInstalled(name: string): boolean {
  const l = libc();
  const loc = l.fn('void *newlocale(int mask, const char *locale, void *base)')(LC_ALL_MASK, name, null);
  if (loc === null) return false;
  l.fn('void freelocale(void *locale)')(loc);
  return true;
}
