// The entries the sinks make: trusted fields from what PID 1 knows, a client's "_" fields never,
// unit directives, the rate limit with journald's line, and forwarding to a syslog daemon.
import { describe, expect, it } from 'vitest';
import type { SharedFields } from '../../../src/journal/entry';
import { encodeFrame } from '../../../src/journal/entry-frames';
import { consoleLineFor, DEFAULT_CONSOLE_POLICY } from '../../../src/output/console-policy';
import type { Fields } from '../../../src/sinks/journal-feed';
import { JournalSinks, type UnitLogSettings } from '../../../src/sinks/journal-sinks';
import { SenderContexts } from '../../../src/sinks/sender-context';

const asText = (f: Fields) => Object.fromEntries(f.map(([n, v]) => [n, typeof v === 'string' ? v : Buffer.from(v).toString('latin1')]));

/** A text entry (entry-frames.ts's textFields) back as its fields, in order. */
const fromText = (text: string): Fields => {
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const);
};

function sinks(opts: { units?: Record<string, Partial<UnitLogSettings>>; burst?: number; now?: () => number; text?: boolean; shared?: boolean; forward?: boolean } = {}) {
  const got: Fields[] = [];
  const forwarded: string[] = [];
  const shown: string[] = [];
  let texts = 0;
  let shares = 0;
  const contexts = new SenderContexts(
    (pid) => (pid === 42 ? 'ssh.service' : undefined),
    (pid) => ({ comm: `comm${pid}`, exe: `/bin/p${pid}`, cmdline: `p${pid} --flag`, capEffective: '1ffffffffff', uid: pid * 10, gid: pid * 10 + 1 }),
  );
  const s = new JournalSinks({
    submit: (f) => got.push(f),
    ...(opts.text && { submitText: (t: string) => got.push(fromText(t)) && texts++ }),
    ...(opts.shared && { submitShared: (own: Fields, shared: SharedFields) => got.push([...own, ...shared.fields]) && shares++ }),
    contexts,
    unitSettings: (u) => (opts.units?.[u] ? { identifier: u, facility: 3, level: 6, levelPrefix: true, extraFields: [], ...opts.units[u] } : undefined),
    hostname: 'box',
    rateLimit: { intervalMs: 30_000, burst: opts.burst ?? 100 },
    forward: { listening: () => opts.forward ?? true, send: (d) => forwarded.push(d.toString('latin1')) },
    now: opts.now ?? (() => 1_700_000_000_123),
    console: (f) => shown.push(consoleLineFor(f, DEFAULT_CONSOLE_POLICY, 'text') ?? '', consoleLineFor(f, DEFAULT_CONSOLE_POLICY, 'json', 0) ?? ''),
  });
  return { s, got, forwarded, shown, texts: () => texts, shares: () => shares };
}

const dgram = (text: string | Buffer, sender = { pid: 42, uid: 0, gid: 0 }) => ({ data: Buffer.from(text), sender, descriptors: 0, fds: [] });

