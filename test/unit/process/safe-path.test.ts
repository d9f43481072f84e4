// The safe path walker on real trees (the suite runs as root; uid 65534 plays the user).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { closeNode, mountIdOf, openParent, openPath, type PathError, statFd, unsafeTransition } from '../../../src/process/safe-path';
import { removeBelow, removeNamed } from '../../../src/process/safe-remove';
import { tempDir } from '../../helpers/temp-dir';

const USER = 65534;
const DIR = fs.constants.S_IFDIR;
const LNK = fs.constants.S_IFLNK;

describe('unsafeTransition', () => {
  it('follows systemd: from root anything goes, from a user only to that user', () => {
    expect(unsafeTransition({ uid: 0, mode: DIR | 0o755 }, { uid: USER })).toBe(false);
    expect(unsafeTransition({ uid: USER, mode: DIR | 0o755 }, { uid: USER })).toBe(false);
    expect(unsafeTransition({ uid: USER, mode: DIR | 0o755 }, { uid: 0 })).toBe(true);
    expect(unsafeTransition({ uid: USER, mode: LNK | 0o777 }, { uid: 0 })).toBe(true);
    expect(unsafeTransition({ uid: USER, mode: DIR | 0o755 }, { uid: 1000 })).toBe(true);
  });

  it('a root directory everyone can write without the sticky bit vouches only for root entries', () => {
    expect(unsafeTransition({ uid: 0, mode: DIR | 0o777 }, { uid: USER })).toBe(true);
    expect(unsafeTransition({ uid: 0, mode: DIR | 0o777 }, { uid: 0 })).toBe(false);
    expect(unsafeTransition({ uid: 0, mode: DIR | 0o1777 }, { uid: USER })).toBe(false); // /tmp
    expect(unsafeTransition({ uid: 0, mode: DIR | 0o775 }, { uid: USER })).toBe(false); // group-writable /var/log
  });
});

