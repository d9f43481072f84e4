// The image's unit generators, run as systemd runs them (systemd.generator(7)): every
// executable of the generator directories (override by name, /dev/null masks), in
// parallel, each with argv "normal early late" output directories and SYSTEMD_* in its
// environment, bounded in time. Their units load from /run/systemd/generator* (see
// supervisor/unit-dirs.ts for the precedence).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { listConfigFiles } from './config-files';
import { DEFAULT_SEARCH_PATH, isExecutableFile } from '../sys/exec-path';

export const GENERATOR_DIRS = [
  '/run/systemd/system-generators',
  '/etc/systemd/system-generators',
  '/usr/local/lib/systemd/system-generators',
  '/usr/lib/systemd/system-generators',
  '/lib/systemd/system-generators',
];

export const GENERATOR_OUTPUT = {
  normal: '/run/systemd/generator',
  early: '/run/systemd/generator.early',
  late: '/run/systemd/generator.late',
};

/**
 * systemd's own generators that have nothing to do in a container under ts-init: file
 * systems, swap, ttys, disks, the kernel command line, and SysV scripts (ts-init turns
 * those into units itself, sysv-units.ts).
 */
export const SKIPPED_GENERATORS: ReadonlySet<string> = new Set([
  'systemd-fstab-generator', 'systemd-getty-generator', 'systemd-gpt-auto-generator', 'systemd-cryptsetup-generator',
  'systemd-debug-generator', 'systemd-run-generator', 'systemd-system-update-generator', 'systemd-sysv-generator',
  'systemd-hibernate-resume-generator', 'systemd-integritysetup-generator', 'systemd-veritysetup-generator',
  'systemd-bless-boot-generator', 'systemd-efi-boot-generator', 'systemd-import-generator', 'systemd-tpm2-generator',
  'systemd-factory-reset-generator', 'systemd-ssh-generator', 'systemd-credential-generator', 'systemd-mount-generator',
]);

/** Generator files that run: skipped ones out, non-executables out (as systemd ignores them). */
export function generatorsToRun(files: ReadonlyArray<{ name: string; path: string }>, isExecutable: (p: string) => boolean): Array<{ name: string; path: string }> {
  return files.filter((f) => !SKIPPED_GENERATORS.has(f.name) && isExecutable(f.path));
}

/** The environment systemd.generator(7) promises, on top of the manager's. */
export function generatorEnvironment(
  base: Readonly<Record<string, string | undefined>>,
  facts: { virtualization?: string; architecture: string; firstBoot: boolean },
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && k !== 'NOTIFY_SOCKET' && !k.startsWith('TS_INIT_')) env[k] = v;
  env.PATH ??= DEFAULT_SEARCH_PATH;
  env.SYSTEMD_SCOPE = 'system';
  env.SYSTEMD_IN_INITRD = '0';
  env.SYSTEMD_FIRST_BOOT = facts.firstBoot ? '1' : '0';
  env.SYSTEMD_ARCHITECTURE = facts.architecture;
  if (facts.virtualization !== undefined) env.SYSTEMD_VIRTUALIZATION = facts.virtualization;
  return env;
}

export interface GeneratorOutcome {
  name: string;
  path: string;
  ms: number;
  /** 'ok', an exit status, a signal, 'timeout' or a spawn error. */
  result: string;
  stderr: string;
}


/** Empties and recreates the output directories, as systemd does before each run. */
export function prepareOutputDirs(): void {
  for (const d of Object.values(GENERATOR_OUTPUT)) {
    fs.rmSync(d, { recursive: true, force: true });
    fs.mkdirSync(d, { recursive: true, mode: 0o755 });
  }
}

function runOne(g: { name: string; path: string }, env: Record<string, string>, timeoutMs: number): Promise<GeneratorOutcome> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    let stderr = '';
    let settled = false;
    const done = (result: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ name: g.name, path: g.path, ms: Date.now() - t0, result, stderr: stderr.slice(-4000) });
    };
    const child = spawn(g.path, [GENERATOR_OUTPUT.normal, GENERATOR_OUTPUT.early, GENERATOR_OUTPUT.late], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
      cwd: '/',
    });
    child.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 16_000) stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done('timeout');
    }, timeoutMs);
    child.once('error', (e) => done(`cannot run: ${e.message}`));
    child.once('close', (code, signal) => done(signal ? `killed by ${signal}` : code === 0 ? 'ok' : `exit status ${code}`));
  });
}

/** Runs every generator of the image in parallel; resolves when all are done or timed out. */
export async function runGenerators(env: Record<string, string>, timeoutMs: number): Promise<GeneratorOutcome[]> {
  const found = listConfigFiles(GENERATOR_DIRS, () => true);
  const toRun = generatorsToRun(found, isExecutableFile);
  prepareOutputDirs();
  return Promise.all(toRun.map((g) => runOne(g, env, timeoutMs)));
}
