// Socket units: endpoints listening from boot (enabled in sockets.target.wants), the
// service started by the first connection and handed the sockets as LISTEN_FDS from fd 3
// with LISTEN_PID and LISTEN_FDNAMES; socket files with SocketMode=/SocketUser=; a socket
// that cannot listen fails with Result: resources.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { runAsPid1, TS_INIT } from '../helpers/ts-init';
import { unitDir } from '../helpers/units';
import { tempDir } from '../helpers/temp-dir';

/** Setup lines that install units into the namespace's private system unit directory, sockets enabled. */
function install(dir: string, enabledSockets: string[]): string {
  return [
    `cp ${dir}/* /usr/lib/systemd/system/`,
    'mkdir -p /etc/systemd/system/sockets.target.wants',
    ...enabledSockets.map((s) => `ln -s /usr/lib/systemd/system/${s} /etc/systemd/system/sockets.target.wants/${s}`),
  ].join(' && ');
}

const client = (connect: string): string =>
  `/usr/bin/python3 -c 'import socket; ${connect}; print("got", s.recv(100).decode().strip(), flush=True)'`;

it('a connection starts the service, which gets every socket of the unit; the socket files are as configured', async () => {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const bin = tempDir('ts-init-bin-');
  fs.symlinkSync(TS_INIT, path.join(bin, 'systemctl'));
  const dir = unitDir({
    'echo.socket':
      `[Socket]\nListenStream=/run/echo/echo.sock\nListenStream=@ts-init-test-${port}\nListenStream=127.0.0.1:${port}\n` +
      'SocketMode=0660\nSocketUser=nobody\nDirectoryMode=0750\nFileDescriptorName=echo\n[Install]\nWantedBy=sockets.target\n',
    // Not enabled: only the socket brings it up. It answers with what it was handed.
    'echo.service':
      `[Service]\nExecStart=/usr/bin/python3 -c 'import os,socket,select\\ninfo="%%s %%s %%s" %% (os.environ["LISTEN_FDS"], os.environ["LISTEN_PID"] == str(os.getpid()), os.environ["LISTEN_FDNAMES"])\\nss=[socket.socket(fileno=n) for n in range(3, 3 + int(os.environ["LISTEN_FDS"]))]\\nwhile True:\\n  for s in select.select(ss, [], [])[0]:\\n    c = s.accept()[0]; c.sendall(info.encode() + b"\\\\n"); c.close()'\n`,
  });
  const cmd = [
    'systemctl is-active echo.socket echo.service',
    'stat -c "%A %U" /run/echo/echo.sock',
    'stat -c "%a" /run/echo',
    client('s=socket.socket(socket.AF_UNIX); s.connect("/run/echo/echo.sock")'),
    client(`s=socket.socket(socket.AF_UNIX); s.connect("\\0ts-init-test-${port}")`),
    client(`s=socket.create_connection(("127.0.0.1", ${port}))`),
    'systemctl is-active echo.socket echo.service',
    'systemctl is-enabled echo.socket',
  ].join('; ');
  const r = await runAsPid1(['--rich', '--', '/bin/sh', '-c', `PATH=${bin}:$PATH; ${cmd}`], {}, install(dir, ['echo.socket']));
  expect(r.stderr).not.toMatch(/ERROR/);
  expect(r.stdout.split('\n').filter((l) => !l.startsWith('echo.service:'))).toEqual([
    'active',
    'inactive',
    'srw-rw---- nobody',
    '750',
    'got 3 True echo:echo:echo',
    'got 3 True echo:echo:echo',
    'got 3 True echo:echo:echo',
    'active',
    'active',
    'enabled',
    '',
  ]);
  expect(r.code).toBe(0);
});

it('a socket that cannot listen fails (Result: resources) and says why; its service is not started', async () => {
  const dir = unitDir({
    'bad.socket': '[Socket]\nListenStream=/etc/passwd/cannot.sock\n[Install]\nWantedBy=sockets.target\n',
    'bad.service': '[Service]\nExecStart=/bin/echo should-not-run\n',
  });
  const bin = tempDir('ts-init-bin-');
  fs.symlinkSync(TS_INIT, path.join(bin, 'systemctl'));
  const r = await runAsPid1(['--rich', '--', '/bin/sh', '-c', `PATH=${bin}:$PATH; systemctl show -p ActiveState,Result bad.socket`], {}, install(dir, ['bad.socket']));
  expect(r.stderr).toMatch(/cannot listen on \/etc\/passwd\/cannot\.sock: .* unit="bad\.socket"/);
  expect(r.stdout).toMatch(/^Result=resources\nActiveState=failed$/m);
  expect(r.stdout).not.toMatch(/should-not-run/);
});

