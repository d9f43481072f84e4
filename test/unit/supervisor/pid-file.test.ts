// PIDFile= trust, after systemd's service_load_pid_file(), on real files (the suite runs as root).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPidFile, pidFileDistrust, pidFileRefusal } from '../../../src/supervisor/pid-file';
import { tempDir } from '../../helpers/temp-dir';

describe('PID files', () => {
  it('trusts a root-owned file reached safely; not a user-owned one, nor one reached through a user link', () => {
    const dir = tempDir('ts-init-pid-file-');
    fs.writeFileSync(path.join(dir, 'root.pid'), '4242\n');
    expect(loadPidFile(path.join(dir, 'root.pid'))).toEqual({ kind: 'pid', pid: 4242, trusted: true, distrust: '' });
    const own = path.join(dir, 'own');
    fs.mkdirSync(own);
    fs.chownSync(own, 65534, 65534);
    fs.writeFileSync(path.join(own, 'user.pid'), '17');
    fs.chownSync(path.join(own, 'user.pid'), 65534, 65534);
    expect(loadPidFile(path.join(own, 'user.pid'))).toMatchObject({ kind: 'pid', pid: 17, trusted: false, distrust: 'the PID file is not owned by root' });
    fs.symlinkSync(path.join(dir, 'root.pid'), path.join(own, 'link.pid'));
    fs.lchownSync(path.join(own, 'link.pid'), 65534, 65534);
    const linked = loadPidFile(path.join(own, 'link.pid'));
    expect(linked).toMatchObject({ kind: 'pid', pid: 4242, trusted: false });
    expect(linked.kind === 'pid' && linked.distrust).toMatch(/^acquired through an unsafe symlink chain \(unsafe path transition .*\/own\/link\.pid \(owned by uid 65534\) -> \/ \(owned by uid 0\)/);
  });

  it('a missing file or one not yet holding a number is read again; a FIFO is an error, without blocking', () => {
    const dir = tempDir('ts-init-pid-file-');
    expect(loadPidFile(path.join(dir, 'nope/x.pid'))).toEqual({ kind: 'none' });
    fs.writeFileSync(path.join(dir, 'half.pid'), '');
    expect(loadPidFile(path.join(dir, 'half.pid'))).toEqual({ kind: 'none' });
    require('node:child_process').execFileSync('mkfifo', [path.join(dir, 'fifo.pid')]);
    expect(loadPidFile(path.join(dir, 'fifo.pid'))).toEqual({ kind: 'error', message: 'a FIFO, not a regular file' });
  });

  it('says why a pid is refused', () => {
    expect(pidFileDistrust(0, undefined)).toBe('');
    expect(pidFileRefusal('/run/a.pid', 5, 'does not belong to the unit', 'the PID file is not owned by root')).toBe(
      'PID 5 in PID file /run/a.pid does not belong to the unit, and the PID file is not owned by root; refusing it',
    );
    expect(pidFileRefusal('/run/a.pid', 1, 'is the manager', 'the PID file is not owned by root')).toBe('PID 1 in PID file /run/a.pid is the manager; refusing it');
  });
});
