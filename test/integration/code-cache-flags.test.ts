// The build's training run makes PID 1's code cache after the rich init has turned V8's
// compilers off (sys/memory.ts interpretOnly); it turns them on again first, or V8 rejects
// the cache at every start. A rejected or corrupt cache still runs: V8 compiles from source.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleFixture, NODE } from '../helpers/bundle-fixture';
import { tempDir } from '../helpers/temp-dir';

let fixture: string;
beforeAll(() => {
  fixture = bundleFixture('code-cache-flags.ts', 'code-cache-flags.js');
});

const run = (mode: string, file: string): string => execFileSync(NODE, ['--expose-internals', '--no-warnings', fixture, mode, file], { encoding: 'utf8' });

function madeThenUsed(mode: string): { rejected: boolean; result: number } {
  const file = path.join(tempDir('code-cache-flags-'), 'cache');
  run(mode, file);
  return JSON.parse(run('use', file));
}

describe("a code cache made once the rich init's compilers were off", () => {
  it('is taken by a fresh start when the compilers were turned on again before it was made', () => {
    expect(madeThenUsed('make-restored')).toEqual({ rejected: false, result: 41 });
  });

  it('is rejected when made under the interpret-only flags (their hash differs), and the script still runs', () => {
    expect(madeThenUsed('make-left')).toEqual({ rejected: true, result: 41 });
  });

  it('a corrupt cache is rejected and the script compiles from source', () => {
    expect(madeThenUsed('corrupt')).toEqual({ rejected: true, result: 41 });
  });
});