it('a connection while everything stops starts nothing, as under systemd, whose shutdown refuses the start job', async () => {
  const marks = tempDir('ts-init-late-');
  const dir = unitDir({
    'late.socket': '[Socket]\nListenStream=/run/late.sock\n[Install]\nWantedBy=sockets.target\n',
    'late.service': `[Service]\nExecStart=/bin/sh -c 'touch ${marks}/started; exec sleep 100'\n`,
    // Ordered after the socket, so it stops first: its ExecStop= connects while the manager stops everything.
    'poker.service':
      '[Unit]\nAfter=late.socket\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n' +
      `ExecStop=/usr/bin/python3 -c 'import socket,time; s=socket.socket(socket.AF_UNIX); s.connect("/run/late.sock"); time.sleep(0.5)'\n` +
      '[Install]\nWantedBy=multi-user.target\n',
  });
  const setup = `${install(dir, ['late.socket'])} && mkdir -p /etc/systemd/system/multi-user.target.wants && ln -s /usr/lib/systemd/system/poker.service /etc/systemd/system/multi-user.target.wants/`;
  const r = await runAsPid1(['--rich', '-v', '--', '/bin/true'], {}, setup);
  expect(r.stderr).toMatch(/activity on late\.socket: starting late\.service/);
  expect(r.stderr).toMatch(/not starting late\.service: shutting down/);
  expect(fs.existsSync(path.join(marks, 'started'))).toBe(false);
  expect(r.stderr).not.toMatch(/ERROR/);
  expect(r.code).toBe(0);
});

it('Accept=yes: one instance of the template per connection, with the connection as stdin/stdout and fd 3; MaxConnections= holds', async () => {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const dir = unitDir({
    'greet.socket': `[Socket]\nListenStream=/run/greet.sock\nListenStream=127.0.0.1:${port}\nAccept=yes\nMaxConnections=2\n[Install]\nWantedBy=sockets.target\n`,
    'greet@.service': `[Service]\nStandardInput=socket\nExecStart=/bin/sh -c 'read name; echo "hello $name from %i fds=$LISTEN_FDS $LISTEN_FDNAMES"'\n`,
  });
  const bin = tempDir('ts-init-bin-');
  fs.symlinkSync(TS_INIT, path.join(bin, 'systemctl'));
  const say = (connect: string, name: string): string =>
    `/usr/bin/python3 -c 'import socket; ${connect}; s.sendall(b"${name}\\n"); print(s.recv(100).decode().strip(), flush=True)'`;
  const held = `/usr/bin/python3 -c '
import socket, time
ss = [socket.socket(socket.AF_UNIX) for i in range(3)]
for s in ss: s.connect("/run/greet.sock")
time.sleep(0.5)
ss[2].settimeout(3)
print("third", ss[2].recv(100), flush=True)
for s in ss[:2]:
    s.sendall(b"held\\n"); print(s.recv(100).decode().split(" from ")[0], flush=True)
'`;
  const cmd = [
    say('s=socket.socket(socket.AF_UNIX); s.connect("/run/greet.sock")', 'unix'),
    say(`s=socket.create_connection(("127.0.0.1", ${port}))`, 'tcp'),
    held,
    'sleep 0.3',
    'systemctl list-units --all --no-legend "greet*"',
  ].join('; ');
  const r = await runAsPid1(['--rich', '--', '/bin/sh', '-c', `PATH=${bin}:$PATH; ${cmd}`], {}, install(dir, ['greet.socket']));
  const lines = r.stdout.split('\n').filter((l) => l && !l.startsWith('greet@'));
  expect(lines[0]).toMatch(/^hello unix from 0-\d+-0 fds=1 connection$/);
  expect(lines[1]).toBe('hello tcp from 1 fds=1 connection');
  // Two connections are held open: the third is dropped at once; the two held ones are served.
  expect(lines.slice(2, 5)).toEqual(["third b''", 'hello held', 'hello held']);
  // Finished instances are gone: only the socket is listed.
  expect(lines.slice(5)).toEqual([expect.stringMatching(/^greet\.socket\s+loaded active listening/)]);
  expect(r.stderr).toMatch(/too many incoming connections \(2\), dropping connection unit="greet\.socket"/);
  expect(r.code).toBe(0);
});

it('a socket unit added while running (the unit directories are watched) listens', async () => {
  const dir = unitDir({ 'a.service': '[Service]\nExecStart=/bin/sleep 100\n' });
  const sock = `/run/late-${process.pid}.sock`;
  const r = await runAsPid1(['--units', dir, '--', '/bin/sh', '-c', `sleep 0.3; printf '[Socket]\\nListenStream=${sock}\\n' > ${dir}/late.socket; sleep 1.5; stat -c %F ${sock}`]);
  expect(r.stdout).toMatch(/^socket$/m);
  expect(r.code).toBe(0);
});

it('ListenDatagram= and ListenFIFO=: a datagram starts the service, which reads both from fds 3 and 4', async () => {
  const dir = unitDir({
    'dg.socket': `[Socket]\nListenDatagram=/run/dg-${process.pid}.sock\nListenFIFO=/run/dg-${process.pid}.fifo\n[Install]\nWantedBy=sockets.target\n`,
    'dg.service':
      `[Service]\nExecStart=/usr/bin/python3 -c 'import os,socket\\nd=socket.socket(fileno=3)\\nprint("datagram", d.recv(100).decode(), d.type == socket.SOCK_DGRAM, flush=True)\\nprint("fifo", os.read(4, 100).decode().strip(), flush=True)'\n`,
  });
  const cmd = [
    `/usr/bin/python3 -c 'import socket; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"hello", "/run/dg-${process.pid}.sock")'`,
    `echo world > /run/dg-${process.pid}.fifo`,
    'sleep 1',
  ].join('; ');
  const r = await runAsPid1(['--rich', '--', '/bin/sh', '-c', cmd], {}, install(dir, ['dg.socket']));
  expect(r.stdout).toMatch(/^dg\.service: datagram hello True$/m);
  expect(r.stdout).toMatch(/^dg\.service: fifo world$/m);
  expect(r.code).toBe(0);
});
