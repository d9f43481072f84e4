// Conditions under ts-init as PID 1: a container says so through $container, and units
// that systemd skips in a container (irqbalance, chrony) are skipped here too.
import { describe, expect, it } from 'vitest';
import { runAsPid1 } from '../helpers/ts-init';
import { unitDir } from '../helpers/units';

describe('conditions at boot', () => {
  it('ConditionVirtualization=!container skips a unit in a container; =container and a held capability run theirs', async () => {
    const dir = unitDir({
      'irq.service': `[Unit]\nConditionVirtualization=!container\n[Service]\nType=oneshot\nExecStart=/bin/echo irq-ran\n`,
      'inside.service': `[Unit]\nConditionVirtualization=podman\nConditionCapability=CAP_KILL\nConditionUser=root\n[Service]\nType=oneshot\nExecStart=/bin/echo inside-ran\n`,
      'env.service': `[Unit]\nConditionEnvironment=|NO_SUCH_VAR\nConditionEnvironment=|MARK=on\n[Service]\nType=oneshot\nExecStart=/bin/echo env-ran\n`,
      'asserted.service': `[Unit]\nAssertKernelCommandLine=no.such.word.on.any.kernel\n[Service]\nType=oneshot\nExecStart=/bin/echo assert-ran\n`,
    });
    const r = await runAsPid1(['-v', '--units', dir, '--', '/bin/true'], { env: { ...process.env, container: 'podman', MARK: 'on' } });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/irq-ran/);
    expect(r.stdout).toMatch(/inside-ran/);
    expect(r.stdout).toMatch(/env-ran/);
    expect(r.stdout).not.toMatch(/assert-ran/);
    expect(r.stderr).toMatch(/condition failed: ConditionVirtualization=!container; not starting/);
    expect(r.stderr).toMatch(/assertion failed: AssertKernelCommandLine=no\.such\.word\.on\.any\.kernel; not starting/);
  });
});
