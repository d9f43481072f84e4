// A unit's command started through small programs of the image that each set one process
// attribute and exec the next, chain-loading as s6's s6-softlimit and s6-setuidgid do:
// /bin/sh for UMask= and LISTEN_PID, util-linux's prlimit for Limit*=, setpriv for User=,
// Group= and the supplementary groups. Each link costs about a millisecond; the exec
// helper (a copy of ts-init) costs a start of the runtime, some 25 ms of CPU, which a boot
// pays once per such command, all of them at once. The chain is planned only when every
// attribute comes out exactly as the helper sets it; otherwise the helper runs. Pure.
import type { Limit } from '../process/rlimit';
import { closestLimit } from '../process/rlimit';

/** Where the image has each program of the chain (undefined: it has none). */
export interface ChainTools {
  sh: string | undefined;
  prlimit: string | undefined;
  setpriv: string | undefined;
}

export interface ChainRequest {
  file: string;
  argv: readonly string[];
  env: Readonly<Record<string, string>>;
  uid?: number;
  gid?: number;
  groups?: readonly number[];
  umask?: number;
  nice?: number;
  rlimits?: readonly { resource: number; soft: number; hard: number }[];
  /** Socket activation: LISTEN_PID must name the program's own pid. */
  listenFds?: number;
}

/** ts-init's own limits, which the chain inherits, and whether it may raise a hard limit. */
export interface LimitContext {
  current(resource: number): Limit;
  /** CAP_SYS_RESOURCE: a raised hard limit may then be granted, or refused for other reasons. */
  canRaise: boolean;
}

export interface Chain {
  file: string;
  args: string[];
}

/** prlimit(1)'s option for each setrlimit(2) resource (Linux numbering, as in units/rlimits.ts). */
const PRLIMIT_OPTION = [
  'cpu', 'fsize', 'data', 'stack', 'core', 'rss', 'nproc', 'nofile',
  'memlock', 'as', 'locks', 'sigpending', 'msgqueue', 'nice', 'rtprio', 'rttime',
];

const limitText = (n: number): string => (n === Infinity ? 'unlimited' : String(n));

/**
 * The limits to set as the exec helper's setLimitClosest ends up setting them: as asked when
 * that is within ts-init's own hard limit, else (no CAP_SYS_RESOURCE) clamped to it; a limit
 * that would not change is left out. Undefined when only trying can tell (a raise with the
 * capability, a soft limit above the hard one).
 */
export function chainLimits(wanted: readonly { resource: number; soft: number; hard: number }[], ctx: LimitContext): { resource: number; soft: number; hard: number }[] | undefined {
  const out: { resource: number; soft: number; hard: number }[] = [];
  for (const w of wanted) {
    if (PRLIMIT_OPTION[w.resource] === undefined || w.soft > w.hard) return undefined;
    const current = ctx.current(w.resource);
    if (w.hard <= current.hard) {
      if (w.soft !== current.soft || w.hard !== current.hard) out.push(w);
      continue;
    }
    if (ctx.canRaise) return undefined;
    const fixed = closestLimit(w, current);
    if (fixed) out.push({ resource: w.resource, ...fixed });
  }
  return out;
}

/** The chain that starts `req` with its attributes (first link first), or undefined when the exec helper must. */
export function planChain(req: ChainRequest, tools: ChainTools, limits: LimitContext): Chain | undefined {
  // What no link sets, or sets differently: nice levels, an argv[0] other than the file (setpriv
  // execs the file under its own name), a dynamic loader told to load more into every link.
  if (req.nice !== undefined || req.argv[0] !== req.file) return undefined;
  if (Object.keys(req.env).some((k) => k.startsWith('LD_'))) return undefined;
  const links: string[][] = [];
  const script: string[] = [];
  if (req.umask !== undefined) script.push(`umask ${req.umask.toString(8).padStart(4, '0')}`);
  if (req.listenFds) script.push('LISTEN_PID=$$', 'export LISTEN_PID');
  if (script.length) {
    if (!tools.sh) return undefined;
    links.push([tools.sh, '-c', [...script, 'exec "$@"'].join(' && '), 'sh']);
  }
  const rlimits = chainLimits(req.rlimits ?? [], limits);
  if (rlimits === undefined) return undefined;
  if (rlimits.length) {
    if (!tools.prlimit) return undefined;
    links.push([tools.prlimit, ...rlimits.map((l) => `--${PRLIMIT_OPTION[l.resource]}=${limitText(l.soft)}:${limitText(l.hard)}`), '--']);
  }
  if (req.uid !== undefined || req.gid !== undefined || req.groups !== undefined) {
    if (!tools.setpriv) return undefined;
    const ids = [
      ...(req.uid !== undefined ? [`--reuid=${req.uid}`] : []),
      ...(req.gid !== undefined ? [`--regid=${req.gid}`] : []),
      req.groups === undefined ? '--keep-groups' : req.groups.length ? `--groups=${req.groups.join(',')}` : '--clear-groups',
    ];
    links.push([tools.setpriv, ...ids, '--']);
  }
  // No link needed (every limit already as asked): the program itself.
  const [first, ...rest] = [...links.flat(), req.file, ...req.argv.slice(1)];
  return { file: first!, args: rest };
}
