// ts-init as org.freedesktop.systemd1 on a real system bus: Debian's dbus-daemon
// (`--systemd-activation`, its own policy files and systemd's policy for systemd1), run as
// a unit of the test's ts-init through Debian's own dbus.socket and dbus.service, in the
// namespace's private /run. Real clients ask: busctl, dbus-send, python3-dbus (scripts/setup.sh
// installs them).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAsPid1, TS_INIT } from '../helpers/ts-init';
import { tempDir } from '../helpers/temp-dir';

const NOBODY = 'setpriv --reuid 65534 --regid 65534 --clear-groups';

let units = '';
let bin = '';

beforeAll(() => {
  units = tempDir('ts-init-dbus-units-');
  for (const f of ['dbus.socket', 'dbus.service']) fs.copyFileSync(path.join('/lib/systemd/system', f), path.join(units, f));
  const service = (name: string, body: string): void => fs.writeFileSync(path.join(units, name), body);
  service('sleeper.service', '[Unit]\nDescription=A sleeper\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n');
  service('idle.service', '[Unit]\nDescription=Started on request\n[Service]\nExecStart=/bin/sleep infinity\n');
  // Asks the bus while it stops, as every init script does (Debian's init-functions runs systemctl show).
  service('asker.service', "[Unit]\nDescription=Asks systemd1 while stopping\nAfter=dbus.service\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\nExecStop=/bin/sh -c 'busctl get-property org.freedesktop.systemd1 /org/freedesktop/systemd1/unit/asker_2eservice org.freedesktop.systemd1.Unit LoadState'\n");
  service('spoof.service', '[Unit]\nDescription=Never to be started by a client\'s signal\n[Service]\nExecStart=/bin/sleep infinity\n');
  bin = tempDir('ts-init-dbus-bin-');
  fs.symlinkSync(TS_INIT, path.join(bin, 'systemctl'));
});

/** Boots ts-init with the bus and the test units, waits until it owns systemd1, then runs `cmd`. */
function withBus(cmd: string, extraSetup = ''): ReturnType<typeof runAsPid1> {
  const setup = [
    `cp ${units}/* /usr/lib/systemd/system/`,
    'mkdir -p /etc/systemd/system/sockets.target.wants /etc/systemd/system/multi-user.target.wants',
    'ln -s /lib/systemd/system/dbus.socket /etc/systemd/system/sockets.target.wants/dbus.socket',
    'ln -s /lib/systemd/system/sleeper.service /etc/systemd/system/multi-user.target.wants/sleeper.service',
    // Hide the host's dbus configuration directories' extras: only Debian's and systemd's policy count.
    ...(extraSetup ? [extraSetup] : []),
  ].join(' && ');
  const wait = [
    // The first client starts dbus-daemon (socket activation); ts-init joins once it runs.
    'dbus-send --system --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.GetId >/dev/null',
    'i=0; until dbus-send --system --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner string:org.freedesktop.systemd1 2>/dev/null | grep -q true; do i=$((i+1)); [ $i -gt 100 ] && echo no-owner && break; sleep 0.05; done',
  ].join('; ');
  return runAsPid1(['--rich', '--', '/bin/sh', '-c', `PATH=${bin}:$PATH; ${wait}; ${cmd}`], {}, setup);
}

