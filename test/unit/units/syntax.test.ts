// The lexical layer: sections, assignments, comments, continuations and bad lines.
import { describe, expect, it } from 'vitest';
import { concatAssignments, parseUnitText } from '../../../src/units/syntax';

const FILE = '/etc/systemd/system/demo.service';

/** [section, key, value, line] of every assignment. */
function rows(text: string): Array<[string, string, string, number]> {
  return parseUnitText(text, FILE).assignments.map((a) => [a.section, a.key, a.value, a.line]);
}

describe('sections and assignments', () => {
  it('keeps every assignment in order with its section, file and line', () => {
    const parsed = parseUnitText('[Unit]\nDescription=Demo\n\n[Service]\nExecStart=/bin/true\n', FILE);
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.sections.map((s) => [s.name, s.line])).toEqual([['Unit', 1], ['Service', 4]]);
    expect(parsed.assignments).toEqual([
      { section: 'Unit', key: 'Description', value: 'Demo', file: FILE, line: 2 },
      { section: 'Service', key: 'ExecStart', value: '/bin/true', file: FILE, line: 5 },
    ]);
    expect(parsed.sections[1]!.entries[0]).toBe(parsed.assignments[1]);
  });

  it('trims whitespace around lines, keys and values, and keeps "=" inside values', () => {
    expect(rows('  [Service]  \n\tEnvironment =  A=1 B=2  \n')).toEqual([['Service', 'Environment', 'A=1 B=2', 2]]);
  });

  it('keeps repeated keys and empty assignments', () => {
    expect(rows('[Unit]\nAfter=a.service\nAfter=\nAfter=b.service\n')).toEqual([
      ['Unit', 'After', 'a.service', 2],
      ['Unit', 'After', '', 3],
      ['Unit', 'After', 'b.service', 4],
    ]);
  });

  it('records a section that occurs twice as two sections', () => {
    const parsed = parseUnitText('[Service]\nType=simple\n[Unit]\nDescription=x\n[Service]\nType=notify\n', FILE);
    expect(parsed.sections.map((s) => s.name)).toEqual(['Service', 'Unit', 'Service']);
    expect(parsed.sections[2]!.entries.map((a) => a.value)).toEqual(['notify']);
  });

  it('accepts a byte order mark, CRLF line ends and a missing final newline', () => {
    expect(rows('\ufeff[Unit]\r\nDescription=crlf\r\n[Service]\r\nType=oneshot')).toEqual([
      ['Unit', 'Description', 'crlf', 2],
      ['Service', 'Type', 'oneshot', 4],
    ]);
  });

  it('concatAssignments puts the main file first, then the drop-ins', () => {
    const main = parseUnitText('[Service]\nExecStart=/bin/a\n', FILE);
    const dropIn = parseUnitText('[Service]\nExecStart=\nExecStart=/bin/b\n', `${FILE}.d/override.conf`);
    expect(concatAssignments([main, dropIn]).map((a) => `${a.file}:${a.line}:${a.value}`)).toEqual([
      `${FILE}:2:/bin/a`,
      `${FILE}.d/override.conf:2:`,
      `${FILE}.d/override.conf:3:/bin/b`,
    ]);
  });
});

describe('comments', () => {
  it('skips lines starting with "#" or ";", also after blanks', () => {
    const text = '# comment\n; another\n[Unit]\n  # indented\n\t; indented too\nDescription=x # not a comment\n';
    const parsed = parseUnitText(text, FILE);
    expect(parsed.diagnostics).toEqual([]);
    expect(rows(text)).toEqual([['Unit', 'Description', 'x # not a comment', 6]]);
  });
});

