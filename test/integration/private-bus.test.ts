// /run/systemd/private: where ts-init says it is systemd, root's systemctl and busctl talk
// peer-to-peer D-Bus with PID 1 there, with no bus daemon (the namespace runs none): calls,
// errors, a start job and its JobRemoved signal. Only root's connections are kept.
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBinary, runAsPid1 } from '../helpers/ts-init';
import { placeFiles } from '../helpers/place-files';

const CONTAINER = { ...process.env, container: 'podman' };
const ADDRESS = '--address=unix:path=/run/systemd/private';
const MANAGER = 'org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager';
const UNITS = placeFiles({ '/etc/systemd/system/demo.service': '[Service]\nExecStart=/bin/sleep 300\n' });

beforeAll(() => requireBinary());

describe('/run/systemd/private', () => {
  it("answers root's busctl peer to peer: GetUnit, ListUnits, an unknown unit's error, Subscribe and StartUnit", async () => {
    const script = [
      'test -e /run/dbus/system_bus_socket && echo bus-present',
      'stat -c "socket=%a %U %F" /run/systemd/private',
      `busctl ${ADDRESS} call ${MANAGER} GetUnit s demo.service`,
      `busctl ${ADDRESS} call ${MANAGER} GetUnit s nothing.service 2>&1 | sed 's/^/nothing: /'`,
      `busctl ${ADDRESS} --json=short call ${MANAGER} ListUnits | grep -o '"demo.service","[^"]*","[^"]*","[^"]*"' | sed 's/^/list: /'`,
      // Subscribe, then start the unit: the monitor on the same private connection sees its JobRemoved.
      `(busctl ${ADDRESS} call ${MANAGER} Subscribe; busctl ${ADDRESS} call ${MANAGER} StartUnit ss demo.service replace) | sed 's/^/start: /'`,
      'sleep 0.5',
      `busctl ${ADDRESS} get-property org.freedesktop.systemd1 /org/freedesktop/systemd1/unit/demo_2eservice org.freedesktop.systemd1.Unit ActiveState | sed 's/^/state: /'`,
    ].join('; ');
    const r = await runAsPid1(['--', '/bin/sh', '-c', script], { env: CONTAINER }, UNITS);
    expect(r.stdout).not.toContain('bus-present');
    expect(r.stdout).toContain('socket=600 root socket');
    expect(r.stdout).toContain('o "/org/freedesktop/systemd1/unit/demo_2eservice"');
    expect(r.stdout).toMatch(/nothing: .*Unit nothing.service not loaded/);
    expect(r.stdout).toMatch(/list: "demo.service","[^"]*","loaded","inactive"/);
    expect(r.stdout).toMatch(/start: o "\/org\/freedesktop\/systemd1\/job\/\d+"/);
    expect(r.stdout).toContain('state: s "active"');
  });

  // systemctl start returns only once its job's JobRemoved came (it subscribes first).
  it("runs the host's systemctl as root with no bus daemon: daemon-reload, is-enabled, start (waiting for JobRemoved), is-active, show, stop", async () => {
    const script = [
      // What Debian's maintainer scripts ask (deb-systemd-helper, debhelper's snippets).
      'systemctl daemon-reload && echo reloaded',
      'systemctl is-enabled demo.service | sed "s/^/is-enabled: /"',
      'systemctl start demo.service && echo started',
      'systemctl is-active demo.service | sed "s/^/is-active: /"',
      'systemctl show -p ActiveState -p SubState demo.service',
      'systemctl stop demo.service && echo stopped',
      'systemctl is-active demo.service | sed "s/^/after-stop: /"',
    ].join('; ');
    const r = await runAsPid1(['--', '/bin/sh', '-c', script], { env: CONTAINER }, UNITS);
    expect(r.stdout).toContain('reloaded');
    expect(r.stdout).toMatch(/is-enabled: (static|disabled)/);
    expect(r.stdout).toContain('started');
    expect(r.stdout).toContain('is-active: active');
    expect(r.stdout).toContain('ActiveState=active');
    expect(r.stdout).toContain('SubState=running');
    expect(r.stdout).toContain('stopped');
    expect(r.stdout).toContain('after-stop: inactive');
  });

  it('refuses another user: the connection is closed before authentication', async () => {
    // The socket opened to everyone for the attack: only the SO_PEERCRED check stands in the way.
    const script = `chmod 755 /run/systemd; chmod 666 /run/systemd/private; busctl ${ADDRESS} call ${MANAGER} GetUnit s demo.service | sed 's/^/root: /'; setpriv --reuid 65534 --regid 65534 --clear-groups busctl ${ADDRESS} call ${MANAGER} GetUnit s demo.service 2>&1 | sed 's/^/nobody: /'; echo done`;
    const r = await runAsPid1(['--', '/bin/sh', '-c', script], { env: CONTAINER }, UNITS);
    expect(r.stdout).toContain('done');
    expect(r.stdout).toContain('root: o "/org/freedesktop/systemd1/unit/demo_2eservice"');
    expect(r.stdout).toMatch(/nobody: /);
    expect(r.stdout).not.toMatch(/nobody: .*demo_2eservice/);
  });
});
