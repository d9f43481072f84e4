// The edge of rcChanges (sysv-units.ts): `systemctl enable|disable` of a unit made from a
// SysV script changes its /etc/rc?.d links, as systemd has systemd-sysv-install do.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRegularFile } from '../process/bounded-file';
import { defaultLevels, rcChanges } from './sysv-units';

const RC_LEVELS = ['S', '0', '1', '2', '3', '4', '5', '6'];
/** An init script's header is near its top; the rest of a large script is not read. */
const SCRIPT_MAX_BYTES = 1 << 20;

export function sysvInstall(act: 'enable' | 'disable', scriptPath: string, rcRoot = '/etc'): { changes: string[]; error?: string } {
  const script = path.basename(scriptPath);
  const text = readRegularFile(scriptPath, SCRIPT_MAX_BYTES);
  if (!text.ok) return { changes: [], error: `cannot read ${scriptPath}: ${text.message}` };
  const rcDirs = RC_LEVELS.map((level) => {
    try {
      return { level, entries: fs.readdirSync(path.join(rcRoot, `rc${level}.d`)).sort() };
    } catch {
      return { level, entries: [] };
    }
  });
  const changes = [`Synchronizing state of ${script}.service with SysV service script ${scriptPath} (${act}).`];
  try {
    for (const c of rcChanges(script, act, defaultLevels(text.text), rcDirs)) {
      const dir = path.join(rcRoot, c.dir);
      if (c.kind === 'rename') {
        fs.renameSync(path.join(dir, c.from), path.join(dir, c.to));
        changes.push(`Renamed ${path.join(dir, c.from)} → ${path.join(dir, c.to)}.`);
      } else {
        fs.mkdirSync(dir, { recursive: true });
        fs.symlinkSync(`../init.d/${script}`, path.join(dir, c.name));
        changes.push(`Created symlink ${path.join(dir, c.name)} → ../init.d/${script}.`);
      }
    }
  } catch (err) {
    return { changes, error: `${act} of the SysV script ${script}: ${(err as Error).message}` };
  }
  return { changes };
}
