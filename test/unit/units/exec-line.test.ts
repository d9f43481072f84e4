// Command lines of Exec*= settings: quoting, escapes, prefixes, ";" and $VAR expansion.
import { describe, expect, it } from 'vitest';
import {
  decodeEscape,
  expandEnv,
  expandEnvWord,
  parseExecLine,
  resolveExecPath,
  splitWords,
} from '../../../src/units/exec-line';

const texts = (text: string, options?: Parameters<typeof splitWords>[1]) => splitWords(text, options).words.map((w) => w.text);

/** The single command of an Exec line that must parse without errors. */
function one(value: string) {
  const r = parseExecLine(value);
  expect(r.errors).toEqual([]);
  expect(r.commands).toHaveLength(1);
  return r.commands[0]!;
}

function errorsOf(value: string): string[] {
  const r = parseExecLine(value);
  expect(r.commands).toEqual([]);
  return r.errors;
}

describe('splitWords', () => {
  it('splits at blanks and groups quoted text, also in the middle of a word', () => {
    expect(texts('  a   "b c"\t\'d  e\' x"y z"w ""  ')).toEqual(['a', 'b c', 'd  e', 'xy zw', '']);
  });

  it('keeps where each word was written', () => {
    const { words } = splitWords('ab "c d"');
    expect(words.map((w) => [w.raw, w.start, w.end])).toEqual([['ab', 0, 2], ['"c d"', 3, 8]]);
  });

  it('decodes C escapes inside and outside quotes', () => {
    expect(texts('\\"q\\" "a\\"b" \'it\\\'s\' back\\\\slash')).toEqual(['"q"', 'a"b', "it's", 'back\\slash']);
    expect(texts('a\\nb \\x41\\x42 \\101 \\u00e9 \\U0001F600 t\\tt \\s')).toEqual(['a\nb', 'AB', 'A', 'é', '😀', 't\tt', ' ']);
    expect(texts('one\\ word')).toEqual(['one word']);
  });

  it('reports invalid escapes, NUL, a trailing backslash and an unterminated quote', () => {
    expect(splitWords('a\\qb').errors).toEqual([expect.stringContaining('invalid escape "\\q"')]);
    expect(splitWords('\\x00').errors).toEqual([expect.stringContaining('invalid escape')]);
    expect(splitWords('\\x4').errors).toEqual([expect.stringContaining('invalid escape')]);
    expect(splitWords('a\\').errors).toEqual([expect.stringContaining('trailing backslash')]);
    expect(splitWords('"open').errors).toEqual([expect.stringContaining('unterminated quote')]);
  });

  it('in relaxed mode keeps what it cannot decode', () => {
    expect(splitWords('a\\qb "open c\\', { relax: true })).toEqual({
      words: [expect.objectContaining({ text: 'a\\qb' }), expect.objectContaining({ text: 'open c\\' })],
      errors: [],
    });
  });

  it('without C unescaping a backslash takes the next character literally', () => {
    expect(texts('a\\nb \\"x\\"', { cunescape: false })).toEqual(['anb', '"x"']);
  });
});

describe('decodeEscape', () => {
  it('returns the value and the length consumed', () => {
    expect(decodeEscape('\\x41rest', 0)).toEqual({ value: 'A', length: 4 });
    expect(decodeEscape('x\\u263a', 1)).toEqual({ value: '☺', length: 6 });
    expect(decodeEscape('\\777', 0)).toBeUndefined(); // above \377
    expect(decodeEscape('\\ud800', 0)).toBeUndefined(); // a lone surrogate
    expect(decodeEscape('\\', 0)).toBeUndefined();
  });
});

