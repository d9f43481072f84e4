import { describe, expect, it } from 'vitest';
import { editConfig, refusedConfig, stripEngineInit, type OciConfig, RichRequestError } from '../../../src/engine/oci-config';
import { richRequest } from '../../../src/engine/rich-request';
import { hookDefinition } from '../../../src/engine/install-host';

const HOST = { binary: '/usr/libexec/ts-init/ts-init', nativeModules: ['/usr/libexec/ts-init/ts-init-koffi-0123456789abcdef.node'] };

function config(over: Partial<OciConfig> = {}): OciConfig {
  return {
    ociVersion: '1.0.2',
    process: { args: ['/bin/sleep', '100'], env: ['PATH=/usr/bin:/bin'] },
    root: { path: 'rootfs', readonly: false },
    mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }],
    annotations: { 'io.ts-init.rich': 'true' },
    ...over,
  };
}

function edited(c: OciConfig): OciConfig {
  const r = editConfig(c, HOST);
  if (!r.edited) throw new Error(`not edited: ${r.why}`);
  return r.config;
}

describe('editConfig', () => {
  it('puts the host binary in front of the CMD and binds it and its module read-only', () => {
    const out = edited(config());
    expect(out.process!.args).toEqual(['/sbin/ts-init', '--rich', '--', '/bin/sleep', '100']);
    expect(out.mounts!.slice(1)).toEqual([
      { destination: '/sbin/ts-init', type: 'bind', source: HOST.binary, options: ['rbind', 'ro', 'nosuid', 'nodev'] },
      {
        destination: '/sbin/ts-init-koffi-0123456789abcdef.node',
        type: 'bind',
        source: HOST.nativeModules[0],
        options: ['rbind', 'ro', 'nosuid', 'nodev'],
      },
    ]);
    expect(out.mounts![0]).toEqual({ destination: '/proc', type: 'proc', source: 'proc' });
    expect(out.root).toEqual({ path: 'rootfs', readonly: false });
  });

  it('does not change its input', () => {
    const c = config();
    const copy = JSON.stringify(c);
    edited(c);
    expect(JSON.stringify(c)).toBe(copy);
  });

  it('is idempotent', () => {
    const once = edited(config({ annotations: { 'io.ts-init.rich': 'yes', 'io.ts-init.grace': '3', 'io.ts-init.units': '/a:/b' } }));
    const again = editConfig(once, HOST);
    expect(again.edited && again.changed).toBe(false);
    expect(again.edited && again.config).toEqual(once);
  });

  it('acts only when asked', () => {
    for (const annotations of <Record<string, string>[]>[{}, { 'io.ts-init.rich': 'false' }, { 'io.ts-init.rich': '0' }, { 'io.ts-init.rich': 'no' }, { 'io.ts-init.grace': '3' }]) {
      const r = editConfig(config({ annotations }), HOST);
      expect(r.edited).toBe(false);
    }
    for (const rich of ['true', '1', 'yes', 'TRUE', 'on']) expect(editConfig(config({ annotations: { 'io.ts-init.rich': rich } }), HOST).edited).toBe(true);
  });

  it('takes TS_INIT_RICH from the environment when there are no annotations (Docker 20.10)', () => {
    const c = config({ annotations: undefined, process: { args: ['/bin/sh'], env: ['TS_INIT_RICH=1'] } });
    expect(edited(c).process!.args).toEqual(['/sbin/ts-init', '--rich', '--', '/bin/sh']);
    expect(editConfig(config({ annotations: undefined, process: { args: ['/bin/sh'], env: ['TS_INIT_RICH=0'] } }), HOST).edited).toBe(false);
  });

  it("takes PouchContainer's rich-mode variables", () => {
    const env = ['rich_mode=true', 'rich_mode_launch_manner=ts-init'];
    expect(editConfig(config({ annotations: undefined, process: { args: ['/bin/sh'], env } }), HOST).edited).toBe(true);
    expect(editConfig(config({ annotations: undefined, process: { args: ['/bin/sh'], env: ['rich_mode=true'] } }), HOST).edited).toBe(true);
    const other = ['rich_mode=true', 'rich_mode_launch_manner=systemd'];
    expect(editConfig(config({ annotations: undefined, process: { args: ['/bin/sh'], env: other } }), HOST).edited).toBe(false);
  });

  it('never touches a pod sandbox container', () => {
    const r = editConfig(config({ annotations: { 'io.ts-init.rich': 'true', 'io.kubernetes.cri.container-type': 'sandbox' } }), HOST);
    expect(r).toEqual({ edited: false, why: 'a pod sandbox (pause) container' });
    const app = editConfig(config({ annotations: { 'io.ts-init.rich': 'true', 'io.kubernetes.cri.container-type': 'container' } }), HOST);
    expect(app.edited).toBe(true);
  });

  it('turns annotations into flags, every long option', () => {
    const annotations = {
      'io.ts-init.rich': 'true',
      'io.ts-init.initscript': '/etc/init.sh',
      'io.ts-init.initcmd': 'echo "hi $x"',
      'io.ts-init.poststop': '/etc/stop.sh',
      'io.ts-init.poststopcmd': 'true',
      'io.ts-init.units': '/u1:/u2',
      'io.ts-init.grace': '2.5',
      'io.ts-init.hook-timeout': '30',
      'io.ts-init.log-format': 'json',
      'io.ts-init.no-wait': 'true',
      'io.ts-init.no-units': 'false',
      'io.ts-init.control-socket': '/run/x.sock',
    };
    expect(edited(config({ annotations })).process!.args).toEqual([
      '/sbin/ts-init',
      '--rich',
      '--grace=2.5',
      '--log-format=json',
      '--units=/u1',
      '--units=/u2',
      '--no-wait',
      '--initscript=/etc/init.sh',
      '--initcmd=echo "hi $x"',
      '--poststop=/etc/stop.sh',
      '--poststopcmd=true',
      '--hook-timeout=30',
      '--control-socket=/run/x.sock',
      '--',
      '/bin/sleep',
      '100',
    ]);
  });

  it('refuses a bad annotation, naming it', () => {
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ 'io.ts-init.rich': 'maybe' }, /annotation io\.ts-init\.rich: expected true/],
      [{ 'io.ts-init.rich': 'true', 'io.ts-init.grace': 'soon' }, /annotation io\.ts-init\.grace: --grace takes a number of seconds, not 'soon'/],
      [{ 'io.ts-init.rich': 'true', 'io.ts-init.log-format': 'xml' }, /annotation io\.ts-init\.log-format:/],
      [{ 'io.ts-init.rich': 'true', 'io.ts-init.gracee': '1' }, /annotation io\.ts-init\.gracee: unknown ts-init option/],
      [{ 'io.ts-init.rich': 'true', 'io.ts-init.initscript': 'init.sh' }, /annotation io\.ts-init\.initscript: must be an absolute path/],
      [{ 'io.ts-init.rich': 'true', 'io.ts-init.no-wait': 'perhaps' }, /annotation io\.ts-init\.no-wait: expected/],
      [{ 'io.ts-init.rich': 'true', 'io.ts-init.initcmd': '' }, /annotation io\.ts-init\.initcmd: needs a value/],
    ];
    for (const [annotations, message] of bad) {
      expect(() => editConfig(config({ annotations }), HOST)).toThrow(RichRequestError);
      expect(() => editConfig(config({ annotations }), HOST)).toThrow(message);
    }
    const env = config({ process: { args: ['/bin/sh'], env: ['TS_INIT_GRACE=x'] } });
    expect(() => editConfig(env, HOST)).toThrow(/environment variable TS_INIT_GRACE: --grace takes a number/);
  });

  it('replaces an engine init in front instead of stacking', () => {
    const cases: Array<[string[], string | undefined]> = [
      [['/sbin/docker-init', '--', '/bin/sh', '-c', 'x'], '/sbin/docker-init'],
      [['/run/podman-init', '--', '/bin/sh', '-c', 'x'], '/run/podman-init'],
      [['/usr/bin/catatonit', '-P', '--', '/bin/sh', '-c', 'x'], undefined],
      [['tini', '-s', '-p', 'SIGKILL', '--', '/bin/sh', '-c', 'x'], undefined],
      [['/usr/bin/tini', '-g', '/bin/sh', '-c', 'x'], undefined],
      [['/usr/bin/dumb-init', '/bin/sh', '-c', 'x'], undefined],
      [['/sbin/ts-init', '--grace=1', '--', '/bin/sh', '-c', 'x'], undefined],
    ];
    for (const [args, mount] of cases) {
      const mounts = [{ destination: '/proc', type: 'proc' }, ...(mount ? [{ destination: mount, type: 'bind', source: '/usr/bin/tini', options: ['bind', 'ro'] }] : [])];
      const out = edited(config({ process: { args, env: [] }, mounts }));
      expect(out.process!.args).toEqual(['/sbin/ts-init', '--rich', '--', '/bin/sh', '-c', 'x']);
      expect(out.mounts!.map((m) => m.destination)).toEqual(['/proc', '/sbin/ts-init', '/sbin/ts-init-koffi-0123456789abcdef.node']);
    }
    expect(stripEngineInit(['/bin/sh', '--', 'x'])).toEqual({ command: ['/bin/sh', '--', 'x'] });
  });

  it('keeps a CMD that merely starts with an option-looking word behind --', () => {
    const out = edited(config({ process: { args: ['/sbin/docker-init', '--', '/bin/echo', '--', '-x'], env: [] } }));
    expect(out.process!.args).toEqual(['/sbin/ts-init', '--rich', '--', '/bin/echo', '--', '-x']);
  });

  it('needs something to run', () => {
    expect(() => editConfig(config({ process: { args: [], env: [] } }), HOST)).toThrow(/no process\.args/);
    expect(() => editConfig(config({ process: { args: ['/sbin/docker-init', '--'], env: [] } }), HOST)).toThrow(/nothing to run behind/);
  });

  it('takes host paths only from its own configuration', () => {
    const annotations = { 'io.ts-init.rich': 'true', 'io.ts-init.host-binary': '/tmp/evil' };
    expect(() => editConfig(config({ annotations }), HOST)).toThrow(/unknown ts-init option/);
    expect(() => editConfig(config(), { binary: 'relative/ts-init', nativeModules: [] })).toThrow(/absolute/);
  });
});

