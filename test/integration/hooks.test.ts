// Rich-container hooks as PID 1: the prestart hook sees the container state on
// stdin and runs before the CMD; a missing one stops everything with a clear error;
// the poststop hook runs after every kind of ending and sees how it ended.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pid1HostPid, runAsPid1, startAsPid1 } from '../helpers/ts-init';
import { tempDir } from '../helpers/temp-dir';

function tmpdir(): string {
  return tempDir('ts-init-hooks-');
}

function script(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

describe('prestart hook', () => {
  it('--initscript runs first, with the OCI state as JSON on stdin', async () => {
    const dir = tmpdir();
    const init = script(dir, 'init.sh', `cat > ${dir}/state.json; echo initscript-ran; date +%s%N > ${dir}/init.t`);
    const r = await runAsPid1(['--initscript', init, '--', '/bin/sh', '-c', `date +%s%N > ${dir}/cmd.t; echo cmd-ran`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('initscript-ran\ncmd-ran\n');
    const state = JSON.parse(fs.readFileSync(`${dir}/state.json`, 'utf8'));
    expect(state).toMatchObject({ ociVersion: '1.0.2', status: 'creating', pid: 1, bundle: '/' });
    expect(state.id).toBe(os.hostname());
    expect(typeof state.annotations).toBe('object');
    expect(BigInt(fs.readFileSync(`${dir}/init.t`, 'utf8').trim())).toBeLessThan(BigInt(fs.readFileSync(`${dir}/cmd.t`, 'utf8').trim()));
  });

  it('--initcmd is the same hook as a shell command, also from TS_INIT_INITCMD', async () => {
    const dir = tmpdir();
    const r = await runAsPid1(['--', '/bin/cat', `${dir}/out`], { env: { ...process.env, TS_INIT_INITCMD: `read -r state; echo "from-initcmd $state" | cut -c1-40 > ${dir}/out` } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^from-initcmd \{"ociVersion":"1\.0\.2"/);
  });

  it('a missing initscript is a clear error with its own exit code, and nothing starts', async () => {
    const dir = tmpdir();
    const r = await runAsPid1(['--initscript', '/no/such/init.sh', '--', '/usr/bin/touch', `${dir}/started`]);
    expect(r.code).toBe(120);
    expect(r.stderr).toMatch(/initscript \/no\/such\/init\.sh does not exist in the container's filesystem/);
    expect(fs.existsSync(`${dir}/started`)).toBe(false);
  });

  it('an initscript that is not executable is refused the same way', async () => {
    const dir = tmpdir();
    const file = path.join(dir, 'init.sh');
    fs.writeFileSync(file, '#!/bin/sh\ntrue\n', { mode: 0o644 });
    const r = await runAsPid1(['--initscript', file, '--', '/usr/bin/touch', `${dir}/started`]);
    expect(r.code).toBe(120);
    expect(r.stderr).toMatch(/is not executable/);
    expect(fs.existsSync(`${dir}/started`)).toBe(false);
  });

  it('a failing initscript aborts the start with its status, its output shown', async () => {
    const dir = tmpdir();
    const init = script(dir, 'init.sh', 'echo "cannot prepare the volume" >&2; exit 7');
    const r = await runAsPid1(['--initscript', init, '--', '/usr/bin/touch', `${dir}/started`]);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/cannot prepare the volume/);
    expect(r.stderr).toMatch(/failed with status 7; not starting anything/);
    expect(fs.existsSync(`${dir}/started`)).toBe(false);
  });

  it('a hung initscript is killed after --hook-timeout', async () => {
    const r = await runAsPid1(['--hook-timeout', '0.5', '--initcmd', 'sleep 100', '--', '/bin/true']);
    expect(r.code).toBe(124);
    expect(r.ms).toBeLessThan(8000);
  });
});

describe('poststop hook', () => {
  const poststop = (dir: string): string =>
    script(dir, 'post.sh', `echo "code=$TS_INIT_EXIT_CODE signal=$TS_INIT_EXIT_SIGNAL reason=$TS_INIT_REASON" > ${dir}/post.out; ps -o pid= -p 2 >/dev/null 2>&1; cat > ${dir}/post.json`);

  it('runs after a clean exit, then ts-init exits with the CMD status', async () => {
    const dir = tmpdir();
    const r = await runAsPid1(['--poststop', poststop(dir), '--', '/bin/sh', '-c', 'exit 3']);
    expect(r.code).toBe(3);
    expect(fs.readFileSync(`${dir}/post.out`, 'utf8')).toBe('code=3 signal= reason=exited\n');
    expect(JSON.parse(fs.readFileSync(`${dir}/post.json`, 'utf8')).status).toBe('stopped');
  });

  it('runs after SIGTERM to PID 1', async () => {
    const dir = tmpdir();
    const run = startAsPid1(['--poststop', poststop(dir), '--', '/bin/sh', '-c', 'echo up; sleep 100 & wait']);
    await run.waitFor(/up/);
    process.kill(await pid1HostPid(run.child.pid!), 'SIGTERM');
    expect((await run.result).code).toBe(143);
    expect(fs.readFileSync(`${dir}/post.out`, 'utf8')).toBe('code=143 signal=SIGTERM reason=signaled\n');
  });

  it('runs after the CMD is SIGKILLed', async () => {
    const dir = tmpdir();
    const r = await runAsPid1(['--poststop', poststop(dir), '--', '/bin/sh', '-c', 'kill -KILL $$']);
    expect(r.code).toBe(137);
    expect(fs.readFileSync(`${dir}/post.out`, 'utf8')).toBe('code=137 signal=SIGKILL reason=signaled\n');
  });

  it('runs when the CMD cannot be started, and --poststopcmd works', async () => {
    const dir = tmpdir();
    const r = await runAsPid1(['--poststopcmd', `echo "$TS_INIT_EXIT_CODE $TS_INIT_REASON" > ${dir}/post.out`, '--', '/no/such/cmd']);
    expect(r.code).toBe(127);
    expect(fs.readFileSync(`${dir}/post.out`, 'utf8')).toBe('127 spawn-failed\n');
  });

  it('is bounded by --hook-timeout', async () => {
    const r = await runAsPid1(['--hook-timeout', '0.5', '--poststopcmd', 'sleep 100', '--', '/bin/sh', '-c', 'exit 5']);
    expect(r.code).toBe(5);
    expect(r.ms).toBeLessThan(8000);
  });
});

describe('persisted environment', () => {
  it('login shells get the same variables as the CMD, odd values intact', async () => {
    const odd = {
      QUOTES: `it's "quoted" and 'single'`,
      NEWLINES: 'line one\nline two\n',
      DOLLARS: '$HOME ${PATH} $(id) `id` \\ backslash',
      EMPTY: '',
      SPACES: '  leading and trailing  ',
      UNICODE: 'héllo wörld ✓',
    };
    const check = Object.keys(odd)
      .map((k) => `printf '%s=[%s]\\n' ${k} "$${k}"`)
      .join('; ');
    // The CMD sources both files in a clean environment, as a login shell would.
    const cmd = `env -i /bin/sh -c '. /etc/profile.d/ts-init-env.sh; ${check.replace(/'/g, `'\\''`)}' > /tmp/from-profile; env -i /bin/sh -c 'set -a; . /run/ts-init/env; ${check.replace(/'/g, `'\\''`)}' > /tmp/from-run; cat /tmp/from-profile; echo ---; cat /tmp/from-run`;
    // --rich: on the host's own root (this PID namespace) the files are written only when asked.
    const r = await runAsPid1(['--rich', '--', '/bin/sh', '-c', cmd], { env: { ...process.env, ...odd } }, 'mount -t tmpfs tmpfs /tmp');
    expect(r.code).toBe(0);
    const expected = Object.entries(odd).map(([k, v]) => `${k}=[${v}]`).join('\n') + '\n';
    expect(r.stdout).toBe(`${expected}---\n${expected}`);
  });

  it('per-user variables are not persisted', async () => {
    const r = await runAsPid1(['--rich', '--', '/bin/sh', '-c', 'grep -c "^export \\(HOME\\|PWD\\|SHLVL\\)=" /etc/profile.d/ts-init-env.sh']);
    expect(r.stdout.trim()).toBe('0');
    expect(r.stderr).toBe('');
  });
});
