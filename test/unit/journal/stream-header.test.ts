import { describe, expect, it } from 'vitest';
import { StreamConnection } from '../../../src/journal/stream-header';

describe("the stdout stream protocol's header", () => {
  it("systemd-cat's seven lines, then lines with their <N> prefix", () => {
    const c = new StreamConnection();
    for (const l of ['catty', '', '4', '1', '0', '0', '0'].slice(0, 6)) expect(c.line(l).kind).toBe('pending');
    expect(c.line('0')).toEqual({ kind: 'header-done', header: { identifier: 'catty', priority: 4, levelPrefix: true, forwardToSyslog: false } });
    expect(c.line('plain')).toEqual({ kind: 'message', priority: 4, message: 'plain' });
    expect(c.line('<2>critical')).toEqual({ kind: 'message', priority: 2, message: 'critical' });
  });

  it('level_prefix off keeps <N> as text; a bad header is refused', () => {
    const c = new StreamConnection();
    for (const l of ['', '', '6', '0', '0', '0', '0']) c.line(l);
    expect(c.line('<2>x')).toEqual({ kind: 'message', priority: 6, message: '<2>x' });
    const bad = new StreamConnection();
    for (const l of ['id', '', '12', '0', '0', '0'].slice(0, 6)) bad.line(l);
    expect(bad.line('0').kind).toBe('bad-header');
  });

  it("PID 1's connections have an eighth line, the stream's key; others have none", () => {
    const c = new StreamConnection(true);
    for (const l of ['talker', 'talker.service', '6', '1', '0', '0', '0']) expect(c.line(l).kind).toBe('pending');
    expect(c.line('0123abcd')).toEqual({ kind: 'header-done', header: { identifier: 'talker', unitId: 'talker.service', priority: 6, levelPrefix: true, forwardToSyslog: false, key: '0123abcd' } });
    const client = new StreamConnection();
    for (const l of ['x', '', '6', '1', '0', '0'].slice(0, 6)) client.line(l);
    expect(client.line('0')).toMatchObject({ kind: 'header-done' });
    expect(client.line('0123abcd')).toEqual({ kind: 'message', priority: 6, message: '0123abcd' });
  });
});
