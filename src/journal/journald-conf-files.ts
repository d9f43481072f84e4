// journald.conf and its drop-ins, read from disk. Apart from the store (journal-store.ts), which
// PID 1 never loads: PID 1 reads the settings too (journal-start.ts), and the store's modules
// bring node:crypto, some 1.3 MB of PID 1's private memory for randomness only the writer uses.
import * as path from 'node:path';
import { listConfigFiles } from '../boot/config-files';
import { readRegularFile } from '../process/bounded-file';
import { parseUnitText } from '../units/syntax';
import { JOURNALD_CONF, JOURNALD_CONF_DROPIN_DIRS, type JournaldSettings, journaldSettings } from './journald-conf';

const CONF_MAX_BYTES = 64 * 1024;

/** journald.conf and its drop-ins, read (bounded) from below `root`. */
export function readJournaldConf(root = ''): { settings: JournaldSettings; warnings: string[] } {
  const files = [{ name: 'journald.conf', path: path.join(root, JOURNALD_CONF) }, ...listConfigFiles(JOURNALD_CONF_DROPIN_DIRS, (n) => n.endsWith('.conf'), root)];
  const parsed = [];
  const warnings: string[] = [];
  for (const f of files) {
    const r = readRegularFile(f.path, CONF_MAX_BYTES);
    if (r.ok) parsed.push(parseUnitText(r.text, f.path));
    else if (r.code !== 'ENOENT') warnings.push(`${f.path}: ${r.message}`);
  }
  const got = journaldSettings(parsed);
  return { settings: got.settings, warnings: [...warnings, ...got.warnings] };
}