describe('syslog datagrams', () => {
  it('become entries with the sender and its unit', () => {
    const { s, got, forwarded } = sinks({ units: { 'ssh.service': {} } });
    s.syslogDatagram(dgram('<38>Dec  7 13:53:13 sshd[812]: Accepted publickey'));
    expect(asText(got[0])).toMatchObject({
      PRIORITY: '6', SYSLOG_FACILITY: '4', SYSLOG_IDENTIFIER: 'sshd', SYSLOG_PID: '812', MESSAGE: 'Accepted publickey',
      _PID: '42', _UID: '0', _GID: '0', _COMM: 'comm42', _EXE: '/bin/p42', _CMDLINE: 'p42 --flag', _SYSTEMD_UNIT: 'ssh.service', _TRANSPORT: 'syslog', _HOSTNAME: 'box',
    });
    expect(forwarded[0]).toMatch(/^<38>\w{3} [ \d]\d \d\d:\d\d:\d\d sshd\[812\]: Accepted publickey$/);
    expect(typeof encodeFrame(got[0], 1, 1)).toBe('string'); // ASCII: PID 1's cheap text frame
  });

  it("carry journald's fields: when it was received, the sender's capabilities, its unit's run", () => {
    const { s, got } = sinks({ units: { 'ssh.service': { invocation: 'ab'.repeat(16) } } });
    s.syslogDatagram(dgram('<38>Dec  7 13:53:13 sshd[812]: x'));
    expect(asText(got[0])).toMatchObject({
      _SOURCE_REALTIME_TIMESTAMP: '1700000000123000', _CAP_EFFECTIVE: '1ffffffffff', _SYSTEMD_INVOCATION_ID: 'ab'.repeat(16), _RUNTIME_SCOPE: 'system',
    });
  });

  it('are forwarded to the syslog daemon as they came (a tag without a pid gets none)', () => {
    const { s, forwarded } = sinks();
    s.syslogDatagram(dgram('<11>Dec  7 13:53:13 proof-auth: journal-proof auth.err', { pid: 9, uid: 0, gid: 0 }));
    expect(forwarded).toEqual(['<11>Dec  7 13:53:13 proof-auth: journal-proof auth.err']);
  });

  it('keeps bytes that are not UTF-8 as they came', () => {
    const { s, got } = sinks();
    s.syslogDatagram(dgram(Buffer.from([0x3c, 0x31, 0x33, 0x3e, 0xff, 0xfe, 0x00, 0x41])));
    expect(Buffer.from(got[0].find(([n]) => n === 'MESSAGE')![1] as Uint8Array)).toEqual(Buffer.from([0xff, 0xfe, 0x00, 0x41]));
    expect(Buffer.isBuffer(encodeFrame(got[0], 1, 1))).toBe(true);
  });
});

describe('native datagrams', () => {
  it("never store a client's trusted fields; the trusted ones are PID 1's", () => {
    const { s, got } = sinks();
    s.nativeDatagram(dgram('MESSAGE=hi\n_PID=1\n_SYSTEMD_UNIT=fake.service\nPRIORITY=2\n', { pid: 7, uid: 65534, gid: 65534 }));
    const f = got[0];
    expect(f.filter(([n]) => n === '_PID').map(([, v]) => v)).toEqual(['7']);
    expect(f.some(([n, v]) => n === '_SYSTEMD_UNIT' && v === 'fake.service')).toBe(false);
    expect(asText(f)).toMatchObject({ MESSAGE: 'hi', PRIORITY: '2', _UID: '65534', _TRANSPORT: 'journal' });
  });

  it('refuse a descriptor that is not a sealed memfd', () => {
    const { s, got } = sinks();
    s.nativeDatagram({ data: Buffer.alloc(0), sender: { pid: 7, uid: 0, gid: 0 }, descriptors: 1, fds: [0] });
    expect(got).toEqual([]);
    expect(s.refused).toBe(1);
  });
});

describe("PID 1's own lines", () => {
  it('about a job: the message as is, its fields, and where journalctl 257 looks for PID 1 (init.scope)', () => {
    const { s, got } = sinks();
    s.own(6, 'Started ssh.service - OpenBSD Secure Shell server.', 'ssh.service', [['MESSAGE_ID', '39f53479d3a045ac8e11786248231fbf'], ['JOB_TYPE', 'start']]);
    s.own(4, 'something odd', 'ssh.service');
    expect(asText(got[0])).toMatchObject({
      MESSAGE: 'Started ssh.service - OpenBSD Secure Shell server.', UNIT: 'ssh.service', MESSAGE_ID: '39f53479d3a045ac8e11786248231fbf', JOB_TYPE: 'start',
      _SYSTEMD_CGROUP: '/init.scope', _SYSTEMD_UNIT: 'init.scope', _RUNTIME_SCOPE: 'system',
    });
    expect(asText(got[1]).MESSAGE).toBe('ssh.service: something odd');
  });
});

