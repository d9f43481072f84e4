// SysV units written again from unchanged scripts are the same units: daemon-reload runs the
// generators again (their output directories emptied first) and must find nothing changed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSysvUnits } from '../../../src/boot/sysv-generate';
import { loadUnits } from '../../../src/units/load';
import { diffUnits } from '../../../src/supervisor/reload-diff';
import { tempDir } from '../../helpers/temp-dir';

const script = (name: string, provides: string) =>
  `#!/bin/sh\n### BEGIN INIT INFO\n# Provides: ${provides}\n# Required-Start: $network $remote_fs\n# Default-Start: 2 3 4 5\n# Default-Stop: 0 1 6\n# Short-Description: ${name}\n### END INIT INFO\n# pidfile: /run/${name}.pid\necho "Usage: $0 {start|stop|reload}"\n`;

describe('SysV units generated again', () => {
  it('compare equal to the ones loaded before, aliases, .wants links and all', () => {
    const root = tempDir('ts-init-sysv-gen-');
    const initDir = path.join(root, 'init.d');
    const dest = path.join(root, 'generator.late');
    fs.mkdirSync(initDir);
    for (const [n, p] of [['slapd', 'slapd ldap'], ['legacy', 'legacy'], ['old', 'old']] as const) {
      fs.writeFileSync(path.join(initDir, n), script(n, p), { mode: 0o755 });
      for (const l of ['2', '3', '4', '5']) {
        fs.mkdirSync(path.join(root, `rc${l}.d`), { recursive: true });
        fs.symlinkSync(`../init.d/${n}`, path.join(root, `rc${l}.d`, `S0${n.length}${n}`));
      }
    }
    const load = () => {
      // As daemon-reload: the output directory emptied, every script written again.
      fs.rmSync(dest, { recursive: true, force: true });
      generateSysvUnits({ nativeDirs: [], dest, initDir, rcRoot: root });
      return loadUnits({ unitDirs: [], systemDirs: [dest], targets: ['multi-user.target'], hostname: 'box', machineId: '0'.repeat(32) });
    };
    const first = load();
    expect(['slapd.service', 'legacy.service', 'old.service'].every((n) => first.units.has(n))).toBe(true);
    const again = load();
    const d = diffUnits({ units: first.units, enabled: first.enabled }, again);
    expect([d.added, d.changed, d.removed]).toEqual([[], [], []]);
  });
});
