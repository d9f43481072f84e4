import { describe, expect, it } from 'vitest';
import { faceOf, isPid1Face, likelyRich } from '../../src/face';
import { EXEC_HELPER_ARG } from '../../src/process/exec-spec';

describe('the face of a run', () => {
  it('is a client by the name it was started under, whatever its arguments', () => {
    expect(faceOf('/usr/bin/systemctl', ['--', 'x'])).toEqual({ kind: 'named', name: 'systemctl' });
    expect(faceOf('journalctl', [])).toEqual({ kind: 'named', name: 'journalctl' });
    expect(faceOf('/sbin/poweroff', [])).toEqual({ kind: 'named', name: 'poweroff' });
    expect(faceOf('/usr/lib/ts-init/ts-init-runtime', ['create'])).toEqual({ kind: 'named', name: 'ts-init-runtime' });
  });
  it('is a client by its first argument under its own name', () => {
    expect(faceOf('/sbin/ts-init', ['ctl', 'status'])).toEqual({ kind: 'command', command: 'ctl' });
    expect(faceOf('ts-init', ['install-host', '--prefix', '/usr'])).toEqual({ kind: 'command', command: 'install-host' });
    expect(faceOf('ts-init', ['oci-precreate'])).toEqual({ kind: 'command', command: 'oci-precreate' });
  });
  it('is the exec helper before anything else, and the init otherwise', () => {
    expect(faceOf('/usr/bin/systemctl', [EXEC_HELPER_ARG, '{}'])).toEqual({ kind: 'exec-helper' });
    expect(faceOf('/sbin/ts-init', ['--', 'ctl'])).toEqual({ kind: 'init' });
    expect(faceOf('/sbin/init', [])).toEqual({ kind: 'init' });
  });
  it("is in PID 1's bundle only as the init or the exec helper", () => {
    expect(isPid1Face({ kind: 'init' })).toBe(true);
    expect(isPid1Face({ kind: 'exec-helper' })).toBe(true);
    expect(isPid1Face({ kind: 'named', name: 'dumb-init' })).toBe(false);
    expect(isPid1Face({ kind: 'command', command: 'ctl' })).toBe(false);
  });
});

describe("which of PID 1's code caches a run reads (a guess at the personality)", () => {
  it('the rich one for PID 1 under its own name or as init, and wherever units are asked for', () => {
    expect(likelyRich('/sbin/ts-init', ['--'], {}, true)).toBe(true);
    expect(likelyRich('/sbin/init', [], {}, true)).toBe(true);
    expect(likelyRich('ts-init', ['--units', '/etc/app', '--', 'x'], {}, false)).toBe(true);
    expect(likelyRich('ts-init', ['--units=/etc/app', '--', 'x'], {}, false)).toBe(true);
    expect(likelyRich('ts-init', ['--', 'x'], { TS_INIT_UNITS: '/etc/app' }, false)).toBe(true);
    expect(likelyRich('/usr/bin/tini', ['--rich', '--', 'x'], {}, true)).toBe(true);
    expect(likelyRich('/usr/bin/tini', ['--', 'x'], { TS_INIT_RICH: '1' }, true)).toBe(true);
  });
  it('the plain one as tini, not PID 1, with --no-units or TS_INIT_RICH=0', () => {
    expect(likelyRich('/usr/bin/tini', ['--', 'x'], {}, true)).toBe(false);
    expect(likelyRich('docker-init', ['--', 'x'], {}, true)).toBe(false);
    expect(likelyRich('ts-init', ['--', 'x'], {}, false)).toBe(false);
    expect(likelyRich('ts-init', ['--no-units', '--', 'x'], {}, true)).toBe(false);
    expect(likelyRich('ts-init', ['--', 'x'], { TS_INIT_NO_UNITS: '1' }, true)).toBe(false);
    expect(likelyRich('ts-init', ['--', 'x'], { TS_INIT_RICH: '0' }, true)).toBe(false);
    // Arguments of the CMD are the CMD's.
    expect(likelyRich('ts-init', ['--', 'app', '--units', 'x'], {}, false)).toBe(false);
  });
});
