// systemd-tmpfiles --clean below a private root, on real files of various ages (atime and
// mtime set back with utimes; a new file's ctime and birth time are always now, so the lines
// here say which stamps count, "am:", as a real clean of an old /tmp would find all four old).
// Runs as root: it takes BSD locks and removes other users' files.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanTmpfiles } from '../../../src/boot/tmpfiles-clean';
import { parseTmpfilesText } from '../../../src/boot/tmpfiles-parse';
import { tempDir } from '../../helpers/temp-dir';
import { TEST_SPEC } from '../../helpers/tmpfiles-spec';

const NOW = Date.now();
const DAY = 86_400_000;

describe('systemd-tmpfiles --clean, below a private root', () => {
  let root = '';
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
  const p = (rel: string): string => path.join(root, rel);
  /** Files and directories (a trailing "/"), each aged by days (atime and mtime). */
  const mk = (tree: Record<string, number>): void => {
    root = tempDir('ts-init-clean-');
    for (const rel of Object.keys(tree)) {
      if (rel.endsWith('/')) fs.mkdirSync(p(rel), { recursive: true });
      else {
        fs.mkdirSync(path.dirname(p(rel)), { recursive: true });
        fs.writeFileSync(p(rel), 'x');
      }
    }
    // Deepest first: setting a child's times does not touch its directory's, creating it did.
    for (const [rel, days] of Object.entries(tree).sort(([a], [b]) => b.length - a.length)) {
      const t = (NOW - days * DAY) / 1000;
      fs.utimesSync(p(rel), t, t);
    }
  };
  const clean = (conf: string) => cleanTmpfiles(parseTmpfilesText(conf, 'clean.conf', TEST_SPEC).lines, NOW, root);
  const exists = (rel: string): boolean => fs.existsSync(p(rel));

  it('removes what is older than the age, files and emptied directories; keeps the young and the directory named', () => {
    mk({ '/tmp/': 0, '/tmp/old.txt': 20, '/tmp/new.txt': 1, '/tmp/olddir/': 20, '/tmp/olddir/old': 20, '/tmp/mixed/': 20, '/tmp/mixed/old': 20, '/tmp/mixed/new': 2 });
    const r = clean('D /tmp 1777 root root amAM:10d\n');
    expect(r.errors).toEqual([]);
    expect(['/tmp', '/tmp/old.txt', '/tmp/new.txt', '/tmp/olddir', '/tmp/mixed', '/tmp/mixed/old', '/tmp/mixed/new'].filter(exists)).toEqual(['/tmp', '/tmp/new.txt', '/tmp/mixed', '/tmp/mixed/new']);
    expect(r.removed).toBe(4);
    // /tmp/mixed lost a file: its mtime is put back (20 days), so it is not made young by cleaning.
    expect(Math.round((NOW - fs.statSync(p('/tmp/mixed')).mtimeMs) / DAY)).toBe(20);
  });

  it('the default age-by counts ctime and birth time for files: a file just made is young however old its mtime', () => {
    mk({ '/tmp/': 0, '/tmp/old-looking.txt': 30 });
    clean('d /tmp - - - 10d\n');
    expect(exists('/tmp/old-looking.txt')).toBe(true);
    // Age 0: cleaned unconditionally (every stamp is before the moment of the clean).
    cleanTmpfiles(parseTmpfilesText('d /tmp - - - 0\n', 'clean.conf', TEST_SPEC).lines, Date.now() + 1000, root);
    expect(exists('/tmp/old-looking.txt')).toBe(false);
  });

  it("'~': the first level stays, what is below it is cleaned", () => {
    mk({ '/var/cache/app/': 0, '/var/cache/app/top.old': 40, '/var/cache/app/sub/': 40, '/var/cache/app/sub/inner.old': 40 });
    clean('d /var/cache/app - - - ~amAM:30d\n');
    expect(['/var/cache/app/top.old', '/var/cache/app/sub', '/var/cache/app/sub/inner.old'].filter(exists)).toEqual(['/var/cache/app/top.old', '/var/cache/app/sub']);
  });

  it('x leaves a path and its contents alone, X a directory but not its contents; a path with its own line is skipped; boot-only lines are not read', () => {
    mk({ '/tmp/': 0, '/tmp/systemd-private-a/': 40, '/tmp/systemd-private-a/f': 40, '/tmp/cache-1/': 40, '/tmp/cache-1/f': 40, '/tmp/own/': 40, '/tmp/own/f': 40, '/tmp/bootonly/': 40 });
    const r = clean('D /tmp - - - amAM:10d\nx /tmp/systemd-private-*\nX /tmp/cache-*\nd /tmp/own - - - -\nd! /tmp/bootonly - - - -\n');
    expect(r.errors).toEqual([]);
    expect(['/tmp/systemd-private-a/f', '/tmp/cache-1', '/tmp/cache-1/f', '/tmp/own/f', '/tmp/bootonly'].filter(exists)).toEqual(['/tmp/systemd-private-a/f', '/tmp/cache-1', '/tmp/own/f']);
  });

  it('kept whatever their age: a sticky file, a socket someone listens on, a device node; a stale socket goes', async () => {
    mk({ '/run/app/': 0, '/run/app/sticky': 40 });
    fs.chmodSync(p('/run/app/sticky'), 0o1644);
    const live = net.createServer().listen(p('/run/app/live.sock'));
    await new Promise((r) => live.once('listening', r));
    // A socket file nobody listens on any more: bound by a process that exits without removing it.
    execFileSync('python3', ['-c', 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', p('/run/app/stale.sock')]);
    fs.symlinkSync('/dev/null', p('/run/app/devlink'));
    execFileSync('mknod', [p('/run/app/null'), 'c', '1', '3']);
    for (const f of ['live.sock', 'stale.sock', 'null']) {
      const t = (NOW - 40 * DAY) / 1000;
      fs.utimesSync(p(`/run/app/${f}`), t, t);
    }
    fs.lutimesSync(p('/run/app/devlink'), (NOW - 40 * DAY) / 1000, (NOW - 40 * DAY) / 1000);
    try {
      const r = clean('d /run/app - - - amAM:1d\n');
      expect(r.errors).toEqual([]);
      expect(['sticky', 'live.sock', 'stale.sock', 'null', 'devlink'].filter((f) => fs.lstatSync(p(`/run/app/${f}`), { throwIfNoEntry: false }))).toEqual(['sticky', 'live.sock', 'null']);
    } finally {
      live.close();
    }
  });

  it('a directory another process holds a BSD lock on is skipped with everything below it', async () => {
    mk({ '/tmp/': 0, '/tmp/locked/': 40, '/tmp/locked/f': 40, '/tmp/free/': 40, '/tmp/free/f': 40 });
    const holder = spawn('flock', ['-x', p('/tmp/locked'), '-c', 'echo held; sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((r) => holder.stdout.once('data', r));
    try {
      const r = clean('D /tmp - - - amAM:10d\n');
      expect(r.kept).toContain(`${p('/tmp/locked')}: locked by another process`);
      expect(['/tmp/locked/f', '/tmp/free'].filter(exists)).toEqual(['/tmp/locked/f']);
    } finally {
      holder.kill();
    }
  });

  it('never follows a symlink: an old link to a directory outside is removed, its target untouched', () => {
    mk({ '/tmp/': 0, '/outside/': 0, '/outside/precious': 40 });
    fs.symlinkSync(p('/outside'), p('/tmp/link'));
    const t = (NOW - 40 * DAY) / 1000;
    fs.lutimesSync(p('/tmp/link'), t, t);
    clean('D /tmp - - - amAM:10d\n');
    expect(fs.lstatSync(p('/tmp/link'), { throwIfNoEntry: false })).toBeUndefined();
    expect(exists('/outside/precious')).toBe(true);
  });

  it('a missing directory is no error; a file where a directory is named is', () => {
    mk({ '/tmp/': 0, '/tmp/file': 0 });
    expect(clean('d /nowhere - - - 1d\n').errors).toEqual([]);
    expect(clean('d /tmp/file - - - 1d\n').errors).toEqual(['clean.conf:1: /tmp/file is not a directory']);
  });
});
