// journald.conf and its drop-ins read from disk (bounded), for the writer's store and for PID 1,
// which needs the Storage= and forwarding settings before any unit: a module of its own, so that
// PID 1 reading them loads no part of the store (its file writer brings node:crypto, which PID 1,
// past interpretOnly(), would compile from source at every boot).
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