describe('richRequest', () => {
  it('checks TS_INIT_* variables but leaves them to ts-init', () => {
    expect(richRequest({ 'io.ts-init.rich': '1' }, ['TS_INIT_GRACE=3', 'TS_INIT_NO_WAIT=1'])).toEqual({ rich: true, flags: ['--rich'] });
  });
});

describe('hookDefinition', () => {
  it("matches podman's hook format and only the rich annotation", () => {
    const def = hookDefinition('/usr/libexec/ts-init') as { hook: { path: string; args: string[]; env: string[] }; when: { annotations: Record<string, string> }; stages: string[] };
    expect(def.hook.path).toBe('/usr/libexec/ts-init/ts-init');
    expect(def.hook.args).toEqual(['/usr/libexec/ts-init/ts-init', 'oci-precreate']);
    expect(def.hook.env).toEqual(['TS_INIT_HOST_BINARY=/usr/libexec/ts-init/ts-init']);
    expect(def.stages).toEqual(['precreate']);
    const [[key, value]] = Object.entries(def.when.annotations);
    expect(new RegExp(key).test('io.ts-init.rich')).toBe(true);
    expect(new RegExp(key).test('ioXts-init.rich')).toBe(false);
    const v = new RegExp(value.replace('(?i)', ''), 'i');
    expect(['true', '1', 'yes', 'True'].every((x) => v.test(x))).toBe(true);
    expect(['false', '0', 'truex'].some((x) => v.test(x))).toBe(false);
  });
});

describe('refusedConfig', () => {
  it('gives the container ts-init told to print the reason', () => {
    const out = refusedConfig(config({ process: { args: ['/bin/sh'], env: ['A=1', 'TS_INIT_ENGINE_ERROR=old'] } }), HOST, 'annotation io.ts-init.grace: bad');
    expect(out.process!.args).toEqual(['/sbin/ts-init']);
    expect(out.process!.env).toEqual(['A=1', 'TS_INIT_ENGINE_ERROR=annotation io.ts-init.grace: bad']);
    expect(out.mounts!.map((m) => m.destination)).toEqual(['/proc', '/sbin/ts-init', '/sbin/ts-init-koffi-0123456789abcdef.node']);
  });
});
