// RuntimeDirectory= made and removed through fds, in a 0777 "run" directory (the suite runs as root).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRuntimeDirectory, removeRuntimeDirectory } from '../../../src/supervisor/runtime-directory';
import { tempDir } from '../../helpers/temp-dir';

const NOBODY = { uid: 65534, gid: 65534 };

function worldWritableRun(): { run: string; victim: string } {
  const dir = tempDir('ts-init-runtime-dir-');
  const run = path.join(dir, 'run');
  const victim = path.join(dir, 'etc');
  fs.mkdirSync(run);
  fs.chmodSync(run, 0o777);
  fs.mkdirSync(victim);
  return { run, victim };
}

describe('RuntimeDirectory=', () => {
  it('makes the directory (and root-owned parents) with the mode and owner, and removes it again', () => {
    const { run } = worldWritableRun();
    expect(makeRuntimeDirectory(path.join(run, 'a/b'), 0o750, NOBODY)).toBeUndefined();
    const st = fs.statSync(path.join(run, 'a/b'));
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([65534, 65534, 0o750]);
    expect(fs.statSync(path.join(run, 'a')).uid).toBe(0);
    // Again: already right, left alone.
    expect(makeRuntimeDirectory(path.join(run, 'a/b'), 0o750, NOBODY)).toBeUndefined();
    removeRuntimeDirectory(path.join(run, 'a/b'));
    expect(fs.existsSync(path.join(run, 'a/b'))).toBe(false);
    removeRuntimeDirectory(path.join(run, 'never/made'));
  });

  it("refuses a planted symlink or another user's directory; teardown removes the link, not its target", () => {
    const { run, victim } = worldWritableRun();
    fs.writeFileSync(path.join(victim, 'passwd'), 'root');
    fs.symlinkSync(victim, path.join(run, 'foo'));
    fs.lchownSync(path.join(run, 'foo'), 65534, 65534);
    expect(makeRuntimeDirectory(path.join(run, 'foo'), 0o755, NOBODY)).toBe(`${run}/foo exists and is not a directory (a symlink is never followed); refusing it`);
    expect(fs.statSync(victim).uid).toBe(0);
    removeRuntimeDirectory(path.join(run, 'foo'));
    expect(fs.existsSync(path.join(run, 'foo'))).toBe(false);
    expect(fs.readFileSync(path.join(victim, 'passwd'), 'utf8')).toBe('root');
    fs.mkdirSync(path.join(run, 'bar'));
    fs.chownSync(path.join(run, 'bar'), 1000, 1000);
    // A real directory someone else made becomes the unit's, as systemd makes it (through the fd).
    expect(makeRuntimeDirectory(path.join(run, 'bar'), 0o755, NOBODY)).toBeUndefined();
    expect(fs.statSync(path.join(run, 'bar'))).toMatchObject({ uid: NOBODY.uid, gid: NOBODY.gid });
    // A parent owned by a user in the 0777 directory is an unsafe step.
    expect(makeRuntimeDirectory(path.join(run, 'bar/sub'), 0o755, NOBODY)).toMatch(/^unsafe path transition .*\/run \(owned by uid 0\) -> .*\/run\/bar \(owned by uid 65534\)/);
  });
});
