// tmpfiles.d's glob(3): a component at a time, a leading dot only by a dot, what exists, sorted.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { globPaths } from '../../../src/boot/glob-paths';
import { tempDir } from '../../helpers/temp-dir';

function tree(files: string[]): string {
  const root = tempDir('glob-paths-');
  for (const f of files) {
    fs.mkdirSync(path.join(root, f.endsWith('/') ? f : path.dirname(f)), { recursive: true });
    if (!f.endsWith('/')) fs.writeFileSync(path.join(root, f), '');
  }
  return root;
}

describe('globPaths', () => {
  it('matches a component at a time, as systemd-tmpfiles\' glob(3) does, and gives the paths under the root, sorted', () => {
    const root = tree(['tmp/.X1-lock', 'tmp/.X12-lock', 'tmp/.Xa-lock', 'tmp/X1-lock', 'tmp/systemd-private-b/tmp/', 'tmp/systemd-private-a/tmp/', 'tmp/systemd-private-c/', 'tmp/other']);
    expect(globPaths('/tmp/.X[0-9]*-lock', root)).toEqual(['/tmp/.X1-lock', '/tmp/.X12-lock']);
    expect(globPaths('/tmp/systemd-private-*', root)).toEqual(['/tmp/systemd-private-a', '/tmp/systemd-private-b', '/tmp/systemd-private-c']);
    // A component named without a wildcard must exist.
    expect(globPaths('/tmp/systemd-private-*/tmp', root)).toEqual(['/tmp/systemd-private-a/tmp', '/tmp/systemd-private-b/tmp']);
    // A leading dot is matched only by a dot.
    expect(globPaths('/tmp/*', root)).toEqual(['/tmp/X1-lock', '/tmp/other', '/tmp/systemd-private-a', '/tmp/systemd-private-b', '/tmp/systemd-private-c']);
    expect(globPaths('/tmp/?X1-lock', root)).toEqual([]);
    expect(globPaths('/nowhere/*', root)).toEqual([]);
    expect(globPaths('/tmp/[', root)).toEqual([]);
  });

  it('expands braces as Node\'s glob does', () => {
    const root = tree(['run/a.journal', 'run/b.journal~', 'run/c']);
    expect(globPaths('/run/*.{journal,journal~}', root)).toEqual(['/run/a.journal', '/run/b.journal~']);
  });
});
