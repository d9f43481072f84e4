// The localectl front (ts-init invoked as `localectl`): systemd 252's verbs, texts and exit
// codes over the files localed manages on Debian (/etc/default/locale, /etc/locale.conf,
// /etc/vconsole.conf, /etc/default/keyboard), read and written directly: no localed, no bus.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseEnvironmentFile } from '../exec/environment-file';
import { localeInstalled } from '../sys/libc';
import { type LocaleInfo, localeStatus, localeVariables, parseLocaleArgs } from './locale-settings';
import { assignment, EXIT_FAILURE, EXIT_OK, type Io, type OptionSpec, startFront, type VerbSpec } from './settings-cli';
import { errorText, readSetting, writeSetting } from './settings-files';

export const LOCALE_CONF = '/etc/locale.conf';
export const DEFAULT_LOCALE = '/etc/default/locale';
export const VCONSOLE_CONF = '/etc/vconsole.conf';
export const DEFAULT_KEYBOARD = '/etc/default/keyboard';
const KEYMAP_DIRS = ['/usr/share/keymaps', '/usr/share/kbd/keymaps', '/usr/lib/kbd/keymaps'];
const LOCALE_DIR = '/usr/lib/locale';

const OPTIONS: OptionSpec[] = [
  { long: 'help', short: 'h' }, { long: 'version' }, { long: 'no-pager' }, { long: 'no-ask-password' }, { long: 'host', short: 'H', value: true },
  { long: 'machine', short: 'M', value: true }, { long: 'no-convert' },
];

const VERBS: VerbSpec[] = [
  { name: 'status', min: 1, max: 1, isDefault: true },
  { name: 'set-locale', min: 2, max: Number.POSITIVE_INFINITY },
  { name: 'list-locales', min: 1, max: 1 },
  { name: 'set-keymap', min: 2, max: 3 },
  { name: 'list-keymaps', min: 1, max: 1 },
  { name: 'set-x11-keymap', min: 2, max: 5 },
];

export function localectlHelp(): string {
  return `localectl [OPTIONS...] COMMAND ...

Query or change system locale and keyboard settings.

Commands:
  status                   Show current locale settings
  set-locale LOCALE...     Set system locale
  list-locales             Show known locales
  set-keymap MAP [MAP]     Set console keyboard mapping
  list-keymaps             Show known virtual console keyboard mappings
  set-x11-keymap LAYOUT [MODEL [VARIANT [OPTIONS]]]
                           Set X11 keyboard mapping

Options:
  -h --help                Show this help
     --version             Show package version
     --no-pager            Do not pipe output into a pager
     --no-ask-password     Do not prompt for password
     --no-convert          Don't convert keyboard mappings (always so here)

ts-init's localectl front: reads and writes ${DEFAULT_LOCALE} (and ${LOCALE_CONF} where there
is one), ${VCONSOLE_CONF} and ${DEFAULT_KEYBOARD} directly (no systemd-localed).
`;
}


const varsOf = (file: string): Array<[string, string]> => parseEnvironmentFile(readSetting(file) ?? '').vars;

function gatherInfo(): LocaleInfo {
  // /etc/locale.conf first, as localed reads it; Debian's own file when there is none.
  const conf = readSetting(LOCALE_CONF) !== undefined ? LOCALE_CONF : DEFAULT_LOCALE;
  return {
    locale: localeVariables(varsOf(conf)),
    vconsole: Object.fromEntries(varsOf(VCONSOLE_CONF)),
    keyboard: Object.fromEntries(varsOf(DEFAULT_KEYBOARD)),
  };
}

/** A file's assignments with some replaced (an empty value removes one), others kept in their order. */
function withVars(file: string, set: ReadonlyArray<readonly [string, string]>, only?: readonly string[]): string {
  const keep = varsOf(file).filter(([k]) => !set.some(([x]) => x === k) && !only?.includes(k));
  return [...keep, ...set.filter(([, v]) => v !== '')].map(([k, v]) => `${assignment(k, v)}\n`).join('');
}

function walkFiles(dir: string, depth: number, out: string[]): void {
  if (depth > 4) return;
  let entries: fs.Dirent[] = [];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (e.isDirectory()) walkFiles(path.join(dir, e.name), depth + 1, out);
    else out.push(e.name);
  }
}

