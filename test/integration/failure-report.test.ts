// A unit that fails is said once at the default verbosity: its name, the result
// and the last lines it printed in that run.
import { expect, it } from 'vitest';
import { runAsPid1 } from '../helpers/ts-init';
import { unitDir } from '../helpers/units';

it('a failed unit gets one error line with its result and last output; a restarted one only when it gives up', async () => {
  const dir = unitDir({
    'bad.service': `[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo starting; echo "config error on line 3" >&2; exit 3'\n`,
    'flaky.service': `[Unit]\nStartLimitIntervalSec=60\nStartLimitBurst=3\n[Service]\nExecStart=/bin/sh -c 'echo try; exit 1'\nRestart=on-failure\nRestartSec=100ms\n`,
    'good.service': '[Service]\nExecStart=/bin/sleep 100\n',
  });
  const r = await runAsPid1(['--no-wait', '--units', dir, '--', '/bin/sleep', '2']);
  expect(r.code).toBe(0);
  const lines = r.stderr.split('\n').filter((l) => / failed \(Result: /.test(l));
  expect(lines).toEqual([
    expect.stringMatching(/^\[ERROR ts-init\] bad\.service failed \(Result: exit-code\) unit="bad\.service" result="exit-code" lastLines=\["starting","config error on line 3"\]$/),
    expect.stringMatching(/^\[ERROR ts-init\] flaky\.service failed \(Result: (start-limit-hit|exit-code)\) unit="flaky\.service" .*lastLines=\["try"\]$/),
  ]);
});
