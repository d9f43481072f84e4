// Debian's own D-Bus units (dbus.socket enabled in sockets.target.wants, dbus.service
// static, Type=notify, `--address=systemd:`), copied unchanged from the machine's
// /lib/systemd/system: the bus socket listens from boot, the first client starts
// dbus-daemon with the socket as LISTEN_FDS, and the daemon, running as messagebus,
// becomes ready through its notify socket.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { runAsPid1, TS_INIT } from '../helpers/ts-init';
import { tempDir } from '../helpers/temp-dir';

it('dbus-send starts dbus-daemon through dbus.socket; it answers and is active', async () => {
  const units = tempDir('ts-init-dbus-');
  for (const f of ['dbus.socket', 'dbus.service']) fs.copyFileSync(path.join('/lib/systemd/system', f), path.join(units, f));
  const bin = tempDir('ts-init-bin-');
  fs.symlinkSync(TS_INIT, path.join(bin, 'systemctl'));
  const setup = [
    `cp ${units}/* /usr/lib/systemd/system/`,
    'mkdir -p /etc/systemd/system/sockets.target.wants',
    'ln -s /lib/systemd/system/dbus.socket /etc/systemd/system/sockets.target.wants/dbus.socket',
  ].join(' && ');
  const cmd = [
    'systemctl is-active dbus.socket dbus.service',
    'dbus-send --system --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.GetId >/dev/null && echo bus-answers',
    'systemctl is-active dbus.service',
    'ps -o user= -p $(systemctl show -p MainPID --value dbus.service)',
    'systemctl status dbus.socket | grep Active:',
  ].join('; ');
  const r = await runAsPid1(['--rich', '--', '/bin/sh', '-c', `PATH=${bin}:$PATH; ${cmd}`], {}, setup);
  expect(r.stderr).not.toMatch(/ERROR|notification message/);
  expect(r.stdout.trim().split('\n')).toEqual([
    'active',
    'inactive',
    'bus-answers',
    'active',
    'messagebus',
    // The socket is the daemon's now.
    expect.stringMatching(/^\s+Active: active \(running\) since /),
  ]);
  expect(r.code).toBe(0);
});
