import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runtimeWrapperScript } from '../../../src/engine/install-host';
import { editBundle, parseRuntimeCall, resolveExecutable } from '../../../src/engine/runtime-wrapper';
import { tempDir } from '../../helpers/temp-dir';

describe('parseRuntimeCall', () => {
  it("reads podman/conmon's create", () => {
    const argv = ['--log-format=json', '--log', '/x/log.json', 'create', '--bundle', '/b', '--pid-file', '/b/pid', 'ID'];
    expect(parseRuntimeCall(argv, '/cwd')).toEqual({ verb: 'create', bundle: '/b', logFile: '/x/log.json', logFormat: 'json' });
  });

  it("reads the containerd shim's create", () => {
    const argv = ['--root', '/run/containerd/runc/k8s.io', '--log', '/b/log.json', '--log-format', 'json', 'create', '--bundle', '/b', '--pid-file', '/b/init.pid', 'ID'];
    expect(parseRuntimeCall(argv, '/cwd')).toMatchObject({ verb: 'create', bundle: '/b', logFile: '/b/log.json', logFormat: 'json' });
  });

  it('takes the current directory as the bundle, like runc', () => {
    expect(parseRuntimeCall(['run', 'ID'], '/here').bundle).toBe('/here');
    expect(parseRuntimeCall(['run', '-b', 'rel', 'ID'], '/here').bundle).toBe('/here/rel');
    expect(parseRuntimeCall(['run', '--bundle=/abs', 'ID'], '/here').bundle).toBe('/abs');
  });

  it('has no bundle for other verbs', () => {
    for (const verb of ['start', 'state', 'kill', 'delete', 'exec', 'features', 'ps']) {
      expect(parseRuntimeCall(['--root', '/r', verb, '--bundle', '/b', 'ID'], '/cwd')).toEqual({ verb });
    }
    expect(parseRuntimeCall(['--version'], '/cwd')).toEqual({ verb: undefined });
  });
});

describe('editBundle', () => {
  const dir = tempDir('ts-init-bundle-');
  const hostBinary = path.join(dir, 'ts-init');
  fs.writeFileSync(hostBinary, '');
  const env = { TS_INIT_HOST_BINARY: hostBinary, TS_INIT_ENGINE_CONFIG: '' };

  it('rewrites config.json by rename when asked, keeps it otherwise', () => {
    const file = path.join(dir, 'config.json');
    const plain = { process: { args: ['/bin/sh'], env: [] }, mounts: [] };
    fs.writeFileSync(file, JSON.stringify(plain));
    const ino = fs.statSync(file).ino;
    editBundle(dir, env);
    expect(fs.statSync(file).ino).toBe(ino);
    fs.writeFileSync(file, JSON.stringify({ ...plain, annotations: { 'io.ts-init.rich': 'true' } }));
    fs.chmodSync(file, 0o600);
    editBundle(dir, env);
    const out = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(out.process.args).toEqual(['/sbin/ts-init', '--rich', '--', '/bin/sh']);
    expect(out.mounts[0].source).toBe(hostBinary);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir).sort()).toEqual(['config.json', 'ts-init']);
  });

  it('reads the real runtime from PATH', () => {
    expect(resolveExecutable('sh', '/nonexistent:/bin')).toBe('/bin/sh');
    expect(resolveExecutable('/x/y', '')).toBe('/x/y');
    expect(resolveExecutable('no-such-runtime-here', '/bin')).toBeUndefined();
  });
});

describe('the installed wrapper script', () => {
  const dir = tempDir('ts-init-wrapper-');
  const wrapper = path.join(dir, 'ts-init-runtime');
  fs.writeFileSync(wrapper, runtimeWrapperScript(), { mode: 0o755 });
  // Stand-ins: "ts-init" and the runtime print who they are and what they got.
  fs.writeFileSync(path.join(dir, 'ts-init'), '#!/bin/sh\necho ts-init "$@"\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'fake-runc'), '#!/bin/sh\necho runc "$@"\n', { mode: 0o755 });
  const call = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    execFileSync(wrapper, args, { env: { PATH: '/usr/bin:/bin', TS_INIT_RUNTIME: path.join(dir, 'fake-runc'), ...env }, encoding: 'utf8' }).trim();

  it('sends create and run through ts-init, arguments untouched', () => {
    expect(call(['--root', 'create', '--log', 'x', 'create', '--bundle', '/b', 'ID'])).toBe('ts-init oci-runtime --root create --log x create --bundle /b ID');
    expect(call(['--log-format=json', 'run', '-b', '/b', 'ID'])).toBe('ts-init oci-runtime --log-format=json run -b /b ID');
  });

  it('execs the runtime for every other verb', () => {
    for (const args of [['start', 'ID'], ['--root', '/r', 'delete', '--force', 'ID'], ['--version'], ['state', 'create']]) {
      expect(call(args)).toBe(`runc ${args.join(' ')}`);
    }
  });

  it('asks ts-init for the runtime when a config file is named', () => {
    expect(call(['kill', 'ID', 'KILL'], { TS_INIT_ENGINE_CONFIG: '/etc/x.json' })).toBe('ts-init oci-runtime kill ID KILL');
  });
});

describe('editBundle without a usable host binary', () => {
  it('leaves containers that did not ask alone, and refuses those that did', () => {
    const dir = tempDir('ts-init-bundle-');
    const env = { TS_INIT_HOST_BINARY: '/nonexistent/ts-init', TS_INIT_ENGINE_CONFIG: '' };
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ process: { args: ['/bin/sh'], env: [] } }));
    expect(() => editBundle(dir, env)).not.toThrow();
    fs.writeFileSync(file, JSON.stringify({ process: { args: ['/bin/sh'], env: [] }, annotations: { 'io.ts-init.rich': 'true' } }));
    expect(() => editBundle(dir, env)).toThrow(/the host binary \/nonexistent\/ts-init does not exist/);
  });
});
