import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { monotonicNow, timeOrigin } from '../../../src/sys/clock';

const CLOCK = path.join(__dirname, '../../../src/sys/clock.ts');

describe('clock', () => {
  it("reads performance's clock where the runtime's internals are out of reach", () => {
    const before = performance.now();
    const now = monotonicNow();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(performance.now());
    expect(timeOrigin()).toBe(performance.timeOrigin);
  });

  it('reads the same clock from the internals (as the executable does), without loading perf_hooks', () => {
    const code = transformSync(fs.readFileSync(CLOCK, 'utf8'), { loader: 'ts', format: 'cjs' }).code;
    const probe = `${code}
const a = monotonicNow(), origin = timeOrigin(), loaded = process.moduleLoadList.includes('NativeModule perf_hooks');
const b = performance.now();
process.stdout.write(JSON.stringify({ a, b, origin, loaded, real: performance.timeOrigin }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['--expose-internals', '--no-warnings', '-e', probe], { encoding: 'utf8' }));
    expect(out.loaded).toBe(false);
    expect(out.a).toBeLessThanOrEqual(out.b);
    expect(out.b - out.a).toBeLessThan(1000);
    expect(out.origin).toBe(out.real);
  });
});
