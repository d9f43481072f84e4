// ChildWatch.spawnOutsideLibuv: posix_spawn with the descriptors, session, signal state and
// failures child_process gives a unit's process, and the exit through the exit channel.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChildWatch } from '../../../src/process/child-watch';
import { ProcessTable } from '../../../src/process/process-table';
import { tempDir } from '../../helpers/temp-dir';

const dir = tempDir('ts-init-spawn-outside-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const watch = new ChildWatch(new ProcessTable());

/** Runs a shell script with its stdout to a file; resolves with how it ended and what it wrote. */
async function run(script: string, opts: { slots?: number; outFd?: number; newSession?: boolean; cwd?: string; env?: Record<string, string> } = {}) {
  const out = path.join(dir, `out-${Math.random().toString(36).slice(2)}`);
  const fd = opts.outFd ?? fs.openSync(out, 'w');
  const stdio: (number | null)[] = Array.from({ length: opts.slots ?? 3 }, () => null);
  stdio[1] = fd;
  const argv = ['/bin/sh', '-c', script];
  const r = watch.spawnOutsideLibuv({ file: '/bin/sh', argv, env: opts.env ?? { PATH: '/usr/bin:/bin' }, stdio, newSession: opts.newSession ?? true, cwd: opts.cwd });
  if (opts.outFd === undefined) fs.closeSync(fd);
  if (!('pid' in r)) throw new Error(`spawn failed: errno ${r.errno}`);
  const exit = await watch.exits.exitOf(r.pid);
  return { pid: r.pid, exit, text: opts.outFd === undefined ? fs.readFileSync(out, 'utf8') : '' };
}

describe('spawnOutsideLibuv', () => {
  it('gives the child its descriptors, /dev/null where none, and nothing else of ours', async () => {
    const r = await run(`echo out; readlink /proc/self/fd/0 /proc/self/fd/2; for f in /proc/$$/fd/*; do readlink $f; done | grep -c '^${fs.realpathSync(dir)}/'`);
    // The file is the child's stdout, and only that: ts-init's own descriptor for it is close-on-exec.
    expect(r.text).toBe('out\n/dev/null\n/dev/null\n1\n');
    expect(r.exit).toEqual({ code: 0 });
  });

  it('places a descriptor whose number is one of the child\'s slots where it is asked', async () => {
    const a = path.join(dir, 'slot-a');
    const b = path.join(dir, 'slot-b');
    const fa = fs.openSync(a, 'w');
    const fb = fs.openSync(b, 'w');
    // The child's fd fa gets b, and the slot after it gets fa's file: dup2'ing in order would give both b.
    const out = path.join(dir, 'slot-out');
    const fo = fs.openSync(out, 'w');
    const stdio: (number | null)[] = Array.from({ length: fa + 2 }, () => null);
    stdio[1] = fo;
    stdio[fa] = fb;
    stdio[fa + 1] = fa;
    const argv = ['/bin/sh', '-c', `readlink /proc/$$/fd/${fa} /proc/$$/fd/${fa + 1}; [ -e /proc/$$/fd/${fa + 2} ] || echo none above`];
    const r = watch.spawnOutsideLibuv({ file: '/bin/sh', argv, env: {}, stdio, newSession: true });
    for (const fd of [fa, fb, fo]) fs.closeSync(fd);
    if (!('pid' in r)) throw new Error(`spawn failed: errno ${r.errno}`);
    expect(await watch.exits.exitOf(r.pid)).toEqual({ code: 0 });
    const real = fs.realpathSync(dir);
    expect(fs.readFileSync(out, 'utf8')).toBe(`${real}/slot-b\n${real}/slot-a\nnone above\n`);
  });

  it('starts the program in a new session with an empty signal mask and every signal at its default', async () => {
    // The runtime ignores SIGPIPE itself; the child must not inherit that.
    const r = await run("echo $$; sed -n 's/^\\(SigBlk\\|SigIgn\\):\\t*//p' /proc/self/status; cut -d' ' -f6 /proc/self/stat");
    const [pid, blocked, ignored, session] = r.text.trim().split('\n');
    expect({ blocked, ignored }).toEqual({ blocked: '0000000000000000', ignored: '0000000000000000' });
    expect(session).toBe(pid);
  });

  it('stays in ts-init\'s session unless asked, in the directory it is given, with the environment it is given', async () => {
    const r = await run('cut -d" " -f6 /proc/self/stat; pwd; echo "$GREETING"', { newSession: false, cwd: dir, env: { GREETING: 'hi' } });
    expect(r.text).toBe(`${fs.readFileSync('/proc/self/stat', 'utf8').split(' ')[5]}\n${fs.realpathSync(dir)}\nhi\n`);
  });

  it('reports how the process ended: its code, or its signal', async () => {
    expect((await run('exit 7')).exit).toEqual({ code: 7 });
    expect((await run('kill -9 $$')).exit).toMatchObject({ signal: 9 });
  });

  it('answers a missing program with its errno and leaves no child behind', () => {
    const r = watch.spawnOutsideLibuv({ file: '/nonexistent/program', argv: ['program'], env: {}, stdio: [null, null, null], newSession: true });
    expect(r).toEqual({ errno: 2 });
    const children = fs.readFileSync(`/proc/self/task/${process.pid}/children`, 'utf8').trim();
    expect(children).toBe('');
  });
});
