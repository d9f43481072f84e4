import { describe, expect, it } from 'vitest';
import { chooseConfigFiles } from '../../../src/boot/config-files';
import { maskedMode } from '../../../src/boot/tmpfiles-apply';
import { parseTmpfilesLine, parseTmpfilesText, type TmpfilesLine } from '../../../src/boot/tmpfiles-parse';
import { planTmpfiles } from '../../../src/boot/tmpfiles-plan';
import { TEST_SPEC } from '../../helpers/tmpfiles-spec';

const spec = TEST_SPEC;

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
