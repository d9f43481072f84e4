// Hot reload: the unit directory changes under a running ts-init. The CMD makes
// the changes itself, with pauses, and the log tells what ts-init did.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAsPid1 } from '../helpers/ts-init';
import { unitDir } from '../helpers/units';

const unit = (word: string, extra = ''): string =>
  `[Service]\nExecStart=/bin/sh -c 'echo ${word}; exec sleep 1000'\n${extra}`;

describe('hot reload of unit directories', () => {
  it('applies edits, additions and removals; a broken edit keeps the old definition running', async () => {
    const dir = unitDir({ 'a.service': unit('a-v1'), 'keep.service': unit('keep-v1') });
    const w = (name: string, text: string): string => `printf '%s' '${text.replace(/'/g, `'\\''`)}' > ${path.join(dir, name)}`;
    const script = [
      'sleep 1',
      w('a.service', unit('a-v2')),
      'sleep 1.5',
      w('b.service', unit('b-v1')),
      'sleep 1.5',
      `rm ${path.join(dir, 'keep.service')}`,
      'sleep 1.5',
      w('b.service', '[Service]\nType=bogus\nExecStart=/bin/echo broken\n'),
      'sleep 1.5',
      'echo cmd-done',
    ].join('; ');
    const r = await runAsPid1(['-v', '--units', dir, '--', '/bin/sh', '-c', script]);
    expect(r.code).toBe(0);
    const order = ['a.service: a-v1', 'a.service: a-v2', 'b.service: b-v1', 'cmd-done'].map((l) => r.stdout.indexOf(l));
    expect(order.every((i) => i >= 0), r.stdout).toBe(true);
    expect([...order].sort((x, y) => x - y)).toEqual(order);
    // keep.service was stopped when its file went away; b kept running after the broken edit.
    expect(r.stderr).toMatch(/unit definitions reloaded added=\[\] changed=\["a\.service"\] removed=\[\]/);
    expect(r.stderr).toMatch(/unit definitions reloaded added=\["b\.service"\] changed=\[\] removed=\[\]/);
    expect(r.stderr).toMatch(/unit definitions reloaded added=\[\] changed=\[\] removed=\["keep\.service"\]/);
    expect(r.stderr).toMatch(/deactivating \(stop-sigterm\) -> inactive \(dead\) unit="keep\.service"/);
    expect(r.stderr).toMatch(/\[ERROR ts-init\] reload: .*b\.service:2: error: Type: unknown service type "bogus"/);
    expect(r.stderr).toMatch(/\[ERROR ts-init\] reload: b\.service: the new definition is broken; the running one is kept/);
    expect(r.stdout).not.toMatch(/broken/);
    const bRuns = r.stderr.split('\n').filter((l) => l.includes('unit="b.service"') && l.includes('inactive (dead) -> activating')).length;
    expect(bRuns).toBe(1);
  }, 30_000);
});
