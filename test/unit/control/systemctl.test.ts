// The systemctl front's words and exit codes where they were found to differ from
// systemd 252 (see test/container/systemctl-compat.test.ts), against a scripted Manager
// behind a real control server on a private socket.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobResult, Manager, UnitFileState, UnitStatus } from '../../../src/control/manager';
import { startControlServer, type ControlServer } from '../../../src/control/server';
import { matchesAny, parseSystemctlArgs, systemctl } from '../../../src/control/systemctl';
import { createLogger } from '../../../src/log/logger';
import { defaultJournaldSettings } from '../../../src/journal/journald-conf';
import { currentBootId } from '../../../src/journal/journal-sources';
import { JournalStore } from '../../../src/journal/journal-store';
import { tempDir } from '../../helpers/temp-dir';
import { managerExtras } from '../../helpers/manager-extras';

/** Units the scripted manager knows: name -> [loadState, activeState, subState, unitFileState]. */
const UNITS: Record<string, [UnitStatus['loadState'], UnitStatus['activeState'], string, UnitFileState]> = {
  'cron.service': ['loaded', 'active', 'running', 'enabled'],
  'ssh.service': ['loaded', 'active', 'running', 'enabled'],
  'idle.service': ['loaded', 'inactive', 'dead', 'disabled'],
  'helper.service': ['loaded', 'inactive', 'dead', 'static'],
  'broken.service': ['loaded', 'failed', 'failed', 'enabled'],
  'masked.service': ['masked', 'inactive', 'dead', 'masked'],
};
const ALIASES: Record<string, string> = { 'sshd.service': 'ssh.service' };

function status(asked: string): UnitStatus {
  const name = ALIASES[asked] ?? asked;
  const [loadState, activeState, subState, unitFileState] = UNITS[name] ?? ['not-found', 'inactive', 'dead', 'disabled'];
  return {
    name, description: name, loadState, activeState, subState, result: activeState === 'failed' ? 'exit-code' : 'success',
    unitFileState, stateChangedAt: Date.now(), restarts: 0, properties: { ActiveState: activeState, SubState: subState },
  };
}

function job(name: string, verb: string): JobResult {
  if (name === 'masked.service') return verb === 'stop' ? { result: 'done' } : { result: 'masked', message: `Unit ${name} is masked.` };
  if (!UNITS[ALIASES[name] ?? name]) return { result: 'not-found', message: `Unit ${name} not found.` };
  if (verb === 'reload' && name === 'cron.service') return { result: 'invalid', message: `Job type reload is not applicable for unit ${name}.` };
  if (verb === 'reload' && name === 'idle.service') return { result: 'inactive', message: `${name} is not active, cannot reload.` };
  return { result: 'done' };
}

const manager: Manager = {
  listUnits: async () => Object.keys(UNITS).filter((n) => UNITS[n]![0] === 'loaded').map(status),
  status: async (names) => names.map(status),
  start: async (n) => job(n, 'start'),
  stop: async (n) => job(n, 'stop'),
  restart: async (n) => job(n, 'restart'),
  reload: async (n) => job(n, 'reload'),
  tryRestart: async (n) => job(n, 'try-restart'),
  reloadOrRestart: async (n) => job(n, 'reload-or-restart'),
  kill: (n) => (UNITS[n] ? { result: 'done' } : { result: 'not-found', message: `Unit ${n} not found.` }),
  enable: async (n) => {
    if (n === 'helper.service') return { changes: [], warning: 'The unit files have no installation config.' };
    if (!UNITS[n]) return { changes: [], error: `Unit file ${n} does not exist.` };
    return { changes: [`Created symlink /etc/systemd/system/multi-user.target.wants/${n} → /etc/systemd/system/${n}.`] };
  },
  disable: async (n) => (UNITS[n] ? { changes: [] } : { changes: [], error: `Unit file ${n} does not exist.` }),
  listUnitFiles: () => [
    ...Object.entries(UNITS).map(([name, u]) => ({ name, state: u[3] })),
    { name: 'sshd.service', state: 'alias' as const },
  ].sort((a, b) => a.name.localeCompare(b.name)),
  // Only loaded units have logs; asking for others is an error of the server.
  logs: (n) => (UNITS[n]?.[0] === 'loaded' ? [] : undefined),
  follow: () => () => undefined,
  daemonReload: async () => ({ added: [], removed: [], changed: [], errors: [] }),
  shutdown: () => undefined,
  ...managerExtras(),
};