describe('stream lines', () => {
  it("carry their connection's _STREAM_ID, and SYSLOG_FACILITY only when the header's priority has one (systemd-cat's has not)", () => {
    const { s, got } = sinks();
    s.streamLine('hello', 4, 'proof-cat', { pid: 9, uid: 1000, gid: 1000 }, 'c'.repeat(32));
    s.streamLine('daemon', (3 << 3) | 6, 'd', { pid: 9, uid: 1000, gid: 1000 }, 'c'.repeat(32));
    const f = asText(got[0]);
    expect(f).toMatchObject({ PRIORITY: '4', SYSLOG_IDENTIFIER: 'proof-cat', MESSAGE: 'hello', _STREAM_ID: 'c'.repeat(32), _UID: '1000', _TRANSPORT: 'stdout', _RUNTIME_SCOPE: 'system' });
    expect(f.SYSLOG_FACILITY).toBeUndefined();
    expect(f._SOURCE_REALTIME_TIMESTAMP).toBeUndefined();
    expect(asText(got[1])).toMatchObject({ PRIORITY: '6', SYSLOG_FACILITY: '3' });
  });
});

describe("a unit's lines", () => {
  it("carry the unit's process's uid, gid and capabilities, its run's invocation id and one stream id per run", () => {
    const units: Record<string, Partial<UnitLogSettings>> = { 'web.service': { mainPid: 42, invocation: '1'.repeat(32) } };
    const { s, got } = sinks({ units });
    s.unitLine('web.service', 'a');
    s.unitLine('web.service', 'b');
    units['web.service']!.invocation = '2'.repeat(32);
    s.unitLine('web.service', 'c');
    const [a, b, c] = got.map(asText);
    expect(a).toMatchObject({ _UID: '420', _GID: '421', _CAP_EFFECTIVE: '1ffffffffff', _SYSTEMD_INVOCATION_ID: '1'.repeat(32), _RUNTIME_SCOPE: 'system' });
    expect(a!._STREAM_ID).toMatch(/^[0-9a-f]{32}$/);
    expect(b!._STREAM_ID).toBe(a!._STREAM_ID);
    expect(c!._STREAM_ID).not.toBe(a!._STREAM_ID);
    expect(c!._SYSTEMD_INVOCATION_ID).toBe('2'.repeat(32));
  });


  it('SyslogLevelPrefix=, SyslogFacility=, LogExtraFields=, the identifier', () => {
    const { s, got } = sinks({ units: { 'web.service': { identifier: 'nginx', facility: 16, extraFields: [['TEAM', 'core']], mainPid: 42 } } });
    s.unitLine('web.service', '<3>broken');
    expect(asText(got[0])).toMatchObject({ PRIORITY: '3', SYSLOG_FACILITY: '16', SYSLOG_IDENTIFIER: 'nginx', MESSAGE: 'broken', TEAM: 'core', _SYSTEMD_UNIT: 'web.service', _TRANSPORT: 'stdout', _PID: '42' });
  });

  it('LogLevelMax= drops what is less important; SyslogLevelPrefix=no keeps <N>', () => {
    const { s, got } = sinks({ units: { 'q.service': { levelMax: 4, levelPrefix: false, level: 4 } } });
    s.unitLine('q.service', '<7>debug text kept as is');
    expect(asText(got[0])).toMatchObject({ PRIORITY: '4', MESSAGE: '<7>debug text kept as is' });
    const { s: s2, got: got2 } = sinks({ units: { 'q.service': { levelMax: 4 } } });
    s2.unitLine('q.service', '<7>dropped');
    s2.unitLine('q.service', 'info: dropped too');
    s2.unitLine('q.service', '<2>kept');
    expect(got2.map((f) => asText(f).MESSAGE)).toEqual(['kept']);
  });
});

