import { describe, expect, it } from 'vitest';
import { parseIdentifier, parsePriorityPrefix, parseSyslogDatagram, syslogHead, timestampLength } from '../../../src/journal/syslog-message';

describe('a syslog(3) datagram, as journald reads it', () => {
  it('glibc syslog(): <PRI>, RFC 3164 timestamp, identifier[pid]: message', () => {
    expect(parseSyslogDatagram('<38>Dec  7 13:53:13 sshd[812]: Accepted publickey for root\n')).toEqual({
      priority: 38,
      identifier: 'sshd',
      pid: '812',
      timestamp: 'Dec  7 13:53:13',
      message: 'Accepted publickey for root',
    });
  });

  it('logger(1) without a pid, util-linux style', () => {
    expect(parseSyslogDatagram('<13>Dec 17 01:02:03 mytag: hello world')).toMatchObject({ priority: 13, identifier: 'mytag', message: 'hello world' });
  });

  it('a priority without a facility is user.<level>; no prefix is user.info', () => {
    expect(parseSyslogDatagram('<3>plain').priority).toBe((1 << 3) | 3);
    expect(parseSyslogDatagram('no prefix at all')).toEqual({ priority: 14, message: 'no prefix at all' });
  });

  it('junk is a message, never an error: bad prefixes, no colon, empty', () => {
    expect(parseSyslogDatagram('<999>x').message).toBe('<999>x');
    expect(parseSyslogDatagram('<ab>x').message).toBe('<ab>x');
    expect(parseSyslogDatagram('word without colon').identifier).toBeUndefined();
    expect(parseSyslogDatagram('')).toEqual({ priority: 14, message: '' });
    expect(parseSyslogDatagram('\0\0\n').message).toBe('');
  });

  it('pieces: the prefix, the timestamp, the identifier', () => {
    expect(parsePriorityPrefix('<4>x', 30, false)).toEqual({ priority: 28, rest: 3 });
    expect(parsePriorityPrefix('<9>x', 30, false)).toBeUndefined();
    expect(timestampLength('Jan  1 00:00:00 x', 0)).toBe(16);
    expect(timestampLength('Foo  1 00:00:00 x', 0)).toBe(0);
    expect(parseIdentifier('a[b]c[12]: rest', 0)).toEqual({ identifier: 'a[b]c', pid: '12', rest: 11 });
  });

  it('the head of a forwarded datagram', () => {
    expect(syslogHead(38, new Date(2026, 11, 7, 9, 5, 3).getTime())).toBe('<38>Dec  7 09:05:03 ');
  });
});
