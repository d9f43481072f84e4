import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeEnvironmentFiles } from '../../../src/hooks/env-file';
import { tempDir } from '../../helpers/temp-dir';

function scratch(): string {
  return tempDir('env-files-');
}

describe('environment files', () => {
  it('writes the profile file where the image has a profile.d, and creates its own run directory', () => {
    const root = scratch();
    fs.mkdirSync(path.join(root, 'profile.d'));
    fs.mkdirSync(path.join(root, 'run'));
    const files = { profile: path.join(root, 'profile.d/ts-init-env.sh'), run: path.join(root, 'run/ts-init/env') };
    expect(writeEnvironmentFiles({ A: 'x y' }, files)).toEqual([]);
    expect(fs.readFileSync(files.profile, 'utf8')).toMatch(/^# Written by ts-init.*\nexport A='x y'\n$/);
    expect(fs.readFileSync(files.run, 'utf8')).toMatch(/^# Written by ts-init.*\nA='x y'\n$/);
    // the container environment holds secrets: root's alone
    expect(fs.statSync(files.profile).mode & 0o7777).toBe(0o600);
    expect(fs.statSync(files.run).mode & 0o7777).toBe(0o600);
    expect(fs.statSync(path.dirname(files.run)).mode & 0o7777).toBe(0o755);
  });

  it('an image without profile.d gets only the run file, and a note rather than a warning', () => {
    const root = scratch();
    const files = { profile: path.join(root, 'profile.d/ts-init-env.sh'), run: path.join(root, 'run/env') };
    const problems = writeEnvironmentFiles({ A: '1' }, files);
    expect(problems).toEqual([{ level: 'info', message: `${path.join(root, 'profile.d')} does not exist: login shells will not get the environment` }]);
    expect(fs.existsSync(path.join(root, 'profile.d'))).toBe(false);
    expect(fs.readFileSync(files.run, 'utf8')).toMatch(/\nA='1'\n$/);
  });

  it('a run file beneath a directory other users can write is not written: a warning naming the file', () => {
    const root = scratch();
    fs.chmodSync(root, 0o777);
    const files = { profile: path.join(root, 'nope/p.sh'), run: path.join(root, 'run/env') };
    const problems = writeEnvironmentFiles({ A: '1' }, files);
    expect(problems.find((p) => p.level === 'warn')?.message).toMatch(new RegExp(`^cannot write ${files.run}: .*writable by other users`));
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('a file or symlink found where its directory should be is moved aside, not followed', () => {
    const root = scratch();
    const target = path.join(root, 'etc');
    fs.mkdirSync(target);
    fs.symlinkSync(target, path.join(root, 'ts-init'));
    const files = { profile: path.join(root, 'nope/p.sh'), run: path.join(root, 'ts-init/env') };
    const problems = writeEnvironmentFiles({ A: '1' }, files);
    expect(problems.find((p) => p.level === 'warn')?.message).toMatch(/was not root's alone: moved it to .*\.untrusted-/);
    expect(fs.readdirSync(target)).toEqual([]);
    expect(fs.lstatSync(path.join(root, 'ts-init')).isDirectory()).toBe(true);
  });
});