let dir: string;
let server: ControlServer;

beforeAll(async () => {
  dir = tempDir('ts-init-systemctl-');
  server = await startControlServer(manager, path.join(dir, 'ctl.sock'), createLogger(0, 'text'), { allowedUid: process.getuid!() });
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** No journal on this machine unless a test gives one (status then shows the lines PID 1 keeps). */
async function run(line: string, journalDirs: readonly string[] = [tempDir('no-journal-')]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await systemctl(line.split(' '), { out: (s) => (out += s), err: (s) => (err += s), socket: path.join(dir, 'ctl.sock'), journalDirs });
  return { code, out, err };
}

describe('"--" ends the options (deb-systemd-invoke, deb-systemd-helper)', () => {
  it('unit names after it are names, even when they look like options', async () => {
    expect(await run('is-enabled -- cron')).toEqual({ code: 0, out: 'enabled\n', err: '' });
    expect(await run('--quiet is-active -- cron ssh')).toEqual({ code: 0, out: '', err: '' });
    expect(parseSystemctlArgs(['start', '--', '-weird.service']).args).toEqual(['-weird.service']);
  });
});

describe('is-enabled', () => {
  it('the first unit without a file ends the answer with exit 1, after what came before', async () => {
    expect(await run('is-enabled cron nope idle')).toEqual({
      code: 1, out: 'enabled\n', err: 'Failed to get unit file state for nope.service: No such file or directory\n',
    });
    expect(await run('is-enabled nope cron')).toEqual({
      code: 1, out: '', err: 'Failed to get unit file state for nope.service: No such file or directory\n',
    });
  });

  it('a unit asked for by an alias name is "alias" (exit 0), by its own name its state', async () => {
    expect(await run('is-enabled sshd')).toEqual({ code: 0, out: 'alias\n', err: '' });
    expect(await run('is-enabled ssh')).toEqual({ code: 0, out: 'enabled\n', err: '' });
    expect(await run('is-enabled helper')).toEqual({ code: 0, out: 'static\n', err: '' });
    expect(await run('is-enabled idle')).toEqual({ code: 1, out: 'disabled\n', err: '' });
    expect(await run('is-enabled masked')).toEqual({ code: 1, out: 'masked\n', err: '' });
  });
});

describe('jobs', () => {
  it('a job type that does not apply exits 3, reloading a stopped unit 1, a masked unit 1', async () => {
    expect(await run('reload cron')).toEqual({ code: 3, out: '', err: 'Failed to reload cron.service: Job type reload is not applicable for unit cron.service.\n' });
    expect(await run('reload idle')).toEqual({ code: 1, out: '', err: 'idle.service is not active, cannot reload.\n' });
    expect(await run('start masked')).toEqual({ code: 1, out: '', err: 'Failed to start masked.service: Unit masked.service is masked.\n' });
    expect(await run('stop masked')).toEqual({ code: 0, out: '', err: '' });
    expect(await run('start nope')).toEqual({ code: 5, out: '', err: 'Failed to start nope.service: Unit nope.service not found.\n' });
  });

  it('kill of an unknown unit: "not loaded", exit 1', async () => {
    expect(await run('kill nope')).toEqual({ code: 1, out: '', err: 'Failed to kill unit nope.service: Unit nope.service not loaded.\n' });
  });
});

describe('status', () => {
  it('a masked unit is shown as such (exit 3), without asking for its logs', async () => {
    const r = await run('status masked');
    expect(r.code).toBe(3);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^\s+Loaded: masked$/m);
    expect(r.out).toMatch(/^\s+Active: inactive \(dead\)$/m);
  });

  it("several units: a blank line between them; each ends with its own journal lines, read from the files by the client", async () => {
    const root = tempDir('status-journal-');
    fs.mkdirSync(path.join(root, 'run'));
    const store = JournalStore.open({ machineId: Buffer.alloc(16, 1), settings: defaultJournaldSettings(), root })!;
    const boot = Buffer.from(currentBootId()!, 'hex');
    const line = (i: number, unit: string) => ({
      realtimeUsec: Date.UTC(2026, 0, 1) * 1000 + i * 1_000_000, monotonicUsec: 1_000_000 + i, bootId: boot,
      fields: [['MESSAGE', `${unit} says ${i}`], ['SYSLOG_IDENTIFIER', unit.split('.')[0]!], ['_PID', '9'], ['_SYSTEMD_UNIT', unit], ['_HOSTNAME', 'box']] as Array<[string, string]>,
    });
    store.appendMany([line(1, 'cron.service'), line(2, 'ssh.service'), line(3, 'cron.service')]);
    store.close();
    const r = await run('status cron nope idle ssh -n 1', [store.dir]);
    expect(r.err).toBe('Unit nope.service could not be found.\n');
    const blocks = r.out.split('\n\n');
    expect(blocks[0]).toMatch(/^● cron\.service - /);
    expect(blocks[1]).toMatch(/^\w{3} \d\d \d\d:\d\d:\d\d box cron\[9\]: cron\.service says 3$/);
    expect(blocks[2]).toMatch(/^○ idle\.service - /);
    expect(blocks[3]).toMatch(/^● ssh\.service - /);
    expect(blocks[4]).toMatch(/ssh\[9\]: ssh\.service says 2\n$/);
    expect(blocks).toHaveLength(5);
    expect((await run('status cron -n 0', [store.dir])).out).not.toContain('\n\n');
    expect(await run('status cron -o bogus')).toMatchObject({ code: 1, err: expect.stringContaining("Unknown output 'bogus'.") });
  });

  it('a failed unit: "failed (Result: exit-code)", the sub-state not repeated', async () => {
    const r = await run('status broken');
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/^\s+Active: failed \(Result: exit-code\) since /m);
  });
});

