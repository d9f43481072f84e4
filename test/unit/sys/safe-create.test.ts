import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createExclusive, directoryProblem, ensurePrivateDirectory, isPrivate, privatePathProblem, replaceFile, UnsafePathError } from '../../../src/sys/safe-create';
import { tempDir } from '../../helpers/temp-dir';

const dirStat = (uid: number, mode: number, kind: 'dir' | 'link' | 'file' = 'dir') => ({
  uid,
  mode,
  isDirectory: () => kind === 'dir',
  isSymbolicLink: () => kind === 'link',
});

describe('a directory for PID 1 files', () => {
  it('is private when root or this user owns it and nobody else may write it', () => {
    expect(isPrivate({ uid: 0, mode: 0o40755 }, 0)).toBe(true);
    expect(isPrivate({ uid: 1000, mode: 0o40700 }, 1000)).toBe(true);
    expect(isPrivate({ uid: 1000, mode: 0o40755 }, 0)).toBe(false);
    expect(isPrivate({ uid: 0, mode: 0o41777 }, 0)).toBe(false);
    expect(isPrivate({ uid: 0, mode: 0o40775 }, 0)).toBe(false);
  });
  it('says what is wrong: a link, not a directory, another owner, writable by others', () => {
    expect(directoryProblem('/run', dirStat(0, 0o40755), 0)).toBeUndefined();
    expect(directoryProblem('/run', dirStat(0, 0o40777), 0)).toBe('/run is writable by other users (mode 0777)');
    expect(directoryProblem('/run', dirStat(0, 0o41777), 0)).toBe('/run is writable by other users (mode 1777)');
    expect(directoryProblem('/run/x', dirStat(1001, 0o40755), 0)).toBe('/run/x belongs to uid 1001');
    expect(directoryProblem('/run/x', dirStat(0, 0o120777, 'link'), 0)).toBe('/run/x is a symbolic link');
    expect(directoryProblem('/run/x', dirStat(0, 0o100644, 'file'), 0)).toBe('/run/x is not a directory');
  });
  it('is checked from / down: below a sticky /tmp only what root owns and others cannot write', () => {
    const dir = tempDir('safe-create-');
    expect(privatePathProblem('/tmp')).toMatch(/^\/tmp is writable by other users \(mode 1777\)/);
    expect(privatePathProblem(dir)).toBeUndefined();
    fs.chmodSync(dir, 0o777);
    expect(privatePathProblem(path.join(dir))).toMatch(/writable by other users \(mode 0777\)/);
    fs.mkdirSync(path.join(dir, 'below'), { mode: 0o755 });
    // a non-sticky world-writable ancestor: anyone may rename "below" away and put their own there
    expect(privatePathProblem(path.join(dir, 'below'))).toMatch(/writable by other users \(mode 0777\)/);
    expect(privatePathProblem('/')).toBeUndefined();
    expect(privatePathProblem('relative')).toMatch(/not an absolute path/);
  });
});

describe('creating a file', () => {
  it('refuses a name planted beforehand, as a file or as a symlink, and leaves both alone', () => {
    const dir = tempDir('safe-create-');
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, 'precious');
    fs.symlinkSync(victim, path.join(dir, 'link'));
    fs.writeFileSync(path.join(dir, 'planted'), 'theirs');
    expect(() => createExclusive(path.join(dir, 'link'), 0o600)).toThrow(/EEXIST/);
    expect(() => createExclusive(path.join(dir, 'planted'), 0o600)).toThrow(/EEXIST/);
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
    expect(fs.readFileSync(path.join(dir, 'planted'), 'utf8')).toBe('theirs');
  });
  it('replaces a symlink at the final name instead of writing through it, with the exact mode', () => {
    const dir = tempDir('safe-create-');
    const victim = path.join(dir, 'passwd');
    fs.writeFileSync(victim, 'root:x:0:0');
    const file = path.join(dir, 'env');
    fs.symlinkSync(victim, file);
    replaceFile(file, 'A=1\n', 0o600, false);
    expect(fs.readFileSync(victim, 'utf8')).toBe('root:x:0:0');
    const st = fs.lstatSync(file);
    expect(st.isFile()).toBe(true);
    expect(st.mode & 0o7777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8')).toBe('A=1\n');
    expect(fs.readdirSync(dir).sort()).toEqual(['env', 'passwd']);
  });
  it('writes nothing beneath a directory others can write unless told the directory does not matter', () => {
    const dir = tempDir('safe-create-');
    fs.chmodSync(dir, 0o1777);
    expect(() => replaceFile(path.join(dir, 'env'), 'A=1\n', 0o600)).toThrow(UnsafePathError);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('making a private directory', () => {
  it('makes it, or takes a private one there, tightening one of ours that others could write', () => {
    const dir = tempDir('safe-create-');
    const made = path.join(dir, 'ts-init');
    expect(ensurePrivateDirectory(made, 0o755)).toBeUndefined();
    expect(fs.lstatSync(made).mode & 0o7777).toBe(0o755);
    fs.chmodSync(made, 0o777);
    expect(ensurePrivateDirectory(made, 0o755)).toBeUndefined();
    expect(fs.lstatSync(made).mode & 0o7777).toBe(0o755);
  });
  it("moves aside a symlink, a file or another user's directory found under its name, without entering it", () => {
    const dir = tempDir('safe-create-');
    const target = path.join(dir, 'etc');
    fs.mkdirSync(target, { mode: 0o755 });
    for (const plant of [
      (p: string) => fs.symlinkSync(target, p),
      (p: string) => fs.writeFileSync(p, 'x'),
      (p: string) => (fs.mkdirSync(p, { mode: 0o777 }), fs.chownSync(p, 65534, 65534)),
    ]) {
      const made = path.join(dir, `run-${fs.readdirSync(dir).length}`);
      plant(made);
      const aside = ensurePrivateDirectory(made, 0o755);
      expect(aside).toMatch(/\.untrusted-[0-9a-f]{8}$/);
      const st = fs.lstatSync(made);
      expect([st.isDirectory(), st.uid, st.mode & 0o7777]).toEqual([true, 0, 0o755]);
      expect(fs.readdirSync(made)).toEqual([]);
    }
    expect(fs.lstatSync(target).uid).toBe(0);
  });
  it('refuses beneath a parent others can write', () => {
    const dir = tempDir('safe-create-');
    fs.chmodSync(dir, 0o777);
    expect(() => ensurePrivateDirectory(path.join(dir, 'ts-init'))).toThrow(/writable by other users/);
  });
});
