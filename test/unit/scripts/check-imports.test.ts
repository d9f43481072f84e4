import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/temp-dir';

const { check } = require('../../../scripts/check-imports.js') as { check(src: string): string[] };

function tree(files: Record<string, string>): string {
  const dir = tempDir('check-imports-');
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('import floor check', () => {
  it('finds nothing in the real source tree', () => {
    expect(check(path.resolve(__dirname, '../../../src'))).toEqual([]);
  });

  it('rejects an import that points up a floor', () => {
    const src = tree({
      'sys/libc.ts': "import { runInit } from '../init/init';\nexport const x = runInit;\n",
      'init/init.ts': 'export function runInit(): void {}\n',
    });
    expect(check(src)).toEqual([
      "sys/libc.ts:1: imports ../init/init, which is on a higher floor (init/ above sys/)",
    ]);
  });

  it('accepts downward and same-floor imports', () => {
    const src = tree({
      'init/init.ts': "import { x } from '../process/reaper';\nimport { y } from './command';\nexport const z = x + y;\n",
      'init/command.ts': 'export const y = 1;\n',
      'process/reaper.ts': "import type { S } from '../sys/libc';\nexport const x = 1 as S;\n",
      'sys/libc.ts': 'export type S = number;\n',
    });
    expect(check(src)).toEqual([]);
  });

  it('rejects a cycle, type-only imports included', () => {
    const src = tree({
      'supervisor/a.ts': "import type { B } from './b';\nexport type A = B;\n",
      'supervisor/b.ts': "import { a } from './a';\nexport type B = typeof a;\n",
    });
    expect(check(src)).toEqual(['import cycle: supervisor/a.ts -> supervisor/b.ts -> supervisor/a.ts']);
  });

  it('names a file that belongs to no floor', () => {
    const src = tree({ 'misc/thing.ts': 'export {};\n' });
    expect(check(src)[0]).toMatch(/misc\/thing\.ts: belongs to no floor/);
  });
});
