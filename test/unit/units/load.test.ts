// Discovery and loading of unit trees: enablement through ".wants/" directories of the
// requested targets, precedence of directories, drop-ins, aliases, masks and templates.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadUnits, UnitFinder, type LoadOptions } from '../../../src/units/load';
import { tempDir } from '../../helpers/temp-dir';

const SYSTEM_DIRS = ['/etc/systemd/system', '/run/systemd/system', '/lib/systemd/system'];
const UNIT_DIRS = ['/etc/ts-init/units'];
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

type Node = string | { link: string };

/** A fresh root directory holding the given files (text) and symlinks ({ link }). */
function tree(nodes: Record<string, Node>): string {
  const root = tempDir('ts-init-load-test-');
  roots.push(root);
  for (const [p, node] of Object.entries(nodes)) {
    const real = path.join(root, p);
    fs.mkdirSync(path.dirname(real), { recursive: true });
    if (typeof node === 'string') fs.writeFileSync(real, node);
    else fs.symlinkSync(node.link, real);
  }
  return root;
}

function load(root: string, options: Partial<LoadOptions> = {}) {
  return loadUnits({
    unitDirs: UNIT_DIRS,
    systemDirs: SYSTEM_DIRS,
    targets: ['multi-user.target', 'default.target'],
    hostname: 'box',
    machineId: '0123456789abcdef0123456789abcdef',
    root,
    ...options,
  });
}

const svc = (exec: string, extra = '') => `[Unit]\n${extra}\n[Service]\nExecStart=${exec}\n`;
const sorted = (s: Iterable<string>) => [...s].sort();
/** The service units of a result (targets come with every tree). */
const services = (s: Iterable<string>) => sorted([...s].filter((n) => n.endsWith('.service')));

describe('enablement', () => {
  const root = tree({
    '/lib/systemd/system/multi-user.target': '[Unit]\nDescription=Multi-User System\n',
    '/lib/systemd/system/default.target': { link: 'multi-user.target' },
    '/lib/systemd/system/cron.service': svc('/usr/sbin/cron -f', 'Wants=helper.service'),
    '/lib/systemd/system/helper.service': svc('/usr/bin/helper'),
    '/lib/systemd/system/extra.service': svc('/usr/bin/extra'),
    '/lib/systemd/system/idle.service': svc('/usr/bin/idle'),
    '/lib/systemd/system/getty@.service': svc('/sbin/agetty %I'),
    '/etc/systemd/system/multi-user.target.wants/cron.service': { link: '/lib/systemd/system/cron.service' },
    '/etc/systemd/system/multi-user.target.wants/getty@tty1.service': { link: '/lib/systemd/system/getty@.service' },
    '/etc/systemd/system/default.target.wants/extra.service': { link: '/lib/systemd/system/extra.service' },
    '/etc/systemd/system/multi-user.target.wants/not-a-unit-ts-init-loads.path': { link: '/lib/systemd/system/x.path' },
    '/etc/ts-init/units/own.service': svc('/usr/bin/own'),
    '/etc/ts-init/units/README': 'not a unit\n',
  });

  it('units linked from the targets\' .wants/ and every unit of the ts-init directories are enabled', () => {
    const r = load(root);
    expect(r.diagnostics).toEqual([]);
    expect(sorted(r.enabled)).toEqual(['cron.service', 'extra.service', 'getty@tty1.service', 'own.service']);
    // Wanted by an enabled unit: loaded, not enabled. Never referenced: not loaded.
    expect(services(r.units.keys())).toEqual(['cron.service', 'extra.service', 'getty@tty1.service', 'helper.service', 'own.service']);
  });

  it('a template instance is loaded from the template with its instance name', () => {
    const getty = load(root).units.get('getty@tty1.service')!;
    expect(getty.sourcePath).toBe(path.join(root, '/lib/systemd/system/getty@.service'));
    expect(getty.execStart[0]!.argv).toEqual(['/sbin/agetty', 'tty1']);
  });

  it('only the requested targets count; default.target also reads the target it aliases', () => {
    expect(sorted(load(root, { targets: ['multi-user.target'] }).enabled)).toEqual(['cron.service', 'getty@tty1.service', 'own.service']);
    expect(sorted(load(root, { targets: ['default.target'] }).enabled)).toEqual(['cron.service', 'extra.service', 'getty@tty1.service', 'own.service']);
    expect(sorted(load(root, { targets: [] }).enabled)).toEqual(['own.service']);
  });

  it('works on absolute directories without a root prefix', () => {
    const r = loadUnits({
      unitDirs: [],
      systemDirs: SYSTEM_DIRS.map((d) => path.join(root, d)),
      targets: ['multi-user.target'],
      hostname: 'box',
    });
    // The absolute symlinks point outside this tree, so only the relative lookups work:
    // names are resolved in the search directories, not through the links' targets.
    expect(sorted(r.enabled)).toEqual(['cron.service', 'getty@tty1.service']);
  });
});

