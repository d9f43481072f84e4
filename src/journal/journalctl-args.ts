// journalctl's command line, as systemd 252's journalctl reads it (getopt: short options
// bundled, "--name=value" and "--name value", -n and -b taking their value from the next
// word when it parses as one), turned into options and the match expression. Pure.
import { hasWildcard } from '../sys/fnmatch';
import { parseId128 } from './entry';

export const OUTPUT_MODES = ['short', 'short-full', 'short-iso', 'short-iso-precise', 'short-precise', 'short-monotonic', 'short-unix', 'cat', 'json', 'json-pretty', 'export', 'verbose'] as const;
export type OutputMode = (typeof OUTPUT_MODES)[number];

/** A -b value: a boot id (with an offset from it), or an offset from the last boot (0, -1) or the first (1, 2). */
export interface BootSpec {
  id?: Buffer;
  offset: number;
  text: string;
}

export interface JournalctlOptions {
  units: string[];
  identifiers: string[];
  /** [most important, least important] as syslog numbers (0 emerg .. 7 debug). */
  priorities?: [number, number];
  boot?: BootSpec;
  dmesg: boolean;
  /** FIELD=value words and "+" (OR), in order. */
  matches: string[];
  since?: string;
  until?: string;
  /** Entries to show from the end (from --since on, with it); undefined: all (10 with -f, 1000 with -e). */
  lines?: number;
  follow: boolean;
  end: boolean;
  reverse: boolean;
  output: OutputMode;
  all: boolean;
  utc: boolean;
  quiet: boolean;
  pager: boolean;
  directories: string[];
  files: string[];
  action?: 'help' | 'version' | 'disk-usage' | 'vacuum' | 'list-boots' | 'field';
  field?: string;
  vacuumSize?: number;
  vacuumTimeUsec?: number;
}

export const PRIORITY_NAMES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

/** A syslog level by name or number. */
export function parsePriority(text: string): number | undefined {
  if (/^[0-7]$/.test(text)) return Number(text);
  const i = PRIORITY_NAMES.indexOf(text.toLowerCase());
  return i < 0 ? undefined : i;
}

/** -p's value: "err" (emerg..err), "err..warning" or "warning..err" (a range either way round; both ends named, as 252 wants). */
export function parsePriorityRange(text: string): { range?: [number, number]; error?: string } {
  const dots = text.indexOf('..');
  if (dots < 0) {
    const p = parsePriority(text);
    return p === undefined ? { error: `Unknown log level ${text}` } : { range: [0, p] };
  }
  const a = parsePriority(text.slice(0, dots));
  const b = parsePriority(text.slice(dots + 2));
  if (a === undefined || b === undefined) return { error: `Failed to parse log level range ${text}` };
  return { range: [Math.min(a, b), Math.max(a, b)] };
}

/** -b's value: "", "0", "-1", "2", "ID", "ID-1", "ID+2". `text` is how journalctl names it in an error. */
export function parseBootSpec(text: string): BootSpec | undefined {
  if (text === '') return { offset: 0, text: '0' };
  if (/^[+-]?\d+$/.test(text)) return { offset: Number(text), text: String(Number(text)) };
  const m = /^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})([+-]\d+)?$/.exec(text);
  const id = m ? parseId128(m[1]!) : undefined;
  if (!m || !id) return undefined;
  return { id, offset: m[2] ? Number(m[2]) : 0, text: id.toString('hex') };
}

/** -n's value: a count ("+N" is N: 252 takes the sign and still counts from the end) or "all". */
export function parseLines(text: string): { lines?: number } | undefined {
  if (text === 'all') return { lines: undefined };
  const m = /^\+?(\d+)$/.exec(text);
  if (!m) return undefined;
  return { lines: Number(m[1]) };
}

/** systemd's unit name mangling for -u: a name without a type becomes a .service; globs stay patterns. */
export function mangleUnit(name: string): string {
  if (hasWildcard(name)) return name;
  return /\.(service|socket|target|device|mount|automount|swap|timer|path|slice|scope)$/.test(name) ? name : `${name}.service`;
}

/** The size --vacuum-size= takes: bytes with an optional K, M, G, T suffix (1024-based). */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGTPE]?)B?$/i.exec(text.trim());
  if (!m) return undefined;
  const exp = ' KMGTPE'.indexOf(m[2].toUpperCase() || ' ');
  return Math.floor(Number(m[1]) * 1024 ** exp);
}

type Parsed = { ok: true; options: JournalctlOptions } | { ok: false; error: string };

