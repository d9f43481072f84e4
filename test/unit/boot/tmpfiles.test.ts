import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseConfigFiles } from '../../../src/boot/config-files';
import { maskedMode, runTmpfiles, TmpfilesApplier } from '../../../src/boot/tmpfiles-apply';
import { parseTmpfilesLine, parseTmpfilesText, type SpecifierValues, type TmpfilesLine } from '../../../src/boot/tmpfiles-parse';
import { planTmpfiles } from '../../../src/boot/tmpfiles-plan';
import { tempDir } from '../../helpers/temp-dir';

const spec: SpecifierValues = {
  architecture: 'x86-64',
  bootId: 'b00t',
  hostname: 'web-1.example.org',
  machineId: 'abc123',
  kernelRelease: '6.1.0',
  osRelease: { ID: 'debian', VERSION_ID: '12' },
};

const line = (text: string): TmpfilesLine => {
  const r = parseTmpfilesLine(text, '/etc/tmpfiles.d/t.conf', 1, spec);
  if (!('line' in r)) throw new Error(JSON.stringify(r));
  return r.line;
};

describe('tmpfiles.d lines', () => {
  it('fields, defaults and modifiers', () => {
    expect(line('d /run/php 0755 www-data www-data -')).toMatchObject({ type: 'd', path: '/run/php', mode: 0o755, user: 'www-data', group: 'www-data', plus: false });
    const l = line('d- /run/x');
    expect(l.ignoreErrors).toBe(true);
    expect([l.mode, l.user, l.group, l.age, l.argument]).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(line('L+! /var/run - - - - ../run')).toMatchObject({ type: 'L', plus: true, bootOnly: true, argument: '../run' });
    expect(line('f= /run/a 0600')).toMatchObject({ force: true, mode: 0o600 });
    expect(line('z /run/log/journal ~2755 root adm - -')).toMatchObject({ mode: 0o2755, modeMasked: true });
    expect(line('d /var/tmp 1777 root root 30d')).toMatchObject({ age: '30d' });
    // systemd 256's purge mark, as Debian 13's packages use it: applied like the line without it.
    expect(line('d$ /var/lib/php/sessions 1733 root root -')).toMatchObject({ type: 'd', mode: 0o1733, plus: false });
    expect(line('L$+ /etc/x - - - - /y')).toMatchObject({ type: 'L', plus: true, argument: '/y' });
  });

  it('the argument is the rest of the line, with C escapes for f and w, base64 with ~', () => {
    expect(line('f /run/motd 0644 root root - hello world\\n').argument).toBe('hello world\n');
    expect(line('w /proc/sys/kernel/x - - - - 1 2  3').argument).toBe('1 2  3');
    expect(line('f~ /run/b - - - - aGVsbG8=').argument).toBe('hello');
    expect(line('L /etc/foo').argument).toBe('/usr/share/factory/etc/foo');
  });

  it('quoted paths and specifiers', () => {
    expect(line('d "/run/with space"').path).toBe('/run/with space');
    expect(line('d %t/app-%H').path).toBe('/run/app-web-1.example.org');
    expect(line('d %S/%l').path).toBe('/var/lib/web-1');
    expect(line('d %C/%u/%T%L%h%V').path).toBe('/var/cache/root/tmp/var/log/root/var/tmp');
    expect(line('f %t/%m-%b-%a-%v-%o-%w-%%').path).toBe('/run/abc123-b00t-x86-64-6.1.0-debian-12-%');
  });

  it('a specifier without a value on this machine skips the line; it is not an error', () => {
    const r = parseTmpfilesText('Z /run/log/journal/%m ~2750 root adm - -\n', '/usr/lib/tmpfiles.d/systemd.conf', { ...spec, machineId: undefined });
    expect(r).toEqual({ lines: [], errors: [], skipped: ['/usr/lib/tmpfiles.d/systemd.conf:1: path "/run/log/journal/%m": specifier %m has no value on this machine'] });
  });

  it('bad lines name file and line', () => {
    const r = parseTmpfilesText('# comment\n\nd /run/ok\nY /run/x\nd relative\nd /run/%j\nd /run/y 999\nd\n', '/etc/tmpfiles.d/bad.conf', spec);
    expect(r.lines.map((l) => l.path)).toEqual(['/run/ok']);
    expect(r.errors).toEqual([
      "/etc/tmpfiles.d/bad.conf:4: unknown line type 'Y'",
      '/etc/tmpfiles.d/bad.conf:5: path "relative" is not absolute',
      '/etc/tmpfiles.d/bad.conf:6: path "/run/%j": unknown specifier %j',
      "/etc/tmpfiles.d/bad.conf:7: invalid mode '999'",
      '/etc/tmpfiles.d/bad.conf:8: syntax error: a line needs at least a type and a path',
    ]);
  });
});

describe('choosing files and planning', () => {
  it('a file name in /etc overrides /run and /usr/lib; /dev/null masks; sorted by name', () => {
    const chosen = chooseConfigFiles(
      [
        { dir: '/etc/tmpfiles.d', entries: [{ name: 'php.conf', masked: false }, { name: 'x11.conf', masked: true }] },
        { dir: '/run/tmpfiles.d', entries: [{ name: 'a.conf', masked: false }] },
        { dir: '/usr/lib/tmpfiles.d', entries: [{ name: 'php.conf', masked: false }, { name: 'x11.conf', masked: false }, { name: 'README', masked: false }] },
      ],
      (n) => n.endsWith('.conf'),
    );
    expect(chosen.map((c) => c.path)).toEqual(['/run/tmpfiles.d/a.conf', '/etc/tmpfiles.d/php.conf']);
  });

  it('systemd-internal paths and unsupported types are skipped; the first line for a path wins; parents first', () => {
    const lines = parseTmpfilesText(
      'd /run/app/sub 0700\nd /run/systemd/system\nc /dev/x - - - - 1:3\nd /run/app 0755\nd /run/app 0700\nR /run/old\nD /run/cache\nz /run/app/sub 0750\n',
      '/usr/lib/tmpfiles.d/app.conf',
      spec,
    ).lines;
    const plan = planTmpfiles(lines);
    expect(plan.remove.map((l) => `${l.type} ${l.path}`)).toEqual(['R /run/old', 'D /run/cache']);
    expect(plan.create.map((l) => `${l.type} ${l.path}`)).toEqual(['d /run/app', 'd /run/app/sub', 'D /run/cache', 'z /run/app/sub']);
    expect(plan.skipped).toEqual([
      '/usr/lib/tmpfiles.d/app.conf:2: /run/systemd/system belongs to systemd itself',
      "/usr/lib/tmpfiles.d/app.conf:3: line type 'c' is not applied by ts-init",
    ]);
    expect(plan.warnings).toEqual(['/usr/lib/tmpfiles.d/app.conf:5: duplicate line for path "/run/app", ignoring']);
  });

  it('"~" modes keep off the bits the file lacks', () => {
    expect(maskedMode(0o2750, 0o644, false)).toBe(0o640);
    expect(maskedMode(0o2750, 0o755, true)).toBe(0o2750);
  });
});

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

