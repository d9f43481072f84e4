// The one OCI config editor: given a container's config.json (as parsed JSON) and the
// host's layout, puts the host's ts-init in front of process.args and binds it (and
// its FFI module) read-only into the container. Used by the podman precreate hook and
// by the runtime wrapper alike. Pure: no files, no environment.
//
// config.json holds uint64 values (rlimits: RLIM_INFINITY is 18446744073709551615;
// seccomp argument values) that a JavaScript number cannot hold: a config is read with
// parseConfig, which keeps every number as the text it was written as, so that
// serializeConfig gives back every value it did not edit exactly as it was.
import * as path from 'node:path';
import { ENGINE_ERROR_ENV } from './engine-error';
import { richRequest, RichRequestError } from './rich-request';

/** Where the host's binary appears inside the container. */
export const CONTAINER_INIT = '/sbin/ts-init';
/** The loader looks for its module beside the executable (src/sys/native-loader.ts). */
export const CONTAINER_INIT_DIR = path.posix.dirname(CONTAINER_INIT);

export const BIND_OPTIONS = ['rbind', 'ro', 'nosuid', 'nodev'];

/** Inits that engines (or images) put in front of the CMD; replaced, never stacked. */
const ENGINE_INITS = new Set(['catatonit', 'docker-init', 'podman-init', 'tini', 'tini-static', 'dumb-init', 'ts-init']);
/** Short flags of those inits that take a separate value (tini -p/-e, dumb-init -r). */
const VALUE_FLAGS = new Set(['-p', '-e', '-r', '--rewrite']);

export interface HostLayout {
  /** Host path of the ts-init executable that containers run. */
  binary: string;
  /** Host paths of pre-extracted FFI modules (ts-init-koffi-<tag>.node) to bind beside it. */
  nativeModules: readonly string[];
}

export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
  [k: string]: unknown;
}

export interface OciConfig {
  process?: { args?: string[]; env?: string[]; [k: string]: unknown };
  mounts?: OciMount[];
  annotations?: Record<string, string>;
  [k: string]: unknown;
}

export type EditResult =
  | { edited: false; why: string }
  | { edited: true; config: OciConfig; changed: boolean; flags: string[] };

export { RichRequestError };

/** What Node 24 has and the TypeScript library does not declare yet. */
interface LosslessJson {
  parse(text: string, reviver: (key: string, value: unknown, context: { source?: string }) => unknown): unknown;
  rawJSON(text: string): unknown;
  isRawJSON(value: unknown): boolean;
}
const LOSSLESS = JSON as unknown as LosslessJson;

/**
 * Parses config.json keeping every number as its source text (JSON.rawJSON), which
 * JSON.stringify writes back verbatim: 18446744073709551615 stays that, not
 * 18446744073709552000. Throws SyntaxError for text that is not JSON.
 */
export function parseConfig(text: string): OciConfig {
  const config = LOSSLESS.parse(text, (_key, value, context) => (typeof value === 'number' && context.source !== undefined ? LOSSLESS.rawJSON(context.source) : value));
  if (typeof config !== 'object' || config === null || Array.isArray(config) || LOSSLESS.isRawJSON(config)) throw new SyntaxError('the config is not a JSON object');
  return config as OciConfig;
}

/** The config as JSON text; numbers read by parseConfig come out as they went in. */
export function serializeConfig(config: OciConfig): string {
  return JSON.stringify(config);
}

/** A deep copy that keeps numbers' text (a JSON round trip through numbers would not). */
function copyConfig(config: OciConfig): OciConfig {
  return parseConfig(serializeConfig(config));
}

/** Splits off an init already in front: returns the CMD behind it and the init's path, if any. */
export function stripEngineInit(args: readonly string[]): { command: string[]; init?: string } {
  const first = args[0];
  if (first === undefined || !ENGINE_INITS.has(path.posix.basename(first))) return { command: [...args] };
  const dashdash = args.indexOf('--', 1);
  if (dashdash >= 0 && args.slice(1, dashdash).every((a, i, all) => a.startsWith('-') || VALUE_FLAGS.has(all[i - 1] ?? ''))) {
    return { command: args.slice(dashdash + 1), init: first };
  }
  let i = 1;
  while (i < args.length && args[i]!.startsWith('-') && args[i] !== '-') {
    i += VALUE_FLAGS.has(args[i]!) ? 2 : 1;
  }
  return { command: args.slice(i), init: first };
}

function isOurMount(m: OciMount): boolean {
  return m.destination === CONTAINER_INIT || (path.posix.dirname(m.destination) === CONTAINER_INIT_DIR && /^ts-init-koffi-[0-9a-z]+\.node$/.test(path.posix.basename(m.destination)));
}

function bind(source: string, destination: string): OciMount {
  return { destination, type: 'bind', source, options: [...BIND_OPTIONS] };
}

/**
 * Edits a config when the container asked for rich mode (see rich-request.ts); leaves
 * it alone otherwise. Editing an edited config gives the same config (changed: false).
 * Throws RichRequestError for a bad request, naming the annotation or variable.
 */
export function editConfig(config: OciConfig, hostOrLookup: HostLayout | (() => HostLayout)): EditResult {
  const request = richRequest(config.annotations, config.process?.env);
  if (!request.rich) return { edited: false, why: request.why };
  // Looked up only now: a container that did not ask never depends on the host layout.
  const host = typeof hostOrLookup === 'function' ? hostOrLookup() : hostOrLookup;
  if (!path.isAbsolute(host.binary)) throw new RichRequestError(`host binary must be an absolute path, not '${host.binary}'`);
  const args = config.process?.args;
  if (!args || args.length === 0) throw new RichRequestError('the container has no process.args to run under ts-init');

  const before = serializeConfig(config);
  const out = parseConfig(before);
  const { command, init } = stripEngineInit(args);
  if (command.length === 0) throw new RichRequestError(`nothing to run behind ${init}: process.args is ${JSON.stringify(args)}`);
  out.process = { ...out.process, args: [CONTAINER_INIT, ...request.flags, '--', ...command] };

  out.mounts = withOurMounts(out.mounts ?? [], host, init);
  return { edited: true, config: out, changed: serializeConfig(out) !== before, flags: request.flags };
}

function withOurMounts(mounts: readonly OciMount[], host: HostLayout, init?: string): OciMount[] {
  const out = mounts.filter((m) => !isOurMount(m) && (init === undefined || m.destination !== init));
  out.push(bind(host.binary, CONTAINER_INIT));
  for (const mod of host.nativeModules) out.push(bind(mod, path.posix.join(CONTAINER_INIT_DIR, path.posix.basename(mod))));
  return out;
}

/**
 * For engines that do not show a failing hook's message (podman): a config whose PID 1
 * is ts-init told to print `message` and exit 1, so the refusal reaches the user as the
 * container's own output.
 */
export function refusedConfig(config: OciConfig, host: HostLayout, message: string): OciConfig {
  const out = copyConfig(config);
  const env = (out.process?.env ?? []).filter((e) => !e.startsWith(`${ENGINE_ERROR_ENV}=`));
  env.push(`${ENGINE_ERROR_ENV}=${message.replace(/\0/g, '')}`);
  out.process = { ...out.process, args: [CONTAINER_INIT], env };
  out.mounts = withOurMounts(out.mounts ?? [], host);
  return out;
}
