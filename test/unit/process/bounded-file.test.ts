// Bounded reads of files units and operators name: whole files, whatever their size against the
// read buffer, a file whose size says nothing (/proc's), and the bound.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRegularFile } from '../../../src/process/bounded-file';
import { tempDir } from '../../helpers/temp-dir';

describe('readRegularFile', () => {
  const dir = tempDir('ts-init-bounded-');

  it('reads a file whole, below, at and past the first read', () => {
    for (const size of [0, 1, 120, 4095, 4096, 4097, 10_000]) {
      const file = path.join(dir, `f${size}`);
      const text = 'x'.repeat(size);
      fs.writeFileSync(file, text);
      expect(readRegularFile(file, 1 << 20)).toMatchObject({ ok: true, text });
    }
  });

  it("reads a file whose size says nothing (/proc's are 0) to its end", () => {
    const r = readRegularFile('/proc/self/stat', 4096);
    expect(r.ok).toBe(true);
    expect(r.ok && r.text.endsWith('\n')).toBe(true);
    expect(r.ok && r.text.startsWith(`${process.pid} (`)).toBe(true);
  });

  it('refuses a file over the bound, and what is not a regular file', () => {
    const file = path.join(dir, 'big');
    fs.writeFileSync(file, 'y'.repeat(5000));
    expect(readRegularFile(file, 4999)).toMatchObject({ ok: false, code: 'EFBIG' });
    expect(readRegularFile(file, 5000)).toMatchObject({ ok: true });
    expect(readRegularFile(dir, 100)).toMatchObject({ ok: false });
  });
});
