// systemd's boot machinery around the units, in systemd's order: the generators (the
// image's own, then SysV scripts turned into units) before units are loaded, and
// tmpfiles.d before the first unit starts. Runs once, as PID 1, when booting an image's
// systemd directories; nothing here is fatal: problems are logged and boot goes on.
import * as fs from 'node:fs';
import type { Logger } from '../log/logger';
import type { HostFacts } from '../units/conditions';
import { generatorEnvironment, GENERATOR_OUTPUT, runGenerators } from './generators';
import { virtualizationString } from './host-facts';
import { generateSysvUnits } from './sysv-generate';
import { runTmpfiles } from './tmpfiles-apply';
import type { SpecifierValues } from './tmpfiles-parse';

/** systemd gives all generators together this long (DEFAULT_TIMEOUT_USEC). */
export const GENERATOR_TIMEOUT_MS = 90_000;

export interface BootOptions {
  log: Logger;
  facts: HostFacts;
  /** Unit directories of native units, in precedence order (no generator output among them). */
  nativeDirs: readonly string[];
  /** PID 1 of a container's own root (personality/rule.ts): only then does tmpfiles.d remove anything. */
  ownsMachine: boolean;
  generatorTimeoutMs?: number;
}

export async function runGeneratorsStep(o: BootOptions): Promise<void> {
  const f = o.facts;
  const env = generatorEnvironment(process.env, {
    virtualization: virtualizationString(f),
    architecture: f.architecture(),
    firstBoot: f.firstBoot(),
  });
  const t0 = Date.now();
  let outcomes: Awaited<ReturnType<typeof runGenerators>> = [];
  try {
    outcomes = await runGenerators(env, o.generatorTimeoutMs ?? GENERATOR_TIMEOUT_MS);
  } catch (e) {
    o.log.error(`generators: ${(e as Error).message}`);
  }
  for (const g of outcomes) {
    const text = g.stderr.trim();
    if (g.result !== 'ok') o.log.warn({ generator: g.path, ms: g.ms }, `generator ${g.name} failed: ${g.result}${text ? `: ${text}` : ''}`);
    else o.log.debug({ generator: g.path, ms: g.ms }, `generator ${g.name} done${text ? `: ${text}` : ''}`);
  }
  try {
    const sysv = generateSysvUnits({ nativeDirs: o.nativeDirs, dest: GENERATOR_OUTPUT.late });
    for (const s of sysv) {
      o.log.info(`SysV service '${s.path}' lacks a native systemd unit file; generated ${s.name}${s.wantedBy.length ? ` (wanted by ${s.wantedBy.join(', ')})` : ''}`);
    }
  } catch (e) {
    o.log.error(`SysV scripts: ${(e as Error).message}`);
  }
  if (outcomes.length) o.log.debug({ ms: Date.now() - t0 }, `ran ${outcomes.length} generators`);
}

/**
 * Generators (and SysV scripts) and tmpfiles.d, both before units load. tmpfiles.d is applied
 * while the generators' processes run: neither reads what the other writes (systemd applies
 * it from a unit of sysinit.target, so only the units that start later can see its work),
 * and the boot's first unit starts one of them sooner.
 */
export async function runBootMachinery(o: BootOptions): Promise<void> {
  const generating = runGeneratorsStep(o); // the generators are spawned before this returns
  runTmpfilesStep(o);
  await generating;
}

export function runTmpfilesStep(o: BootOptions): void {
  const f = o.facts;
  const t0 = Date.now();
  try {
    const r = runTmpfiles(tmpfilesSpecifiers(f), '', o.ownsMachine);
    for (const e of r.errors) o.log.warn(`tmpfiles: ${e}`);
    for (const w of r.warnings) o.log.info(`tmpfiles: ${w}`);
    for (const s of r.skipped) o.log.debug(`tmpfiles: ${s}`);
    if (r.files.length) o.log.debug({ ms: Date.now() - t0 }, `tmpfiles: ${r.applied} lines applied from ${r.files.length} files`);
  } catch (e) {
    o.log.error(`tmpfiles: ${(e as Error).message}`);
  }
}

/** The values tmpfiles.d's specifiers stand for (%a %b %H %m %v %o ...), on this machine. */
export function tmpfilesSpecifiers(f: HostFacts): SpecifierValues {
  return {
    architecture: f.architecture(),
    bootId: readBootId(),
    hostname: f.hostname(),
    machineId: f.machineId(),
    kernelRelease: f.kernelRelease(),
    osRelease: f.osRelease(),
  };
}

function readBootId(): string | undefined {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().replace(/-/g, '');
  } catch {
    return undefined;
  }
}