describe("a unit's lines as text (their fixed fields made once per run)", () => {
  const cases: Array<[string, Partial<UnitLogSettings>, string[]]> = [
    ['plain', { mainPid: 42, invocation: '1'.repeat(32) }, ['a', 'b c', '']],
    ['prefixes, extra fields, an identifier', { identifier: 'nginx', facility: 16, extraFields: [['TEAM', 'core']], mainPid: 42 }, ['<3>broken', '<9>not a level', '<7>', 'x<3>']],
    ['LogLevelMax=, no prefix', { levelMax: 4, levelPrefix: false, level: 4 }, ['<7>kept as is', 'y']],
    ['LogLevelMax= with prefixes', { levelMax: 4 }, ['<7>dropped', 'info: dropped too', '<2>kept']],
    ['no main process', {}, ['z']],
  ];
  for (const [name, unit, lines] of cases) {
    it(`are the fields the entry would have had, in their order: ${name}`, () => {
      const asFields = sinks({ units: { 'web.service': unit }, forward: false });
      const asText = sinks({ units: { 'web.service': unit }, forward: false, text: true });
      for (const l of lines) {
        asFields.s.unitLine('web.service', l);
        asText.s.unitLine('web.service', l);
      }
      const withoutStream = (f: Fields) => f.filter(([n]) => n !== '_STREAM_ID');
      expect(asText.got.map(withoutStream)).toEqual(asFields.got.map(withoutStream));
      expect(asText.got.every((f) => f.some(([n, v]) => n === '_STREAM_ID' && /^[0-9a-f]{32}$/.test(v as string)))).toBe(true);
      expect(asText.texts()).toBe(asText.got.length);
      // For a store in this process: the line's own fields and the unit's shared ones, the same fields (in another order).
      const asShared = sinks({ units: { 'web.service': unit }, forward: false, shared: true });
      for (const l of lines) asShared.s.unitLine('web.service', l);
      const sorted = (f: Fields) => withoutStream(f).toSorted(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      expect(asShared.got.map(sorted)).toEqual(asFields.got.map(sorted));
      expect(asShared.shares()).toBe(asShared.got.length);
      expect(asShared.got.every((f) => f.length === 0 || f.slice(0, 2).map(([n]) => n).join() === 'PRIORITY,MESSAGE')).toBe(true);
    });
  }

  it('a new run, main process or context makes them again; a value with a newline goes as fields', () => {
    let t = 0;
    const units: Record<string, Partial<UnitLogSettings>> = { 'web.service': { mainPid: 42, invocation: '1'.repeat(32), extraFields: [['MULTI', 'a\nb']] } };
    const { s, got } = sinks({ units, forward: false, text: true, now: () => t });
    s.unitLine('web.service', 'one');
    expect(got[0]!.find(([n]) => n === 'MULTI')![1]).toBe('a\nb');
    units['web.service'] = { mainPid: 43, invocation: '2'.repeat(32) };
    s.unitLine('web.service', 'two');
    t = 60_000;
    s.unitLine('web.service', 'three');
    const [, two, three] = got.map((f) => Object.fromEntries(f));
    expect(two).toMatchObject({ MESSAGE: 'two', _PID: '43', _UID: '430', _SYSTEMD_INVOCATION_ID: '2'.repeat(32) });
    expect(three).toMatchObject({ MESSAGE: 'three', _PID: '43' });
    expect(two!._STREAM_ID).not.toBe(Object.fromEntries(got[0]!)._STREAM_ID);
  });

  it('the rate limit counts them with its line, and forwarding to a syslog daemon still gets them', () => {
    let t = 0;
    const { s, got, forwarded } = sinks({ units: { 'web.service': { mainPid: 42 } }, burst: 2, text: true, forward: false, now: () => t });
    for (const l of ['a', 'b', 'c', 'd']) s.unitLine('web.service', l);
    t = 30_000;
    s.unitLine('web.service', 'e');
    expect(got.map((f) => Object.fromEntries(f).MESSAGE)).toEqual(['a', 'b', 'Suppressed 2 messages from web.service', 'e']);
    const withForward = sinks({ units: { 'web.service': { mainPid: 42 } }, text: true });
    withForward.s.unitLine('web.service', '<3>to rsyslog');
    expect(withForward.forwarded).toEqual([expect.stringMatching(/^<27>.* web\.service\[42\]: to rsyslog$/)]);
    expect(forwarded).toEqual([]);
  });
});

describe("clients' messages as text (their trusted fields made once per sender)", () => {
  const feed = (s: JournalSinks) => {
    s.syslogDatagram(dgram('<38>Dec  7 13:53:13 sshd[812]: Accepted publickey'));
    s.syslogDatagram(dgram('<13>no header at all'));
    s.syslogDatagram(dgram('<11>Dec  7 13:53:13 proof-auth: journal-proof auth.err', { pid: 9, uid: 0, gid: 0 }));
    s.syslogDatagram(dgram('<13>a\nmessage on two lines'));
    s.syslogDatagram(dgram(Buffer.from([0x3c, 0x31, 0x33, 0x3e, 0xff, 0xfe, 0x00, 0x41])));
    s.syslogDatagram(dgram('<38>Dec  7 13:53:13 sshd[812]: again, another uid', { pid: 42, uid: 7, gid: 8 }));
    s.nativeDatagram(dgram('MESSAGE=native\nPRIORITY=3\nCUSTOM=x\n_PID=1\n'));
    s.streamLine('hello', 4, 'proof-cat', { pid: 9, uid: 1000, gid: 1000 }, 'c'.repeat(32));
    s.streamLine('daemon', (3 << 3) | 6, 'd', { pid: 9, uid: 1000, gid: 1000 }, 'c'.repeat(32));
  };
  for (const forward of [false, true]) {
    it(`are the fields, the container log's lines and the forwarded datagrams they would have been${forward ? ' (a syslog daemon listening)' : ''}`, () => {
      const asFields = sinks({ units: { 'ssh.service': { invocation: 'ab'.repeat(16), extraFields: [['TEAM', 'core']] } }, forward });
      const asText = sinks({ units: { 'ssh.service': { invocation: 'ab'.repeat(16), extraFields: [['TEAM', 'core']] } }, forward, text: true });
      feed(asFields.s);
      feed(asText.s);
      const plain = (f: Fields) => f.map(([n, v]) => [n, typeof v === 'string' ? v : Buffer.from(v).toString('latin1')]);
      expect(asText.got.map(plain)).toEqual(asFields.got.map(plain));
      expect(asText.got).toHaveLength(9);
      expect(asText.texts()).toBe(6); // all but the message with a newline, the one of bytes and the native one (its values are bytes)

      expect(asText.shown).toEqual(asFields.shown);
      expect(asText.shown).toContain('sshd[42]: Accepted publickey\n');
      expect(asText.forwarded).toEqual(asFields.forwarded);
      expect(asText.forwarded).toHaveLength(forward ? 9 : 0);
      // For a store in this process: every one of them as its own fields and its sender's shared ones.
      const asShared = sinks({ units: { 'ssh.service': { invocation: 'ab'.repeat(16), extraFields: [['TEAM', 'core']] } }, forward, shared: true });
      feed(asShared.s);
      expect(asShared.got.map(plain)).toEqual(asFields.got.map(plain));
      expect(asShared.shares()).toBe(9);
      expect(asShared.shown).toEqual(asFields.shown);
      expect(asShared.forwarded).toEqual(asFields.forwarded);
    });
  }
});

describe('the rate limit', () => {
  it("per sender unit (else uid), with journald's Suppressed line when the next interval starts", () => {
    let t = 0;
    const { s, got } = sinks({ burst: 3, now: () => t });
    for (let i = 0; i < 10; i++) s.syslogDatagram(dgram(`m${i}`, { pid: 9, uid: 65534, gid: 65534 }));
    s.syslogDatagram(dgram('other unit', { pid: 42, uid: 0, gid: 0 }));
    expect(got.map((f) => asText(f).MESSAGE)).toEqual(['m0', 'm1', 'm2', 'other unit']);
    t = 30_000;
    s.syslogDatagram(dgram('later', { pid: 9, uid: 65534, gid: 65534 }));
    expect(asText(got[4])).toMatchObject({ MESSAGE: 'Suppressed 7 messages from uid 65534', PRIORITY: '4', _TRANSPORT: 'driver' });
    expect(asText(got[5]).MESSAGE).toBe('later');
  });
});
