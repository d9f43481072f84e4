import { describe, expect, it } from 'vitest';
import { authFeed, authStart } from '../../../src/bus/private-socket';

const GUID = '0123456789abcdef0123456789abcdef';
const hex = (s: string): string => Buffer.from(s).toString('hex');
const feed = (text: string, uid = 0) => authFeed(authStart(uid, GUID), Buffer.from(text, 'latin1'));

describe('the private socket handshake', () => {
  it('takes EXTERNAL with the peer uid, refuses fd passing, and begins; the bytes after BEGIN are the messages', () => {
    const r = feed(`\0AUTH EXTERNAL ${hex('0')}\r\nNEGOTIATE_UNIX_FD\r\nBEGIN\r\nl\x01\x00\x01`);
    expect(r.replies).toEqual([`OK ${GUID}\r\n`, 'ERROR\r\n']);
    expect(r.state.phase).toBe('begun');
    expect(r.rest.toString('latin1')).toBe('l\x01\x00\x01');
  });

  it("takes sd-bus's AUTH EXTERNAL then an empty DATA (the identity the socket shows)", () => {
    const r = feed('\0AUTH EXTERNAL\r\nDATA\r\nBEGIN\r\n');
    expect(r.replies).toEqual(['DATA\r\n', `OK ${GUID}\r\n`]);
    expect(r.state.phase).toBe('begun');
  });

  it('works across chunks', () => {
    let r = feed('\0AUTH EXT');
    expect(r.state.phase).toBe('auth');
    r = authFeed(r.state, Buffer.concat([r.rest, Buffer.from(`ERNAL ${hex('0')}\r\nBEG`)]));
    expect(r.replies).toEqual([`OK ${GUID}\r\n`]);
    r = authFeed(r.state, Buffer.concat([r.rest, Buffer.from('IN\r\n')]));
    expect(r.state.phase).toBe('begun');
  });

  it('rejects another uid than the peer shows, other mechanisms, and malformed identities', () => {
    expect(feed(`\0AUTH EXTERNAL ${hex('1000')}\r\n`).replies).toEqual(['REJECTED EXTERNAL\r\n']);
    expect(feed(`\0AUTH EXTERNAL ${hex('0')}\r\n`, 1000).replies).toEqual(['REJECTED EXTERNAL\r\n']);
    expect(feed('\0AUTH ANONYMOUS\r\n').replies).toEqual(['REJECTED EXTERNAL\r\n']);
    expect(feed('\0AUTH EXTERNAL zz\r\n').replies).toEqual(['REJECTED EXTERNAL\r\n']);
    expect(feed('\0AUTH EXTERNAL\r\nDATA 31\r\n').replies).toEqual(['DATA\r\n', 'REJECTED EXTERNAL\r\n']);
  });

  it('fails without the leading NUL, on BEGIN before authentication, on a too long line and after too many lines', () => {
    expect(feed('AUTH EXTERNAL 30\r\n').state.phase).toBe('failed');
    expect(feed('\0BEGIN\r\n').state.phase).toBe('failed');
    expect(feed(`\0${'A'.repeat(600)}`).state.phase).toBe('failed');
    expect(feed(`\0${'AUTH ANONYMOUS\r\n'.repeat(20)}`).state.phase).toBe('failed');
  });

  it('answers an unknown command with ERROR and goes on', () => {
    const r = feed(`\0HELLO\r\nAUTH EXTERNAL ${hex('0')}\r\nSTARTTLS\r\nBEGIN\r\n`);
    expect(r.replies).toEqual(['ERROR\r\n', `OK ${GUID}\r\n`, 'ERROR\r\n']);
    expect(r.state.phase).toBe('begun');
  });
});
