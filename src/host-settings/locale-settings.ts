// The locale and keyboard settings as localectl (systemd 252) reads, checks and shows them:
// /etc/locale.conf (else Debian's /etc/default/locale), /etc/vconsole.conf, Debian's
// /etc/default/keyboard for X11, the assignments `set-locale` takes, and the status. Pure.
import { fieldTable } from './settings-cli';

/** The variables a locale setting may assign, in systemd's order. */
export const LOCALE_VARIABLES = [
  'LANG', 'LANGUAGE', 'LC_CTYPE', 'LC_NUMERIC', 'LC_TIME', 'LC_COLLATE', 'LC_MONETARY', 'LC_MESSAGES', 'LC_PAPER', 'LC_NAME', 'LC_ADDRESS',
  'LC_TELEPHONE', 'LC_MEASUREMENT', 'LC_IDENTIFICATION',
] as const;

/** The locale variables of a file's assignments, in systemd's order (others left out). */
export function localeVariables(vars: ReadonlyArray<readonly [string, string]>): Array<[string, string]> {
  const m = new Map(vars.filter(([, v]) => v !== ''));
  return LOCALE_VARIABLES.filter((k) => m.has(k)).map((k) => [k, m.get(k)!]);
}

/**
 * `localectl set-locale` arguments as assignments: "LANG=de_DE.UTF-8", or a bare locale for LANG.
 * An unknown variable or one given twice is refused with systemd's text.
 */
export function parseLocaleArgs(args: readonly string[]): { vars: Array<[string, string]> } | { error: string } {
  const vars: Array<[string, string]> = [];
  for (const a of args) {
    const eq = a.indexOf('=');
    const [k, v] = eq < 0 ? ['LANG', a] : [a.slice(0, eq), a.slice(eq + 1)];
    if (!(LOCALE_VARIABLES as readonly string[]).includes(k) || vars.some(([x]) => x === k) || (k !== 'LANGUAGE' && !localeNameIsValid(v))) {
      return { error: `Failed to issue method call: Locale assignment ${a} not valid, refusing.` };
    }
    vars.push([k, v]);
  }
  return { vars: localeVariables(vars) };
}

/** systemd's locale_is_valid() (the name's form; whether it is installed is asked of the C library). */
export function localeNameIsValid(name: string): boolean {
  return name !== '' && name.length < 128 && !name.startsWith('.') && !name.includes('..') && /^[A-Za-z0-9_.@-]+$/.test(name);
}

export interface LocaleInfo {
  locale: ReadonlyArray<readonly [string, string]>;
  vconsole: Readonly<Record<string, string>>;
  /** Debian's /etc/default/keyboard (XKBLAYOUT, XKBMODEL, XKBVARIANT, XKBOPTIONS). */
  keyboard: Readonly<Record<string, string>>;
}

/** `localectl status` as systemd 252 prints it. */
export function localeStatus(i: LocaleInfo): string {
  const rows: Array<[string, string | string[]]> = [];
  rows.push(['System Locale:', i.locale.length ? i.locale.map(([k, v]) => `${k}=${v}`) : '(unset)']);
  rows.push(['VC Keymap:', i.vconsole.KEYMAP || '(unset)']);
  if (i.vconsole.KEYMAP_TOGGLE) rows.push(['VC Toggle Keymap:', i.vconsole.KEYMAP_TOGGLE]);
  rows.push(['X11 Layout:', i.keyboard.XKBLAYOUT || '(unset)']);
  if (i.keyboard.XKBMODEL) rows.push(['X11 Model:', i.keyboard.XKBMODEL]);
  if (i.keyboard.XKBVARIANT) rows.push(['X11 Variant:', i.keyboard.XKBVARIANT]);
  if (i.keyboard.XKBOPTIONS) rows.push(['X11 Options:', i.keyboard.XKBOPTIONS]);
  return fieldTable(rows);
}