describe('precedence and drop-ins', () => {
  const root = tree({
    '/lib/systemd/system/web.service': svc('/usr/bin/web', 'Description=vendor'),
    '/etc/systemd/system/web.service': svc('/usr/local/bin/web', 'Description=admin'),
    '/etc/ts-init/units/web.service': svc('/opt/web', 'Description=ts-init'),
    '/lib/systemd/system/api.service': svc('/usr/bin/api --port 80', 'Description=vendor api'),
    '/lib/systemd/system/api.service.d/10-vendor.conf': '[Service]\nEnvironment=LEVEL=vendor\n',
    '/lib/systemd/system/api.service.d/50-shared.conf': '[Service]\nEnvironment=SHARED=lib\n',
    '/etc/systemd/system/api.service.d/50-shared.conf': '[Service]\nEnvironment=SHARED=etc\n',
    '/run/systemd/system/api.service.d/30-runtime.conf': '[Service]\nExecStart=\nExecStart=/usr/bin/api --port 8080\n',
    '/etc/systemd/system/api.service.d/90-masked.conf': { link: '/dev/null' },
    '/lib/systemd/system/api.service.d/90-masked.conf': '[Service]\nEnvironment=MASKED=yes\n',
    '/etc/systemd/system/api.service.d/notes.txt': '[Service]\nEnvironment=IGNORED=yes\n',
    '/lib/systemd/system/service.d/05-all.conf': '[Service]\nEnvironment=ALL=1\n',
    '/etc/systemd/system/multi-user.target.wants/web.service': { link: '/lib/systemd/system/web.service' },
    '/etc/systemd/system/multi-user.target.wants/api.service': { link: '/lib/systemd/system/api.service' },
  });
  const r = load(root, { unitDirs: [] });

  it('the first directory that has a unit file wins', () => {
    expect(r.units.get('web.service')!.description).toBe('admin');
    expect(load(root).units.get('web.service')!.description).toBe('ts-init');
  });

  it('drop-ins from all directories apply sorted by file name; the earlier directory wins a name', () => {
    const api = r.units.get('api.service')!;
    expect(r.diagnostics).toEqual([]);
    expect(api.dropIns.map((d) => path.relative(root, d))).toEqual([
      'lib/systemd/system/service.d/05-all.conf',
      'lib/systemd/system/api.service.d/10-vendor.conf',
      'run/systemd/system/api.service.d/30-runtime.conf',
      'etc/systemd/system/api.service.d/50-shared.conf',
    ]);
    expect(api.environment).toEqual([['ALL', '1'], ['LEVEL', 'vendor'], ['SHARED', 'etc']]);
    expect(api.execStart.map((c) => c.argv)).toEqual([['/usr/bin/api', '--port', '8080']]);
    expect(api.description).toBe('vendor api');
  });

  it('the finder lists the same drop-ins', () => {
    const finder = new UnitFinder({ unitDirs: [], systemDirs: SYSTEM_DIRS, root });
    expect(finder.dropIns('api.service').map((d) => path.basename(d))).toEqual(['05-all.conf', '10-vendor.conf', '30-runtime.conf', '50-shared.conf']);
    expect(finder.real('/etc')).toBe(path.join(root, 'etc'));
  });

  it('diagnostics of drop-ins name the drop-in file and line', () => {
    const bad = tree({
      '/lib/systemd/system/x.service': svc('/bin/x'),
      '/etc/systemd/system/x.service.d/override.conf': '[Service]\nRestartSec=soon\nPrivateTmp=yes\n',
      '/etc/systemd/system/multi-user.target.wants/x.service': { link: '/lib/systemd/system/x.service' },
    });
    const res = load(bad);
    const conf = path.join(bad, '/etc/systemd/system/x.service.d/override.conf');
    expect(res.diagnostics).toEqual([
      { file: conf, unit: 'x.service', line: 2, severity: 'error', message: 'RestartSec: invalid time span "soon"' },
      { file: conf, unit: 'x.service', line: 3, severity: 'warning', message: 'PrivateTmp is not supported by ts-init; ignored', harmless: { directive: 'PrivateTmp' } },
    ]);
    expect(res.units.has('x.service')).toBe(false);
    expect(res.failed.get('x.service')).toBe('bad-setting');
    expect(res.enabled.size).toBe(0);
  });
});

