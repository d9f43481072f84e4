// dumb-init 1.2.5's command line, as its users and its test suite see it: GNU getopt_long
// with "+hvVcr:" (options stop at the first non-option), unique long-option prefixes,
// glibc's messages for bad options, and dumb-init's own texts. Pure: returns what to run,
// or what to print and the exit code.

export const DUMB_INIT_VERSION = '1.2.5';
/** Signals dumb-init rewrites and tracks: 1..31 (real-time signals are passed on as they are). */
export const MAXSIG = 31;
const SIGSTOP = 19;
const SIGTSTP = 20;
const SIGTTIN = 21;
const SIGTTOU = 22;

export interface DumbInitOptions {
  command: string[];
  /** Setsid mode (the default): the child leads its own session; signals go to its group. */
  setsid: boolean;
  debug: boolean;
  /** Received signal → signal passed on (0: not passed on). */
  rewrite: Map<number, number>;
  /** Debug lines the parse itself produced ("Running in debug mode."). */
  debugLines: string[];
}

export type DumbInitParse = { kind: 'run'; options: DumbInitOptions } | { kind: 'exit'; code: number; stderr: string };

export function helpText(argv0: string): string {
  return (
    `dumb-init v${DUMB_INIT_VERSION}\n` +
    `Usage: ${argv0} [option] command [[arg] ...]\n` +
    '\n' +
    'dumb-init is a simple process supervisor that forwards signals to children.\n' +
    'It is designed to run as PID1 in minimal container environments.\n' +
    '\n' +
    'Optional arguments:\n' +
    '   -c, --single-child   Run in single-child mode.\n' +
    '                        In this mode, signals are only proxied to the\n' +
    '                        direct child and not any of its descendants.\n' +
    '   -r, --rewrite s:r    Rewrite received signal s to new signal r before proxying.\n' +
    '                        To ignore (not proxy) a signal, rewrite it to 0.\n' +
    '                        This option can be specified multiple times.\n' +
    '   -v, --verbose        Print debugging information to stderr.\n' +
    '   -h, --help           Print this help message and exit.\n' +
    '   -V, --version        Print the current version and exit.\n' +
    '\n' +
    'Full help is available online at https://github.com/Yelp/dumb-init\n'
  );
}

const REWRITE_HELP =
  `Usage: -r option takes <signum>:<signum>, where <signum> is between 1 and ${MAXSIG}.\n` +
  'This option can be specified multiple times.\n' +
  'Use --help for full usage.\n';

const LONG: ReadonlyArray<{ name: string; short: string; hasArg: boolean }> = [
  { name: 'help', short: 'h', hasArg: false },
  { name: 'single-child', short: 'c', hasArg: false },
  { name: 'rewrite', short: 'r', hasArg: true },
  { name: 'verbose', short: 'v', hasArg: false },
  { name: 'version', short: 'V', hasArg: false },
];

class Exit {
  constructor(
    readonly code: number,
    readonly stderr: string,
  ) {}
}

/** sscanf("%d:%d"): leading blanks and a sign allowed, anything after the second number ignored. */
function parseRewrite(arg: string, rewrite: Map<number, number>): void {
  const m = /^\s*([+-]?\d+):\s*([+-]?\d+)/.exec(arg);
  const from = m ? Number(m[1]) : Number.NaN;
  const to = m ? Number(m[2]) : Number.NaN;
  if (!(from >= 1 && from <= MAXSIG && to >= 0 && to <= MAXSIG)) throw new Exit(1, REWRITE_HELP);
  rewrite.set(from, to);
}

export function parseDumbInitArgs(argv0: string, argv: readonly string[], env: NodeJS.ProcessEnv): DumbInitParse {
  const o: DumbInitOptions = { command: [], setsid: true, debug: false, rewrite: new Map(), debugLines: [] };
  const apply = (c: string, value: string | undefined): void => {
    switch (c) {
      case 'h':
        throw new Exit(0, helpText(argv0));
      case 'v':
        o.debug = true;
        break;
      case 'V':
        throw new Exit(0, `dumb-init v${DUMB_INIT_VERSION}\n`);
      case 'c':
        o.setsid = false;
        break;
      case 'r':
        parseRewrite(value ?? '', o.rewrite);
        break;
    }
  };
  try {
    let i = 0;
    for (; i < argv.length; i++) {
      const arg = argv[i]!;
      if (arg === '--') {
        i++;
        break;
      }
      if (arg.startsWith('--')) {
        const eq = arg.indexOf('=');
        const name = arg.slice(2, eq < 0 ? undefined : eq);
        const exact = LONG.find((l) => l.name === name);
        const matches = exact ? [exact] : LONG.filter((l) => l.name.startsWith(name));
        if (matches.length === 0) throw new Exit(1, `${argv0}: unrecognized option '--${name}'\n`);
        if (matches.length > 1) {
          throw new Exit(1, `${argv0}: option '--${name}' is ambiguous; possibilities:${matches.map((l) => ` '--${l.name}'`).join('')}\n`);
        }
        const opt = matches[0]!;
        if (!opt.hasArg && eq >= 0) throw new Exit(1, `${argv0}: option '--${opt.name}' doesn't allow an argument\n`);
        let value: string | undefined;
        if (opt.hasArg) {
          value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
          if (value === undefined) throw new Exit(1, `${argv0}: option '--${opt.name}' requires an argument\n`);
        }
        apply(opt.short, value);
        continue;
      }
      if (!arg.startsWith('-') || arg === '-') break;
      for (let j = 1; j < arg.length; j++) {
        const c = arg[j]!;
        if (!'hvVcr'.includes(c)) throw new Exit(1, `${argv0}: invalid option -- '${c}'\n`);
        if (c !== 'r') {
          apply(c, undefined);
          continue;
        }
        let value: string | undefined = arg.slice(j + 1);
        if (value === '') value = argv[++i];
        if (value === undefined) throw new Exit(1, `${argv0}: option requires an argument -- 'r'\n`);
        apply('r', value);
        break;
      }
    }
    o.command = argv.slice(i);
    if (o.command.length === 0) throw new Exit(1, `Usage: ${argv0} [option] program [args]\nTry ${argv0} --help for full usage.\n`);
  } catch (e) {
    if (e instanceof Exit) return { kind: 'exit', code: e.code, stderr: e.stderr };
    throw e;
  }
  if (env.DUMB_INIT_DEBUG === '1') {
    o.debug = true;
    o.debugLines.push('Running in debug mode.');
  }
  if (env.DUMB_INIT_SETSID === '0') {
    o.setsid = false;
    if (o.debug) o.debugLines.push('Not running in setsid mode.');
  }
  // In setsid mode the job-control stops become SIGSTOP for the child's group (it is
  // not in the terminal's foreground, so the stops themselves would not stop it).
  if (o.setsid) for (const s of [SIGTSTP, SIGTTOU, SIGTTIN]) if (!o.rewrite.has(s)) o.rewrite.set(s, SIGSTOP);
  return { kind: 'run', options: o };
}
