// Launching a unit's command with a fake process table and output: what would be
// spawned, how, and the systemd statuses for what fails before exec.
import type { SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { descriptorsOnly, EXIT_CHDIR, EXIT_EXEC, EXIT_USER, launchUnitCommand, type LaunchContext } from '../../../src/exec/unit-launch';
import type { OutsideSpawn } from '../../../src/process/child-watch';
import { decodeSpec, EXEC_HELPER_ARG } from '../../../src/process/exec-spec';
import { buildUnit } from '../../../src/units/build-unit';
import { parseUnitText } from '../../../src/units/syntax';
import type { UnitConfig } from '../../../src/units/unit';
import { tempDir } from '../../helpers/temp-dir';

const dir = tempDir('ts-init-launch-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function unit(serviceLines: string): UnitConfig {
  const r = buildUnit('web.service', parseUnitText(`[Service]\n${serviceLines}\n`, '/x/web.service'), [], { hostname: 'box' });
  expect(r.diagnostics).toEqual([]);
  return r.unit;
}

function fakes(started = true) {
  const pid = started ? 4242 : undefined;
  const spawned: Array<{ file: string; args: readonly string[]; options: SpawnOptions }> = [];
  const attached: string[] = [];
  const warnings: string[] = [];
  const child = { pid, stdout: { fake: 'out' }, stderr: { fake: 'err' }, on: () => child };
  const ctx: LaunchContext = {
    table: { spawn: (file, args, options) => (spawned.push({ file, args, options }), child as never) },
    output: {
      attach: (u: string, stream: string, _s: unknown, o?: { identifier?: string }) =>
        void attached.push(`${u} ${stream}${o?.identifier ? ` as ${o.identifier}` : ''}`),
    } as never,
    baseEnv: { PATH: '/usr/bin:/bin', HOME: '/root', KEEP: 'base' },
    warn: (m) => void warnings.push(m),
  };
  return { ctx, spawned, attached, warnings };
}

const launch = (f: ReturnType<typeof fakes>, u: UnitConfig, extra: Record<string, string> = {}) => launchUnitCommand(f.ctx, u, u.execStart[0]!, extra);

describe('launchUnitCommand', () => {
  it('spawns directly in a new session with the unit environment, expanded argv and its output attached', () => {
    const f = fakes();
    const u = unit(`Environment=GREETING=hello\nExecStart=/bin/echo $GREETING \${KEEP}\nWorkingDirectory=${dir}`);
    const r = launch(f, u, { INVOCATION_ID: 'abc' });
    expect(r).toMatchObject({ ok: true, pid: 4242 });
    expect(f.spawned).toHaveLength(1);
    const s = f.spawned[0]!;
    expect(s.file).toBe('/bin/echo');
    expect(s.args).toEqual(['hello', 'base']);
    expect(s.options).toMatchObject({ detached: true, cwd: dir, argv0: '/bin/echo' });
    expect(s.options.env).toMatchObject({ GREETING: 'hello', KEEP: 'base', INVOCATION_ID: 'abc', PATH: '/usr/bin:/bin' });
    expect(f.attached).toEqual(['web.service stdout', 'web.service stderr']);
  });

  it('tags the output with SyslogIdentifier= when the unit sets one', () => {
    const f = fakes();
    expect(launch(f, unit('SyslogIdentifier=%p-daemon\nExecStart=/bin/true')).ok).toBe(true);
    expect(f.attached).toEqual(['web.service stdout as web-daemon', 'web.service stderr as web-daemon']);
  });

  it('goes through the exec helper when credentials, umask, nice or rlimits need setting', () => {
    const f = fakes();
    const r = launch(f, unit('User=root\nUMask=0027\nNice=5\nLimitNOFILE=1024:2048\nExecStart=/bin/true'));
    expect(r.ok).toBe(true);
    const s = f.spawned[0]!;
    expect(s.file).toBe(process.execPath);
    expect(s.args[0]).toBe(EXEC_HELPER_ARG);
    const spec = decodeSpec(s.args[1]!);
    expect(spec).toMatchObject({ file: '/bin/true', argv: ['/bin/true'], newSession: true, uid: 0, gid: 0, umask: 0o027, nice: 5, rlimits: [{ resource: 7, soft: 1024, hard: 2048 }] });
    expect(spec.env).toMatchObject({ USER: 'root', HOME: '/root' });
  });

  it('a plain name is looked up in systemd search path', () => {
    const f = fakes();
    expect(launch(f, unit('ExecStart=sh -c true')).ok).toBe(true);
    expect(f.spawned[0]!.file).toMatch(/^\/(usr\/)?(s)?bin\/sh$/);
  });

  it("fails before exec with systemd's statuses", () => {
    const f = fakes();
    expect(launch(f, unit('ExecStart=no-such-program-anywhere'))).toMatchObject({ ok: false, status: EXIT_EXEC });
    expect(launch(f, unit('User=no-such-user-here\nExecStart=/bin/true'))).toMatchObject({ ok: false, status: EXIT_USER });
    expect(launch(f, unit(`WorkingDirectory=${dir}/missing\nExecStart=/bin/true`))).toMatchObject({ ok: false, status: EXIT_CHDIR });
    expect(f.spawned).toEqual([]);
    // WorkingDirectory=- tolerates a missing directory.
    expect(launch(f, unit(`WorkingDirectory=-${dir}/missing\nExecStart=/bin/true`)).ok).toBe(true);
  });

  it('no pid: nothing was started', () => {
    const f = fakes(false);
    expect(launch(f, unit('ExecStart=/bin/true'))).toMatchObject({ ok: false, status: EXIT_EXEC });
  });

  it('StandardOutput=file: opens the file for the child and closes it in the parent', () => {
    const f = fakes();
    const out = path.join(dir, 'out.log');
    expect(launch(f, unit(`StandardOutput=append:${out}\nStandardError=null\nExecStart=/bin/true`)).ok).toBe(true);
    const stdio = f.spawned[0]!.options.stdio as unknown[];
    expect(stdio[0]).toBe('ignore');
    expect(typeof stdio[1]).toBe('number');
    expect(stdio[2]).toBe('ignore');
    expect(() => fs.fstatSync(stdio[1] as number)).toThrow();
    expect(fs.existsSync(out)).toBe(true);
  });

  it('EnvironmentFile= overrides Environment=; an unreadable one is warned about unless optional', () => {
    const f = fakes();
    const envFile = path.join(dir, 'env');
    fs.writeFileSync(envFile, 'GREETING=from-file\n');
    launch(f, unit(`Environment=GREETING=hello\nEnvironmentFile=${envFile}\nEnvironmentFile=-${dir}/none\nEnvironmentFile=${dir}/absent\nExecStart=/bin/true`));
    expect(f.spawned[0]!.options.env).toMatchObject({ GREETING: 'from-file' });
    expect(f.warnings).toHaveLength(1);
    expect(f.warnings[0]).toMatch(/absent/);
  });
});

/** The same fakes with posix_spawn wired in: what it was asked to start, and its answer. */
function fakesOutside(answer: { pid: number } | { errno: number } = { pid: 5151 }, inDirectory = true) {
  const f = fakes();
  const outside: OutsideSpawn[] = [];
  f.ctx.outside = { spawnOutsideLibuv: (s) => (outside.push(s), answer), spawnsInDirectory: () => inDirectory };
  return { ...f, outside };
}

describe('launchUnitCommand through posix_spawn', () => {
  it('starts a command whose descriptors are all its own outside libuv, in a new session, with argv and environment as child_process would', () => {
    const f = fakesOutside();
    const out = path.join(dir, 'outside.log');
    const u = unit(`Environment=GREETING=hello\nStandardOutput=file:${out}\nStandardError=null\nWorkingDirectory=${dir}\nExecStart=/bin/echo $GREETING`);
    const r = launch(f, u, { INVOCATION_ID: 'abc' });
    expect(r).toEqual({ ok: true, pid: 5151, via: 'direct' });
    expect(f.spawned).toEqual([]);
    expect(f.attached).toEqual([]);
    const s = f.outside[0]!;
    expect(s).toMatchObject({ file: '/bin/echo', argv: ['/bin/echo', 'hello'], newSession: true, cwd: dir });
    expect(s.env).toMatchObject({ GREETING: 'hello', INVOCATION_ID: 'abc', KEEP: 'base' });
    expect(s.stdio).toHaveLength(3);
    expect(s.stdio[0]).toBeNull();
    expect(typeof s.stdio[1]).toBe('number');
    expect(s.stdio[2]).toBeNull();
    // ts-init's copy of the file is closed once the child has its own.
    expect(() => fs.fstatSync(s.stdio[1] as number)).toThrow();
  });

  it('the exec helper and the exec chain go the same way, the helper in ts-init\'s session (it makes its own)', () => {
    const f = fakesOutside();
    const r = launch(f, unit('StandardOutput=null\nStandardError=null\nUser=root\nUMask=0027\nNice=5\nExecStart=/bin/true'));
    expect(r).toMatchObject({ ok: true, via: 'helper' });
    expect(f.outside[0]).toMatchObject({ file: process.execPath, argv: ['/bin/true', EXEC_HELPER_ARG, expect.any(String)], newSession: false, env: { KEEP: 'base' } });
    expect(decodeSpec(f.outside[0]!.argv[2]!)).toMatchObject({ file: '/bin/true', umask: 0o027, nice: 5, newSession: true });
  });

  it('a pipe of PID 1\'s (no journal writer), or a directory this glibc cannot change to in the spawn, goes through child_process', () => {
    const f = fakesOutside({ pid: 5151 }, false);
    expect(launch(f, unit('ExecStart=/bin/true'))).toMatchObject({ ok: true, pid: 4242 });
    expect(launch(f, unit(`StandardOutput=null\nStandardError=null\nWorkingDirectory=${dir}\nExecStart=/bin/true`))).toMatchObject({ ok: true, pid: 4242 });
    expect(f.outside).toEqual([]);
    expect(f.spawned).toHaveLength(2);
  });

  it('a failed exec is 203/EXEC with its errno, as child_process reports it', () => {
    const f = fakesOutside({ errno: 2 });
    expect(launch(f, unit('StandardOutput=null\nStandardError=null\nExecStart=/nonexistent/daemon'))).toEqual({
      ok: false,
      status: EXIT_EXEC,
      message: 'cannot execute /nonexistent/daemon: ENOENT (no such file or directory)',
      transient: false,
    });
    const busy = fakesOutside({ errno: 11 });
    expect(launch(busy, unit('StandardOutput=null\nStandardError=null\nExecStart=/bin/true'))).toMatchObject({ ok: false, status: EXIT_EXEC, transient: true });
  });

  it('a NUL byte is refused, not cut short by the C string', () => {
    const f = fakesOutside();
    const r = launch(f, unit('StandardOutput=null\nStandardError=null\nExecStart=/bin/echo $X'), { X: 'a\0b' });
    expect(r).toMatchObject({ ok: false, status: EXIT_EXEC, message: expect.stringMatching(/NUL byte/) });
    expect(f.outside).toEqual([]);
  });

  it('descriptorsOnly: fds and /dev/null, or nothing when one is a pipe', () => {
    expect(descriptorsOnly(['ignore', 7, 'ignore', 9])).toEqual([null, 7, null, 9]);
    expect(descriptorsOnly(['ignore', 'pipe', 'pipe'])).toBeUndefined();
    expect(descriptorsOnly(['ignore', 'inherit', 5])).toBeUndefined();
  });
});
