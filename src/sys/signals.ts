// Linux x86_64/arm64 signal numbers and names. Pure data: no libc needed, so the
// unit parser and the CLI can validate signal names without loading the FFI.

export const SIGNALS: Readonly<Record<string, number>> = Object.freeze({
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7,
  SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13,
  SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17, SIGCONT: 18, SIGSTOP: 19,
  SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25,
  SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPWR: 30, SIGSYS: 31,
});

// The signals ts-init itself names in code, so no file keeps a copy of the numbers.
export const SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGKILL = 9, SIGPIPE = 13, SIGTERM = 15, SIGCHLD = 17,
  SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22, SIGXFSZ = 25, SIGWINCH = 28;

const ALIASES: Readonly<Record<string, number>> = { SIGIOT: 6, SIGPOLL: 29, SIGCLD: 17 };

/** glibc reserves 32 and 33 for NPTL, so userland SIGRTMIN is 34. */
export const SIGRTMIN = 34;
export const SIGRTMAX = 64;

const BY_NUMBER: ReadonlyMap<number, string> = new Map(
  Object.entries(SIGNALS).map(([name, num]) => [num, name]),
);

/**
 * Parse a signal given as a number ("15"), a name ("TERM", "SIGTERM", case-insensitive)
 * or a real-time name ("RTMIN+3", "SIGRTMAX-1"). Returns undefined when it is not one.
 */
export function parseSignal(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    return n >= 1 && n <= SIGRTMAX ? n : undefined;
  }
  let name = t.toUpperCase();
  if (!name.startsWith('SIG')) name = `SIG${name}`;
  const known = SIGNALS[name] ?? ALIASES[name];
  if (known !== undefined) return known;
  const rt = /^SIGRT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (!rt) return undefined;
  const base = rt[1] === 'MIN' ? SIGRTMIN : SIGRTMAX;
  const offset = rt[3] === undefined ? 0 : Number(rt[3]) * (rt[2] === '-' ? -1 : 1);
  const n = base + offset;
  return n >= SIGRTMIN && n <= SIGRTMAX ? n : undefined;
}

/** "SIGTERM" for 15, "SIGRTMIN+3" for 37, "SIG99" when unknown. */
export function signalName(num: number): string {
  const known = BY_NUMBER.get(num);
  if (known) return known;
  if (num >= SIGRTMIN && num <= SIGRTMAX) return num === SIGRTMIN ? 'SIGRTMIN' : `SIGRTMIN+${num - SIGRTMIN}`;
  return `SIG${num}`;
}
