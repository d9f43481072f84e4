import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDirectoryAction, secureRunDirectory } from '../../../src/hooks/run-directory';
import { tempDir } from '../../helpers/temp-dir';

describe('/run as the rich init finds it', () => {
  it('is left alone when root owns it and nobody else may write it', () => {
    expect(runDirectoryAction({ uid: 0, mode: 0o40755 }, 0)).toEqual({ kind: 'fine' });
    expect(runDirectoryAction({ uid: 0, mode: 0o40700 }, 0)).toEqual({ kind: 'fine' });
  });
  it("is made 0755 when it is root's but others may write it: an emptyDir (0777), with medium: Memory (1777), with fsGroup (2777)", () => {
    for (const mode of [0o40777, 0o41777, 0o42777, 0o40775]) expect(runDirectoryAction({ uid: 0, mode }, 0)).toEqual({ kind: 'tighten', mode: 0o755 });
  });
  it('is refused when it is writable by others and not ours to change', () => {
    expect(runDirectoryAction({ uid: 65534, mode: 0o40777 }, 0)).toEqual({ kind: 'refuse', why: 'it belongs to uid 65534' });
    expect(runDirectoryAction({ uid: 1001, mode: 0o40755 }, 0)).toEqual({ kind: 'refuse', why: 'it belongs to uid 1001' });
  });
  it('says in one line what it did, on the directory itself', () => {
    const run = path.join(tempDir('run-dir-'), 'run');
    fs.mkdirSync(run);
    fs.chmodSync(run, 0o777);
    expect(secureRunDirectory(run)).toEqual({
      level: 'warn',
      message: `${run} (uid 0, mode 0777) was writable by other users: made it 0755, as systemd's /run is, so that nobody else can plant files where ts-init and its units put theirs`,
    });
    expect(fs.statSync(run).mode & 0o7777).toBe(0o755);
    expect(secureRunDirectory(run)).toBeUndefined();
    fs.chownSync(run, 65534, 65534);
    fs.chmodSync(run, 0o777);
    expect(secureRunDirectory(run)?.message).toMatch(/^.* \(uid 65534, mode 0777\) was writable by other users and it belongs to uid 65534: ts-init puts none of its files there/);
    expect(fs.statSync(run).mode & 0o7777).toBe(0o777);
  });
  it("moves aside what ts-init reads its configuration from under a /run it had to tighten, unless it is root's alone", () => {
    const run = path.join(tempDir('run-dir-'), 'run');
    fs.mkdirSync(path.join(run, 'systemd/system'), { recursive: true });
    fs.writeFileSync(path.join(run, 'systemd/system/evil.service'), '[Service]\nExecStart=/bin/true\n');
    fs.chownSync(path.join(run, 'systemd/system/evil.service'), 65534, 65534);
    fs.mkdirSync(path.join(run, 'tmpfiles.d'), { mode: 0o755 });
    fs.writeFileSync(path.join(run, 'tmpfiles.d/ok.conf'), 'd /run/x\n');
    fs.chmodSync(run, 0o1777);
    const said = secureRunDirectory(run);
    expect(said?.message).toMatch(new RegExp(`; moved ${run}/systemd, which others could change, to ${run}/systemd\\.untrusted-[0-9a-f]{8}$`));
    expect(fs.readdirSync(run).sort()).toEqual([expect.stringMatching(/^systemd\.untrusted-/), 'tmpfiles.d']);
  });
});
