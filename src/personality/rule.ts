// Which init a run is: tini (the engine's `--init`, or installed as tini), or the rich
// init (units from the image, the control socket, the environment files). An engine-wide
// default init must never start services nobody asked for, so the rich behaviour is on
// only where the name says ts-init (the image's ENTRYPOINT, /sbin/init) or the container
// asks for it. Pure: the facts about the machine are passed in. docs/personalities.md.
import * as path from 'node:path';
import type { InitOptions } from '../cli/options';
import { SYSTEM_UNIT_DIRS, TS_INIT_UNIT_DIR, type UnitDirectories } from '../supervisor/unit-dirs';

/** Names engines and packages give an init that is meant to be tini. */
export const TINI_NAMES: ReadonlySet<string> = new Set(['tini', 'tini-static', 'docker-init', 'podman-init']);

export interface PersonalityFacts {
  /** argv[0] as the process was started. */
  argv0: string;
  isPid1: boolean;
  /** The root filesystem is the host's own (a bare PID namespace), not a container's. */
  hostRoot: boolean;
  /** The image ships /etc/ts-init/units. */
  tsInitUnitDir: boolean;
}

export interface Personality {
  /** tini: tini's wording and tini's choices where they differ (no automatic subreaper). */
  face: 'tini' | 'ts-init';
  /** The rich init: the environment files (as PID 1), the control socket with any units. */
  rich: boolean;
  units: UnitDirectories;
  /**
   * The rich init as PID 1 of a container's own root: it may set up the machine's own files
   * at boot (/etc/machine-id). Never as tini or dumb-init, nor on the host's root filesystem.
   */
  ownsMachine: boolean;
  /**
   * Where ts-init owns the machine, it says it is systemd (/run/systemd/system, the boot
   * records) unless --systemd-identity=no: the image's software then goes through systemctl.
   */
  systemdIdentity: boolean;
  /** One line for `-v`: which personality and why. */
  why: string;
}

const NONE: UnitDirectories = { unitDirs: [], systemDirs: [] };
const IMAGE: UnitDirectories = { unitDirs: [TS_INIT_UNIT_DIR], systemDirs: SYSTEM_UNIT_DIRS };
const ASK = 'units only when asked for: --rich, TS_INIT_RICH=1, --units or an image with /etc/ts-init/units';

export function choosePersonality(o: InitOptions, f: PersonalityFacts): Personality {
  const name = path.basename(f.argv0);
  const tiniName = TINI_NAMES.has(name);
  const plainFace = tiniName ? 'tini' : 'ts-init';
  const started = `started as ${name}`;
  const ownsMachine = f.isPid1 && !f.hostRoot;
  const systemdIdentity = ownsMachine && o.systemdIdentity;
  const rich = (units: UnitDirectories, why: string): Personality => ({ face: 'ts-init', rich: true, units: o.noUnits ? NONE : units, ownsMachine, systemdIdentity, why });
  const plain = (why: string): Personality => ({ face: plainFace, rich: false, units: NONE, ownsMachine: false, systemdIdentity: false, why });

  if (o.unitDirs.length && !o.noUnits) return rich({ unitDirs: o.unitDirs, systemDirs: [] }, `${started}, --units given: units from ${o.unitDirs.join(', ')} only`);
  if (!f.isPid1) return plain(`${started}, not PID 1: only --units directories are read`);
  if (o.rich === true) return rich(IMAGE, `${started}, --rich or TS_INIT_RICH=1`);
  if (o.rich === false) return plain(`${started}, TS_INIT_RICH=0`);
  if (tiniName) {
    if (f.tsInitUnitDir) return rich({ unitDirs: [TS_INIT_UNIT_DIR], systemDirs: [] }, `${started} (the engine's --init) in an image with ${TS_INIT_UNIT_DIR}: those units only`);
    return plain(`${started} (the engine's --init or tini): ${ASK}`);
  }
  if (name === 'init') return rich(IMAGE, `${started}: the system's init`);
  if (f.hostRoot) return plain(`${started}, PID 1 of a PID namespace on the host's own root filesystem, not a container: ${ASK}`);
  return rich(IMAGE, `${started}, PID 1 of a container`);
}

export function describePersonality(p: Personality): string {
  const what = p.rich ? 'rich init' : p.face === 'tini' ? 'tini' : 'plain init (no units)';
  return `personality: ${what}; ${p.why}`;
}
