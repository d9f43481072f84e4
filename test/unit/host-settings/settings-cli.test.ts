import { describe, expect, it } from 'vitest';
import { assignment, chooseVerb, fieldTable, parseArgs } from '../../../src/host-settings/settings-cli';

const SPECS = [{ long: 'help', short: 'h' }, { long: 'static' }, { long: 'property', short: 'p', value: true }, { long: 'json', value: true }];
const VERBS = [
  { name: 'status', min: 1, max: 1, isDefault: true },
  { name: 'set-hostname', min: 2, max: 2 },
];

describe('the settings fronts command line (getopt as systemd calls it)', () => {
  it('takes options anywhere, values joined or apart, and -- ends them', () => {
    const p = parseArgs('x', ['set-hostname', '--static', 'name', '-pFoo', '--json=short', '--', '-n'], SPECS);
    expect(p.error).toBeUndefined();
    expect(p.positional).toEqual(['set-hostname', 'name', '-n']);
    expect(p.options.get('static')).toEqual(['']);
    expect(p.options.get('property')).toEqual(['Foo']);
    expect(p.options.get('json')).toEqual(['short']);
    expect(parseArgs('x', ['--stat'], SPECS).options.has('static')).toBe(true);
  });

  it("says what getopt says about a bad option", () => {
    expect(parseArgs('hostnamectl', ['--bogus'], SPECS).error).toBe("hostnamectl: unrecognized option '--bogus'");
    expect(parseArgs('hostnamectl', ['-b'], SPECS).error).toBe("hostnamectl: invalid option -- 'b'");
    expect(parseArgs('timedatectl', ['--property'], SPECS).error).toBe("timedatectl: option '--property' requires an argument");
    expect(parseArgs('timedatectl', ['--static=1'], SPECS).error).toBe("timedatectl: option '--static' doesn't allow an argument");
  });

  it('counts a verb and its arguments as systemd does', () => {
    expect(chooseVerb([], VERBS)).toMatchObject({ verb: { name: 'status' }, args: [] });
    expect(chooseVerb(['foo'], VERBS)).toEqual({ error: 'Unknown command verb foo.' });
    expect(chooseVerb(['status', 'x'], VERBS)).toEqual({ error: 'Too many arguments.' });
    expect(chooseVerb(['set-hostname'], VERBS)).toEqual({ error: 'Too few arguments.' });
    expect(chooseVerb(['set-hostname', 'a'], VERBS)).toMatchObject({ args: ['a'] });
  });

  it('right-aligns labels on the longest and gives a list a line per item', () => {
    expect(fieldTable([['System Locale:', ['LANG=C.UTF-8', 'LC_TIME=C']], ['VC Keymap:', '(unset)']])).toBe(
      'System Locale: LANG=C.UTF-8\n               LC_TIME=C\n    VC Keymap: (unset)\n',
    );
  });

  it('quotes a value only when the shell would need it', () => {
    expect(assignment('LANG', 'de_DE.UTF-8')).toBe('LANG=de_DE.UTF-8');
    expect(assignment('PRETTY_HOSTNAME', 'Foo "Bar" $x')).toBe('PRETTY_HOSTNAME="Foo \\"Bar\\" \\$x"');
  });
});