describe('continuation lines', () => {
  it('joins lines ending in a backslash, the backslash becoming a space', () => {
    const text = '[Service]\nExecStart=/bin/echo \\\n  one \\\n  two\nType=oneshot\n';
    expect(rows(text)).toEqual([
      ['Service', 'ExecStart', '/bin/echo    one    two', 2],
      ['Service', 'Type', 'oneshot', 5],
    ]);
  });

  it('skips comment lines inside a continuation, as systemd does', () => {
    const text = '[Service]\nExecStart=/bin/echo a \\\n# first comment\n; second comment\n  b\nUser=nobody\n';
    expect(rows(text)).toEqual([
      ['Service', 'ExecStart', '/bin/echo a    b', 2],
      ['Service', 'User', 'nobody', 6],
    ]);
  });

  it('an empty line ends a continuation', () => {
    const text = '[Service]\nExecStart=/bin/echo a \\\n\nUser=nobody\n';
    expect(rows(text)).toEqual([
      ['Service', 'ExecStart', '/bin/echo a', 2],
      ['Service', 'User', 'nobody', 4],
    ]);
  });

  it('a continuation still open at the end of the file is used as it is', () => {
    expect(rows('[Service]\nExecStart=/bin/echo a \\')).toEqual([['Service', 'ExecStart', '/bin/echo a', 2]]);
  });

  it('an escaped backslash at the end of a line does not continue it', () => {
    expect(rows('[Service]\nExecStart=/bin/echo a\\\\\nUser=nobody\n')).toEqual([
      ['Service', 'ExecStart', '/bin/echo a\\\\', 2],
      ['Service', 'User', 'nobody', 3],
    ]);
    // Three backslashes: an escaped one, then the continuation.
    expect(rows('[Service]\nExecStart=/bin/echo a\\\\\\\nb\n')).toEqual([['Service', 'ExecStart', '/bin/echo a\\\\ b', 2]]);
  });

  it('a comment line ending in a backslash does not continue', () => {
    expect(rows('[Service]\n# comment \\\nUser=nobody\n')).toEqual([['Service', 'User', 'nobody', 3]]);
  });

  it('a continuation joins whatever the pieces hold, keys and "=" included', () => {
    // The joined text is split at its first "=", so a key cut in two keeps the blank.
    expect(rows('[Unit]\nDescrip\\\ntion=x\n')).toEqual([['Unit', 'Descrip tion', 'x', 2]]);
    expect(rows('[Unit]\nDescription=a\\\nb=c\n')).toEqual([['Unit', 'Description', 'a b=c', 2]]);
  });
});

describe('bad lines', () => {
  it('a line without "=" is a warning naming file and line, and is skipped', () => {
    const parsed = parseUnitText('[Service]\nExecStart=/bin/true\nthis is not an assignment\nUser=x\n', FILE);
    expect(parsed.assignments.map((a) => a.key)).toEqual(['ExecStart', 'User']);
    expect(parsed.diagnostics).toEqual([
      { file: FILE, line: 3, severity: 'warning', message: expect.stringContaining("missing '='") },
    ]);
  });

  it('an assignment before any section is a warning', () => {
    const parsed = parseUnitText('Description=early\n[Unit]\nDescription=late\n', FILE);
    expect(parsed.assignments.map((a) => a.value)).toEqual(['late']);
    expect(parsed.diagnostics).toEqual([
      { file: FILE, line: 1, severity: 'warning', message: expect.stringContaining('outside of any section') },
    ]);
  });

  it('an assignment without a key is a warning', () => {
    const parsed = parseUnitText('[Unit]\n=value\n', FILE);
    expect(parsed.assignments).toEqual([]);
    expect(parsed.diagnostics).toEqual([
      { file: FILE, line: 2, severity: 'warning', message: expect.stringContaining('without a key') },
    ]);
  });

  it('a broken section header is an error and its assignments are dropped without further noise', () => {
    const parsed = parseUnitText('[Unit]\nDescription=x\n[Service\nExecStart=/bin/true\nUser=root\n[Install]\nWantedBy=multi-user.target\n', FILE);
    expect(parsed.diagnostics).toEqual([
      { file: FILE, line: 3, severity: 'error', message: expect.stringContaining('invalid section header') },
    ]);
    expect(parsed.assignments.map((a) => `${a.section}.${a.key}`)).toEqual(['Unit.Description', 'Install.WantedBy']);
  });

  it('"[]" is not a section header', () => {
    const parsed = parseUnitText('[]\nA=b\n', FILE);
    expect(parsed.sections).toEqual([]);
    expect(parsed.diagnostics.map((d) => [d.line, d.severity])).toEqual([[1, 'error']]);
  });

  it('the line of a diagnostic inside a continued line is where the line starts', () => {
    const parsed = parseUnitText('[Unit]\n\nno equals sign \\\n  here either\n', FILE);
    expect(parsed.diagnostics.map((d) => [d.line, d.message])).toEqual([
      [3, expect.stringContaining('no equals sign    here either')],
    ]);
  });
});