describe('masks, aliases and missing units', () => {
  const root = tree({
    '/lib/systemd/system/a.service': svc('/bin/a', 'Requires=gone.service\nWants=maybe.service b-alias.service'),
    '/lib/systemd/system/b.service': svc('/bin/b') + '[Install]\nAlias=b-alias.service\n',
    '/lib/systemd/system/masked.service': svc('/bin/m'),
    '/etc/systemd/system/masked.service': { link: '/dev/null' },
    '/lib/systemd/system/empty.service': '',
    '/lib/systemd/system/c.service': svc('/bin/c'),
    '/etc/systemd/system/c-link.service': { link: '/lib/systemd/system/c.service' },
    '/lib/systemd/system/d.service': svc('/bin/d', 'After=c-link.service'),
    '/etc/systemd/system/multi-user.target.wants/a.service': { link: '/lib/systemd/system/a.service' },
    '/etc/systemd/system/multi-user.target.wants/masked.service': { link: '/lib/systemd/system/masked.service' },
    '/etc/systemd/system/multi-user.target.wants/empty.service': { link: '/lib/systemd/system/empty.service' },
    '/etc/systemd/system/multi-user.target.wants/c-link.service': { link: '/lib/systemd/system/c.service' },
    '/etc/systemd/system/multi-user.target.wants/d.service': { link: '/lib/systemd/system/d.service' },
    '/etc/systemd/system/multi-user.target.wants/b.service': { link: '/lib/systemd/system/b.service' },
    '/lib/systemd/system/e.service': svc('/bin/e') + '[Install]\nAlias=e-alias.service\n',
    '/etc/systemd/system/e-alias.service': { link: '/lib/systemd/system/e.service' },
    '/etc/systemd/system/multi-user.target.wants/e.service': { link: '/lib/systemd/system/e.service' },
    '/lib/systemd/system/f.service': svc('/bin/f', 'After=e-alias.service'),
    '/etc/systemd/system/multi-user.target.wants/f.service': { link: '/lib/systemd/system/f.service' },
    '/etc/systemd/system/multi-user.target.wants/dangling.service': { link: '/lib/systemd/system/nowhere.service' },
    '/etc/systemd/system/dangling.service': { link: '/lib/systemd/system/nowhere.service' },
  });
  const r = load(root);

  it('a link to /dev/null or an empty file masks a unit', () => {
    expect(sorted(r.masked)).toEqual(['empty.service', 'masked.service']);
    expect(r.units.has('masked.service')).toBe(false);
    expect(r.diagnostics.filter((d) => d.message.includes('is masked')).map((d) => d.message)).toEqual([
      'empty.service is masked; not loaded',
      'masked.service is masked; not loaded',
    ]);
  });

  it('an empty file masks whatever names it: its alias, its template\'s instances, a second request for it', () => {
    // A regular file is known as one from its directory's listing: its emptiness is found when it is read.
    const empty = load(
      tree({
        '/lib/systemd/system/blank.service': '',
        '/etc/systemd/system/blank-alias.service': { link: '/lib/systemd/system/blank.service' },
        '/lib/systemd/system/tpl@.service': '',
        '/lib/systemd/system/user.service': svc('/bin/u', 'Wants=blank.service blank-alias.service tpl@one.service'),
        '/etc/systemd/system/multi-user.target.wants/blank.service': { link: '/lib/systemd/system/blank.service' },
        '/etc/systemd/system/multi-user.target.wants/user.service': { link: '/lib/systemd/system/user.service' },
      }),
    );
    expect(sorted(empty.masked)).toEqual(['blank-alias.service', 'blank.service', 'tpl@one.service']);
    expect([...empty.units.keys()].filter((n) => n.endsWith('.service'))).toEqual(['user.service']);
    expect(empty.aliases.has('blank-alias.service')).toBe(false);
  });

  it('a symlink of another name is an alias; dependency lists use the canonical name', () => {
    expect(r.aliases.get('c-link.service')).toBe('c.service');
    expect(r.enabled.has('c.service')).toBe(true);
    expect(r.units.get('d.service')!.after).toEqual(['c.service', 'sysinit.target', 'basic.target']);
  });

  it('[Install] Alias= names resolve references', () => {
    expect(r.aliases.get('b-alias.service')).toBe('b.service');
    expect(r.units.get('a.service')!.wants).toEqual(['maybe.service', 'b.service']);
    expect(r.units.has('b.service')).toBe(true);
  });

  it('an Alias= name whose symlink leads back to the unit is an alias of it', () => {
    // What "systemctl enable" leaves for [Install] Alias=: a link named after the alias.
    expect(r.aliases.get('e-alias.service')).toBe('e.service');
    expect(r.units.get('f.service')!.after).toEqual(['e.service', 'sysinit.target', 'basic.target']);
  });

  it('an Alias= name that another unit file provides stays that unit', () => {
    const other = tree({
      '/lib/systemd/system/g.service': svc('/bin/g') + '[Install]\nAlias=h.service\n',
      '/lib/systemd/system/h.service': svc('/bin/h'),
      '/etc/systemd/system/multi-user.target.wants/g.service': { link: '/lib/systemd/system/g.service' },
    });
    const res = load(other);
    expect(res.aliases.has('h.service')).toBe(false);
    expect(services(res.units.keys())).toEqual(['g.service']);
  });

  it('a missing Requires= is an error, a missing Wants= a warning, a dangling link an error', () => {
    const file = path.join(root, '/lib/systemd/system/a.service');
    expect(r.diagnostics).toContainEqual({ file, unit: 'a.service', severity: 'error', message: 'a.service: Requires=gone.service: unit not found' });
    expect(r.diagnostics).toContainEqual({ file, unit: 'a.service', severity: 'warning', message: 'a.service: Wants=maybe.service: unit not found' });
    expect(r.diagnostics).toContainEqual({ file: 'dangling.service', unit: 'dangling.service', severity: 'error', message: expect.stringContaining('dangling.service: dangling symlink') });
    expect(r.failed.get('gone.service')).toBe('not-found');
    expect(r.diagnostics).toHaveLength(5);
  });
});

