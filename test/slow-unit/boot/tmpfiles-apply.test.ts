// tmpfiles.d applied below a private root: it chowns to other users, so it runs as root
// (the pure tier, test/unit/boot/tmpfiles.test.ts, parses and plans).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runTmpfiles, TmpfilesApplier } from '../../../src/boot/tmpfiles-apply';
import { parseTmpfilesText } from '../../../src/boot/tmpfiles-parse';
import { tempDir } from '../../helpers/temp-dir';
import { TEST_SPEC } from '../../helpers/tmpfiles-spec';

const spec = TEST_SPEC;

describe('applying, below a private root', () => {
  let root = '';
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
  const mk = (files: Record<string, string>): void => {
    root = tempDir('ts-init-tmpfiles-');
    for (const [p, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
      fs.writeFileSync(path.join(root, p), text);
    }
  };
  const mode = (p: string): string => (fs.statSync(path.join(root, p)).mode & 0o7777).toString(8);

  it('d D f F w L C r R z e as systemd-tmpfiles --create --remove --boot does', () => {
    mk({
      '/etc/passwd': 'root:x:0:0::/root:/bin/sh\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n',
      '/etc/group': 'root:x:0:\nwww-data:x:33:\n',
      '/run/cache/old': 'x',
      '/run/gone/deep/file': 'x',
      '/run/one': 'x',
      '/run/kept.txt': 'kept',
      '/run/replaced': 'x',
      '/run/trunc.txt': 'long old text',
      '/run/knob': 'old',
      '/usr/share/factory/etc/skel/.profile': 'profile',
      '/run/php/stale.pid': '1',
      '/usr/lib/tmpfiles.d/php.conf': 'd /run/php 0755 www-data www-data -\n',
      '/etc/tmpfiles.d/php.conf': 'd /run/php 0750 www-data www-data -\n',
      '/usr/lib/tmpfiles.d/misc.conf': [
        'D /run/cache 0755 root root -',
        'R /run/gone',
        'r /run/on?',
        'f /run/kept.txt 0600 - - - new',
        'f /run/new.txt 0640 www-data - - line\\n',
        'f /run/deep/er/file',
        'F /run/trunc.txt - - - - short',
        'w /run/knob - - - - 1',
        'w /run/absent - - - - 1',
        'L /run/link - - - - /run/php',
        'L+ /run/replaced - - - - /nowhere',
        'L+ /run/kept.txt - - - - /nowhere',
        'C /etc/skel',
        'z /run/kept.txt 0644',
        'e /run/cache 0751',
        'd /run/systemd/system',
        'd /run/lock/subsys 0755',
        'F! /run/nologin 0644 - - - "System is booting up."',
      ].join('\n'),
    });
    const r = runTmpfiles(spec, root);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([`${path.join(root, '/usr/lib/tmpfiles.d/misc.conf')}:12: duplicate line for path "/run/kept.txt", ignoring`]);
    expect(r.files).toEqual([path.join(root, '/usr/lib/tmpfiles.d/misc.conf'), path.join(root, '/etc/tmpfiles.d/php.conf')]);
    expect(fs.statSync(path.join(root, '/run/php')).uid).toBe(33);
    expect(mode('/run/php')).toBe('750');
    expect(mode('/run/cache')).toBe('751');
    expect(fs.existsSync(path.join(root, '/run/php/stale.pid'))).toBe(true); // d never empties
    expect(fs.readdirSync(path.join(root, '/run/cache'))).toEqual([]);
    expect(fs.existsSync(path.join(root, '/run/gone'))).toBe(false);
    expect(fs.existsSync(path.join(root, '/run/one'))).toBe(false);
    expect(fs.readlinkSync(path.join(root, '/run/replaced'))).toBe('/nowhere');
    expect(fs.readFileSync(path.join(root, '/run/kept.txt'), 'utf8')).toBe('kept');
    expect(mode('/run/kept.txt')).toBe('644');
    expect(fs.readFileSync(path.join(root, '/run/new.txt'), 'utf8')).toBe('line\n');
    expect(mode('/run/new.txt')).toBe('640');
    expect(fs.readFileSync(path.join(root, '/run/deep/er/file'), 'utf8')).toBe('');
    expect(fs.statSync(path.join(root, '/run/new.txt')).uid).toBe(33);
    expect(fs.readFileSync(path.join(root, '/run/trunc.txt'), 'utf8')).toBe('short');
    expect(fs.readFileSync(path.join(root, '/run/knob'), 'utf8')).toBe('1');
    expect(fs.existsSync(path.join(root, '/run/absent'))).toBe(false);
    expect(fs.readlinkSync(path.join(root, '/run/link'))).toBe('/run/php');
    expect(fs.readFileSync(path.join(root, '/etc/skel/.profile'), 'utf8')).toBe('profile');
    expect(fs.existsSync(path.join(root, '/run/systemd'))).toBe(false);
    expect(fs.statSync(path.join(root, '/run/lock/subsys')).isDirectory()).toBe(true);
    expect(fs.existsSync(path.join(root, '/run/nologin'))).toBe(false);
    const misc = path.join(root, '/usr/lib/tmpfiles.d/misc.conf');
    expect(r.skipped).toEqual([`${misc}:16: /run/systemd/system belongs to systemd itself`, `${misc}:18: /run/nologin belongs to systemd itself`]);
  });

  it('errors name file and line; "-" silences them; "=" replaces what is in the way', () => {
    mk({
      '/etc/passwd': 'root:x:0:0::/root:/bin/sh\n',
      '/etc/group': 'root:x:0:\n',
      '/run/file': 'x',
      '/run/file2': 'x',
      '/etc/tmpfiles.d/e.conf': 'd /run/file\nd- /run/file\nd= /run/file2\nd /run/u 0755 nosuchuser\n',
    });
    const r = runTmpfiles(spec, root);
    const conf = path.join(root, '/etc/tmpfiles.d/e.conf');
    expect(r.errors).toEqual([`${conf}:1: d /run/file: /run/file exists and is not a directory`, `${conf}:4: d /run/u: unknown user "nosuchuser"`]);
    expect(fs.statSync(path.join(root, '/run/file2')).isDirectory()).toBe(true);
    expect(new TmpfilesApplier(root).real('/run/x')).toBe(path.join(root, '/run/x'));
  });

  it("a user's symlink or hard link never turns a chown onto root's files; the refusal names file and line", () => {
    mk({ '/etc/passwd': 'root:x:0:0::/root:/bin/sh\n', '/etc/group': 'root:x:0:\n', '/etc/shadow': 'secret' });
    const at = (p: string): string => path.join(root, p);
    fs.mkdirSync(at('/etc/ssl'));
    for (const d of ['/var/lib/app', '/var/lib/app2']) {
      fs.mkdirSync(at(d), { recursive: true });
      fs.chownSync(at(d), 65534, 65534);
    }
    fs.symlinkSync('/etc', at('/var/lib/app/data'));
    fs.lchownSync(at('/var/lib/app/data'), 65534, 65534);
    fs.linkSync(at('/etc/shadow'), at('/var/lib/app2/shadow'));
    fs.writeFileSync(at('/var/lib/app2/own'), '');
    const text = 'd /var/lib/app/data/ssl 0750 65534 65534\nZ- /var/lib/app2 0700 65534 65534\nz /var/lib/app/data/ssl 0700 65534\n';
    const conf = at('/etc/tmpfiles.d/app.conf');
    // Where the kernel does not stop users from linking root's files (fs.protected_hardlinks=0).
    const r = new TmpfilesApplier(root, false).apply(parseTmpfilesText(text, conf, spec).lines);
    expect(r.errors).toEqual([
      `${conf}:1: d /var/lib/app/data/ssl: refused: unsafe path transition /var/lib/app/data (owned by uid 65534) -> / (owned by uid 0) while resolving /var/lib/app/data`,
      `${conf}:3: z /var/lib/app/data/ssl: refused: unsafe path transition /var/lib/app/data (owned by uid 65534) -> / (owned by uid 0) while resolving /var/lib/app/data/ssl`,
      `${conf}:2: Z /var/lib/app2: refused: refusing to change the owner or mode of /var/lib/app2/shadow: it has 2 hard links and fs.protected_hardlinks is off`,
    ].sort((a, b) => a.localeCompare(b)));
    expect(fs.statSync(at('/etc/ssl')).uid).toBe(0);
    expect(fs.statSync(at('/etc/ssl')).mode & 0o777).toBe(0o755);
    expect(fs.statSync(at('/etc/shadow')).uid).toBe(0);
    // With the kernel's protection on, such a link cannot be a user's doing: Z changes it.
    expect(new TmpfilesApplier(root, true).apply(parseTmpfilesText('Z /var/lib/app2 0700 65534\n', conf, spec).lines).errors).toEqual([]);
    expect(fs.statSync(at('/etc/shadow')).uid).toBe(65534);
  });

  it('a FIFO named *.conf is refused without blocking; the other files still apply', () => {
    mk({ '/etc/passwd': 'root:x:0:0::/root:/bin/sh\n', '/etc/group': 'root:x:0:\n', '/etc/tmpfiles.d/ok.conf': 'd /run/made 0755\n' });
    const fifo = path.join(root, '/etc/tmpfiles.d/fifo.conf');
    require('node:child_process').execFileSync('mkfifo', [fifo]);
    const r = runTmpfiles(spec, root);
    expect(r.errors).toEqual([`${fifo}: cannot read: a FIFO, not a regular file`]);
    expect(fs.statSync(path.join(root, '/run/made')).isDirectory()).toBe(true);
  });
});

