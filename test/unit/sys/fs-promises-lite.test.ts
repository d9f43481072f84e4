import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as lite from '../../../src/sys/fs-promises-lite';
import { tempDir } from '../../helpers/temp-dir';

// The calls bundled libraries make must answer as the runtime's fs/promises does.
describe('fs-promises-lite', () => {
  const dir = tempDir('fs-lite-');
  fs.writeFileSync(path.join(dir, 'a.service'), 'x');
  fs.symlinkSync('a.service', path.join(dir, 'b.service'));
  fs.mkdirSync(path.join(dir, 'sub'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('stat and lstat follow and do not follow links, with bigint too', async () => {
    const link = path.join(dir, 'b.service');
    expect((await lite.stat(link)).isFile()).toBe(true);
    expect((await lite.lstat(link)).isSymbolicLink()).toBe(true);
    expect((await lite.stat(link, { bigint: true })).size).toBe((await fsp.stat(link, { bigint: true })).size);
  });

  it('realpath resolves links, through linked directories too, and rejects as fs/promises does', async () => {
    fs.symlinkSync('sub', path.join(dir, 'sub-link'));
    fs.writeFileSync(path.join(dir, 'sub', 'c.service'), 'x');
    for (const p of ['b.service', 'sub-link/c.service', 'sub/../b.service']) {
      expect(await lite.realpath(path.join(dir, p))).toBe(await fsp.realpath(path.join(dir, p)));
    }
    expect(await lite.realpath(path.join(dir, 'sub-link/c.service'))).toBe(path.join(fs.realpathSync(dir), 'sub', 'c.service'));
    await expect(lite.realpath(path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    fs.rmSync(path.join(dir, 'sub-link'));
    fs.rmSync(path.join(dir, 'sub', 'c.service'));
  });

  it('readdir gives names, or entries with their types', async () => {
    expect(((await lite.readdir(dir)) as string[]).sort()).toEqual(((await fsp.readdir(dir)) as string[]).sort());
    const entries = (await lite.readdir(dir, { withFileTypes: true })) as fs.Dirent[];
    const types = Object.fromEntries(entries.map((e) => [e.name, e.isDirectory() ? 'dir' : e.isSymbolicLink() ? 'link' : 'file']));
    expect(types).toEqual({ 'a.service': 'file', 'b.service': 'link', sub: 'dir' });
  });

  it('rejects with the same error codes', async () => {
    const missing = path.join(dir, 'missing');
    await expect(lite.stat(missing)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(lite.readdir(path.join(dir, 'a.service'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(lite.open(missing, 'r')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('open gives a handle that closes its descriptor', async () => {
    const handle = await lite.open(path.join(dir, 'a.service'), 'r');
    expect(fs.fstatSync(handle.fd).size).toBe(1);
    await handle.close();
    expect(() => fs.fstatSync(handle.fd)).toThrow(/EBADF/);
  });
});