/** The console keymaps installed (kbd's and console-data's trees). */
function keymaps(): string[] {
  const names: string[] = [];
  for (const d of KEYMAP_DIRS) walkFiles(d, 0, names);
  return [...new Set(names.filter((n) => /\.map(\.gz|\.bz2|\.xz)?$/.test(n)).map((n) => n.replace(/\.map(\.gz|\.bz2|\.xz)?$/, '')))].sort();
}

/** The locales compiled into /usr/lib/locale (directories; locale-archive's are asked one by one). */
function locales(): string[] {
  let dirs: string[] = [];
  try {
    dirs = fs.readdirSync(LOCALE_DIR).filter((d) => fs.existsSync(path.join(LOCALE_DIR, d, 'LC_CTYPE')));
  } catch {
    // none
  }
  return [...new Set(dirs.map((d) => d.replace(/\.utf8$/, '.UTF-8')))].sort();
}

export function localectl(argv: readonly string[], io: Io): number {
  const chosen = startFront('localectl', argv, io, { options: OPTIONS, verbs: VERBS, help: localectlHelp });
  if (typeof chosen === 'number') return chosen;
  const args = chosen.args;
  switch (chosen.verb.name) {
    case 'status':
      io.out(localeStatus(gatherInfo()));
      return EXIT_OK;
    case 'list-locales':
      io.out(locales().map((l) => `${l}\n`).join(''));
      return EXIT_OK;
    case 'list-keymaps': {
      const maps = keymaps();
      if (!maps.length) {
        io.err('Couldn\'t find any console keymaps.\n');
        return EXIT_FAILURE;
      }
      io.out(maps.map((m) => `${m}\n`).join(''));
      return EXIT_OK;
    }
    case 'set-locale':
      return setLocale(args, io);
    case 'set-keymap': {
      const missing = args.find((m) => !keymaps().includes(m));
      if (missing !== undefined) {
        io.err(`Failed to set keymap: Keymap ${missing} is not installed.\n`);
        return EXIT_FAILURE;
      }
      return write(VCONSOLE_CONF, withVars(VCONSOLE_CONF, [['KEYMAP', args[0]!], ['KEYMAP_TOGGLE', args[1] ?? '']]), 'Failed to set keymap', io);
    }
    default: {
      const [layout, model = '', variant = '', options = ''] = args;
      const set: Array<[string, string]> = [['XKBLAYOUT', layout!], ['XKBMODEL', model], ['XKBVARIANT', variant], ['XKBOPTIONS', options]];
      return write(DEFAULT_KEYBOARD, withVars(DEFAULT_KEYBOARD, set), 'Failed to set keymap', io);
    }
  }
}

function setLocale(args: readonly string[], io: Io): number {
  const parsed = parseLocaleArgs(args);
  if ('error' in parsed) {
    io.err(`${parsed.error}\n`);
    return EXIT_FAILURE;
  }
  const missing = parsed.vars.find(([k, v]) => k !== 'LANGUAGE' && !localeInstalled(v));
  if (missing) {
    io.err(`Failed to issue method call: Locale ${missing[1]} not installed, refusing.\n`);
    return EXIT_FAILURE;
  }
  // The whole setting is replaced: variables not given are unset, as localed does.
  const text = parsed.vars.map(([k, v]) => `${assignment(k, v)}\n`).join('');
  const debian = fs.existsSync(path.dirname(DEFAULT_LOCALE));
  const files = [...(debian ? [DEFAULT_LOCALE] : []), ...(!debian || readSetting(LOCALE_CONF) !== undefined ? [LOCALE_CONF] : [])];
  for (const f of files) if (write(f, text, 'Failed to issue method call', io) !== EXIT_OK) return EXIT_FAILURE;
  return EXIT_OK;
}

function write(file: string, text: string, what: string, io: Io): number {
  try {
    writeSetting(file, text, true);
    return EXIT_OK;
  } catch (err) {
    io.err(`${what}: Failed to write ${file}: ${errorText(err)}\n`);
    return EXIT_FAILURE;
  }
}

export function localectlMain(argv: readonly string[]): void {
  process.exitCode = localectl(argv, { out: (s) => fs.writeSync(1, s), err: (s) => fs.writeSync(2, s) });
}
