import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildUnit } from '../../../src/units/build-unit';
import { parseListenAddress } from '../../../src/units/listen-address';
import { loadUnits } from '../../../src/units/load';
import { parseUnitText } from '../../../src/units/syntax';
import { ipv6Bytes } from '../../../src/sys/libc';
import { tempDir } from '../../helpers/temp-dir';

const build = (text: string, name = 'x.socket') => buildUnit(name, parseUnitText(text, `/u/${name}`), [], { hostname: 'box' });

describe('Listen*= addresses', () => {
  it('paths, abstract names, ports and address:port, as systemd.socket(5)', () => {
    expect(parseListenAddress('stream', '/run/dbus/system_bus_socket')).toEqual({ family: 'unix', path: '/run/dbus/system_bus_socket' });
    expect(parseListenAddress('seqpacket', '@abstract')).toEqual({ family: 'unix', path: '@abstract' });
    expect(parseListenAddress('stream', '8080')).toEqual({ family: 'ipv6', host: '::', port: 8080 });
    expect(parseListenAddress('datagram', '127.0.0.1:53')).toEqual({ family: 'ipv4', host: '127.0.0.1', port: 53 });
    expect(parseListenAddress('stream', '[::1]:443')).toEqual({ family: 'ipv6', host: '::1', port: 443 });
    expect(parseListenAddress('fifo', '/run/initctl')).toEqual({ family: 'unix', path: '/run/initctl' });
  });
  it('refuses what is none of them', () => {
    expect(parseListenAddress('stream', '70000')).toMatch(/not a path, a port/);
    expect(parseListenAddress('stream', '300.1.1.1:80')).toMatch(/invalid IPv4/);
    expect(parseListenAddress('fifo', 'relative')).toMatch(/not an absolute path/);
    expect(parseListenAddress('stream', `/${'x'.repeat(120)}`)).toMatch(/too long/);
  });
  it('IPv6 text to bytes', () => {
    expect(ipv6Bytes('::').equals(Buffer.alloc(16))).toBe(true);
    expect(ipv6Bytes('::1').toString('hex')).toBe('00000000000000000000000000000001');
    expect(ipv6Bytes('fe80::1:2').toString('hex')).toBe('fe800000000000000000000000010002');
    expect(() => ipv6Bytes('1::2::3')).toThrow();
  });
});

describe('socket units', () => {
  it('D-Bus\'s own dbus.socket', () => {
    const r = build('[Unit]\nDescription=D-Bus System Message Bus Socket\n\n[Socket]\nListenStream=/run/dbus/system_bus_socket\n\n[Install]\nWantedBy=sockets.target\n', 'dbus.socket');
    expect(r.diagnostics).toEqual([]);
    expect(r.unit).toMatchObject({
      kind: 'socket',
      wantedBy: ['sockets.target'],
      socket: { listen: [{ kind: 'stream', text: '/run/dbus/system_bus_socket' }], accept: false, socketMode: 0o666, directoryMode: 0o755 },
    });
  });
  it('the settings ts-init applies; those it does not are named; no Listen*= is an error', () => {
    const r = build('[Socket]\nListenDatagram=/run/x.sock\nListenFIFO=/run/x.fifo\nSocketMode=0600\nSocketUser=nobody\nSocketGroup=nogroup\nService=y.service\nFileDescriptorName=ctl\nPassCredentials=yes\nBacklog=16\n');
    expect(r.unit.socket).toMatchObject({ socketMode: 0o600, socketUser: 'nobody', socketGroup: 'nogroup', service: 'y.service', fileDescriptorName: 'ctl', backlog: 16 });
    expect(r.diagnostics.map((d) => d.message)).toEqual(['PassCredentials is not supported by ts-init; ignored']);
    expect(build('[Socket]\nAccept=no\n').loadable).toBe(false);
  });
  it('loading: a socket pulls in its service and is ordered before it; it is before sockets.target', () => {
    const root = tempDir('ts-init-sock-');
    const sys = path.join(root, 'lib/systemd/system');
    fs.mkdirSync(path.join(root, 'etc/systemd/system/sockets.target.wants'), { recursive: true });
    fs.mkdirSync(sys, { recursive: true });
    fs.writeFileSync(path.join(sys, 'dbus.socket'), '[Socket]\nListenStream=/run/dbus/system_bus_socket\n[Install]\nWantedBy=sockets.target\n');
    fs.writeFileSync(path.join(sys, 'dbus.service'), '[Unit]\nRequires=dbus.socket\n[Service]\nExecStart=/usr/bin/dbus-daemon --system --address=systemd: --nofork\n');
    fs.symlinkSync('/lib/systemd/system/dbus.socket', path.join(root, 'etc/systemd/system/sockets.target.wants/dbus.socket'));
    const r = loadUnits({ unitDirs: [], systemDirs: ['/etc/systemd/system', '/lib/systemd/system'], targets: ['default.target'], hostname: 'box', root });
    expect(r.diagnostics).toEqual([]);
    expect(r.units.get('dbus.socket')).toMatchObject({ before: ['sockets.target', 'dbus.service'], socket: { service: 'dbus.service' } });
    expect(r.units.get('sockets.target')!.after).toContain('dbus.socket');
    expect(r.units.has('dbus.service')).toBe(true);
    expect(r.enabled.has('dbus.service')).toBe(false);
  });

  it('StandardInput=socket: input and, unless set, output are the connection', () => {
    const svc = (t: string) => buildUnit('greet@1.service', parseUnitText(`[Service]\nExecStart=/bin/cat\n${t}`, '/u/greet@.service'), [], { hostname: 'box' }).unit;
    expect(svc('StandardInput=socket')).toMatchObject({ standardInput: 'socket', standardOutput: { kind: 'socket' }, standardError: { kind: 'socket' } });
    expect(svc('StandardInput=socket\nStandardOutput=journal')).toMatchObject({ standardOutput: { kind: 'journal' }, standardError: { kind: 'journal' } });
    expect(svc('StandardInput=socket\nStandardError=journal')).toMatchObject({ standardOutput: { kind: 'socket' }, standardError: { kind: 'journal' } });
  });
});
