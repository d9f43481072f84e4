// ts-init's systemctl front against the real thing: one image with Debian bookworm's systemd
// (252) installed and the same units, booted once with systemd as PID 1
// (`podman run --systemd=always ... /sbin/init`) and once with ts-init as PID 1 and
// /usr/bin/systemctl linked to it. The same sequence of systemctl commands runs in both; for
// every command the table below says what must be identical: the exit code always, and the
// output words where scripts read them (stdout of is-active/is-enabled/is-failed/show -p, the
// "Active:" line of status, the unit/state columns of list-unit-files, the error lines).
//
// Units: cron and ssh (Debian's own, enabled, running), broken.service (enabled oneshot that
// fails at boot), idle.service (installed, not enabled, never started), helper.service (no
// [Install] section: static), masked.service (a link to /dev/null), nope.service (no such unit),
// stopfail/postfail/dashstop.service (static; their ExecStop=/ExecStopPost= fail, or fail with '-').
//
// Both containers run with runc and cgroups enabled: systemd then creates its cgroups inside
// the container's own (libpod_parent/libpod-ID), which podman removes, instead of in the host's
// name=systemd root. The last test checks that nothing is left behind on the host.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUpCgroups, topCgroups } from '../helpers/host-cgroups';
import {
  ResourceTracker,
  buildImage,
  ensureContainerEnv,
  ensureSystemdBase,
  exec,
  inspect,
  logs,
  removeContainers,
  requireTsInit,
  runDetached,
  waitUntil,
  type Runtime,
} from '../helpers/container';

const resources = new ResourceTracker();
const RUNTIME: Runtime = 'runc';

const UNIT_FILES = {
  '/etc/systemd/system/broken.service':
    '[Unit]\nDescription=Fails on purpose\n[Service]\nType=oneshot\nExecStart=/bin/false\n[Install]\nWantedBy=multi-user.target\n',
  '/etc/systemd/system/idle.service':
    '[Unit]\nDescription=Installed but not enabled\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n',
  '/etc/systemd/system/helper.service': '[Unit]\nDescription=Static helper\n[Service]\nType=oneshot\nExecStart=/bin/true\n',
  // stop commands that fail: without '-' the unit ends failed, with '-' it does not
  '/etc/systemd/system/stopfail.service': '[Service]\nExecStart=/bin/sleep infinity\nExecStop=/bin/false\n',
  '/etc/systemd/system/postfail.service': '[Service]\nExecStart=/bin/sleep infinity\nExecStopPost=/bin/sh -c "exit 3"\n',
  '/etc/systemd/system/dashstop.service': '[Service]\nExecStart=/bin/sleep infinity\nExecStop=-/bin/false\nExecStopPost=-/bin/false\n',
};
const SETUP = [
  'ln -s /etc/systemd/system/broken.service /etc/systemd/system/multi-user.target.wants/broken.service',
  'ln -s /dev/null /etc/systemd/system/masked.service',
];

/**
 * What is compared for a command, besides the exit code:
 *   out     stdout, whole
 *   err     stderr, whole
 *   active  status: the bullet and unit name of the first line, and the words of the "Active:"
 *           line up to " since" ("active (running)", "failed (Result: exit-code)")
 *   files   list-unit-files: the UNIT FILE and STATE columns of every row, and the
 *           "N unit files listed." count (systemd 252 adds a PRESET column; ts-init has no presets)
 *   shape   stdout with every number replaced by N (timestamps differ between two boots;
 *           their format must not)
 *   system  status without units: its State: and Jobs: lines (the failed units are compared
 *           through list-units --failed)
 */
type Aspect = 'out' | 'err' | 'active' | 'files' | 'shape' | 'system';
interface Step {
  args: string[];
  compare: Aspect[];
}

const s = (line: string, ...compare: Aspect[]): Step => ({ args: line.split(' '), compare });

