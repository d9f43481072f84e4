// The manual pages render with man(1) without a warning, as lintian renders them (man-db and
// groff-base come from scripts/setup.sh).
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/temp-dir';

const { writeManPages } = require('../../../scripts/man-pages.js') as { writeManPages(dir: string, o: { version: string; date: string }): string[] };

describe('man pages', () => {
  it('man -l renders each page without a warning (as lintian runs it)', () => {
    const dir = tempDir('man-pages-');
    const files = writeManPages(dir, { version: '0.1.0', date: '2026-12-07' });
    expect(files.map((f) => path.relative(dir, f))).toEqual(['man8/ts-init.8', 'man5/ts-init-units.5']);
    for (const file of files) {
      const r = spawnSync('man', ['--warnings', '-E', 'UTF-8', '-l', '-Tutf8', '-Z', file], {
        env: { ...process.env, LC_ALL: 'C.UTF-8', MANROFFSEQ: '', MANWIDTH: '80' },
        encoding: 'utf8',
      });
      expect(r.status, file).toBe(0);
      expect(r.stderr, file).toBe('');
      const text = execFileSync('man', ['-l', file], { env: { ...process.env, LC_ALL: 'C.UTF-8', MANWIDTH: '80' }, encoding: 'utf8' });
      expect(text, file).toMatch(/^NAME\n {7}ts-init/m);
    }
  });
});
