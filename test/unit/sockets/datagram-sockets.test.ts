// The one receive path for datagram sockets PID 1 reads with ancillary data, with real
// sockets and real senders (python): descriptors never closed on the main thread.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ReceivedDatagram, DatagramSockets } from '../../../src/sockets/datagram-sockets';
import { DescriptorCloser } from '../../../src/sockets/descriptor-closer';
import { releaseFreeMemory } from '../../../src/sys/libc';
import { FIXTURES } from '../../helpers/ts-init';
import { tempDir } from '../../helpers/temp-dir';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

function python(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('/usr/bin/python3', args, { timeout: 10_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message} ${stderr}`)) : resolve(stdout))),
  );
}

/** Starts lingering-fds.py and resolves once it has passed its sockets (it then holds their peers). */
function passLingeringSockets(socketPath: string, count: number, per: number): Promise<string> {
  const c = spawn('/usr/bin/python3', [path.join(FIXTURES, 'notify/lingering-fds.py'), socketPath, String(count), String(per)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(c);
  return new Promise((resolve) => c.stdout!.on('data', (d: Buffer) => resolve(d.toString())));
}

const until = async (ok: () => boolean, ms = 5000): Promise<void> => {
  for (const end = Date.now() + ms; !ok() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
};

/** How late a 20 ms timer fires: what a blocked main thread would show. */
function timerLag(): Promise<number> {
  const t0 = Date.now();
  return new Promise((r) => setTimeout(() => r(Date.now() - t0 - 20), 20));
}

const [major, minor] = os.release().split('.').map(Number) as [number, number];
const kernelHasPassRights = major > 6 || (major === 6 && minor >= 16);

describe('datagram sockets with ancillary data', () => {
  it('lingering sockets passed in: the main thread never waits on their close; a barrier is still released at once', async () => {
    const dir = tempDir('dgram-');
    const sockets = new DatagramSockets(new DescriptorCloser());
    const got: ReceivedDatagram[] = [];
    const file = path.join(dir, 'n.sock');
    sockets.open(file, { passRights: true }, (d) => got.push(d));
    expect(await passLingeringSockets(file, 40, 20)).toMatch(/passed 40 lingering sockets/);
    await until(() => got.length >= 2);
    expect(got.map((d) => [d.data.toString(), d.descriptors])).toEqual([
      ['READY=1', 20],
      ['READY=1', 20],
    ]);
    expect(await timerLag()).toBeLessThan(200);
    // The pipe lane is not behind the blocked closes: sd_notify_barrier's sender is released.
    expect(await python([path.join(FIXTURES, 'notify/barrier.py'), file])).toMatch(/^released/);
    await until(() => got.length >= 3);
    expect(got[2]!.data.toString()).toBe('BARRIER=1');
    expect(got.every((d) => d.sender?.pid !== undefined)).toBe(true);
  });

  it('a lane that is full stops the socket being read until it has room; nothing is lost', async () => {
    const dir = tempDir('dgram-');
    const held: Array<() => void> = [];
    const closer = new DescriptorCloser((_fd, done) => void held.push(done), () => 'other', 8);
    const sockets = new DatagramSockets(closer);
    const got: ReceivedDatagram[] = [];
    const file = path.join(dir, 'n.sock');
    sockets.open(file, { passRights: true }, (d) => got.push(d));
    // 6 datagrams of 4 descriptors each (the same file passed 4 times).
    const code = `import socket,sys\nd=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\nd.connect(sys.argv[1])\nf=open('/dev/null')\nfor i in range(6): socket.send_fds(d,[b'M%d'%i],[f.fileno()]*4)`;
    await python(['-c', code, file]);
    await until(() => got.length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(got.map((d) => d.data.toString())).toEqual(['M0', 'M1']);
    // The closes finish: the socket is read again.
    while (got.length < 6) {
      for (const done of held.splice(0)) done();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(got.map((d) => d.data.toString())).toEqual(['M0', 'M1', 'M2', 'M3', 'M4', 'M5']);
    for (const done of held.splice(0)) done();
  });

  it(`a socket that takes no descriptors refuses them in the kernel (${kernelHasPassRights ? 'SO_PASSRIGHTS' : 'no SO_PASSRIGHTS: closed'})`, async () => {
    const dir = tempDir('dgram-');
    const sockets = new DatagramSockets(new DescriptorCloser());
    const got: ReceivedDatagram[] = [];
    const file = path.join(dir, 'j.sock');
    sockets.open(file, { passRights: false }, (d) => got.push(d));
    const code = `import socket,sys\nd=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\nd.connect(sys.argv[1])\ntry:\n  socket.send_fds(d,[b'with'],[0]); print('sent')\nexcept OSError as e: print(e.errno)\nd.send(b'plain')`;
    const out = (await python(['-c', code, file])).trim();
    await until(() => got.some((d) => d.data.toString() === 'plain'));
    if (kernelHasPassRights) {
      expect(out).toBe(String(os.constants.errno.EPERM));
      expect(got.map((d) => d.data.toString())).toEqual(['plain']);
    } else {
      expect(out).toBe('sent');
      expect(got.map((d) => [d.data.toString(), d.descriptors])).toEqual([
        ['with', 1],
        ['plain', 0],
      ]);
    }
  });

  it('a batched socket (recvmmsg) gives every datagram in order, whole up to its bound, with its sender and its descriptors', async () => {
    const dir = tempDir('dgram-');
    const sockets = new DatagramSockets(new DescriptorCloser());
    const got: ReceivedDatagram[] = [];
    const file = path.join(dir, 'b.sock');
    const endpoint = sockets.open(file, { passRights: true, maxBytes: 48 * 1024, batch: 4, receiveBuffer: 4 << 20 }, (d) => got.push(d));
    // 50 datagrams: short ones, an empty one, one of 40,000 bytes, one past the bound (cut), two descriptors on one.
    const code = [
      'import os,socket,sys',
      'd=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)',
      'd.connect(sys.argv[1])',
      "f=open('/dev/null')",
      'for i in range(50):',
      "  m=b'' if i==7 else (b'L'*40000 if i==20 else (b'C'*60000 if i==30 else b'm%d'%i))",
      '  if i==40: socket.send_fds(d,[m],[f.fileno()]*2)',
      '  else: d.send(m)',
      'print(os.getpid())',
    ].join('\n');
    const pid = Number((await python(['-c', code, file])).trim());
    await until(() => got.length >= 50);
    // The slots' pages given back after a burst: the next datagrams are read as well.
    releaseFreeMemory();
    await python(['-c', "import socket,sys\nd=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\nd.connect(sys.argv[1])\nd.send(b'after')", file]);
    await until(() => got.length >= 51);
    expect(got.pop()!.data.toString()).toBe('after');
    const expected = Array.from({ length: 50 }, (_, i) => (i === 7 ? '' : i === 20 ? 'L'.repeat(40000) : i === 30 ? 'C'.repeat(48 * 1024) : `m${i}`));
    expect(got.map((d) => d.data.toString())).toEqual(expected);
    expect(got.every((d) => d.sender?.pid === pid && d.sender.uid === process.getuid!())).toBe(true);
    expect(got.map((d) => d.descriptors)).toEqual(Array.from({ length: 50 }, (_, i) => (i === 40 ? 2 : 0)));
    sockets.close(endpoint); // its poller's thread back to the pool, for the next test's
  });

  it("a reader's full queue holds the socket (senders wait in the kernel) until it has room, or HOLD_MAX_MS regardless", async () => {
    const dir = tempDir('dgram-');
    const sockets = new DatagramSockets(new DescriptorCloser());
    let full = true;
    const waiters: Array<() => void> = [];
    const queue = { full: () => full, onRoom: (then: () => void) => void waiters.push(then) };
    const got: string[] = [];
    const file = path.join(dir, 'h.sock');
    const endpoint = sockets.open(file, { passRights: false, batch: 4, waitFor: queue }, (d) => got.push(d.data.toString()));
    const send = (n: number, tag: string) =>
      python(['-c', `import socket,sys\nd=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\nd.connect(sys.argv[1])\nfor i in range(${n}): d.send(b'${tag}%d'%i)`, file]);
    await send(3, 'a');
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([]);
    full = false;
    for (const w of waiters.splice(0)) w();
    await until(() => got.length >= 3);
    expect(got).toEqual(['a0', 'a1', 'a2']);
    // A queue that stays full (a stuck writer): read all the same once HOLD_MAX_MS have passed, for its owner to drop and count.
    full = true;
    await send(2, 'b');
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toHaveLength(3);
    await until(() => got.length >= 5, 2000);
    expect(got.slice(3)).toEqual(['b0', 'b1']);
    sockets.close(endpoint);
  });
});
