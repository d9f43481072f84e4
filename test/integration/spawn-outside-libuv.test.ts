// A unit's commands whose output goes to the journal's writer, a file or nowhere are started
// with posix_spawn and reaped by ts-init's own reaper: how each ends reaches its unit as it did
// through child_process (exit code, signal, systemd's 203/EXEC for a program that is not there).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { runAsPid1 } from '../helpers/ts-init';
import { tempDir } from '../helpers/temp-dir';
import { unitDir } from '../helpers/units';

it('exit codes, signals and a missing program reach the unit through the reaper, with the same statuses as before', async () => {
  const out = tempDir('ts-init-spawn-outside-');
  const probe = path.join(out, 'probe');
  const dir = unitDir({
    // Its stdout is the journal writer's stream (a socket): the command went through posix_spawn.
    'probe.service': `[Service]\nType=oneshot\nExecStart=/bin/sh -c 'fds=$$(readlink /proc/$$$$/fd/1 /proc/$$$$/fd/0); echo "$$fds" >${probe}; cut -d" " -f6 /proc/$$$$/stat >>${probe}; echo $$$$ >>${probe}'\nStandardError=null\n`,
    'code.service': `[Service]\nType=oneshot\nExecStart=/bin/sh -c 'exit 7'\n`,
    'killed.service': `[Service]\nType=oneshot\nExecStart=/bin/sh -c 'kill -9 $$$$'\n`,
    'missing.service': '[Service]\nType=oneshot\nExecStart=/nonexistent/daemon --flag\n',
    'pre.service': `[Service]\nType=oneshot\nExecStartPre=/bin/true\nExecStartPre=-/bin/false\nExecStart=/bin/sh -c 'echo pre-done >${path.join(out, 'pre')}'\n`,
  });
  const r = await runAsPid1(['--no-wait', '--units', dir, '--', '/bin/sleep', '1']);
  expect(r.code, r.stderr).toBe(0);
  const [stdout, stdin, session, pid] = fs.readFileSync(probe, 'utf8').trim().split('\n');
  expect(stdout).toMatch(/^socket:\[\d+\]$/);
  expect(stdin).toBe('/dev/null');
  expect(session).toBe(pid); // a session of its own, as child_process's detached gave it
  expect(r.stderr).toMatch(/\[ERROR ts-init\] code\.service failed \(Result: exit-code\)/);
  expect(r.stderr).toMatch(/\[ERROR ts-init\] killed\.service failed \(Result: signal\)/);
  expect(r.stderr).toMatch(
    /start command failed to start \(status 203\): cannot execute \/nonexistent\/daemon: ENOENT \(no such file or directory\)/,
  );
  expect(r.stderr).toMatch(/\[ERROR ts-init\] missing\.service failed \(Result: exit-code\)/);
  expect(fs.readFileSync(path.join(out, 'pre'), 'utf8')).toBe('pre-done\n');
  expect(r.stderr).not.toMatch(/pre\.service failed/);
}, 60_000);
