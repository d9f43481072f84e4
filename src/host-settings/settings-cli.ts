// What hostnamectl, timedatectl and localectl share as command lines: getopt's long and short
// options with its error texts, a verb table with systemd's argument-count messages, the
// field tables of their `status` (labels right-aligned), and systemd's exit codes (0, 1). Pure.
import { VERSION } from '../version';

/** The systemd release whose tools these fronts answer as. */
export const SETTINGS_SYSTEMD_VERSION = 252;

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;

export interface OptionSpec {
  long: string;
  short?: string;
  /** Whether the option takes a value (`--json=short`, `-p NAME`). */
  value?: boolean;
}

export interface ParsedArgs {
  /** Long name of each option given, with its value ('' for a flag). */
  options: Map<string, string[]>;
  positional: string[];
  error?: string;
}

/** getopt_long with permutation, as systemd's tools call it; errors in getopt's words. */
export function parseArgs(tool: string, argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const options = new Map<string, string[]>();
  const positional: string[] = [];
  const add = (name: string, value: string): void => {
    options.set(name, [...(options.get(name) ?? []), value]);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const spec = specs.find((s) => s.long === name) ?? uniquePrefix(specs, name);
      if (!spec) return { options, positional, error: `${tool}: unrecognized option '${eq < 0 ? a : a.slice(0, eq)}'` };
      if (spec.value) {
        const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) return { options, positional, error: `${tool}: option '--${spec.long}' requires an argument` };
        add(spec.long, v);
      } else {
        if (eq >= 0) return { options, positional, error: `${tool}: option '--${spec.long}' doesn't allow an argument` };
        add(spec.long, '');
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let k = 1; k < a.length; k++) {
        const c = a[k]!;
        const spec = specs.find((s) => s.short === c);
        if (!spec) return { options, positional, error: `${tool}: invalid option -- '${c}'` };
        if (!spec.value) {
          add(spec.long, '');
          continue;
        }
        const v = k + 1 < a.length ? a.slice(k + 1) : argv[++i];
        if (v === undefined) return { options, positional, error: `${tool}: option requires an argument -- '${c}'` };
        add(spec.long, v);
        break;
      }
      continue;
    }
    positional.push(a);
  }
  return { options, positional };
}

function uniquePrefix(specs: readonly OptionSpec[], name: string): OptionSpec | undefined {
  if (!name) return undefined;
  const m = specs.filter((s) => s.long.startsWith(name));
  return m.length === 1 ? m[0] : undefined;
}

export interface VerbSpec {
  name: string;
  /** Arguments counted with the verb, as systemd's dispatch_verb() counts them. */
  min: number;
  max: number;
  /** The verb taken when none is given. */
  isDefault?: boolean;
}

/** The verb to run, or systemd's message when there is none or the arguments do not fit. */
export function chooseVerb(positional: readonly string[], verbs: readonly VerbSpec[]): { verb: VerbSpec; args: string[] } | { error: string } {
  const name = positional[0];
  const verb = name === undefined ? verbs.find((v) => v.isDefault) : verbs.find((v) => v.name === name);
  if (!verb) return { error: name === undefined ? 'Command verb required.' : `Unknown command verb ${name}.` };
  const n = Math.max(positional.length, 1);
  if (n < verb.min) return { error: 'Too few arguments.' };
  if (n > verb.max) return { error: 'Too many arguments.' };
  return { verb, args: positional.slice(1) };
}

/** systemd's table of a status: labels right-aligned on the longest; a list value takes a line per item. */
export function fieldTable(rows: ReadonlyArray<readonly [string, string | readonly string[]]>): string {
  const width = Math.max(0, ...rows.map(([label]) => label.length));
  const out: string[] = [];
  for (const [label, value] of rows) {
    const items = typeof value === 'string' ? [value] : value.length ? value : [''];
    items.forEach((item, k) => out.push(`${(k === 0 ? label : '').padStart(width)} ${item}`.trimEnd()));
  }
  return out.map((l) => `${l}\n`).join('');
}

export function settingsVersion(): string {
  return `systemd ${SETTINGS_SYSTEMD_VERSION} (ts-init ${VERSION})\n`;
}

/** One KEY=VALUE line as systemd writes it (a value with shell specials double-quoted). */
export function assignment(key: string, value: string): string {
  return `${key}=${/^[A-Za-z0-9_.,:/@+-]*$/.test(value) ? value : `"${value.replace(/(["\\`$])/g, '\\$1')}"`}`;
}

/** What a settings front writes to: stdout and stderr. */
export interface Io {
  out(s: string): void;
  err(s: string): void;
}

/**
 * The prologue every settings front shares: its options parsed, --help/--version answered,
 * --host/--machine refused, the verb chosen. An exit code when that already ends the run.
 */
export function startFront(
  tool: string,
  argv: readonly string[],
  io: Io,
  specs: { options: readonly OptionSpec[]; verbs: readonly VerbSpec[]; help: () => string },
): number | { has: (option: string) => boolean; options: ParsedArgs['options']; verb: VerbSpec; args: string[] } {
  const parsed = parseArgs(tool, argv, specs.options);
  if (parsed.error) {
    io.err(`${parsed.error}\n`);
    return EXIT_FAILURE;
  }
  const has = (o: string): boolean => parsed.options.has(o);
  if (has('help')) return io.out(specs.help()), EXIT_OK;
  if (has('version')) return io.out(settingsVersion()), EXIT_OK;
  if (has('host') || has('machine')) {
    io.err(`ts-init's ${tool} works on this machine only (no --host, --machine).\n`);
    return EXIT_FAILURE;
  }
  const chosen = chooseVerb(parsed.positional, specs.verbs);
  if ('error' in chosen) {
    io.err(`${chosen.error}\n`);
    return EXIT_FAILURE;
  }
  return { has, options: parsed.options, verb: chosen.verb, args: chosen.args };
}
