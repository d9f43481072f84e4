import { describe, expect, it } from 'vitest';
import { isMappedUid, isOnNoexecMount, isTrustedCopy, mountOptionsById, parseMountinfo } from '../../../src/sys/native-loader';

const MOUNTINFO = [
  '100 90 0:50 / / ro,relatime - overlay overlay rw',
  '106 100 0:46 / /dev rw,nosuid,noexec - tmpfs tmpfs rw,size=65536k,mode=755',
  '111 106 0:40 / /dev/shm rw,nosuid,nodev,noexec,relatime - tmpfs shm rw',
  '107 100 0:45 / /run rw,nosuid,nodev - tmpfs tmpfs rw',
  '108 100 0:47 / /run rw,nosuid,nodev,noexec - tmpfs tmpfs rw',
  '109 100 0:48 / /my\\040dir rw,noexec - tmpfs tmpfs rw',
].join('\n');

describe('noexec mounts', () => {
  const mounts = parseMountinfo(MOUNTINFO);
  it('takes the longest mount point, the last mount of a point, and unescapes names', () => {
    expect(isOnNoexecMount('/dev/shm', mounts)).toBe(true);
    expect(isOnNoexecMount('/dev', mounts)).toBe(true);
    expect(isOnNoexecMount('/run', mounts)).toBe(true);
    expect(isOnNoexecMount('/tmp', mounts)).toBe(false);
    expect(isOnNoexecMount('/devices', mounts)).toBe(false);
    expect(isOnNoexecMount('/my dir', mounts)).toBe(true);
  });
});

describe('the mount a descriptor lies on', () => {
  it('is found by its id, whatever its mount point, and only its own options count', () => {
    expect(mountOptionsById(MOUNTINFO, 107)).toEqual(['rw', 'nosuid', 'nodev']);
    expect(mountOptionsById(MOUNTINFO, 108)).toContain('noexec');
    expect(mountOptionsById(MOUNTINFO, 100)).toEqual(['ro', 'relatime']);
    expect(mountOptionsById(MOUNTINFO, 10)).toBeUndefined();
    expect(mountOptionsById('', 100)).toBeUndefined();
  });
});

describe('a module file found under its name', () => {
  const file = (uid: number, mode: number, size = 1000, regular = true, nlink = 1) => ({ uid, mode, size, nlink, isFile: () => regular });
  it('is loaded only when it is a regular file of the right size that root or this user owns and nobody else may write', () => {
    expect(isTrustedCopy(file(0, 0o100500), 1000, 'extracted', 0)).toBe(true);
    expect(isTrustedCopy(file(0, 0o100444), 1000, 'extracted', 1000)).toBe(true);
    expect(isTrustedCopy(file(1000, 0o100500), 1000, 'extracted', 1000)).toBe(true);
    // planted by another user of the container in /dev/shm or /tmp
    expect(isTrustedCopy(file(1000, 0o100500), 1000, 'extracted', 0)).toBe(false);
    expect(isTrustedCopy(file(1000, 0o100666), 1000, 'beside', 0)).toBe(false);
    expect(isTrustedCopy(file(0, 0o100522), 1000, 'extracted', 0)).toBe(false);
    expect(isTrustedCopy(file(0, 0o100502), 1000, 'extracted', 0)).toBe(false);
    expect(isTrustedCopy(file(0, 0o100500, 999), 1000, 'extracted', 0)).toBe(false);
    expect(isTrustedCopy(file(0, 0o40500, 1000, false), 1000, 'extracted', 0)).toBe(false);
  });
  it('is not loaded from a shared directory when it has a second name; beside the executable it may', () => {
    expect(isTrustedCopy(file(0, 0o100500, 1000, true, 2), 1000, 'extracted', 0)).toBe(false);
    expect(isTrustedCopy(file(0, 0o100444, 1000, true, 2), 1000, 'beside', 0)).toBe(true);
  });
  it('beside the executable, may belong to an owner this user namespace does not map', () => {
    const unmapped = (uid: number) => uid === 65534;
    expect(isTrustedCopy(file(65534, 0o100444), 1000, 'beside', 0, unmapped)).toBe(true);
    expect(isTrustedCopy(file(65534, 0o100666), 1000, 'beside', 0, unmapped)).toBe(false);
    expect(isTrustedCopy(file(65534, 0o100444), 1000, 'extracted', 0)).toBe(false);
  });
});

describe('uid_map', () => {
  it('says whether a uid is mapped', () => {
    const map = '         0     100000      65536\n';
    expect(isMappedUid(65534, map)).toBe(true);
    expect(isMappedUid(65534, '0 0 1000\n')).toBe(false);
    expect(isMappedUid(0, '         0          0 4294967295\n')).toBe(true);
  });
});