/** The sequence, in order (later steps see the effects of earlier ones). */
const STEPS: Step[] = [
  // is-active: running, alias name, stopped, failed, static, masked, unknown, --quiet, several units
  s('is-active cron', 'out', 'err'),
  s('is-active ssh', 'out', 'err'),
  s('is-active sshd', 'out', 'err'),
  s('is-active idle', 'out', 'err'),
  s('is-active broken', 'out', 'err'),
  s('is-active helper', 'out', 'err'),
  s('is-active masked', 'out', 'err'),
  s('is-active nope', 'out', 'err'),
  s('is-active --quiet cron', 'out', 'err'),
  s('is-active --quiet nope', 'out', 'err'),
  s('is-active cron nope', 'out', 'err'),
  s('is-active nope idle', 'out', 'err'),
  s('is-active broken cron', 'out', 'err'),
  // is-enabled: enabled, alias, disabled, static, masked, unknown (ends the answer), --quiet
  s('is-enabled cron', 'out', 'err'),
  s('is-enabled sshd', 'out', 'err'),
  s('is-enabled idle', 'out', 'err'),
  s('is-enabled helper', 'out', 'err'),
  s('is-enabled broken', 'out', 'err'),
  s('is-enabled masked', 'out', 'err'),
  s('is-enabled nope', 'out', 'err'),
  s('is-enabled --quiet idle', 'out', 'err'),
  s('is-enabled --quiet cron', 'out', 'err'),
  s('is-enabled cron nope idle', 'out', 'err'),
  s('is-enabled nope cron', 'out', 'err'),
  // is-failed
  s('is-failed broken', 'out', 'err'),
  s('is-failed cron', 'out', 'err'),
  s('is-failed idle', 'out', 'err'),
  s('is-failed nope', 'out', 'err'),
  s('is-failed --quiet broken', 'out', 'err'),
  s('is-failed --quiet cron', 'out', 'err'),
  s('is-failed idle broken', 'out', 'err'),
  // status
  s('status cron', 'active', 'err'),
  s('status idle', 'active', 'err'),
  s('status broken', 'active', 'err'),
  s('status masked', 'active', 'err'),
  s('status nope', 'out', 'err'),
  s('status nope cron', 'err'),
  // show -p (systemd prints properties in its own order, whatever the order asked)
  s('show -p ActiveState,SubState cron', 'out', 'err'),
  s('show -p SubState,ActiveState broken', 'out', 'err'),
  s('show -p LoadState,ActiveState,SubState idle', 'out', 'err'),
  s('show -p LoadState,ActiveState,SubState,UnitFileState nope', 'out', 'err'),
  s('show -p LoadState,ActiveState,UnitFileState masked', 'out', 'err'),
  s('show -p UnitFileState cron', 'out', 'err'),
  s('show -p UnitFileState idle', 'out', 'err'),
  s('show -p UnitFileState helper', 'out', 'err'),
  s('show -p ActiveState --value cron', 'out', 'err'),
  s('show -p ActiveState,SubState cron ssh', 'out', 'err'),
  // timestamps: systemd's format, the monotonic clock in µs; a unit never active has none
  s('show -p ActiveEnterTimestamp,ActiveEnterTimestampMonotonic cron', 'shape', 'err'),
  s('show -p ActiveEnterTimestamp,ActiveEnterTimestampMonotonic idle', 'out', 'err'),
  // one line per property with --value, the main process's start included (forking: its PID file's)
  s('show -p ExecMainStartTimestamp -p ActiveEnterTimestamp --value cron', 'shape', 'err'),
  s('show -p ExecMainStartTimestamp -p ActiveEnterTimestamp --value idle', 'out', 'err'),
  // "--" before unit names, as deb-systemd-invoke and deb-systemd-helper pass them
  s('is-active -- cron', 'out', 'err'),
  s('is-enabled -- cron idle', 'out', 'err'),
  // jobs on units that cannot run them
  s('start nope', 'out', 'err'),
  s('stop nope', 'out', 'err'),
  s('restart nope', 'out', 'err'),
  s('reload nope', 'out', 'err'),
  s('try-restart nope', 'out', 'err'),
  s('reload-or-restart nope', 'out', 'err'),
  s('start masked', 'out', 'err'),
  s('stop masked', 'out', 'err'),
  s('reload cron', 'out', 'err'),
  s('kill nope', 'out', 'err'),
  // list-unit-files with patterns and states
  s('list-unit-files cron.service ssh.service sshd.service idle.service helper.service broken.service masked.service', 'files', 'err'),
  s('list-unit-files --no-legend ss*.service', 'files', 'err'),
  s('list-unit-files --no-legend --state=static,disabled cron.service idle.service helper.service', 'files', 'err'),
  s('list-unit-files nope.service', 'files', 'err'),
  // enable / disable (enable does not start, --now does)
  s('enable nope', 'out', 'err'),
  s('disable nope', 'out', 'err'),
  s('enable --quiet helper', 'out', 'err'),
  s('enable idle', 'out', 'err'),
  s('is-enabled idle', 'out', 'err'),
  s('is-active idle', 'out', 'err'),
  s('disable idle', 'out', 'err'),
  s('is-enabled idle', 'out', 'err'),
  s('enable --now idle', 'out', 'err'),
  s('is-active idle', 'out', 'err'),
  s('is-enabled idle', 'out', 'err'),
  s('disable --now idle', 'out', 'err'),
  s('is-active idle', 'out', 'err'),
  s('is-enabled idle', 'out', 'err'),
  s('start idle', 'out', 'err'),
  s('is-active idle', 'out', 'err'),
  s('stop idle', 'out', 'err'),
  // a job that fails
  s('start broken', 'out', 'err'),
  s('is-failed broken', 'out', 'err'),
  s('restart broken', 'out', 'err'),
  // stop, reload of a stopped unit, try-restart, reload-or-restart, start, restart
  s('stop ssh', 'out', 'err'),
  s('is-active ssh', 'out', 'err'),
  s('reload ssh', 'out', 'err'),
  s('try-restart ssh', 'out', 'err'),
  s('is-active ssh', 'out', 'err'),
  s('reload-or-restart ssh', 'out', 'err'),
  s('is-active ssh', 'out', 'err'),
  s('reload ssh', 'out', 'err'),
  s('stop cron', 'out', 'err'),
  s('is-active cron', 'out', 'err'),
  s('status cron', 'active', 'err'),
  s('start cron', 'out', 'err'),
  s('restart cron', 'out', 'err'),
  s('try-restart cron', 'out', 'err'),
  s('is-active cron', 'out', 'err'),
  s('daemon-reload', 'out', 'err'),
  // disabling is no reason to stop a unit, nor does a reload forget one that is running
  // (cron's stderr differs: systemd also syncs the SysV init script's links)
  s('disable cron', 'out'),
  s('daemon-reload', 'out', 'err'),
  s('is-active cron', 'out', 'err'),
  s('is-enabled cron', 'out', 'err'),
  s('status cron', 'active', 'err'),
  s('enable cron', 'out'),
  s('is-enabled cron', 'out', 'err'),
  s('start idle', 'out', 'err'),
  s('daemon-reload', 'out', 'err'),
  s('is-active idle', 'out', 'err'),
  s('stop idle', 'out', 'err'),
  s('is-active idle', 'out', 'err'),
  // a failing ExecStop= or ExecStopPost= fails the unit; with '-' it is ignored
  s('start stopfail postfail dashstop', 'out', 'err'),
  s('stop stopfail', 'out', 'err'),
  s('is-failed stopfail', 'out', 'err'),
  s('status stopfail', 'active', 'err'),
  s('stop postfail', 'out', 'err'),
  s('is-failed postfail', 'out', 'err'),
  s('status postfail', 'active', 'err'),
  s('stop dashstop', 'out', 'err'),
  s('is-failed dashstop', 'out', 'err'),
  s('is-active dashstop', 'out', 'err'),
  // systemd 252 says "Unknown command verb bogus.", later versions quote the verb as ts-init does
  s('bogus', 'out'),
  // the verbs operators type: cat, show's properties, mask/unmask, reset-failed, the system's
  // state, jobs, the manager environment, the default target, revert, preset, help
  s('cat helper', 'out', 'err'),
  s('cat nope', 'out', 'err'),
  s('show -p ExecStart helper', 'out', 'err'),
  s('show -p Restart,RestartUSec,TimeoutStartUSec,WorkingDirectory,User,Group,NeedDaemonReload idle', 'out', 'err'),
  s('show -p Environment,DropInPaths,UnitFileState helper', 'out', 'err'),
  s('is-system-running', 'out', 'err'),
  s('list-jobs', 'out', 'err'),
  s('reset-failed broken', 'out', 'err'),
  s('is-failed broken', 'out', 'err'),
  s('reset-failed nope', 'err'),
  s('mask idle', 'out', 'err'),
  s('mask idle', 'out', 'err'),
  s('is-enabled idle', 'out', 'err'),
  s('start idle', 'out', 'err'),
  s('unmask idle', 'out', 'err'),
  s('unmask idle', 'out', 'err'),
  s('is-enabled idle', 'out', 'err'),
  s('set-environment FOO=bar', 'out', 'err'),
  s('set-environment 1FOO=bar', 'out', 'err'),
  s('show-environment'),
  s('unset-environment FOO', 'out', 'err'),
  s('get-default', 'out', 'err'),
  s('revert idle', 'out', 'err'),
  s('preset helper', 'out'),
  s('help helper', 'out', 'err'),
  s('list-dependencies helper'),
  s('list-sockets'),
  s('status', 'system'),
  s('list-units --failed --no-legend --plain', 'out', 'err'),
  // an editor needs a terminal, root's or not
  s('edit helper', 'out', 'err'),
];

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function shellQuote(a: string): string {
  return `'${a.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs every step in the container in one `podman exec`; each step's exit code and base64
 * stdout/stderr come back on one line.
 */
async function runSequence(container: string): Promise<Outcome[]> {
  const script = STEPS.map(
    (st, i) =>
      `systemctl ${st.args.map(shellQuote).join(' ')} >/tmp/cmp.out 2>/tmp/cmp.err; ` +
      `printf '%s %s %s %s\\n' ${i} $? "$(base64 -w0 </tmp/cmp.out)" "$(base64 -w0 </tmp/cmp.err)"`,
  ).join('\n');
  const res = await exec(container, ['/bin/sh', '-c', script], { runtime: RUNTIME, timeoutMs: 240_000 });
  expect(res.code, res.stderr).toBe(0);
  const rows = res.stdout.trim().split('\n');
  expect(rows).toHaveLength(STEPS.length);
  return rows.map((row, i) => {
    const [n, code, out = '', err = ''] = row.split(' ');
    expect(Number(n)).toBe(i);
    return { code: Number(code), stdout: Buffer.from(out, 'base64').toString(), stderr: Buffer.from(err, 'base64').toString() };
  });
}

/** The words of a `status` output that are compared (see Aspect). */
function activeWords(stdout: string): { head: string; active: string } {
  const [first = ''] = stdout.split('\n');
  const line = stdout.split('\n').find((l) => /^\s*Active: /.test(l)) ?? '';
  return { head: first.split(' ').slice(0, 2).join(' '), active: line.replace(/^\s*Active: /, '').replace(/ since .*$/, '') };
}

function unitFileRows(stdout: string): { rows: string[][]; footer: string[] } {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  return {
    rows: lines.filter((l) => !/^UNIT FILE\s/.test(l) && !/unit files listed\.$/.test(l)).map((l) => l.split(/\s+/).slice(0, 2)),
    footer: lines.filter((l) => /unit files listed\.$/.test(l)),
  };
}

function view(o: Outcome, compare: Aspect[]): Record<string, unknown> {
  const v: Record<string, unknown> = { code: o.code };
  for (const a of compare) {
    if (a === 'out') v.stdout = o.stdout;
    if (a === 'err') v.stderr = o.stderr;
    if (a === 'active') v.status = activeWords(o.stdout);
    if (a === 'files') v.files = unitFileRows(o.stdout);
    if (a === 'shape') v.shape = o.stdout.replace(/\d+/g, 'N');
    if (a === 'system') v.system = o.stdout.split('\n').filter((l) => /^\s+(State|Jobs): /.test(l));
  }
  return v;
}

let cgroupsBefore: string[] = [];
const containers = { systemd: '', tsInit: '' };
const ids: string[] = [];
const outcomes = { systemd: [] as Outcome[], tsInit: [] as Outcome[] };

beforeAll(async () => {
  requireTsInit();
  await ensureContainerEnv();
  await ensureSystemdBase();
  const [systemdImage, tsInitImage] = await Promise.all([
    buildImage({ base: 'debian-systemd', files: UNIT_FILES, run: SETUP, cmd: ['/sbin/init'] }),
    buildImage({
      base: 'debian-systemd',
      files: UNIT_FILES,
      run: [...SETUP, 'ln -sf /sbin/ts-init /usr/bin/systemctl'],
      entrypoint: ['/sbin/ts-init', '--'],
      cmd: ['sleep', 'infinity'],
    }),
  ]);
  resources.image(systemdImage);
  resources.image(tsInitImage);

  cgroupsBefore = topCgroups();
  containers.systemd = resources.container(await runDetached(systemdImage, { runtime: RUNTIME, args: ['--systemd=always'] }));
  containers.tsInit = resources.container(await runDetached(tsInitImage, { runtime: RUNTIME }));
  for (const c of Object.values(containers)) ids.push(await inspect(c, '{{.Id}}'));

  // Both ready: the same units up (and broken failed) as seen through each one's systemctl.
  for (const c of Object.values(containers)) {
    await waitUntil(
      async () => (await exec(c, ['systemctl', 'is-active', 'cron', 'ssh', 'broken'], { runtime: RUNTIME })).stdout === 'active\nactive\nfailed\n',
      30_000,
      `cron and ssh active, broken failed in ${c}`,
      200,
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}\nlogs:\n${await logs(c)}`);
    });
  }
  // systemd's boot transaction is over (no job left queued).
  await waitUntil(
    async () => /^(running|degraded)$/.test((await exec(containers.systemd, ['systemctl', 'is-system-running'], { runtime: RUNTIME })).stdout.trim()),
    30_000,
    'systemd to finish booting',
    200,
  );
  // The reference really is systemd, the other really ts-init (named init, as it says it is systemd).
  const pid1 = async (c: string) => (await exec(c, ['sh', '-c', 'cat /proc/1/comm; head -zn1 /proc/1/cmdline | tr -d "\\0"'], { runtime: RUNTIME, check: true })).stdout.trim();
  expect(await pid1(containers.systemd)).toMatch(/^systemd\n/);
  expect(await pid1(containers.tsInit)).toBe('init\n/sbin/ts-init');
  expect((await exec(containers.tsInit, ['readlink', '/usr/bin/systemctl'], { runtime: RUNTIME, check: true })).stdout.trim()).toBe('/sbin/ts-init');

  [outcomes.systemd, outcomes.tsInit] = await Promise.all([runSequence(containers.systemd), runSequence(containers.tsInit)]);
}, 15 * 60_000);

