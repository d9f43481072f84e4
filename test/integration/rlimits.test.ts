// Limit*= above the hard limit ts-init may not raise (no CAP_SYS_RESOURCE, as in most
// containers) is clamped to that hard limit, as systemd does, instead of failing the unit.
import { describe, expect, it } from 'vitest';
import { ISOLATE_MOUNTS, requireBinary, start, TS_INIT } from '../helpers/ts-init';
import { unitDir } from '../helpers/units';

describe('Limit*=', () => {
  it('clamps to the hard limit, sets what fits, and infinity does not fail', async () => {
    requireBinary();
    const dir = unitDir({
      'limits.service':
        '[Service]\nType=oneshot\nLimitNOFILE=65535\nLimitCORE=infinity\nLimitNPROC=1000:2000\n' +
        `ExecStart=/bin/sh -c 'echo nofile $(ulimit -Sn) $(ulimit -Hn); echo nproc $(ulimit -Sp) $(ulimit -Hp); echo core $(ulimit -Hc)'\n`,
    });
    // The hard limits are lowered and CAP_SYS_RESOURCE is dropped, so nothing can raise them again.
    const script = `${ISOLATE_MOUNTS} && ulimit -n 4096 && ulimit -p 3000 && ulimit -c 0 && exec setpriv --bounding-set -sys_resource "$0" "$@"`;
    const r = await start('unshare', ['--pid', '--fork', '--mount-proc', '--propagation', 'private', '/bin/sh', '-c', script, TS_INIT, '--units', dir, '--', '/bin/true']).result;
    expect(r.stderr).not.toMatch(/prlimit|cannot prepare/);
    expect(r.stdout).toMatch(/^limits\.service: nofile 4096 4096$/m);
    expect(r.stdout).toMatch(/^limits\.service: nproc 1000 2000$/m);
    expect(r.stdout).toMatch(/^limits\.service: core 0$/m);
    expect(r.code).toBe(0);
  });
});
