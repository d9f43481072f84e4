// The libuv hazard: reaping orphans must never take a pid that child_process owns,
// or its 'exit' event is lost. These races make both happen at once.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleFixture, NODE } from '../helpers/bundle-fixture';
import { REPO, runAsPid1, start } from '../helpers/ts-init';

/** Three rounds of the harness as PID 1: 200 own children (started by `how`) and 600 orphans; every status seen. */
async function raceRounds(how: string[]): Promise<void> {
  const harness = bundleFixture('race-harness.ts', 'race-harness.js');
  for (let round = 0; round < 3; round++) {
    const run = start('unshare', ['--pid', '--fork', '--mount-proc', NODE, harness, '200', '600', ...how], {
      env: { ...process.env, NODE_PATH: path.join(REPO, 'node_modules') },
    });
    const r = await run.result;
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, number | boolean>;
    expect(report).toEqual({ allExited: true, observed: 200, wrong: 0, orphansReaped: 601, childrenLeft: 0, zombiesLeft: 0 });
  }
}

describe('own children racing orphans', () => {
  it('every own child exit status is observed while hundreds of orphans are reaped (PID 1)', () => raceRounds([]), 120_000);

  it('children started outside libuv (posix_spawn) get their status from the reaper while orphans die and libuv reaps its own', () => raceRounds(['outside']), 120_000);

  it('the built binary never loses the CMD status while orphans die around it', async () => {
    const script = 'i=0; while [ $i -lt 300 ]; do ( /bin/true & ); i=$((i+1)); done; exit 42';
    const runs = await Promise.all(Array.from({ length: 12 }, () => runAsPid1(['--', '/bin/sh', '-c', script])));
    expect(runs.map((r) => r.code)).toEqual(Array(12).fill(42));
  }, 120_000);
});
