// Launching a unit's command with a fake process table and output: what would be
// spawned, how, and the systemd statuses for what fails before exec.
import type { SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_CHDIR, EXIT_EXEC, EXIT_USER, launchUnitCommand, type LaunchContext } from '../../../src/exec/unit-launch';
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
