// `ts-init install-host`: the host layout for rich containers, laid out from the built
// binary, and replaced by rename on an upgrade (a running container keeps its inode).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TS_INIT, requireBinary } from '../helpers/ts-init';
import { tempDir } from '../helpers/temp-dir';

describe('install-host', () => {
  it('lays out binary, FFI module, wrapper and hook; an upgrade replaces files by rename', () => {
    requireBinary();
    const prefix = tempDir('ts-init-install-');
    const libexec = path.join(prefix, 'libexec/ts-init');
    execFileSync(TS_INIT, ['install-host', '--prefix', prefix]);
    const names = fs.readdirSync(libexec).sort();
    expect(names).toEqual(['oci-precreate', 'ts-init', expect.stringMatching(/^ts-init-koffi-[0-9a-f]{16}\.node$/), 'ts-init-runtime']);
    expect(fs.readlinkSync(path.join(libexec, 'oci-precreate'))).toBe('ts-init');
    expect(fs.readFileSync(path.join(libexec, 'ts-init-runtime'), 'utf8')).toMatch(/^#!\/bin\/sh\n/);
    const hook = JSON.parse(fs.readFileSync(path.join(prefix, 'share/containers/oci/hooks.d/ts-init.json'), 'utf8'));
    expect(hook.hook.path).toBe(path.join(libexec, 'ts-init'));
    // The installed binary finds its module beside it and works as the hook.
    const config = JSON.stringify({ process: { args: ['/bin/sh'] }, annotations: { 'io.ts-init.rich': 'true' } });
    const edited = JSON.parse(execFileSync(path.join(libexec, 'ts-init'), ['oci-precreate'], { input: config, env: { PATH: '/usr/bin:/bin' } }).toString());
    expect(edited.process.args).toEqual(['/sbin/ts-init', '--rich', '--', '/bin/sh']);
    expect(edited.mounts.map((m: { source: string }) => m.source)).toEqual([path.join(libexec, 'ts-init'), path.join(libexec, names[2]!)]);

    // An old module lying around goes; the binary is a new inode, the old one stays readable.
    fs.writeFileSync(path.join(libexec, 'ts-init-koffi-0000000000000000.node'), 'old');
    const held = fs.openSync(path.join(libexec, 'ts-init'), 'r');
    const before = fs.fstatSync(held).ino;
    execFileSync(TS_INIT, ['install-host', '--prefix', prefix]);
    expect(fs.statSync(path.join(libexec, 'ts-init')).ino).not.toBe(before);
    expect(fs.fstatSync(held).size).toBe(fs.statSync(TS_INIT).size);
    fs.closeSync(held);
    expect(fs.readdirSync(libexec).sort()).toEqual(names);
    fs.rmSync(prefix, { recursive: true, force: true });
  });

  it('refuses a relative prefix', () => {
    const r = (() => {
      try {
        execFileSync(TS_INIT, ['install-host', '--prefix', 'rel'], { stdio: 'pipe' });
        return { status: 0, stderr: '' };
      } catch (err) {
        return err as { status: number; stderr: Buffer };
      }
    })();
    expect(r.status).toBe(2);
    expect(String(r.stderr)).toContain("--prefix must be an absolute path, not 'rel'");
  });
});
