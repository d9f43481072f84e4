import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../../src/cli/options';
import { type ConsolePolicy, consoleLineFor, DEFAULT_CONSOLE_POLICY, showsOnConsole } from '../../../src/output/console-policy';
import { ServiceOutput } from '../../../src/output/service-output';
import { StdoutWriter } from '../../../src/output/stdout-writer';
import { tempDir } from '../../helpers/temp-dir';

const msg = (fields: Array<[string, string | Uint8Array]>) => fields;
const sshd = (priority: string, message = 'Accepted publickey for root') =>
  msg([['MESSAGE', message], ['PRIORITY', priority], ['SYSLOG_IDENTIFIER', 'sshd'], ['_PID', '812'], ['_COMM', 'sshd'], ['_SYSTEMD_UNIT', 'ssh.service']]);
const policy = (mode: ConsolePolicy['mode'], maxLevel = 6): ConsolePolicy => ({ mode, maxLevel });

describe('what the container log shows (--log-console, --log-console-max-level)', () => {
  it('all: units and the journal; units: unit output only; cmd: nothing of either', () => {
    expect(DEFAULT_CONSOLE_POLICY).toEqual({ mode: 'all', maxLevel: 6 });
    for (const [mode, unit, journal] of [
      ['all', true, true],
      ['units', true, false],
      ['cmd', false, false],
    ] as const) {
      expect(showsOnConsole(policy(mode), 'unit-output')).toBe(unit);
      expect(showsOnConsole(policy(mode), 'journal')).toBe(journal);
    }
  });

  it("the level bound is journald's MaxLevelConsole=: a message less important than it is left out; unit output counts as info", () => {
    expect(consoleLineFor(sshd('6'), DEFAULT_CONSOLE_POLICY, 'text')).toBe('sshd[812]: Accepted publickey for root\n');
    expect(consoleLineFor(sshd('7'), DEFAULT_CONSOLE_POLICY, 'text')).toBeUndefined();
    expect(consoleLineFor(sshd('7'), policy('all', 7), 'text')).toBeDefined();
    expect(consoleLineFor(sshd('4'), policy('all', 3), 'text')).toBeUndefined();
    expect(consoleLineFor(sshd('3'), policy('all', 3), 'text')).toBeDefined();
    expect(showsOnConsole(policy('all', 5), 'unit-output')).toBe(false);
    expect(showsOnConsole(policy('units', 6), 'unit-output')).toBe(true);
    // No or a bad PRIORITY= is info, as journald takes a native message without one.
    expect(consoleLineFor(msg([['MESSAGE', 'x'], ['PRIORITY', '99']]), policy('all', 6), 'text')).toBe('unknown: x\n');
    expect(consoleLineFor(msg([['MESSAGE', 'x']]), policy('all', 5), 'text')).toBeUndefined();
  });

  it('tags as syslog shows a message (SYSLOG_IDENTIFIER, else _COMM; the pid when there is one); no MESSAGE=, no line', () => {
    expect(consoleLineFor(msg([['MESSAGE', 'job done'], ['_COMM', 'cron'], ['SYSLOG_PID', '77']]), DEFAULT_CONSOLE_POLICY, 'text')).toBe('cron[77]: job done\n');
    expect(consoleLineFor(msg([['MESSAGE', 'hi'], ['SYSLOG_IDENTIFIER', 'app'], ['_PID', 'x1']]), DEFAULT_CONSOLE_POLICY, 'text')).toBe('app: hi\n');
    expect(consoleLineFor(msg([['PRIORITY', '3'], ['SYSLOG_IDENTIFIER', 'app']]), DEFAULT_CONSOLE_POLICY, 'text')).toBeUndefined();
  });

  it("escapes control characters and newlines in the text form, keeping one message one line; JSON carries the message as it was", () => {
    const forged = sshd('6', 'first\nsecond \x1b[2K\r[ERROR ts-init] forged\x07');
    expect(consoleLineFor(forged, DEFAULT_CONSOLE_POLICY, 'text')).toBe('sshd[812]: first\\x0asecond \\x1b[2K\\x0d[ERROR ts-init] forged\\x07\n');
    expect(consoleLineFor(msg([['MESSAGE', 'a'], ['SYSLOG_IDENTIFIER', 'evil\rname']]), DEFAULT_CONSOLE_POLICY, 'text')).toBe('evil\\x0dname: a\n');
    const json = consoleLineFor(forged, DEFAULT_CONSOLE_POLICY, 'json', Date.UTC(2026, 0, 1))!;
    expect(json.trimEnd()).not.toMatch(/[\x00-\x1f]/);
    expect(JSON.parse(json)).toEqual({ time: '2026-01-01T00:00:00.000Z', unit: 'ssh.service', identifier: 'sshd', pid: 812, priority: 6, line: 'first\nsecond \x1b[2K\r[ERROR ts-init] forged\x07' });
    // Binary junk is shown as text with its controls escaped, never raw.
    expect(consoleLineFor(msg([['MESSAGE', Uint8Array.from([0x41, 0x00, 0x9b, 0x42])], ['SYSLOG_IDENTIFIER', 'b']]), DEFAULT_CONSOLE_POLICY, 'text')).toBe('b: A\\x00\ufffdB\n');
  });

  it('a huge message is cut at 16 KiB', () => {
    const line = consoleLineFor(sshd('6', 'x'.repeat(100_000)), DEFAULT_CONSOLE_POLICY, 'text')!;
    expect(line.length).toBeLessThan(16 * 1024 + 64);
    expect(line.endsWith('x…\n')).toBe(true);
  });

  it('the options and their environment forms', () => {
    const o = (argv: string[], env = {}) => {
      const r = parseArgs([...argv, 'app'], env);
      return r.kind === 'run' ? { mode: r.options.logConsole, level: r.options.logConsoleMaxLevel } : r;
    };
    expect(o([])).toEqual({ mode: 'all', level: 6 });
    expect(o(['--log-console', 'cmd', '--log-console-max-level', 'warning'])).toEqual({ mode: 'cmd', level: 4 });
    expect(o(['--log-console=units', '--log-console-max-level=7'])).toEqual({ mode: 'units', level: 7 });
    expect(o([], { TS_INIT_LOG_CONSOLE: 'units', TS_INIT_LOG_CONSOLE_MAX_LEVEL: 'err' })).toEqual({ mode: 'units', level: 3 });
    expect(o(['--log-console', 'some'])).toMatchObject({ kind: 'usage-error', message: "--log-console takes 'all', 'units' or 'cmd', not 'some'" });
    expect(o(['--log-console-max-level', '8'])).toMatchObject({ kind: 'usage-error' });
  });

  it('ServiceOutput: unit lines reach stdout unless cmd; journal messages as the policy says; the ring keeps unit lines either way', async () => {
    const shown = async (p: ConsolePolicy): Promise<string> => {
      const file = path.join(tempDir('console-'), 'out');
      const fd = fs.openSync(file, 'w');
      const out = new ServiceOutput('text', new StdoutWriter(fd), p);
      const pipe = new PassThrough();
      out.attach('web.service', 'stdout', pipe);
      pipe.end('unit line\n');
      await out.drained(1000);
      out.journalMessage(sshd('6'));
      out.journalMessage(sshd('7', 'debug detail'));
      await out.flushed();
      fs.closeSync(fd);
      expect(out.recent('web.service', 1)).toMatchObject([{ line: 'unit line' }]);
      return fs.readFileSync(file, 'utf8');
    };
    expect(await shown(policy('all'))).toBe('web.service: unit line\nsshd[812]: Accepted publickey for root\n');
    expect(await shown(policy('all', 7))).toBe('web.service: unit line\nsshd[812]: Accepted publickey for root\nsshd[812]: debug detail\n');
    expect(await shown(policy('units'))).toBe('web.service: unit line\n');
    expect(await shown(policy('cmd'))).toBe('');
  });
});