describe('org.freedesktop.systemd1 on the system bus', () => {
  it('answers Ping at once, lists its units, and GetUnit + ActiveState agree with systemctl', async () => {
    const cmd = [
      'echo ping; t0=$(date +%s%N); dbus-send --system --print-reply --dest=org.freedesktop.systemd1 /org/freedesktop/DBus org.freedesktop.DBus.Peer.Ping >/dev/null && echo ms=$(( ($(date +%s%N) - t0) / 1000000 ))',
      'echo list; busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager ListUnits | tr " " "\\n" | grep -E "^\\"(sleeper|dbus|idle)\\.(service|socket)\\"$" | sort',
      'echo getunit; busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager GetUnit s sleeper.service',
      'echo active; busctl get-property org.freedesktop.systemd1 /org/freedesktop/systemd1/unit/sleeper_2eservice org.freedesktop.systemd1.Unit ActiveState; systemctl is-active sleeper.service',
      'echo mainpid; busctl get-property org.freedesktop.systemd1 /org/freedesktop/systemd1/unit/sleeper_2eservice org.freedesktop.systemd1.Service MainPID | cut -d" " -f2 > /run/.bus-pid; systemctl show -p MainPID --value sleeper.service > /run/.ctl-pid; cmp -s /run/.bus-pid /run/.ctl-pid && echo same-pid',
      'echo nosuch; busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager GetUnit s nosuch.service 2>&1',
      'echo unknown; busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager NoSuchMethod 2>&1',
      'echo tree; busctl tree org.freedesktop.systemd1 | grep -oE "/org/freedesktop/systemd1/unit/(sleeper_2eservice|dbus_2esocket)$" | sort',
      `echo files; busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager ListUnitFiles | grep -oE '"[^"]*/sleeper[.]service" "enabled"'`,
      'echo version; busctl get-property org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager Version',
      'echo introspect; busctl introspect org.freedesktop.systemd1 /org/freedesktop/systemd1 | grep -cE "^\\.(ListUnits|StartUnit|GetUnit) "',
    ].join('; ');
    const r = await withBus(cmd);
    const out = r.stdout;
    expect(out, r.stderr).toMatch(/^ping\nms=(\d+)\n/m);
    expect(Number(/ms=(\d+)/.exec(out)![1])).toBeLessThan(1000);
    expect(out).toContain('list\n"dbus.service"\n"dbus.socket"\n"sleeper.service"\n');
    expect(out).toContain('getunit\no "/org/freedesktop/systemd1/unit/sleeper_2eservice"\n');
    expect(out).toContain('active\ns "active"\nactive\n');
    expect(out).toContain('same-pid');
    expect(out).toMatch(/nosuch\nCall failed: Unit nosuch.service not loaded\./);
    expect(out).toMatch(/unknown\nCall failed: Unknown method NoSuchMethod/);
    expect(out).toContain('tree\n/org/freedesktop/systemd1/unit/dbus_2esocket\n/org/freedesktop/systemd1/unit/sleeper_2eservice\nfiles\n');
    expect(out).toMatch(/files\n"\/(usr\/)?lib\/systemd\/system\/sleeper\.service" "enabled"\n/);
    expect(out).toMatch(/version\ns "252 \(ts-init /);
    expect(out).toContain('introspect\n3\n');
    expect(r.code).toBe(0);
  });

  it('StartUnit and StopUnit work for root and are refused for anyone else', async () => {
    const call = (verb: string, unit: string): string =>
      `busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager ${verb} ss ${unit} replace`;
    const cmd = [
      `echo nobody-start; ${NOBODY} ${call('StartUnit', 'idle.service')} 2>&1; systemctl is-active idle.service`,
      // A subscriber sees the job come and go (dbus-monitor as root, in the background).
      "dbus-monitor --system \"type='signal',interface='org.freedesktop.systemd1.Manager'\" > /run/.bus-signals 2>&1 & mon=$!; sleep 0.3",
      `echo root-start; ${call('StartUnit', 'idle.service')}; sleep 0.5; systemctl is-active idle.service`,
      `kill $mon; grep -oE "member=Job(New|Removed)" /run/.bus-signals; grep -A4 "member=JobRemoved" /run/.bus-signals | grep -oE 'string "(idle.service|done)"'`,
      `echo nobody-stop; ${NOBODY} ${call('StopUnit', 'idle.service')} 2>&1; systemctl is-active idle.service`,
      `echo root-stop; ${call('StopUnit', 'idle.service')} >/dev/null; sleep 0.5; systemctl is-active idle.service`,
      `echo missing; ${call('StartUnit', 'nosuch.service')} 2>&1`,
      `echo badmode; ${call('StartUnit', 'idle.service').replace('replace', 'sideways')} 2>&1`,
    ].join('; ');
    const r = await withBus(cmd);
    expect(r.stdout, r.stderr).toContain('nobody-start\nCall failed: Access denied\ninactive\n');
    expect(r.stdout).toMatch(/root-start\no "\/org\/freedesktop\/systemd1\/job\/\d+"\nactive\nmember=JobNew\nmember=JobRemoved\nstring "idle.service"\nstring "done"\n/);
    expect(r.stdout).toContain('nobody-stop\nCall failed: Access denied\nactive\n');
    expect(r.stdout).toContain('root-stop\ninactive\n');
    expect(r.stdout).toContain('missing\nCall failed: Unit nosuch.service not found.\n');
    expect(r.stdout).toContain('badmode\nCall failed: Job mode sideways invalid.\n');
  });

  it('an activation request fails at once for a unit that does not exist, starts one that does, and only the bus daemon may ask', async () => {
    // Service files of our own (the host's are hidden): one names a unit nobody has, one a unit of the test.
    const services = tempDir('ts-init-dbus-services-');
    const file = (name: string, unit: string): void =>
      fs.writeFileSync(path.join(services, `${name}.service`), `[D-BUS Service]\nName=${name}\nExec=/bin/false\nUser=root\nSystemdService=${unit}\n`);
    // Debian's locale1 activation file as systemd ships it: its unit is systemd's own, which ts-init leaves out.
    fs.copyFileSync('/usr/share/dbus-1/system-services/org.freedesktop.locale1.service', path.join(services, 'org.freedesktop.locale1.service'));
    file('org.example.Idle1', 'idle.service');
    const policy = tempDir('ts-init-dbus-policy-');
    fs.writeFileSync(
      path.join(policy, 'org.example.conf'),
      '<busconfig><policy context="default"><allow send_destination="org.example.Idle1"/></policy></busconfig>\n',
    );
    const setup = [
      `mount -t tmpfs tmpfs /usr/share/dbus-1/system-services && cp ${services}/* /usr/share/dbus-1/system-services/`,
      `mount -t tmpfs tmpfs /etc/dbus-1/system.d && cp ${policy}/* /etc/dbus-1/system.d/`,
    ].join(' && ');
    const cmd = [
      'echo missing; t0=$(date +%s%N); dbus-send --system --print-reply --dest=org.freedesktop.locale1 /org/freedesktop/locale1 org.freedesktop.DBus.Peer.Ping 2>&1; echo ms=$(( ($(date +%s%N) - t0) / 1000000 ))',
      // systemd's own localectl asks locale1 over the bus: it fails at once too (it first wants
      // sd_booted(), /run/systemd/system, made here for it alone). hostnamectl's hostname1 is ts-init's.
      'echo localectl; mkdir -p /run/systemd/system; t0=$(date +%s%N); localectl status 2>&1; echo ms=$(( ($(date +%s%N) - t0) / 1000000 ))',
      'echo hostnamectl; t0=$(date +%s%N); hostnamectl --static 2>&1; echo ms=$(( ($(date +%s%N) - t0) / 1000000 )); rmdir /run/systemd/system',
      // A signal that claims to be the bus daemon's request, sent by a client (root, whom the policy lets through): ignored.
      'echo spoofed; dbus-send --system --type=signal --dest=org.freedesktop.systemd1 /org/freedesktop/DBus org.freedesktop.systemd1.Activator.ActivationRequest string:spoof.service',
      // A real activation (the call itself waits for a name the unit never takes; it is not waited for).
      'echo activate; dbus-send --system --dest=org.example.Idle1 /org/example/Idle1 org.freedesktop.DBus.Peer.Ping; i=0; until systemctl is-active -q idle.service || [ $i -gt 40 ]; do i=$((i+1)); sleep 0.05; done; systemctl is-active idle.service spoof.service',
    ].join('; ');
    const r = await withBus(cmd, setup);
    expect(r.stdout, r.stderr).toMatch(
      /missing\nError org\.freedesktop\.systemd1\.NoSuchUnit: Unit dbus-org\.freedesktop\.locale1\.service not found\.\nms=(\d+)\n/,
    );
    expect(Number(/ms=(\d+)/.exec(r.stdout)![1])).toBeLessThan(1000);
    expect(r.stdout).toMatch(/localectl\nCould not get properties: Unit dbus-org\.freedesktop\.locale1\.service not found\.\nms=(\d+)\n/);
    expect(Number(/localectl\n.*\nms=(\d+)/.exec(r.stdout)![1])).toBeLessThan(1000);
    // ts-init answers as hostname1 itself: the static name, from /etc/hostname, at once.
    const staticName = fs.readFileSync('/etc/hostname', 'utf8').trim();
    expect(r.stdout).toContain(`hostnamectl\n${staticName}\n`);
    expect(Number(/hostnamectl\n.*\nms=(\d+)/.exec(r.stdout)![1])).toBeLessThan(1000);
    expect(r.stdout).toContain('spoofed\nactivate\nactive\ninactive\n');
  });

  it('python3-dbus reads ListUnits and a unit\'s properties', async () => {
    const script = [
      'import dbus',
      'bus = dbus.SystemBus()',
      "m = dbus.Interface(bus.get_object('org.freedesktop.systemd1', '/org/freedesktop/systemd1'), 'org.freedesktop.systemd1.Manager')",
      "for u in sorted(m.ListUnits()):",
      "    if u[0] == 'sleeper.service': print(u[0], u[2], u[3], u[4], u[6])",
      "p = bus.get_object('org.freedesktop.systemd1', m.GetUnit('sleeper.service'))",
      "props = p.GetAll('org.freedesktop.systemd1.Unit', dbus_interface='org.freedesktop.DBus.Properties')",
      "print(props['Id'], props['ActiveState'], props['SubState'], props['LoadState'], props['Description'])",
      "print(p.Get('org.freedesktop.systemd1.Service', 'MainPID', dbus_interface='org.freedesktop.DBus.Properties') > 0)",
    ].join('\n');
    const dir = tempDir('ts-init-dbus-py-');
    fs.writeFileSync(path.join(dir, 'list.py'), script);
    const r = await withBus(`/usr/bin/python3 ${dir}/list.py 2>&1`);
    expect(r.stdout, r.stderr).toContain('sleeper.service loaded active running /org/freedesktop/systemd1/unit/sleeper_2eservice\n');
    expect(r.stdout).toContain('sleeper.service active running loaded A sleeper\nTrue\n');
  });

  it('wrong signatures, unknown objects and a flood of calls: errors at once, bounded memory, PID 1 keeps answering', async () => {
    const script = [
      'import dbus, dbus.lowlevel, time',
      'bus = dbus.SystemBus()',
      "D, P, M = 'org.freedesktop.systemd1', '/org/freedesktop/systemd1', 'org.freedesktop.systemd1.Manager'",
      'def err(f):',
      '    try: f(); return "no error"',
      '    except dbus.DBusException as e: return e.get_dbus_name()',
      "o = bus.get_object(D, P, introspect=False)",
      "print(err(lambda: o.GetUnit(dbus.UInt32(7), dbus_interface=M, signature='u')))",
      // Peer answers on every path, as sd-bus's does; anything else there is an unknown object.
      "print(err(lambda: bus.get_object(D, '/no/such', introspect=False).Ping(dbus_interface='org.freedesktop.DBus.Peer')))",
      "print(err(lambda: bus.get_object(D, '/no/such', introspect=False).Introspect(dbus_interface='org.freedesktop.DBus.Introspectable')))",
      "print(err(lambda: o.Get(M, 'NoSuchProperty', dbus_interface='org.freedesktop.DBus.Properties')))",
      "print(err(lambda: o.Set(M, 'Version', 'x', dbus_interface='org.freedesktop.DBus.Properties', signature='ssv')))",
      "print(err(lambda: o.GetUnit('x' * 600000, dbus_interface=M)))",
      // Larger than ts-init reads (1 MiB): refused at once, unread.
      "print(err(lambda: o.GetUnit('x' * 1500000, dbus_interface=M)))",
      // The flood: calls sent without waiting for their replies, from 24 connections (the bus lets
      // each have 128 calls waiting), so that thousands wait for ts-init at once.
      'floods = [dbus.SystemBus(private=True) for _ in range(24)]',
      'for f in floods:',
      '    for i in range(125):',
      "        m = dbus.lowlevel.MethodCallMessage(D, P, M, 'ListUnits' if i % 3 else 'GetUnit')",
      "        if not i % 3: m.append('sleeper.service')",
      '        f.send_message(m)',
      '    f.flush()',
      'for _ in range(100):',
      '    try:',
      "        print(o.GetUnit('sleeper.service', dbus_interface=M)); break",
      '    except dbus.DBusException as e:',
      "        if e.get_dbus_name() != 'org.freedesktop.DBus.Error.LimitsExceeded': raise",
      '        time.sleep(0.1)',
    ].join('\n');
    const dir = tempDir('ts-init-dbus-flood-');
    fs.writeFileSync(path.join(dir, 'flood.py'), script);
    const rss = "grep RssAnon /proc/1/status | awk '{print $2}'";
    const cmd = [
      'ts-init ctl status >/dev/null && echo ctl-ok',
      `before=$(${rss})`,
      `/usr/bin/python3 ${dir}/flood.py > ${dir}/out 2>&1 & sleep 0.5`,
      // While the flood is being answered, the control socket still answers.
      't0=$(date +%s%N); ts-init ctl status sleeper.service >/dev/null && echo ctl-ms=$(( ($(date +%s%N) - t0) / 1000000 ))',
      `wait; cat ${dir}/out`,
      // Ping comes after the whole flood in the bus's queue to ts-init: its answer means the flood is read.
      'dbus-send --system --print-reply --reply-timeout=60000 --dest=org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.DBus.Peer.Ping >/dev/null && echo still-answers',
      'sleep 3',
      `after=$(${rss}); echo growth-kb=$((after - before))`,
    ].join('; ');
    fs.symlinkSync(TS_INIT, path.join(dir, 'ts-init'));
    const r = await withBus(`PATH=${dir}:$PATH; ${cmd}`);
    const lines = r.stdout.split('\n');
    expect(lines[1], r.stderr).toMatch(/^ctl-ms=\d+$/);
    expect(Number(lines[1]!.slice(7))).toBeLessThan(5000);
    expect(lines.slice(2, 10), r.stderr).toEqual([
      'org.freedesktop.DBus.Error.InvalidArgs',
      'no error',
      'org.freedesktop.DBus.Error.UnknownObject',
      'org.freedesktop.DBus.Error.UnknownProperty',
      'org.freedesktop.DBus.Error.PropertyReadOnly',
      'org.freedesktop.systemd1.NoSuchUnit',
      'org.freedesktop.DBus.Error.LimitsExceeded',
      '/org/freedesktop/systemd1/unit/sleeper_2eservice',
    ]);
    expect(lines[0]).toBe('ctl-ok');
    expect(r.stdout).toContain('sleeper_2eservice\nstill-answers\ngrowth-kb=');
    expect(Number(/growth-kb=(-?\d+)/.exec(r.stdout)![1])).toBeLessThan(8 * 1024);
  });

  it('a flood of job calls from a user (each asks the bus for the caller\'s uid) is refused without stalling anyone', async () => {
    // 20 connections of nobody's, 120 StartUnit calls each, unanswered: every one makes ts-init ask
    // the bus for the caller's uid, whose replies come through the same connection.
    const script = [
      'import dbus, dbus.lowlevel, time',
      "D, P, M = 'org.freedesktop.systemd1', '/org/freedesktop/systemd1', 'org.freedesktop.systemd1.Manager'",
      'floods = [dbus.SystemBus(private=True) for _ in range(20)]',
      'for f in floods:',
      '    for i in range(120):',
      "        m = dbus.lowlevel.MethodCallMessage(D, P, M, 'StartUnit')",
      "        m.append('idle.service'); m.append('replace')",
      '        f.send_message(m)',
      '    f.flush()',
      'time.sleep(0.5)',
      'bus = dbus.SystemBus()',
      't0 = time.time()',
      'for _ in range(100):',
      '    try:',
      "        bus.get_object(D, P, introspect=False).StartUnit('idle.service', 'replace', dbus_interface=M); print('started'); break",
      '    except dbus.DBusException as e:',
      "        if e.get_dbus_name() == 'org.freedesktop.DBus.Error.LimitsExceeded': time.sleep(0.1); continue",
      '        print(e.get_dbus_name()); break',
      "print('ms=%d' % ((time.time() - t0) * 1000))",
    ].join('\n');
    const dir = tempDir('ts-init-dbus-jobs-');
    fs.writeFileSync(path.join(dir, 'jobs.py'), script);
    fs.chmodSync(dir, 0o755); // nobody runs it
    const r = await withBus(`${NOBODY} /usr/bin/python3 ${dir}/jobs.py 2>&1; systemctl is-active idle.service`);
    expect(r.stdout, r.stderr).toMatch(/^org\.freedesktop\.DBus\.Error\.AccessDenied\nms=(\d+)\ninactive\n$/);
    expect(Number(/ms=(\d+)/.exec(r.stdout)![1])).toBeLessThan(5000);
  });

  it("a unit stopping at shutdown still finds systemd1 on the bus (ts-init leaves it after the units, as systemd does), not a 25 s wait", async () => {
    const r = await withBus('systemctl start asker.service; echo started');
    expect(r.stdout).toContain('started');
    expect(r.stdout).toContain('asker.service: s "loaded"');
    expect(r.ms).toBeLessThan(15_000);
  });

  it('a bus that restarts is joined again', async () => {
    const cmd = [
      'systemctl restart dbus.service',
      'i=0; until dbus-send --system --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner string:org.freedesktop.systemd1 2>/dev/null | grep -q true; do i=$((i+1)); [ $i -gt 100 ] && echo no-owner && break; sleep 0.05; done',
      'busctl get-property org.freedesktop.systemd1 /org/freedesktop/systemd1/unit/sleeper_2eservice org.freedesktop.systemd1.Unit ActiveState',
    ].join('; ');
    const r = await withBus(cmd);
    expect(r.stdout, r.stderr).toBe('s "active"\n');
  });

  it('a bus that the CMD runs itself, in a directory made after boot, is joined, and joined again when it comes back', async () => {
    const owner =
      'i=0; until dbus-send --system --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner string:org.freedesktop.systemd1 2>/dev/null | grep -q true; do i=$((i+1)); [ $i -gt 100 ] && echo no-owner && break; sleep 0.05; done';
    const state = 'busctl get-property org.freedesktop.systemd1 /org/freedesktop/systemd1/unit/sleeper_2eservice org.freedesktop.systemd1.Unit ActiveState';
    const cmd = [
      'sleep 0.5; mkdir -p /run/dbus; dbus-daemon --system --fork --nopidfile',
      owner,
      state,
      'kill $(pidof dbus-daemon); i=0; while pidof dbus-daemon >/dev/null && [ $i -lt 100 ]; do i=$((i+1)); sleep 0.05; done; rm -f /run/dbus/system_bus_socket',
      'dbus-daemon --system --fork --nopidfile',
      owner,
      state,
    ].join('; ');
    const setup = [
      `cp ${units}/sleeper.service /usr/lib/systemd/system/`,
      'mkdir -p /etc/systemd/system/multi-user.target.wants',
      'ln -s /lib/systemd/system/sleeper.service /etc/systemd/system/multi-user.target.wants/sleeper.service',
    ].join(' && ');
    const r = await runAsPid1(['--rich', '--', '/bin/sh', '-c', cmd], {}, setup);
    expect(r.stdout, r.stderr).toBe('s "active"\ns "active"\n');
  });
});

