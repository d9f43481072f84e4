// An OCI runtime in front of the real one (runc by default), for engines that take a
// runtime binary rather than hooks: containerd's runtime handlers (BinaryName, so
// Kubernetes RuntimeClasses), Docker's `runtimes`, podman's [engine.runtimes]. Every
// verb and flag goes through untouched; only `create` and `run` first edit
// BUNDLE/config.json (atomically) when the container asked for rich mode. It is on
// the path of every runtime call, so it does as little as possible and then execs;
// the installed ts-init-runtime script (install-host.ts) sends only create and run here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { editConfig, parseConfig, serializeConfig } from './oci-config';
import { hostLayout, runtimeSetting } from './host-layout';
import { DEFAULT_SEARCH_PATH, isExecutableFile, searchPath } from '../sys/exec-path';

/** runc's global flags that take a value (the others are booleans). */
const VALUE_GLOBALS = new Set(['--root', '--log', '--log-format', '--criu', '--rootless', '--cgroup-manager']);
const EDITING_VERBS = new Set(['create', 'run']);

export interface RuntimeCall {
  verb?: string;
  /** BUNDLE for create/run: --bundle/-b, else runc's default, the current directory. */
  bundle?: string;
  logFile?: string;
  logFormat?: string;
}

/** Reads what the wrapper needs out of a runc command line, without changing it. Pure. */
export function parseRuntimeCall(argv: readonly string[], cwd: string): RuntimeCall {
  const call: RuntimeCall = {};
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-')) break;
    const eq = a.indexOf('=');
    const name = eq < 0 ? a : a.slice(0, eq);
    let value: string | undefined;
    if (eq >= 0) value = a.slice(eq + 1);
    else if (VALUE_GLOBALS.has(name)) value = argv[++i];
    if (name === '--log') call.logFile = value;
    if (name === '--log-format') call.logFormat = value;
  }
  call.verb = argv[i];
  if (call.verb && EDITING_VERBS.has(call.verb)) {
    call.bundle = cwd;
    for (let j = i + 1; j < argv.length; j++) {
      const a = argv[j]!;
      if (a === '--bundle' || a === '-b') call.bundle = path.resolve(cwd, argv[++j] ?? '');
      else if (a.startsWith('--bundle=')) call.bundle = path.resolve(cwd, a.slice('--bundle='.length));
      else if (a.startsWith('-b=')) call.bundle = path.resolve(cwd, a.slice(3));
    }
  }
  return call;
}

/**
 * PATH lookup for a runtime given by name; execve itself does not search. An empty PATH
 * entry is skipped, not taken as the working directory: that is the engine's bundle.
 */
export function resolveExecutable(name: string, envPath: string | undefined): string | undefined {
  const dirs = (envPath || DEFAULT_SEARCH_PATH).split(':').filter(Boolean).join(':');
  return searchPath(name, dirs, isExecutableFile);
}

/** Edits BUNDLE/config.json in place by write + rename, only when something changes. */
export function editBundle(bundle: string, env: NodeJS.ProcessEnv): void {
  const file = path.join(bundle, 'config.json');
  const config = parseConfig(fs.readFileSync(file, 'utf8'));
  const result = editConfig(config, () => hostLayout(env));
  if (!result.edited || !result.changed) return;
  const tmp = path.join(bundle, `.config.json.ts-init-${process.pid}`);
  try {
    const mode = fs.statSync(file).mode & 0o777;
    fs.writeFileSync(tmp, serializeConfig(result.config), { mode });
    fs.chmodSync(tmp, mode);
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** An error the engine shows its user: a JSON line in runc's --log file (as runc writes them), and stderr. */
function reportError(call: RuntimeCall, program: string, message: string): void {
  const line = JSON.stringify({ level: 'error', msg: `${program}: ${message}`, time: new Date().toISOString() }) + '\n';
  if (call.logFile) {
    try {
      fs.appendFileSync(call.logFile, call.logFormat === 'text' ? `${program}: ${message}\n` : line);
    } catch {
      // stderr still carries it
    }
  }
  try {
    fs.writeSync(2, `${program}: ${message}\n`);
  } catch {
    // nothing more to do
  }
}

export function runtimeMain(argv: string[], program: string): void {
  const call = parseRuntimeCall(argv, process.cwd());
  let runtime: string;
  try {
    if (call.bundle) editBundle(call.bundle, process.env);
    runtime = runtimeSetting(process.env);
  } catch (err) {
    reportError(call, program, (err as Error).message);
    process.exit(1);
  }
  const file = resolveExecutable(runtime, process.env.PATH);
  if (!file) {
    reportError(call, program, `the OCI runtime '${runtime}' is not found (set TS_INIT_RUNTIME or "runtime" in /etc/ts-init/engine.json)`);
    process.exit(1);
  }
  // The runtime ignores SIGPIPE and SIGXFSZ, and an ignored signal stays ignored across
  // execve into runc and on into the container; a handled one is reset to default.
  for (const sig of ['SIGPIPE', 'SIGXFSZ'] as const) process.on(sig, () => undefined);
  (process as unknown as { execve(file: string, args: string[], env: NodeJS.ProcessEnv): never }).execve(file, [runtime, ...argv], process.env);
}