const OPTION_ARG = new Set(['-o', '--output', '-D', '--directory', '--file', '-p', '--priority', '-t', '--identifier', '-u', '--unit', '-S', '--since', '-U', '--until', '-F', '--field', '--vacuum-size', '--vacuum-time']);
const OPTIONAL_ARG = new Set(['-n', '--lines', '-b', '--boot']);
const LONG_FLAGS = new Set(['--follow', '--pager-end', '--catalog', '--reverse', '--all', '--full', '--no-full', '--utc', '--quiet', '--no-pager', '--dmesg', '--disk-usage', '--list-boots', '--help', '--version', '--no-hostname', '--merge', '--no-tail', '--system']);
const SHORT_FLAGS = 'fexralqkmh';

/** The options of `argv` (without the program name), or the error message journalctl gives. */
export function parseJournalctlArgs(argv: readonly string[], parseSpan: (text: string) => number | undefined, program = 'journalctl'): Parsed {
  const o: JournalctlOptions = {
    units: [],
    identifiers: [],
    dmesg: false,
    matches: [],
    follow: false,
    end: false,
    reverse: false,
    output: 'short',
    all: false,
    utc: false,
    quiet: false,
    pager: true,
    directories: [],
    files: [],
  };
  let linesSet = false;
  // getopt's view of argv: every option as [name, value?]; words as matches.
  const words: string[] = [];
  const opts: Array<[string, string | undefined]> = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      words.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a : a.slice(0, eq);
      if (OPTION_ARG.has(name)) {
        if (eq >= 0) opts.push([name, a.slice(eq + 1)]);
        else if (i + 1 < argv.length) opts.push([name, argv[++i]]);
        else return { ok: false, error: `${program}: option '${name}' requires an argument` };
      } else if (OPTIONAL_ARG.has(name)) {
        if (eq >= 0) opts.push([name, a.slice(eq + 1)]);
        else opts.push([name, optionalNext(name, argv[i + 1]) ? argv[++i] : undefined]);
      } else if (LONG_FLAGS.has(name)) {
        if (eq >= 0) return { ok: false, error: `${program}: option '${name}' doesn't allow an argument` };
        opts.push([name, undefined]);
      } else return { ok: false, error: `${program}: unrecognized option '${a}'` };
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let k = 1; k < a.length; k++) {
        const c = `-${a[k]}`;
        const rest = a.slice(k + 1);
        if (OPTION_ARG.has(c)) {
          if (rest !== '') opts.push([c, rest]);
          else if (i + 1 < argv.length) opts.push([c, argv[++i]]);
          else return { ok: false, error: `${program}: option requires an argument -- '${a[k]}'` };
          break;
        }
        if (OPTIONAL_ARG.has(c)) {
          if (rest !== '') opts.push([c, rest]);
          else opts.push([c, optionalNext(c, argv[i + 1]) ? argv[++i] : undefined]);
          break;
        }
        if (!SHORT_FLAGS.includes(a[k]!)) return { ok: false, error: `${program}: invalid option -- '${a[k]}'` };
        opts.push([c, undefined]);
      }
      continue;
    }
    words.push(a);
  }
  for (const [name, value] of opts) {
    switch (name) {
      case '-h':
      case '--help':
        o.action = 'help';
        break;
      case '--version':
        o.action ??= 'version';
        break;
      case '-f':
      case '--follow':
        o.follow = true;
        break;
      case '-e':
      case '--pager-end':
        o.end = true;
        break;
      case '-r':
      case '--reverse':
        o.reverse = true;
        break;
      case '-a':
      case '--all':
        o.all = true;
        break;
      case '-q':
      case '--quiet':
        o.quiet = true;
        break;
      case '-k':
      case '--dmesg':
        o.dmesg = true;
        o.boot ??= { offset: 0, text: '0' }; // -k is this boot's kernel messages
        break;
      case '--utc':
        o.utc = true;
        break;
      case '--no-pager':
        o.pager = false;
        break;
      case '-x':
      case '--catalog':
      case '-l':
      case '--full':
      case '--no-full':
      case '-m':
      case '--merge':
      case '--no-hostname':
      case '--no-tail':
      case '--system':
        break; // accepted; see docs/differences-from-systemd.md, journalctl
      case '-n':
      case '--lines': {
        linesSet = true;
        if (value === undefined) {
          o.lines = 10;
          break;
        }
        const l = parseLines(value);
        if (!l) return { ok: false, error: `Failed to parse lines '${value}'` };
        o.lines = l.lines;
        break;
      }
      case '-b':
      case '--boot': {
        const b = parseBootSpec(value ?? '');
        if (!b) return { ok: false, error: `Failed to parse boot descriptor '${value}'` };
        o.boot = b;
        break;
      }
      case '-o':
      case '--output':
        if (!(OUTPUT_MODES as readonly string[]).includes(value!)) return { ok: false, error: `Unknown output format '${value}'.` };
        o.output = value as OutputMode;
        break;
      case '-D':
      case '--directory':
        o.directories.push(value!);
        break;
      case '--file':
        o.files.push(value!);
        break;
      case '-p':
      case '--priority': {
        const r = parsePriorityRange(value!);
        if (!r.range) return { ok: false, error: r.error! };
        o.priorities = r.range;
        break;
      }
      case '-t':
      case '--identifier':
        o.identifiers.push(value!);
        break;
      case '-u':
      case '--unit':
        o.units.push(mangleUnit(value!));
        break;
      case '-S':
      case '--since':
        o.since = value;
        break;
      case '-U':
      case '--until':
        o.until = value;
        break;
      case '-F':
      case '--field':
        o.action = 'field';
        o.field = value;
        break;
      case '--disk-usage':
        o.action = 'disk-usage';
        break;
      case '--list-boots':
        o.action = 'list-boots';
        break;
      case '--vacuum-size': {
        const n = parseSize(value!);
        if (n === undefined) return { ok: false, error: `Failed to parse size: ${value}` };
        o.vacuumSize = n;
        o.action = 'vacuum';
        break;
      }
      case '--vacuum-time': {
        const span = parseSpan(value!);
        if (span === undefined) return { ok: false, error: `Failed to parse timestamp: ${value}` };
        o.vacuumTimeUsec = span;
        o.action = 'vacuum';
        break;
      }
    }
  }
  for (const w of words) {
    if (w !== '+' && !/^[A-Za-z0-9_]+=/.test(w)) return { ok: false, error: `Failed to add match '${w}': Invalid argument` };
  }
  o.matches = words;
  if (o.follow && !linesSet) o.lines = 10;
  if (o.end && !linesSet) o.lines = 1000;
  if (o.end) o.boot ??= { offset: 0, text: '0' }; // 252's -e shows this boot's entries
  return { ok: true, options: o };
}

