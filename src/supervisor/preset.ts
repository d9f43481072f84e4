// systemctl preset: whether a unit is enabled or disabled by the preset files
// (systemd.preset(5)): *.preset files from /etc, /run and the vendor directories, a file
// of one name in an earlier directory hiding the later ones, read in the order of their
// names; the first line whose pattern matches decides, and no match means "enable".
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRegularFile } from '../process/bounded-file';
import { fnmatch } from '../sys/fnmatch';

export const PRESET_DIRS = [
  '/etc/systemd/system-preset',
  '/run/systemd/system-preset',
  '/usr/local/lib/systemd/system-preset',
  '/usr/lib/systemd/system-preset',
  '/lib/systemd/system-preset',
];

/** A preset file is a few lines; one larger than this is not read. */
const PRESET_FILE_MAX_BYTES = 1024 * 1024;

export interface PresetRule {
  action: 'enable' | 'disable';
  pattern: string;
}

/** The rules of one file, in order; lines that are neither "enable PATTERN" nor "disable PATTERN" are skipped. Pure. */
export function parsePresetFile(text: string): PresetRule[] {
  const rules: PresetRule[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const [word, pattern] = line.split(/\s+/);
    if ((word === 'enable' || word === 'disable') && pattern) rules.push({ action: word, pattern });
  }
  return rules;
}

/** The first matching rule's action; "enable" when none matches, as systemd decides. Pure. */
export function presetAction(rules: readonly PresetRule[], name: string): 'enable' | 'disable' {
  return rules.find((r) => fnmatch(r.pattern, name, { noEscape: true }))?.action ?? 'enable';
}

/** The preset files' paths in the order they are read: by name, the earliest directory's file of a name. */
export function presetFiles(dirs: readonly string[] = PRESET_DIRS): string[] {
  const byName = new Map<string, string>();
  for (const dir of dirs) {
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const e of entries) if (e.endsWith('.preset') && !byName.has(e)) byName.set(e, path.join(dir, e));
  }
  return [...byName.keys()].sort().map((n) => byName.get(n)!);
}

export function readPresetRules(dirs: readonly string[] = PRESET_DIRS): PresetRule[] {
  return presetFiles(dirs).flatMap((f) => {
    const r = readRegularFile(f, PRESET_FILE_MAX_BYTES);
    return r.ok ? parsePresetFile(r.text) : [];
  });
}
