// dumb-init 1.2.5's own pytest suite (tests/ of its source) against ts-init installed as
// `dumb-init` (found on PATH, as the suite expects). It runs in a PID namespace whose PID 1
// is ts-init: two of its cases (test_setsid_signals_entire_group) count zombies as living
// processes, and on a machine whose own PID 1 reaps orphans late they fail for Debian's
// dumb-init too (180 of 182). Under a PID 1 that reaps at once, Debian's passes all 182,
// and so must ts-init. About 30 s.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installAs, peerSource } from '../helpers/peer-suites';
import { requireBinary, TS_INIT } from '../helpers/ts-init';
import { tempDir } from '../helpers/temp-dir';

const EXPECTED_CASES = 182;

let source = '';
let bin = '';

beforeAll(() => {
  requireBinary();
  source = peerSource('dumb-init');
  bin = tempDir('ts-init-dumb-init-suite-');
  installAs(TS_INIT, bin, 'dumb-init');
});
afterAll(() => bin && fs.rmSync(bin, { recursive: true, force: true }));

function runPytest(): Promise<{ outcomes: Map<string, string>; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'unshare',
      ['--pid', '--fork', '--mount-proc', TS_INIT, '--', '/usr/bin/python3', '-m', 'pytest', 'tests', '-p', 'no:cacheprovider', '-q', '-rA'],
      { cwd: source, env: { ...process.env, PATH: `${bin}:/usr/sbin:/usr/bin:/sbin:/bin` }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const outcomes = new Map<string, string>();
      for (const m of output.matchAll(/^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (tests\/\S+)/gm)) outcomes.set(m[2]!, m[1]!);
      resolve({ outcomes, output });
    });
  });
}

describe("dumb-init 1.2.5's own test suite, ts-init installed as dumb-init", () => {
  it('passes all of it', async () => {
    const { outcomes, output } = await runPytest();
    const notPassed = [...outcomes].filter(([, o]) => o !== 'PASSED');
    expect(notPassed, output.slice(-6000)).toEqual([]);
    expect(outcomes.size, output.slice(-3000)).toBe(EXPECTED_CASES);
    expect(output).toMatch(new RegExp(`\\b${EXPECTED_CASES} passed\\b`));
  }, 300_000);
});