/** Whether the word after a bare -n/-b is its value (journalctl takes it when it parses as one). */
function optionalNext(name: string, next: string | undefined): boolean {
  if (next === undefined) return false;
  return name === '-n' || name === '--lines' ? parseLines(next) !== undefined : parseBootSpec(next) !== undefined && next !== '';
}

/**
 * sd-journal's add_matches_for_unit, the terms `-u UNIT` and `systemctl status UNIT` add: the
 * unit's own messages, its core dumps, PID 1's messages about it, and root's daemons' about it.
 */
export function unitMatchTerms(unit: string): string[][] {
  return [
    [`_SYSTEMD_UNIT=${unit}`],
    ['MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1', '_UID=0', `COREDUMP_UNIT=${unit}`],
    ['_PID=1', `UNIT=${unit}`],
    ['_UID=0', `OBJECT_SYSTEMD_UNIT=${unit}`],
  ];
}

/**
 * The match expression journalctl builds (sd-journal's model): a conjunction of groups, each a
 * disjunction of terms, each term FIELD=value matches (different fields all hold, values of one
 * field are alternatives). Units are expanded (globs resolved) by the caller into `units`.
 */
export function matchGroups(o: JournalctlOptions, units: readonly string[], bootId?: string): string[][][] {
  const groups: string[][][] = [];
  if (bootId) groups.push([[`_BOOT_ID=${bootId}`]]);
  if (o.dmesg) groups.push([['_TRANSPORT=kernel']]);
  if (o.units.length) {
    groups.push(units.flatMap(unitMatchTerms));
  }
  if (o.identifiers.length) groups.push([o.identifiers.map((t) => `SYSLOG_IDENTIFIER=${t}`)]);
  if (o.priorities) {
    const [lo, hi] = o.priorities;
    const term: string[] = [];
    for (let p = lo; p <= hi; p++) term.push(`PRIORITY=${p}`);
    groups.push([term]);
  }
  if (o.matches.length) {
    const terms: string[][] = [[]];
    for (const w of o.matches) {
      if (w === '+') terms.push([]);
      else terms[terms.length - 1]!.push(w);
    }
    groups.push(terms.filter((t) => t.length > 0));
  }
  return groups;
}

/** The pager journalctl would start: SYSTEMD_PAGER, PAGER, else less; "" or "cat" for none. */
export function pagerCommand(env: NodeJS.ProcessEnv): string | undefined {
  const chosen = env.SYSTEMD_PAGER ?? env.PAGER;
  if (chosen !== undefined && (chosen.trim() === '' || chosen.trim() === 'cat')) return undefined;
  return chosen ?? 'less';
}
