import { describe, expect, it } from 'vitest';
import type { OutputMode } from '../../../src/journal/journalctl-args';
import { cursorOf, formatBytes, formatEntry, isPrintable, type ShownEntry, stripTabAnsi } from '../../../src/journal/journalctl-format';

const BOOT = Buffer.from('e68d1c02454e92b9741ad161e912c75b', 'hex');
const entry = (fields: Array<[string, string | Buffer]>, over: Partial<ShownEntry> = {}): ShownEntry => ({
  offset: 0,
  seqnum: 20,
  realtimeUsec: Date.UTC(2026, 0, 1, 0, 0, 4) * 1000 + 123456,
  monotonicUsec: 9_000_000,
  bootId: BOOT,
  xorHash: 0xc59de737f3a0c11fn,
  seqnumId: Buffer.from('6b2d662b71ebde2134634fe65a6c9866', 'hex'),
  fields: fields.map(([n, v]) => [n, Buffer.from(v)]),
  ...over,
});
const show = (e: ShownEntry, mode: OutputMode, all = false) => formatEntry(e, { mode, all, utc: true })?.toString('latin1');
const base: Array<[string, string]> = [
  ['_HOSTNAME', 'host'],
  ['SYSLOG_IDENTIFIER', 'CRON'],
  ['_PID', '1001'],
];

describe("journalctl's output modes", () => {
  it('sizes as systemd formats them', () => {
    expect(formatBytes(24)).toBe('24B');
    expect(formatBytes(1024)).toBe('1.0K');
    expect(formatBytes(258048)).toBe('252.0K');
    expect(formatBytes(5 * 1024 * 1024 + 512 * 1024)).toBe('5.5M');
  });

  it('printable: valid UTF-8 without controls but tab (and newline where allowed)', () => {
    expect(isPrintable(Buffer.from('tab\there ✓'))).toBe(true);
    expect(isPrintable(Buffer.from('a\nb'))).toBe(true);
    expect(isPrintable(Buffer.from('a\nb'), false)).toBe(false);
    expect(isPrintable(Buffer.from('bell \x07'))).toBe(false);
    expect(isPrintable(Buffer.from([0x41, 0xff]))).toBe(false);
    expect(isPrintable(Buffer.from('\u0085'))).toBe(false);
  });

  it('short formats strip colour sequences and expand tabs, then show what is still not text as a blob', () => {
    expect(stripTabAnsi(Buffer.from('a\x1b[1;31mb\x1b[0m\tc')).toString()).toBe('ab        c');
    expect(stripTabAnsi(Buffer.from('\x1b[?25l')).toString()).toBe('\x1b[?25l');
    expect(stripTabAnsi(Buffer.from('osc \x1b]0;title\x07 x')).toString()).toBe('osc  x');
    expect(stripTabAnsi(Buffer.from('\x1b]8;;http://x/\x07link\x1b]8;;\x07')).toString()).toBe('link');
    expect(stripTabAnsi(Buffer.from('cut \x1b]0;title')).toString()).toBe('cut \x1b]0;title');
    expect(stripTabAnsi(Buffer.from('\x1b]0;\ttab\x07')).toString()).toBe('\x1b]0;        tab\x07');
    expect(show(entry([...base, ['MESSAGE', 'colour \x1b[31mred\x1b[0m']]), 'short')).toBe('Jan 01 00:00:04 host CRON[1001]: colour red\n');
    expect(show(entry([...base, ['MESSAGE', 'ctl \x1b[31mred\x07 tab\there']]), 'short')).toBe('Jan 01 00:00:04 host CRON[1001]: [24B blob data]\n');
    expect(show(entry([...base, ['MESSAGE', Buffer.from([0x41, 0xff, 0, 0x42])]]), 'short', true)).toBe('Jan 01 00:00:04 host CRON[1001]: A\xff\n');
  });

  it('short: continuation lines under the message; identifier from _COMM, pid from SYSLOG_PID, "unknown" without either', () => {
    expect(show(entry([...base, ['MESSAGE', 'one\ntwo']]), 'short')).toBe('Jan 01 00:00:04 host CRON[1001]: one\n                                 two\n');
    expect(show(entry([['_COMM', 'cron'], ['SYSLOG_PID', '7'], ['MESSAGE', 'm']]), 'short')).toBe('Jan 01 00:00:04 cron[7]: m\n');
    expect(show(entry([['MESSAGE', 'm']]), 'short')).toBe('Jan 01 00:00:04 unknown: m\n');
    expect(show(entry(base), 'short')).toBeUndefined();
  });

  it('timestamps of the short family, the source time preferred', () => {
    const e = entry([...base, ['MESSAGE', 'm']]);
    expect(show(e, 'short-precise')).toBe('Jan 01 00:00:04.123456 host CRON[1001]: m\n');
    expect(show(e, 'short-iso')).toBe('2026-01-01T00:00:04+0000 host CRON[1001]: m\n');
    expect(show(e, 'short-iso-precise')).toBe('2026-01-01T00:00:04.123456+0000 host CRON[1001]: m\n');
    expect(show(e, 'short-full')).toBe('Thu 2026-01-01 00:00:04 UTC host CRON[1001]: m\n');
    expect(show(e, 'short-unix')).toBe('1767225604.123456 host CRON[1001]: m\n');
    expect(show(e, 'short-monotonic')).toBe('[    9.000000] host CRON[1001]: m\n');
    const src = entry([...base, ['MESSAGE', 'm'], ['_SOURCE_REALTIME_TIMESTAMP', String(Date.UTC(2026, 0, 1, 0, 0, 2) * 1000)]]);
    expect(show(src, 'short')).toBe('Jan 01 00:00:02 host CRON[1001]: m\n');
  });

  it('cat, export, verbose, json', () => {
    const e = entry([...base, ['MESSAGE', 'm'], ['MULTI', 'a\nb'], ['_BOOT_ID', BOOT.toString('hex')]]);
    const cursor = 's=6b2d662b71ebde2134634fe65a6c9866;i=14;b=e68d1c02454e92b9741ad161e912c75b;m=895440;t=64748465f2b40;x=c59de737f3a0c11f';
    expect(cursorOf(e)).toBe(cursor);
    expect(show(e, 'cat')).toBe('m\n');
    const exp = show(e, 'export')!;
    expect(exp.startsWith(`__CURSOR=${cursor}\n__REALTIME_TIMESTAMP=1767225604123456\n__MONOTONIC_TIMESTAMP=9000000\n_BOOT_ID=${BOOT.toString('hex')}\n_HOSTNAME=host\n`)).toBe(true);
    expect(exp.endsWith('MESSAGE=m\nMULTI\n\x03\0\0\0\0\0\0\0a\nb\n\n')).toBe(true);
    expect(show(e, 'verbose')).toBe(
      `Thu 2026-01-01 00:00:04.123456 UTC [${cursor}]\n    _HOSTNAME=host\n    SYSLOG_IDENTIFIER=CRON\n    _PID=1001\n    MESSAGE=m\n    MULTI=a\n          b\n    _BOOT_ID=${BOOT.toString('hex')}\n`,
    );
    const j = JSON.parse(show(entry([['MESSAGE', 'x\x07'], ['TAG', 'a'], ['TAG', 'b'], ['BIG', 'y'.repeat(5000)]]), 'json')!);
    expect(j).toMatchObject({ MESSAGE: [120, 7], TAG: ['a', 'b'], BIG: null, __MONOTONIC_TIMESTAMP: '9000000' });
  });
});