describe('parseExecLine', () => {
  it('the first word is the executable and argv[0]', () => {
    expect(one('/usr/bin/printf "%s\\n" \'two words\' plain')).toEqual({
      path: '/usr/bin/printf',
      argv: ['/usr/bin/printf', '%s\n', 'two words', 'plain'],
      ignoreFailure: false,
      argv0Override: false,
      privileged: false,
      privilegePrefix: '',
      noEnvExpand: false,
      raw: '/usr/bin/printf "%s\\n" \'two words\' plain',
    });
  });

  it('"-" ignores a failure', () => {
    expect(one('-/bin/false')).toMatchObject({ path: '/bin/false', argv: ['/bin/false'], ignoreFailure: true });
  });

  it('"@" makes the second word argv[0]', () => {
    expect(one('@/usr/sbin/daemon my-daemon --flag')).toMatchObject({
      path: '/usr/sbin/daemon',
      argv: ['my-daemon', '--flag'],
      argv0Override: true,
    });
  });

  it('"+", "!" and "!!" mark a privileged command', () => {
    expect(one('+/bin/true')).toMatchObject({ path: '/bin/true', privileged: true, privilegePrefix: '+' });
    expect(one('!/bin/true')).toMatchObject({ path: '/bin/true', privileged: true, privilegePrefix: '!' });
    expect(one('!!/bin/true')).toMatchObject({ path: '/bin/true', privileged: true, privilegePrefix: '!!' });
  });

  it('":" turns environment expansion off', () => {
    expect(one(':/bin/echo $HOME')).toMatchObject({ path: '/bin/echo', argv: ['/bin/echo', '$HOME'], noEnvExpand: true });
  });

  it('prefixes combine in any order', () => {
    for (const value of ['-@/bin/sh sh -c true', '@-/bin/sh sh -c true']) {
      expect(one(value)).toMatchObject({ path: '/bin/sh', argv: ['sh', '-c', 'true'], ignoreFailure: true, argv0Override: true });
    }
    expect(one(':!!-@/bin/sh sh')).toMatchObject({
      path: '/bin/sh',
      argv: ['sh'],
      ignoreFailure: true,
      argv0Override: true,
      noEnvExpand: true,
      privilegePrefix: '!!',
    });
    expect(one('+-/bin/true')).toMatchObject({ ignoreFailure: true, privilegePrefix: '+' });
  });

  it('refuses repeated prefixes and two privilege prefixes', () => {
    expect(errorsOf('--/bin/true')).toEqual([expect.stringContaining('prefix "-" repeated')]);
    expect(errorsOf('@@/bin/true x')).toEqual([expect.stringContaining('prefix "@" repeated')]);
    expect(errorsOf('+!/bin/true')).toEqual([expect.stringContaining('only one of "+", "!" and "!!"')]);
    expect(errorsOf('!!!/bin/true')).toEqual([expect.stringContaining('only one of')]);
  });

  it('a quoted executable keeps its blanks, and prefixes still apply before the quote', () => {
    expect(one('-"/opt/my app/run" x')).toMatchObject({ path: '/opt/my app/run', argv: ['/opt/my app/run', 'x'], ignoreFailure: true });
  });

  it('a lone ";" separates commands; "\\;" and "x;" are plain arguments', () => {
    const r = parseExecLine('/bin/echo one ; -/bin/echo two \\; three;');
    expect(r.errors).toEqual([]);
    expect(r.commands.map((c) => [c.argv, c.ignoreFailure, c.raw])).toEqual([
      [['/bin/echo', 'one'], false, '/bin/echo one'],
      [['/bin/echo', 'two', ';', 'three;'], true, '-/bin/echo two \\; three;'],
    ]);
    expect(parseExecLine('/bin/a ;').commands.map((c) => c.argv)).toEqual([['/bin/a']]);
    expect(parseExecLine('/bin/a "x ; y"').commands.map((c) => c.argv)).toEqual([['/bin/a', 'x ; y']]);
  });

  it('an empty command between separators is an error', () => {
    expect(parseExecLine('/bin/a ; ; /bin/b').errors).toEqual([expect.stringContaining('empty command')]);
  });

  it('accepts a plain executable name, refuses relative paths and directories', () => {
    expect(one('sleep 1')).toMatchObject({ path: 'sleep', argv: ['sleep', '1'] });
    expect(errorsOf('bin/sleep 1')).toEqual([expect.stringContaining('must be absolute or a plain name')]);
    expect(errorsOf('./run')).toEqual([expect.stringContaining('must be absolute or a plain name')]);
    expect(errorsOf('/usr/bin/')).toEqual([expect.stringContaining('is a directory')]);
    expect(errorsOf('-')).toEqual([expect.stringContaining('missing executable')]);
    expect(errorsOf('@/bin/sh')).toEqual([expect.stringContaining('"@" needs argv[0]')]);
  });

  it('bad quoting is an error and gives no command', () => {
    expect(errorsOf('/bin/echo "unterminated')).toEqual([expect.stringContaining('unterminated quote')]);
    expect(errorsOf('/bin/echo \\q')).toEqual([expect.stringContaining('invalid escape')]);
  });

  it('an empty value gives neither commands nor errors (the caller resets the list)', () => {
    expect(parseExecLine('')).toEqual({ commands: [], errors: [] });
  });

  it('applies the expansion callback to every word after unquoting, not to the prefixes', () => {
    const r = parseExecLine('-/bin/%p "%p x" %%', (w) => w.replace(/%p/g, 'foo').replace(/%%/g, '%'));
    expect(r.commands[0]).toMatchObject({ path: '/bin/foo', argv: ['/bin/foo', 'foo x', '%'], ignoreFailure: true });
  });
});

