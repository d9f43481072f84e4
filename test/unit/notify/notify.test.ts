import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNotifyMessage, type NotifyMessage } from '../../../src/notify/notify-message';
import { NotifySockets } from '../../../src/notify/notify-sockets';
import { tempDir } from '../../helpers/temp-dir';

describe('sd_notify messages', () => {
  it('parses every field ts-init acts on', () => {
    expect(
      parseNotifyMessage('READY=1\nSTATUS=Serving 3 clients\nMAINPID=42\nWATCHDOG=1\nEXTEND_TIMEOUT_USEC=5000000\nFDSTORE=1\n'),
    ).toEqual({ ready: true, status: 'Serving 3 clients', mainPid: 42, watchdog: true, extendTimeoutUsec: 5000000, other: ['FDSTORE=1'] });
    expect(parseNotifyMessage('STOPPING=1')).toEqual({ stopping: true, other: [] });
    expect(parseNotifyMessage('RELOADING=1\nWATCHDOG_USEC=2000000\nWATCHDOG=trigger')).toEqual({
      reloading: true,
      watchdogUsec: 2000000,
      watchdogTrigger: true,
      other: [],
    });
  });

  it('ignores malformed values', () => {
    expect(parseNotifyMessage('READY=0\nMAINPID=abc\nMAINPID=0\n\nGARBAGE')).toEqual({ other: ['GARBAGE'] });
  });
});

/** Sends datagrams the way sd_notify does (python's socket module). */
function send(socketPath: string, ...messages: string[]): Promise<void> {
  const code = `import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\nfor m in sys.argv[2:]: s.sendto(m.encode(),sys.argv[1])`;
  return new Promise((resolve, reject) =>
    execFile('/usr/bin/python3', ['-c', code, socketPath, ...messages], (err) => (err ? reject(err) : resolve())),
  );
}

describe('per-unit notify sockets', () => {
  it('deliver each unit its own messages, without a polling loop', async () => {
    const dir = path.join(tempDir('notify-'), 'notify'); // /run/ts-init/notify's shape: made in a private parent
    const sockets = new NotifySockets(dir);
    const got: Record<string, NotifyMessage[]> = { a: [], b: [] };
    const pa = sockets.open('a.service', (m) => got.a!.push(m));
    const pb = sockets.open('b.service', (m) => got.b!.push(m));
    expect(pa).toBe(path.join(dir, 'a.service.sock'));
    await send(pa, 'STATUS=starting', 'READY=1');
    await send(pb, 'MAINPID=7');
    for (let i = 0; i < 100 && (got.a!.length < 2 || got.b!.length < 1); i++) await new Promise((r) => setTimeout(r, 20));
    expect(got.a!.map((m) => m.status ?? m.ready)).toEqual(['starting', true]);
    expect(got.b![0]!.mainPid).toBe(7);
    // A socket opened later joins the same wait.
    const pc = sockets.open('c.service', (m) => (got.c ??= []).push(m));
    await send(pc, 'READY=1');
    for (let i = 0; i < 100 && !got.c; i++) await new Promise((r) => setTimeout(r, 20));
    expect(got.c![0]!.ready).toBe(true);
    sockets.closeAll();
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
