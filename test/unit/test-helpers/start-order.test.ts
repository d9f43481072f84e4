import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILDS, FILE_SECONDS, missingBuilds, startOrder } from '../../helpers/file-order.mjs';
import { tempDir } from '../../helpers/temp-dir';

const REPO = path.resolve(__dirname, '..', '..', '..');

const builds = {
  big: { ready: 'big.ready', seconds: 400, files: ['a.test.ts', 'b.test.ts', 'c.test.ts'] },
  small: { ready: 'small.ready', seconds: 100, files: ['d.test.ts'] },
};
const files = [
  { file: 'a.test.ts', seconds: 100 },
  { file: 'b.test.ts', seconds: 50 },
  { file: 'c.test.ts', seconds: 20 },
  { file: 'd.test.ts', seconds: 10 },
  { file: 'e.test.ts', seconds: 60 },
  { file: 'f.test.ts', seconds: 1 },
];

describe('the start order of test files', () => {
  it('is longest first when every image is cached', () => {
    expect(startOrder(files, new Set(), builds)).toEqual(['a.test.ts', 'e.test.ts', 'b.test.ts', 'c.test.ts', 'd.test.ts', 'f.test.ts']);
  });

  it('starts the files that build missing images first, and those that would wait for them after the rest', () => {
    expect(startOrder(files, new Set(['big', 'small']), builds)).toEqual(['a.test.ts', 'd.test.ts', 'e.test.ts', 'f.test.ts', 'b.test.ts', 'c.test.ts']);
  });

  it('chooses the costliest file present as the builder', () => {
    const without = files.filter((f) => f.file !== 'a.test.ts');
    expect(startOrder(without, new Set(['big']), builds)).toEqual(['b.test.ts', 'e.test.ts', 'd.test.ts', 'f.test.ts', 'c.test.ts']);
  });

  it('names files and ready markers that exist', () => {
    for (const file of [...Object.keys(FILE_SECONDS), ...Object.values(BUILDS).flatMap((b) => b.files)]) {
      expect(fs.existsSync(path.join(REPO, file)), file).toBe(true);
    }
    const markers = tempDir('ts-init-ready-');
    expect([...missingBuilds(markers)].sort()).toEqual(Object.keys(BUILDS).sort());
    for (const b of Object.values(BUILDS)) fs.writeFileSync(path.join(markers, b.ready), '');
    expect(missingBuilds(markers).size).toBe(0);
  });
});
