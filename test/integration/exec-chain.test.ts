// A command whose unit sets credentials, umask and limits starts through the image's own
// small programs (sh, prlimit, setpriv) when they can set it all, and gets exactly the
// process the exec helper would have made: compared side by side with a unit that only
// the helper can start (Nice= is not a link of the chain).
import { describe, expect, it } from 'vitest';
import { runAsPid1 } from '../helpers/ts-init';
import { unitDir } from '../helpers/units';

const REPORT =
  `/bin/sh -c 'echo "uid=$(id -u) gid=$(id -g) groups=$(id -G) umask=$(umask) nofile=$(ulimit -Sn):$(ulimit -Hn)` +
  ` core=$(ulimit -Sc) session=$(cut -d" " -f6 /proc/self/stat) home=$HOME"'`;
const SETTINGS = 'Type=oneshot\nUser=nobody\nSupplementaryGroups=adm\nUMask=0027\nLimitNOFILE=4096:8192\nLimitCORE=0\n';

describe('exec chain', () => {
  it('gives a command the same credentials, umask, limits and session as the exec helper', async () => {
    const dir = unitDir({
      'chain.service': `[Service]\n${SETTINGS}ExecStart=${REPORT}\n`,
      'helper.service': `[Service]\n${SETTINGS}Nice=0\nExecStart=${REPORT}\n`,
    });
    const r = await runAsPid1(['-vv', '--units', dir, '--', '/bin/true']);
    expect(r.code).toBe(0);
    const report = (unit: string) => r.stdout.match(new RegExp(`^${unit}: (.*)$`, 'm'))?.[1];
    const pidVia = (unit: string) => {
      const line = r.stderr.split('\n').find((l) => l.includes(`unit="${unit}"`) && l.includes('command started'));
      return { pid: line?.match(/pid=(\d+)/)?.[1], via: line?.match(/via="?(\w+)/)?.[1] };
    };
    const chain = pidVia('chain.service');
    const helper = pidVia('helper.service');
    expect(chain.via).toBe('chain');
    expect(helper.via).toBe('helper');
    // Every attribute as asked; the command leads a session of its own (its pid is the one started).
    expect(report('chain.service')).toBe(`uid=65534 gid=65534 groups=65534 4 umask=0027 nofile=4096:8192 core=0 session=${chain.pid} home=/nonexistent`);
    expect(report('helper.service')).toBe(`uid=65534 gid=65534 groups=65534 4 umask=0027 nofile=4096:8192 core=0 session=${helper.pid} home=/nonexistent`);
  });
});
