import { describe, expect, it } from 'vitest';
import { escapeLabel, jobPath, unescapeLabel, unitOfPath, unitPath } from '../../../src/bus/object-path';

describe('systemd bus path escaping', () => {
  it('escapes every byte that is not a letter, or a digit after the first byte, as _xx', () => {
    expect(escapeLabel('ssh.service')).toBe('ssh_2eservice');
    expect(escapeLabel('dbus-org.freedesktop.hostname1.service')).toBe('dbus_2dorg_2efreedesktop_2ehostname1_2eservice');
    expect(escapeLabel('getty@tty1.service')).toBe('getty_40tty1_2eservice');
    expect(escapeLabel('1a')).toBe('_31a');
    expect(escapeLabel('a_b')).toBe('a_5fb');
    expect(escapeLabel('')).toBe('_');
    expect(escapeLabel('é')).toBe('_c3_a9');
  });

  it('unescapes what it escapes, and refuses what is not its output', () => {
    for (const n of ['ssh.service', 'getty@tty1.service', '1a', 'a_b', '', 'é.service', 'x-y\\z.socket']) expect(unescapeLabel(escapeLabel(n))).toBe(n);
    expect(unescapeLabel('a_zz')).toBeUndefined();
    expect(unescapeLabel('a_2')).toBeUndefined();
    expect(unescapeLabel('a.b')).toBeUndefined();
  });

  it('maps unit and job paths', () => {
    expect(unitPath('ssh.service')).toBe('/org/freedesktop/systemd1/unit/ssh_2eservice');
    expect(unitOfPath('/org/freedesktop/systemd1/unit/ssh_2eservice')).toBe('ssh.service');
    expect(unitOfPath('/org/freedesktop/systemd1/unit/a/b')).toBeUndefined();
    expect(unitOfPath('/org/freedesktop/systemd1/unit/')).toBeUndefined();
    expect(unitOfPath('/org/freedesktop/systemd1')).toBeUndefined();
    expect(jobPath(42)).toBe('/org/freedesktop/systemd1/job/42');
  });
});
