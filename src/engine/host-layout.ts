// Where the host keeps what containers are given, and which runtime the wrapper
// hands over to. Only from the editor's own configuration: its environment (set in
// the hook's JSON or the engine's service), an optional config file, then defaults.
// Never from a container's annotations.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostLayout } from './oci-config';

export const DEFAULT_LIBEXEC = '/usr/libexec/ts-init';
export const DEFAULT_HOST_BINARY = `${DEFAULT_LIBEXEC}/ts-init`;
export const DEFAULT_CONFIG_FILE = '/etc/ts-init/engine.json';
export const DEFAULT_RUNTIME = 'runc';

interface ConfigFile {
  hostBinary?: string;
  runtime?: string;
}

export class EngineConfigError extends Error {}

function readConfigFile(file: string, mustExist: boolean): ConfigFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (!mustExist && (err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new EngineConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new EngineConfigError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new EngineConfigError(`${file}: expected a JSON object`);
  const out: ConfigFile = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (k !== 'hostBinary' && k !== 'runtime') throw new EngineConfigError(`${file}: unknown key '${k}' (known: hostBinary, runtime)`);
    if (typeof v !== 'string' || v === '') throw new EngineConfigError(`${file}: '${k}' must be a non-empty string`);
    out[k] = v;
  }
  return out;
}

/** The executable running now, when it is the single executable (not node running the sources). */
function selfBinary(): string | undefined {
  try {
    if (!(require('node:sea') as { isSea(): boolean }).isSea()) return undefined;
    return fs.realpathSync(process.execPath);
  } catch {
    return undefined;
  }
}

/** Pre-extracted FFI modules beside the host binary (ts-init install-host puts one there). */
export function nativeModulesBeside(binary: string): string[] {
  const dir = path.dirname(binary);
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => /^ts-init-koffi-[0-9a-z]+\.node$/.test(f))
      .sort()
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

function configFile(env: NodeJS.ProcessEnv): ConfigFile {
  const explicit = env.TS_INIT_ENGINE_CONFIG;
  return readConfigFile(explicit || DEFAULT_CONFIG_FILE, !!explicit);
}

/** The real runtime: TS_INIT_RUNTIME, else the config file's "runtime", else runc. */
export function runtimeSetting(env: NodeJS.ProcessEnv): string {
  return env.TS_INIT_RUNTIME || configFile(env).runtime || DEFAULT_RUNTIME;
}

/**
 * The host binary: TS_INIT_HOST_BINARY, else the config file's "hostBinary" (file:
 * TS_INIT_ENGINE_CONFIG, default /etc/ts-init/engine.json), else this very executable,
 * else /usr/libexec/ts-init/ts-init; plus the FFI modules beside it.
 */
export function hostLayout(env: NodeJS.ProcessEnv): HostLayout {
  const binary = env.TS_INIT_HOST_BINARY || configFile(env).hostBinary || selfBinary() || DEFAULT_HOST_BINARY;
  if (!path.isAbsolute(binary)) throw new EngineConfigError(`the host binary must be an absolute path, not '${binary}'`);
  if (!fs.existsSync(binary)) throw new EngineConfigError(`the host binary ${binary} does not exist`);
  return { binary, nativeModules: nativeModulesBeside(binary) };
}
