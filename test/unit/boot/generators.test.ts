import { describe, expect, it } from 'vitest';
import { generatorEnvironment, generatorsToRun, SKIPPED_GENERATORS } from '../../../src/boot/generators';
import { nativeUnitDirs, SYSTEM_UNIT_DIRS } from '../../../src/supervisor/unit-dirs';

describe('generators', () => {
  it("systemd's own generators for disks, ttys and SysV are skipped; packages' run; non-executables do not", () => {
    const files = ['systemd-fstab-generator', 'systemd-getty-generator', 'systemd-sysv-generator', 'postgresql-generator', 'postfix-instance-generator', 'systemd-rc-local-generator', 'notes.txt'].map((name) => ({ name, path: `/lib/systemd/system-generators/${name}` }));
    expect(generatorsToRun(files, (p) => !p.endsWith('.txt')).map((g) => g.name)).toEqual(['postgresql-generator', 'postfix-instance-generator', 'systemd-rc-local-generator']);
    expect(SKIPPED_GENERATORS.has('systemd-gpt-auto-generator')).toBe(true);
  });

  it('the environment of systemd.generator(7)', () => {
    const env = generatorEnvironment({ PATH: '/usr/bin:/bin', NOTIFY_SOCKET: '/x', TS_INIT_UNITS: 'y', LANG: 'C' }, { virtualization: 'container:podman', architecture: 'x86-64', firstBoot: false });
    expect(env).toEqual({
      PATH: '/usr/bin:/bin', LANG: 'C', SYSTEMD_SCOPE: 'system', SYSTEMD_IN_INITRD: '0', SYSTEMD_FIRST_BOOT: '0',
      SYSTEMD_ARCHITECTURE: 'x86-64', SYSTEMD_VIRTUALIZATION: 'container:podman',
    });
  });

  it('unit search path: early output before /etc, normal between /run and the vendor dirs, late last', () => {
    const i = (d: string) => SYSTEM_UNIT_DIRS.indexOf(d);
    expect(i('/run/systemd/generator.early')).toBeLessThan(i('/etc/systemd/system'));
    expect(i('/run/systemd/system')).toBeLessThan(i('/run/systemd/generator'));
    expect(i('/run/systemd/generator')).toBeLessThan(i('/lib/systemd/system'));
    expect(SYSTEM_UNIT_DIRS.at(-1)).toBe('/run/systemd/generator.late');
    expect(nativeUnitDirs(SYSTEM_UNIT_DIRS)).toEqual(['/etc/systemd/system', '/run/systemd/system', '/usr/local/lib/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system']);
  });
});
