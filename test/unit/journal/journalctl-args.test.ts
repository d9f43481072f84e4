import { describe, expect, it } from 'vitest';
import { mangleUnit, matchGroups, parseBootSpec, parseJournalctlArgs, parseLines, parsePriorityRange, parseSize } from '../../../src/journal/journalctl-args';

const span = (t: string) => (t === '2d' ? 2 * 86400e6 : undefined);
const parse = (...argv: string[]) => {
  const r = parseJournalctlArgs(argv, span, 'journalctl');
  if (!r.ok) throw new Error(r.error);
  return r.options;
};
const error = (...argv: string[]) => {
  const r = parseJournalctlArgs(argv, span, 'journalctl');
  return r.ok ? undefined : r.error;
};

describe('journalctl options', () => {
  it('priorities: a level is emerg..level; a range either way round; both ends named (252)', () => {
    expect(parsePriorityRange('err')).toEqual({ range: [0, 3] });
    expect(parsePriorityRange('3')).toEqual({ range: [0, 3] });
    expect(parsePriorityRange('err..warning')).toEqual({ range: [3, 4] });
    expect(parsePriorityRange('warning..err')).toEqual({ range: [3, 4] });
    expect(parsePriorityRange('0..7')).toEqual({ range: [0, 7] });
    expect(parsePriorityRange('info..')).toEqual({ error: 'Failed to parse log level range info..' });
    expect(parsePriorityRange('bogus')).toEqual({ error: 'Unknown log level bogus' });
    expect(parsePriorityRange('8')).toEqual({ error: 'Unknown log level 8' });
  });

  it('boots: offsets, ids, id with offset', () => {
    expect(parseBootSpec('')).toEqual({ offset: 0, text: '0' });
    expect(parseBootSpec('-1')).toEqual({ offset: -1, text: '-1' });
    expect(parseBootSpec('+2')).toEqual({ offset: 2, text: '2' });
    const id = '0123456789abcdef0123456789abcdef';
    expect(parseBootSpec(`${id}-1`)).toEqual({ id: Buffer.from(id, 'hex'), offset: -1, text: id });
    expect(parseBootSpec('01234567-89ab-cdef-0123-456789abcdef')?.text).toBe(id);
    expect(parseBootSpec('nope')).toBeUndefined();
  });

  it('-n: counts, all, "+N" counted from the end as 252 does', () => {
    expect(parseLines('20')).toEqual({ lines: 20 });
    expect(parseLines('+5')).toEqual({ lines: 5 });
    expect(parseLines('all')).toEqual({ lines: undefined });
    expect(parseLines('x')).toBeUndefined();
  });

  it('units: a name without a type is a service; globs stay patterns', () => {
    expect(mangleUnit('ssh')).toBe('ssh.service');
    expect(mangleUnit('ssh.socket')).toBe('ssh.socket');
    expect(mangleUnit('ssh*')).toBe('ssh*');
  });

  it('sizes for --vacuum-size', () => {
    expect(parseSize('1M')).toBe(1 << 20);
    expect(parseSize('500K')).toBe(500 * 1024);
    expect(parseSize('100')).toBe(100);
    expect(parseSize('lots')).toBeUndefined();
  });

  it('getopt: bundled flags, attached values, -n/-b taking the next word only when it is theirs', () => {
    const o = parse('-fqn5', '-u', 'ssh', '--unit=cron', '-b', '-1', '-ocat', '--since=today', 'PRIORITY=3');
    expect(o.follow && o.quiet).toBe(true);
    expect(o.lines).toBe(5);
    expect(o.units).toEqual(['ssh.service', 'cron.service']);
    expect(o.boot?.offset).toBe(-1);
    expect(o.output).toBe('cat');
    expect(o.since).toBe('today');
    expect(o.matches).toEqual(['PRIORITY=3']);
    expect(parse('-n', '_PID=1').lines).toBe(10);
    expect(parse('-n', '_PID=1').matches).toEqual(['_PID=1']);
    expect(parse('-b', '_PID=1').boot).toEqual({ offset: 0, text: '0' });
  });

  it('defaults: -f shows 10, -e 1000 of this boot, -k this boot; --vacuum-time through the span parser', () => {
    expect(parse('-f').lines).toBe(10);
    expect(parse('-e').lines).toBe(1000);
    expect(parse('-e').boot).toEqual({ offset: 0, text: '0' });
    expect(parse('-e', '-b', '-1').boot?.offset).toBe(-1);
    expect(parse('-k').boot).toEqual({ offset: 0, text: '0' });
    expect(parse('--vacuum-time=2d')).toMatchObject({ action: 'vacuum', vacuumTimeUsec: 2 * 86400e6 });
  });

  it('errors in journalctl words', () => {
    expect(error('--frobnicate')).toBe("journalctl: unrecognized option '--frobnicate'");
    expect(error('-Z')).toBe("journalctl: invalid option -- 'Z'");
    expect(error('-u')).toBe("journalctl: option requires an argument -- 'u'");
    expect(error('-o', 'fancy')).toBe("Unknown output format 'fancy'.");
    expect(error('bad')).toBe("Failed to add match 'bad': Invalid argument");
    expect(error('-n', 'x')).toBe("Failed to add match 'x': Invalid argument");
  });
});

describe('the match expression (sd-journal: groups ANDed, terms ORed)', () => {
  it('-u adds what journalctl adds for a unit: its own lines, coredumps, PID 1 and daemons about it', () => {
    const o = parse('-u', 'ssh');
    expect(matchGroups(o, ['ssh.service'])).toEqual([
      [
        ['_SYSTEMD_UNIT=ssh.service'],
        ['MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1', '_UID=0', 'COREDUMP_UNIT=ssh.service'],
        ['_PID=1', 'UNIT=ssh.service'],
        ['_UID=0', 'OBJECT_SYSTEMD_UNIT=ssh.service'],
      ],
    ]);
  });

  it('a -u glob that names no unit selects nothing', () => {
    expect(matchGroups(parse('-u', 'nope*'), [])).toEqual([[]]);
  });

  it('-b, -k, -t, -p and field matches with "+", each a group', () => {
    const o = parse('-k', '-t', 'CRON', '-t', 'sshd', '-p', 'err..warning', '_PID=1', 'A=1', '+', 'B=2');
    expect(matchGroups(o, [], 'abc')).toEqual([
      [['_BOOT_ID=abc']],
      [['_TRANSPORT=kernel']],
      [['SYSLOG_IDENTIFIER=CRON', 'SYSLOG_IDENTIFIER=sshd']],
      [['PRIORITY=3', 'PRIORITY=4']],
      [['_PID=1', 'A=1'], ['B=2']],
    ]);
  });
});
