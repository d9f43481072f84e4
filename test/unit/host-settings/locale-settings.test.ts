import { describe, expect, it } from 'vitest';
import { localeStatus, localeVariables, parseLocaleArgs } from '../../../src/host-settings/locale-settings';

describe('locale settings as localectl reads and shows them', () => {
  it('takes assignments and a bare locale as LANG, in systemd order', () => {
    expect(parseLocaleArgs(['LC_TIME=C', 'de_DE.UTF-8'])).toEqual({ vars: [['LANG', 'de_DE.UTF-8'], ['LC_TIME', 'C']] });
  });

  it('refuses unknown variables, repeats and malformed names with systemd words', () => {
    expect(parseLocaleArgs(['FOO=C.UTF-8'])).toEqual({ error: 'Failed to issue method call: Locale assignment FOO=C.UTF-8 not valid, refusing.' });
    expect(parseLocaleArgs(['LANG=C', 'LANG=C.UTF-8'])).toHaveProperty('error');
    expect(parseLocaleArgs(['LANG=../../etc/passwd'])).toHaveProperty('error');
    expect(parseLocaleArgs(['LANGUAGE=de:en'])).toEqual({ vars: [['LANGUAGE', 'de:en']] });
  });

  it('keeps only locale variables of a file', () => {
    expect(localeVariables([['LC_TIME', 'C'], ['LANG', 'C.UTF-8'], ['PATH', '/bin'], ['LC_ALL', '']])).toEqual([['LANG', 'C.UTF-8'], ['LC_TIME', 'C']]);
  });

  it("prints systemd 252's status, unset and set", () => {
    expect(localeStatus({ locale: [], vconsole: {}, keyboard: {} })).toBe('System Locale: (unset)\n    VC Keymap: (unset)\n   X11 Layout: (unset)\n');
    expect(localeStatus({ locale: [['LANG', 'de_DE.UTF-8']], vconsole: { KEYMAP: 'de', KEYMAP_TOGGLE: 'us' }, keyboard: { XKBLAYOUT: 'de', XKBMODEL: 'pc105' } })).toBe(
      '   System Locale: LANG=de_DE.UTF-8\n       VC Keymap: de\nVC Toggle Keymap: us\n      X11 Layout: de\n       X11 Model: pc105\n',
    );
  });
});
