// systemctl enable/disable: the [Install] section turned into symlinks in
// /etc/systemd/system/<target>.wants/, exactly where systemd puts them, so the
// next container start (and systemd itself, were it ever the init) agrees.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { UnitFileState } from '../control/manager';
import type { UnitConfig } from '../units/unit';

export const ENABLE_ROOT = '/etc/systemd/system';

export type EnableResult = { changes: string[]; error?: string; warning?: string };

function wantsLinks(unit: UnitConfig, root: string): string[] {
  return [
    ...unit.wantedBy.map((t) => path.join(root, `${t}.wants`, unit.name)),
    ...unit.requiredBy.map((t) => path.join(root, `${t}.requires`, unit.name)),
  ];
}

/** Where systemd's generators write their units. */
const GENERATOR_DIR = '/run/systemd/generator';

/**
 * A loaded unit file's state, as `systemctl is-enabled` and `list-unit-files` say it (the one
 * place it is decided): a generator's unit is "generated"; enabled at load, or linked now where
 * its [Install] section says (under any of roots), "enabled"; else "disabled" when it has an
 * [Install] section, "static" when not.
 */
export function unitFileState(unit: UnitConfig, enabledAtLoad: boolean, roots: readonly string[]): UnitFileState {
  if (unit.sourcePath.startsWith(GENERATOR_DIR)) return 'generated';
  if (enabledAtLoad) return 'enabled';
  if (roots.some((root) => wantsLinks(unit, root).some((l) => fs.existsSync(l)))) return 'enabled';
  return unit.wantedBy.length || unit.requiredBy.length ? 'disabled' : 'static';
}

export function enableUnit(unit: UnitConfig, root = ENABLE_ROOT): EnableResult {
  const links = wantsLinks(unit, root);
  if (links.length === 0) {
    // Not an error for systemctl either: such units are started by others or by hand.
    return {
      changes: [],
      warning:
        `The unit files have no installation config (WantedBy=, RequiredBy=) for ${unit.name}.\n` +
        'This means they are not meant to be enabled using systemctl.',
    };
  }
  const changes: string[] = [];
  for (const link of links) {
    if (fs.existsSync(link)) continue;
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(unit.sourcePath, link);
    changes.push(`Created symlink ${link} → ${unit.sourcePath}.`);
  }
  return { changes };
}

export function disableUnit(name: string, root = ENABLE_ROOT): EnableResult {
  const changes: string[] = [];
  let dirs: string[];
  try {
    dirs = fs.readdirSync(root).filter((d) => d.endsWith('.wants') || d.endsWith('.requires'));
  } catch {
    return { changes };
  }
  for (const d of dirs) {
    const link = path.join(root, d, name);
    try {
      if (fs.lstatSync(link).isSymbolicLink()) {
        fs.unlinkSync(link);
        changes.push(`Removed "${link}".`);
      }
    } catch {
      // not linked there
    }
  }
  return { changes };
}
