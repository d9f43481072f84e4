// The edge of sysv-units.ts: finds /etc/init.d scripts that have no native unit, reads
// them and the /etc/rc?.d links, and writes their units into the late generator
// directory, with Provides: aliases and the targets' .wants links, as systemd-sysv-generator does.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyRcLinks, parseSysvScript, RC_TARGETS, renderSysvUnit, sysvUnitName, type SysvScript } from './sysv-units';
import { entryExists } from './entry-exists';

export interface SysvOptions {
  /** Unit directories that hold native units (generator output excluded). */
  nativeDirs: readonly string[];
  dest: string;
  initDir?: string;
  rcRoot?: string;
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** Writes the units; returns what was generated, by unit name. */
export function generateSysvUnits(o: SysvOptions): SysvScript[] {
  const initDir = o.initDir ?? '/etc/init.d';
  const rcRoot = o.rcRoot ?? '/etc';
  const scripts = new Map<string, SysvScript>();
  for (const file of listDir(initDir)) {
    const p = path.join(initDir, file);
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      continue;
    }
    if (!st.isFile() || (st.mode & 0o100) === 0) continue;
    const name = sysvUnitName(file);
    if (scripts.has(name) || o.nativeDirs.some((d) => entryExists(path.join(d, name)))) continue;
    let text: string;
    try {
      text = fs.readFileSync(p, 'utf8');
    } catch {
      continue;
    }
    scripts.set(name, parseSysvScript(file, p, text));
  }
  if (scripts.size === 0) return [];
  applyRcLinks(
    scripts,
    RC_TARGETS.map(([dir]) => ({ dir, entries: listDir(path.join(rcRoot, dir)) })),
  );
  fs.mkdirSync(o.dest, { recursive: true, mode: 0o755 });
  for (const s of scripts.values()) {
    const unit = path.join(o.dest, s.name);
    if (fs.lstatSync(unit, { throwIfNoEntry: false })?.isSymbolicLink()) fs.unlinkSync(unit);
    fs.writeFileSync(unit, renderSysvUnit(s), { mode: 0o644 });
    for (const a of s.aliases) {
      try {
        fs.symlinkSync(s.name, path.join(o.dest, a));
      } catch {
        // a real unit or another script's alias has the name already
      }
    }
    for (const t of s.wantedBy) {
      const wants = path.join(o.dest, `${t}.wants`);
      fs.mkdirSync(wants, { recursive: true, mode: 0o755 });
      try {
        fs.symlinkSync(`../${s.name}`, path.join(wants, s.name));
      } catch {
        // already linked
      }
    }
  }
  return [...scripts.values()];
}