describe('openPath', () => {
  let root: string;
  const at = (p: string): string => path.join(root, p);
  beforeEach(() => {
    root = tempDir('ts-init-safe-path-');
    fs.mkdirSync(at('etc/ssl'), { recursive: true });
    fs.writeFileSync(at('etc/shadow'), 'secret');
    fs.mkdirSync(at('app'));
    fs.chownSync(at('app'), USER, USER);
    fs.mkdirSync(at('usr/lib'), { recursive: true });
  });
  const code = (f: () => unknown): string | undefined => {
    try {
      closeNode(f() as never);
      return undefined;
    } catch (err) {
      return (err as PathError).code;
    }
  };

  it('resolves root-owned symlinks itself, relative and absolute, inside the root', () => {
    fs.symlinkSync('usr/lib', at('lib'));
    fs.symlinkSync('/etc/ssl', at('usr/lib/ssl-link'));
    const n = openPath('/lib/ssl-link/../shadow', { root });
    expect(n.path).toBe('/etc/shadow');
    expect(n.stat.ino).toBe(BigInt(fs.statSync(at('etc/shadow')).ino));
    expect(n.unsafe).toBeUndefined();
    closeNode(n);
    // ".." of the root is the root; an absolute link stays inside it.
    const up = openPath('/../../etc/ssl', { root });
    expect(up.path).toBe('/etc/ssl');
    closeNode(up);
  });

  it("refuses a user's symlink to root's directory (the tmpfiles attack), or notes it when asked", () => {
    fs.symlinkSync('/etc', at('app/data'));
    fs.lchownSync(at('app/data'), USER, USER);
    let err: PathError | undefined;
    try {
      openPath('/app/data/ssl', { root });
    } catch (e) {
      err = e as PathError;
    }
    expect(err?.code).toBe('UNSAFE');
    expect(err?.message).toBe('unsafe path transition /app/data (owned by uid 65534) -> / (owned by uid 0) while resolving /app/data/ssl');
    const noted = openPath('/app/data/ssl', { root, allowUnsafe: true });
    expect(noted.path).toBe('/etc/ssl');
    expect(noted.unsafe).toContain('unsafe path transition /app/data');
    closeNode(noted);
    // A relative link and ".." out of the user's directory are judged the same way.
    fs.symlinkSync('../etc/shadow', at('app/rel'));
    fs.lchownSync(at('app/rel'), USER, USER);
    expect(code(() => openPath('/app/rel', { root }))).toBe('UNSAFE');
    expect(code(() => openPath('/app/../etc', { root }))).toBe('UNSAFE');
  });

  it("refuses root's file inside a user's directory (a hard link the user made), not the user's own", () => {
    fs.linkSync(at('etc/shadow'), at('app/shadow'));
    expect(code(() => openPath('/app/shadow', { root }))).toBe('UNSAFE');
    fs.writeFileSync(at('app/own'), '');
    fs.chownSync(at('app/own'), USER, USER);
    expect(code(() => openPath('/app/own', { root }))).toBeUndefined();
  });

  it('a world-writable directory without the sticky bit (an emptyDir /run) vouches for nothing a user put there', () => {
    fs.mkdirSync(at('run'));
    fs.chmodSync(at('run'), 0o777);
    fs.symlinkSync('/etc', at('run/foo'));
    fs.lchownSync(at('run/foo'), USER, USER);
    expect(code(() => openPath('/run/foo', { root, noFollowLast: true }))).toBe('UNSAFE');
    fs.chmodSync(at('run'), 0o1777);
    // Sticky: the user's own link is the user's; following it to root's /etc is still unsafe.
    expect(code(() => openPath('/run/foo', { root, noFollowLast: true }))).toBeUndefined();
    expect(code(() => openPath('/run/foo', { root }))).toBe('UNSAFE');
  });

  it('says ENOENT, ENOTDIR and ELOOP as the kernel would', () => {
    fs.symlinkSync('loop2', at('loop1'));
    fs.symlinkSync('loop1', at('loop2'));
    expect(code(() => openPath('/nope/x', { root }))).toBe('ENOENT');
    expect(code(() => openPath('/etc/shadow/x', { root }))).toBe('ENOTDIR');
    expect(code(() => openPath('/loop1', { root }))).toBe('ELOOP');
  });

  it('makes missing directories on the way (root, the mode given), even below a user directory', () => {
    const { dir, name } = openParent('/app/a/b/c', { root, mkdirMode: 0o750 });
    expect(name).toBe('c');
    expect(dir.path).toBe('/app/a/b');
    expect(statFd(dir.fd).uid).toBe(0);
    closeNode(dir);
    expect(fs.statSync(at('app/a')).mode & 0o777).toBe(0o750 & ~process.umask());
    // Next time, the root-owned directory inside the user's is an unsafe step, as in systemd.
    expect(code(() => openPath('/app/a/b', { root }))).toBe('UNSAFE');
  });
});

describe('safe removal', () => {
  it('removes symlinks, never what they point at; a directory and its contents by name', () => {
    const root = tempDir('ts-init-safe-remove-');
    fs.mkdirSync(path.join(root, 'keep'));
    fs.writeFileSync(path.join(root, 'keep/precious'), 'x');
    fs.mkdirSync(path.join(root, 'tmp/sub/deeper'), { recursive: true });
    fs.writeFileSync(path.join(root, 'tmp/sub/deeper/f'), 'x');
    fs.symlinkSync(path.join(root, 'keep'), path.join(root, 'tmp/link'));
    fs.symlinkSync('/', path.join(root, 'tmp/sub/root'));
    const tmp = openPath('/tmp', { root });
    removeBelow(tmp);
    expect(fs.readdirSync(path.join(root, 'tmp'))).toEqual([]);
    closeNode(tmp);
    expect(fs.readFileSync(path.join(root, 'keep/precious'), 'utf8')).toBe('x');
    const { dir, name } = openParent('/keep', { root });
    removeNamed(dir, name);
    closeNode(dir);
    expect(fs.existsSync(path.join(root, 'keep'))).toBe(false);
  });

  it('tells mounts apart by mount id (statx, or /proc/self/fdinfo), as mountinfo numbers them', () => {
    const proc = openPath('/proc');
    const self = fs.readFileSync('/proc/self/mountinfo', 'utf8');
    const procLine = self.split('\n').find((l) => l.split(' ')[4] === '/proc');
    expect(mountIdOf(proc.fd)).toBe(Number(procLine!.split(' ')[0]));
    const fdinfo = /^mnt_id:\s*(\d+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${proc.fd}`, 'utf8'))![1];
    expect(mountIdOf(proc.fd, { ...proc.stat, mountId: undefined })).toBe(Number(fdinfo));
    closeNode(proc);
  });
});