afterAll(async () => {
  await resources.cleanup();
});

describe('systemctl front vs systemd 252, same commands in the same order', () => {
  it.each(STEPS.map((st, i) => ({ i, cmd: `systemctl ${st.args.join(' ')}`, compare: st.compare })))(
    '#$i $cmd: exit code, $compare',
    ({ i, compare }) => {
      const reference = outcomes.systemd[i]!;
      const ours = outcomes.tsInit[i]!;
      expect(view(ours, compare), `systemd gave:\n${reference.stdout}${reference.stderr}`).toEqual(view(reference, compare));
    },
  );

  it('covers every verb the comparison is about', () => {
    const verbs = new Set(STEPS.map((st) => st.args[0]));
    for (const v of [
      'start', 'stop', 'restart', 'reload', 'try-restart', 'reload-or-restart', 'status', 'is-active', 'is-enabled', 'is-failed', 'enable', 'disable',
      'list-unit-files', 'daemon-reload', 'show', 'cat', 'mask', 'unmask', 'reset-failed', 'is-system-running', 'list-jobs', 'set-environment',
      'unset-environment', 'show-environment', 'get-default', 'revert', 'preset', 'help', 'list-dependencies', 'list-sockets',
    ]) {
      expect(verbs.has(v), v).toBe(true);
    }
    // Sanity of the reference itself: these are systemd's documented answers.
    const at = (line: string) => outcomes.systemd[STEPS.findIndex((st) => st.args.join(' ') === line)]!;
    expect(at('is-active nope')).toMatchObject({ code: 3, stdout: 'inactive\n' });
    expect(at('status nope')).toMatchObject({ code: 4, stderr: 'Unit nope.service could not be found.\n' });
    expect(at('start nope')).toMatchObject({ code: 5 });
    expect(at('is-enabled helper')).toMatchObject({ code: 0, stdout: 'static\n' });
  });
});

describe('host clean-up', () => {
  it('leaves no cgroup of either container (and nothing new in the host name=systemd root) behind', async () => {
    await removeContainers(...resources.containers.splice(0));
    const { leftovers, newTop } = cleanUpCgroups(ids, cgroupsBefore);
    expect(leftovers).toEqual([]);
    expect(newTop).toEqual([]);
  });
});