describe('enable and disable', () => {
  it('errors say what failed, as systemctl does', async () => {
    expect(await run('enable nope')).toEqual({ code: 1, out: '', err: 'Failed to enable unit: Unit file nope.service does not exist.\n' });
    expect(await run('disable nope')).toEqual({ code: 1, out: '', err: 'Failed to disable unit: Unit file nope.service does not exist.\n' });
  });

  it('a unit without [Install] is not an error: the notice, exit 0; --quiet silences it', async () => {
    expect(await run('enable helper')).toEqual({ code: 0, out: '', err: 'The unit files have no installation config.\n' });
    expect(await run('enable --quiet helper')).toEqual({ code: 0, out: '', err: '' });
  });
});

describe('list-unit-files and list-units', () => {
  it('patterns and --state select rows; nothing listed is exit 1', async () => {
    expect(await run('list-unit-files --no-legend ss*.service')).toEqual({ code: 0, out: 'ssh.service  enabled\nsshd.service alias\n', err: '' });
    expect(await run('list-unit-files --no-legend --state=static,disabled')).toEqual({
      code: 0, out: 'helper.service static\nidle.service   disabled\n', err: '',
    });
    expect(await run('list-unit-files cron.service')).toEqual({ code: 0, out: 'UNIT FILE    STATE\ncron.service enabled\n\n1 unit files listed.\n', err: '' });
    expect(await run('list-unit-files nope.service')).toEqual({ code: 1, out: 'UNIT FILE STATE\n\n0 unit files listed.\n', err: '' });
  });

  it('list-units --state= and --failed filter by load, active or sub state', async () => {
    expect((await run('list-units --no-legend --failed')).out).toBe('broken.service loaded failed failed broken.service\n');
    expect((await run('list-units --no-legend --state=dead')).out.split('\n').filter(Boolean).map((l) => l.split(' ')[0])).toEqual([
      'idle.service',
      'helper.service',
    ]);
    expect((await run('list-units --no-legend c*')).out).toMatch(/^cron\.service\s+loaded active running/);
  });
});

describe('matchesAny', () => {
  it.each([
    [[], 'cron.service', true],
    [['cron.service'], 'cron.service', true],
    [['cron'], 'cron.service', false],
    [['*.service'], 'cron.service', true],
    [['ss?.service'], 'ssh.service', true],
    [['ss?.service'], 'sshd.service', false],
    [['[cs]*'], 'ssh.service', true],
    [['[!cs]*'], 'ssh.service', false],
    [['getty@*.service'], 'getty@tty1.service', true],
    [['a.b'], 'axb', false],
    [['x', 'cron*'], 'cron.service', true],
  ] as Array<[string[], string, boolean]>)('%j matches %s: %s', (patterns, name, expected) => {
    expect(matchesAny(patterns, name)).toBe(expected);
  });
});
