// %-specifiers (systemd.unit(5)) and unit name helpers.
import { describe, expect, it } from 'vitest';
import {
  escapeUnitName,
  expandSpecifiers,
  instanceName,
  isTemplate,
  isValidUnitName,
  parseUnitName,
  templateOf,
  unescapeUnitName,
  type SpecifierContext,
} from '../../../src/units/specifiers';

function expand(text: string, ctx: Partial<SpecifierContext> & { unitName: string }) {
  const reports: string[] = [];
  const out = expandSpecifiers(text, { hostname: 'box.example.org', ...ctx }, (m) => reports.push(m));
  return { out, reports };
}

describe('unit names', () => {
  it('splits names into prefix, instance and type', () => {
    expect(parseUnitName('cron.service')).toEqual({ prefix: 'cron', type: 'service' });
    expect(parseUnitName('getty@tty1.service')).toEqual({ prefix: 'getty', instance: 'tty1', type: 'service' });
    expect(parseUnitName('getty@.service')).toEqual({ prefix: 'getty', instance: '', type: 'service' });
    expect(parseUnitName('multi-user.target')).toEqual({ prefix: 'multi-user', type: 'target' });
  });

  it.each(['', 'noext', '.service', 'x.bogus', '@x.service', 'a@b@c.service', 'a b.service', 'a/b.service'])(
    '"%s" is not a unit name',
    (name) => {
      expect(isValidUnitName(name)).toBe(false);
    },
  );

  it('knows templates and their instances', () => {
    expect(isTemplate('foo@.service')).toBe(true);
    expect(isTemplate('foo@bar.service')).toBe(false);
    expect(templateOf('foo@bar.service')).toBe('foo@.service');
    expect(templateOf('foo.service')).toBeUndefined();
    expect(templateOf('foo@.service')).toBeUndefined();
    expect(instanceName('foo@.service', 'bar')).toBe('foo@bar.service');
    expect(() => instanceName('foo.service', 'bar')).toThrow(/not a template/);
  });

  it('escapes and unescapes like systemd-escape', () => {
    expect(escapeUnitName('/dev/sda1')).toBe('-dev-sda1');
    expect(escapeUnitName('a b-c')).toBe('a\\x20b\\x2dc');
    expect(escapeUnitName('.hidden')).toBe('\\x2ehidden');
    expect(unescapeUnitName('a\\x20b\\x2dc')).toBe('a b-c');
    expect(unescapeUnitName('-dev-sda1')).toBe('/dev/sda1');
    expect(unescapeUnitName(escapeUnitName('/srv/ünï cødé'))).toBe('/srv/ünï cødé');
  });
});

describe('expandSpecifiers', () => {
  it('%n %N %p %i %I %j %f for an instance', () => {
    const ctx = { unitName: 'my-web@site\\x20one.service' };
    expect(expand('%n|%N|%p|%i|%I|%j|%J|%f|%P', ctx).out).toBe(
      'my-web@site\\x20one.service|my-web@site\\x20one|my-web|site\\x20one|site one|web|web|/site one|my/web',
    );
  });

  it('%n %N %p %i %j %f for a plain unit', () => {
    expect(expand('%n|%N|%p|[%i]|%j|%f', { unitName: 'cron.service' }).out).toBe('cron.service|cron|cron|[]|cron|/cron');
  });

  it('"%%" is a literal percent sign and is not expanded again', () => {
    expect(expand('100%% %%n', { unitName: 'a.service' }).out).toBe('100% %n');
  });

  it('system paths, root user and host names', () => {
    const { out, reports } = expand('%t %S %C %L %E %T %V %u %U %g %G %h %s %H %l', { unitName: 'a.service' });
    expect(out).toBe('/run /var/lib /var/cache /var/log /etc /tmp /var/tmp root 0 root 0 /root /bin/sh box.example.org box');
    expect(reports).toEqual([]);
  });

  it('optional data is used when given and reported when not', () => {
    const full = expand('%m %b %v %a %y %Y', {
      unitName: 'a.service',
      machineId: 'm1',
      bootId: 'b1',
      kernelRelease: '6.1.0',
      architecture: 'x86-64',
      sourcePath: '/etc/systemd/system/a.service',
    });
    expect(full).toEqual({ out: 'm1 b1 6.1.0 x86-64 /etc/systemd/system/a.service /etc/systemd/system', reports: [] });
    const bare = expand('%m-%y', { unitName: 'a.service' });
    expect(bare.out).toBe('%m-%y');
    expect(bare.reports).toEqual([expect.stringContaining('%m (machine id)'), expect.stringContaining('%y (unit file path)')]);
  });

  it('unknown specifiers and a lone "%" are kept and reported', () => {
    const r = expand('%Z and 50%', { unitName: 'a.service' });
    expect(r.out).toBe('%Z and 50%');
    expect(r.reports).toEqual([expect.stringContaining('unknown specifier %Z'), expect.stringContaining('lone "%"')]);
  });

  it('text without "%" is returned as is', () => {
    expect(expand('plain', { unitName: 'a.service' })).toEqual({ out: 'plain', reports: [] });
  });
});
