// Planning the chain of small programs that set a unit command's attributes before it runs,
// and the cases left to the exec helper.
import { describe, expect, it } from 'vitest';
import { chainLimits, planChain, type ChainRequest, type ChainTools, type LimitContext } from '../../../src/exec/exec-chain';

const TOOLS: ChainTools = { sh: '/bin/sh', prlimit: '/usr/bin/prlimit', setpriv: '/usr/bin/setpriv' };
const NOFILE = 7;
const MEMLOCK = 8;

/** ts-init's own limits: nofile 1024:20000, everything else unlimited. */
function limits(canRaise = false): LimitContext {
  return { current: (r) => (r === NOFILE ? { soft: 1024, hard: 20000 } : { soft: Infinity, hard: Infinity }), canRaise };
}

const request = (more: Partial<ChainRequest>): ChainRequest => ({ file: '/usr/bin/redis-server', argv: ['/usr/bin/redis-server', '--port', '0'], env: { PATH: '/usr/bin' }, ...more });

describe('planChain', () => {
  it('sets umask and LISTEN_PID in the shell, limits with prlimit, then the ids with setpriv, and execs the program with its arguments', () => {
    const chain = planChain(
      request({ uid: 101, gid: 102, groups: [102, 5], umask: 0o007, listenFds: 2, rlimits: [{ resource: NOFILE, soft: 4096, hard: 8192 }] }),
      TOOLS,
      limits(),
    );
    expect(chain).toEqual({
      file: '/bin/sh',
      args: [
        '-c', 'umask 0007 && LISTEN_PID=$$ && export LISTEN_PID && exec "$@"', 'sh',
        '/usr/bin/prlimit', '--nofile=4096:8192', '--',
        '/usr/bin/setpriv', '--reuid=101', '--regid=102', '--groups=102,5', '--',
        '/usr/bin/redis-server', '--port', '0',
      ],
    });
  });

  it('uses only the links a command needs', () => {
    expect(planChain(request({ uid: 0, gid: 13, groups: [13] }), TOOLS, limits())).toEqual({
      file: '/usr/bin/setpriv',
      args: ['--reuid=0', '--regid=13', '--groups=13', '--', '/usr/bin/redis-server', '--port', '0'],
    });
    expect(planChain(request({ gid: 13 }), TOOLS, limits())?.args.slice(0, 3)).toEqual(['--regid=13', '--keep-groups', '--']);
    expect(planChain(request({ uid: 5, gid: 5, groups: [] }), TOOLS, limits())?.args).toContain('--clear-groups');
    expect(planChain(request({ listenFds: 1 }), TOOLS, limits())).toEqual({
      file: '/bin/sh',
      args: ['-c', 'LISTEN_PID=$$ && export LISTEN_PID && exec "$@"', 'sh', '/usr/bin/redis-server', '--port', '0'],
    });
  });

  it('starts the program itself when no attribute changes anything', () => {
    expect(planChain(request({ rlimits: [{ resource: MEMLOCK, soft: Infinity, hard: Infinity }] }), TOOLS, limits())).toEqual({
      file: '/usr/bin/redis-server',
      args: ['--port', '0'],
    });
  });

  it('leaves to the exec helper what no link sets as the helper does', () => {
    const helper = (more: Partial<ChainRequest>, tools = TOOLS, l = limits()) => expect(planChain(request(more), tools, l)).toBeUndefined();
    helper({ nice: 5, uid: 0, gid: 0, groups: [0] });
    helper({ uid: 0, gid: 0, groups: [0], argv: ['redis', '--port', '0'] }); // argv[0] other than the file
    helper({ uid: 0, gid: 0, groups: [0], env: { LD_PRELOAD: '/x.so' } });
    helper({ umask: 0o22 }, { ...TOOLS, sh: undefined });
    helper({ uid: 0, gid: 0, groups: [0] }, { ...TOOLS, setpriv: undefined });
    helper({ rlimits: [{ resource: NOFILE, soft: 10, hard: 10 }] }, { ...TOOLS, prlimit: undefined });
    helper({ rlimits: [{ resource: NOFILE, soft: 65535, hard: 65535 }] }, TOOLS, limits(true)); // a raise that only trying tells
    helper({ rlimits: [{ resource: NOFILE, soft: 20, hard: 10 }] }); // the helper reports that setrlimit error
  });
});

describe('chainLimits', () => {
  it('clamps a raise to the hard limit without CAP_SYS_RESOURCE, as setLimitClosest does', () => {
    expect(chainLimits([{ resource: NOFILE, soft: 65535, hard: 65535 }], limits())).toEqual([{ resource: NOFILE, soft: 20000, hard: 20000 }]);
    expect(chainLimits([{ resource: NOFILE, soft: 4096, hard: 65535 }], limits())).toEqual([{ resource: NOFILE, soft: 4096, hard: 20000 }]);
  });

  it('keeps a limit within the hard one as asked, and drops what would not change', () => {
    expect(chainLimits([{ resource: NOFILE, soft: 512, hard: 4096 }], limits(true))).toEqual([{ resource: NOFILE, soft: 512, hard: 4096 }]);
    expect(chainLimits([{ resource: NOFILE, soft: 1024, hard: 99999 }, { resource: MEMLOCK, soft: 65536, hard: 65536 }], limits())).toEqual([
      { resource: MEMLOCK, soft: 65536, hard: 65536 },
    ]);
    expect(chainLimits([{ resource: NOFILE, soft: 20000, hard: 30000 }], { current: () => ({ soft: 20000, hard: 20000 }), canRaise: false })).toEqual([]);
  });
});
