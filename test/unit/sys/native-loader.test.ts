import { describe, expect, it } from 'vitest';
import { isOnNoexecMount, parseMountinfo } from '../../../src/sys/native-loader';

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