describe('environment expansion at start time', () => {
  const env = { A: 'one two', Q: '"x y" z', EMPTY: '', DOLLAR: '$A' };

  it('"$VAR" as a whole word splits into words; unset or empty gives none', () => {
    expect(expandEnv(['/bin/x', '$A', '$Q', '$UNSET', '$EMPTY', 'end'], env)).toEqual(['/bin/x', 'one', 'two', 'x y', 'z', 'end']);
  });

  it('"${VAR}" stays one word, also inside a word; unset gives the empty string', () => {
    expect(expandEnv(['${A}', 'pre${A}post', '${UNSET}', 'a${EMPTY}b'], env)).toEqual(['one two', 'preone twopost', '', 'ab']);
  });

  it('"$VAR" inside a word is not expanded', () => {
    expect(expandEnv(['--opt=$A', 'x$A'], env)).toEqual(['--opt=$A', 'x$A']);
  });

  it('"$$" is a literal dollar sign', () => {
    expect(expandEnv(['$$', '$$A', 'cost$$5', '$${A}'], env)).toEqual(['$', '$A', 'cost$5', '${A}']);
  });

  it('values are not expanded again', () => {
    expect(expandEnv(['$DOLLAR', '${DOLLAR}'], env)).toEqual(['$A', '$A']);
  });

  it('supports ${VAR:-default} and ${VAR:+alternative}', () => {
    expect(expandEnvWord('${UNSET:-dflt} ${EMPTY:-dflt} ${A:-dflt}', env)).toBe('dflt dflt one two');
    expect(expandEnvWord('${UNSET:+alt}|${A:+alt}', env)).toBe('|alt');
  });

  it('keeps a "$" that starts nothing it knows', () => {
    expect(expandEnv(['$', '$1', '${', '${bad name}', 'a$'], env)).toEqual(['$', '$1', '${', '${bad name}', 'a$']);
  });

  it('accepts a Map as the environment', () => {
    expect(expandEnv(['$A', '${A}'], new Map([['A', 'm n']]))).toEqual(['m', 'n', 'm n']);
  });
});

describe('resolveExecPath', () => {
  it('keeps absolute paths and searches the fixed path for plain names', () => {
    expect(resolveExecPath('/opt/x', () => false)).toBe('/opt/x');
    expect(resolveExecPath('tool', (p) => p === '/usr/bin/tool' || p === '/bin/tool')).toBe('/usr/bin/tool');
    expect(resolveExecPath('tool', () => false)).toBeUndefined();
  });
});