describe('a service\'s own .wants/, .requires/ and .upholds/, and the propagation settings', () => {
  // Debian 13's ssh.service.wants/sshd-keygen.service; an .upholds/ link; postgresql's clusters.
  const root = tree({
    '/lib/systemd/system/multi-user.target': '[Unit]\n',
    '/lib/systemd/system/ssh.service': svc('/usr/sbin/sshd -D', 'After=sshd-keygen.service'),
    '/lib/systemd/system/sshd-keygen.service': svc('/usr/bin/ssh-keygen -A', ''),
    '/lib/systemd/system/ssh.service.wants/sshd-keygen.service': { link: '../sshd-keygen.service' },
    '/lib/systemd/system/ssh.service.requires/host-keys.service': { link: '../host-keys.service' },
    '/lib/systemd/system/host-keys.service': svc('/bin/true'),
    '/etc/systemd/system/ssh.service.upholds/agent.service': { link: '/lib/systemd/system/agent.service' },
    '/lib/systemd/system/agent.service': svc('/usr/bin/agent'),
    '/etc/systemd/system/multi-user.target.wants/ssh.service': { link: '/lib/systemd/system/ssh.service' },
    '/lib/systemd/system/pg.service': svc('/bin/true', 'PropagatesReloadTo=pg@main.service\nPropagatesStopTo=pg-log.service\nUpholds=pg-log.service'),
    '/lib/systemd/system/pg@.service': svc('/usr/bin/pg %i', 'PartOf=pg.service\nReloadPropagatedFrom=pg.service\nStopPropagatedFrom=pg.service'),
    '/lib/systemd/system/pg-log.service': svc('/usr/bin/log'),
    '/etc/systemd/system/multi-user.target.wants/pg.service': { link: '/lib/systemd/system/pg.service' },
    '/etc/systemd/system/multi-user.target.wants/pg@main.service': { link: '/lib/systemd/system/pg@.service' },
  });
  const r = load(root);

  it('links in a service\'s own directories are its Wants=, Requires= and Upholds=, and are loaded', () => {
    const ssh = r.units.get('ssh.service')!;
    expect(ssh.wants).toContain('sshd-keygen.service');
    expect(ssh.requires).toContain('host-keys.service');
    expect(ssh.upholds).toEqual(['agent.service']);
    for (const n of ['sshd-keygen.service', 'host-keys.service', 'agent.service']) expect(r.units.has(n)).toBe(true);
  });

  it('PartOf=, Upholds=, PropagatesReloadTo=/ReloadPropagatedFrom= and PropagatesStopTo=/StopPropagatedFrom= are read, none reported unsupported', () => {
    const pg = r.units.get('pg.service')!;
    const main = r.units.get('pg@main.service')!;
    expect([pg.propagatesReloadTo, pg.propagatesStopTo, pg.upholds]).toEqual([['pg@main.service'], ['pg-log.service'], ['pg-log.service']]);
    expect([main.partOf, main.reloadPropagatedFrom, main.stopPropagatedFrom]).toEqual([['pg.service'], ['pg.service'], ['pg.service']]);
    expect(r.units.has('pg-log.service')).toBe(true);
    expect(r.diagnostics.filter((d) => /not supported|unsupported/i.test(d.message))).toEqual([]);
  });
});

describe("%m from the image's /etc/machine-id", () => {
  const unit = { '/etc/ts-init/units/m.service': svc('/bin/echo %m') };
  const argv = (root: string) => load(root, { machineId: undefined }).units.get('m.service')?.execStart[0]?.argv;

  it('a valid ID is used; "uninitialized" or empty is no ID (the unit says so)', () => {
    expect(argv(tree({ ...unit, '/etc/machine-id': 'ABCDEF0123456789abcdef0123456789\n' }))).toEqual(['/bin/echo', 'abcdef0123456789abcdef0123456789']);
    for (const text of ['uninitialized\n', '']) {
      const r = load(tree({ ...unit, '/etc/machine-id': text }), { machineId: undefined });
      expect(r.diagnostics.map((d) => d.message).join('\n')).toMatch(/machine id/);
    }
  });

  it('a FIFO there is not read (a blocking read would hang PID 1)', () => {
    const root = tree(unit);
    fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
    execFileSync('mkfifo', [path.join(root, 'etc/machine-id')]);
    const r = load(root, { machineId: undefined });
    expect(r.units.has('m.service')).toBe(true);
  });
});
