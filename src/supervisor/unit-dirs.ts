// Which directories units are read from. Kept apart (and light) so start-up can
// tell whether there are units at all before loading the supervisor.
import * as fs from 'node:fs';
import type { InitOptions } from '../cli/options';

export const TS_INIT_UNIT_DIR = '/etc/ts-init/units';
/**
 * systemd's unit search path (systemd.unit(5)), highest precedence first: generators' "early"
 * output overrides even /etc, their normal output sits between /run and the vendor
 * directories, and "late" output (SysV scripts among it) loses to everything.
 */
export const SYSTEM_UNIT_DIRS = [
  '/run/systemd/generator.early',
  '/etc/systemd/system',
  '/run/systemd/system',
  '/run/systemd/generator',
  '/usr/local/lib/systemd/system',
  '/lib/systemd/system',
  '/usr/lib/systemd/system',
  '/run/systemd/generator.late',
];

/** The directories of native units: what a SysV script must not shadow. */
export function nativeUnitDirs(dirs: readonly string[]): string[] {
  return dirs.filter((d) => !d.startsWith('/run/systemd/generator'));
}

export interface UnitDirectories {
  unitDirs: string[];
  systemDirs: string[];
}

export function unitDirectories(o: InitOptions, isPid1: boolean): UnitDirectories {
  if (o.noUnits) return { unitDirs: [], systemDirs: [] };
  if (o.unitDirs.length) return { unitDirs: o.unitDirs, systemDirs: [] };
  // The defaults speak for a container; a ts-init that is not PID 1 only runs what it is told.
  return isPid1 ? { unitDirs: [TS_INIT_UNIT_DIR], systemDirs: SYSTEM_UNIT_DIRS } : { unitDirs: [], systemDirs: [] };
}

export function anyUnitDirectory(d: UnitDirectories): boolean {
  return [...d.unitDirs, ...d.systemDirs].some((dir) => fs.existsSync(dir));
}
