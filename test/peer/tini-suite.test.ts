// tini's own test driver (test/run_inner_tests.py of tini 0.19.0, with its stage scripts)
// against ts-init installed as `tini`, case by case (test/peer/tini_suite.py). Everything
// must pass except the signal-configuration case: tini hands the CMD the signal mask and
// the ignored dispositions it inherited, and Node.js replaces the mask and resets every
// ignored signal while it starts, before any of ts-init's code runs (README, Known limits).
// About 70 s: 512 runs for the exit-code test, reaping tests that poll once a second.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerSource } from '../helpers/peer-suites';
import { requireBinary, TS_INIT } from '../helpers/ts-init';
import { tempDir } from '../helpers/temp-dir';

const UNMEETABLE: Record<string, string> = Object.fromEntries(
  ['SIGTTOU in SigIgn', 'SIGSEGV in SigIgn', 'SIGINT in SigIgn', 'SIGTTIN in SigBlk', 'SIGILL in SigBlk', 'SIGTERM in SigBlk'].map((c) => [
    `signal configuration test: ${c}`,
    'inherited signal mask and ignored dispositions are reset by the Node.js runtime before ts-init runs',
  ]),
);

let source = '';
let build = '';

beforeAll(() => {
  requireBinary();
  source = peerSource('tini');
  build = tempDir('ts-init-tini-suite-');
  fs.symlinkSync(TS_INIT, path.join(build, 'tini'));
  execFileSync('gcc', ['-o', path.join(build, 'sigconf-test'), path.join(source, 'test/sigconf/sigconf-test.c')]);
  // Its helper scripts start with `#!/usr/bin/env python` (or python3): Debian's, with psutil.
  fs.mkdirSync(path.join(build, 'bin'));
  for (const n of ['python', 'python3']) fs.symlinkSync('/usr/bin/python3', path.join(build, 'bin', n));
});
afterAll(() => build && fs.rmSync(build, { recursive: true, force: true }));

function runSuite(): Promise<{ cases: Record<string, string>; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [path.join(__dirname, 'tini_suite.py')], {
      env: { ...process.env, PATH: `${path.join(build, 'bin')}:${process.env.PATH}`, SOURCE_DIR: source, BUILD_DIR: build, FORCE_SUBREAPER: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolve({ cases: (JSON.parse(last) as { cases: Record<string, string> }).cases, stderr: err });
      } catch {
        reject(new Error(`no result from tini_suite.py; stdout:\n${out.slice(-3000)}\nstderr:\n${err.slice(-3000)}`));
      }
    });
  });
}

describe("tini 0.19.0's own test suite, ts-init installed as tini", () => {
  it('passes every case but the inherited signal configuration', async () => {
    const { cases } = await runSuite();
    const failed = Object.fromEntries(Object.entries(cases).filter(([, v]) => v !== 'pass'));
    const unexpected = Object.fromEntries(Object.entries(failed).filter(([k]) => !(k in UNMEETABLE)));
    expect(unexpected).toEqual({});
    // The unmeetable ones do fail (the suite really checks them) ...
    expect(Object.keys(failed).sort()).toEqual(Object.keys(UNMEETABLE).sort());
    // ... and the rest is all of the suite: 256 exit codes, 3 launch modes × (reaping, -w, 3 signals), the rest.
    expect(Object.keys(cases)).toHaveLength(281);
    expect(Object.keys(cases).filter((k) => k.startsWith('exit code test'))).toHaveLength(256);
    for (const name of ['Running reaping display test (tini -s with env {})', 'Running zombie reaping failure test (Tini should warn)', 'Running parent death signal test']) {
      expect(cases[name], name).toBe('pass');
    }
  }, 400_000);
});
