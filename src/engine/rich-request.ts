// Whether a container asked for rich mode, and with which ts-init options. The
// request comes from the container's own configuration: annotations where the
// engine passes them (podman, containerd/CRI), its environment where it does not
// (Docker 20.10), PouchContainer's rich-mode variables. Pure.
import { checkLongOption, LONG_OPTION_SPECS } from '../cli/options';

export const ANNOTATION_PREFIX = 'io.ts-init.';
export const RICH_ANNOTATION = 'io.ts-init.rich';
export const RICH_ENV = 'TS_INIT_RICH';
/** containerd's CRI plugin marks a pod's pause container with this. */
export const CRI_CONTAINER_TYPE = 'io.kubernetes.cri.container-type';

/** A request that cannot be honoured: the message names the annotation or variable at fault. */
export class RichRequestError extends Error {}

export type RichRequest =
  | { rich: false; why: string }
  | { rich: true; flags: string[] };

const TRUE = /^(true|1|yes|on)$/i;
const FALSE = /^(false|0|no|off)?$/i;

function yesNo(where: string, value: string): boolean {
  if (TRUE.test(value)) return true;
  if (FALSE.test(value)) return false;
  throw new RichRequestError(`${where}: expected true, 1 or yes (or false, 0, no), not '${value}'`);
}

/** `process.env` of an OCI config: ["K=V", ...] → map (the last of a repeated key wins, as in execve's users). */
export function envMap(env: readonly string[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of env ?? []) {
    const eq = entry.indexOf('=');
    if (eq > 0) out.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return out;
}

function wantsRich(annotations: Record<string, string>, env: Map<string, string>): string | undefined {
  const a = annotations[RICH_ANNOTATION];
  if (a !== undefined) return yesNo(`annotation ${RICH_ANNOTATION}`, a) ? `annotation ${RICH_ANNOTATION}` : undefined;
  const e = env.get(RICH_ENV);
  if (e !== undefined) return yesNo(`environment variable ${RICH_ENV}`, e) ? `environment variable ${RICH_ENV}` : undefined;
  // PouchContainer: `pouch run --rich --rich-mode ts-init` sets these two.
  const pouch = env.get('rich_mode');
  if (pouch !== undefined && TRUE.test(pouch)) {
    const manner = env.get('rich_mode_launch_manner');
    if (manner === undefined || manner === '' || manner === 'ts-init') return 'environment variable rich_mode';
  }
  return undefined;
}

/**
 * The ts-init flags for a container, or why it is left alone. Options come from the
 * `io.ts-init.<long option>` annotations; TS_INIT_<OPTION> variables need no flag
 * (ts-init reads them itself) but are checked here too, so a bad value is refused at
 * create time rather than by a container that then exits 1.
 */
export function richRequest(annotations: Record<string, string> | undefined, env: readonly string[] | undefined): RichRequest {
  const ann = annotations ?? {};
  if (ann[CRI_CONTAINER_TYPE] === 'sandbox') return { rich: false, why: 'a pod sandbox (pause) container' };
  const vars = envMap(env);
  const by = wantsRich(ann, vars);
  if (!by) return { rich: false, why: 'rich mode not requested' };

  const known = new Set(LONG_OPTION_SPECS.map((o) => `${ANNOTATION_PREFIX}${o.name}`));
  known.add(RICH_ANNOTATION);
  for (const key of Object.keys(ann)) {
    if (key.startsWith(ANNOTATION_PREFIX) && !known.has(key)) {
      throw new RichRequestError(
        `annotation ${key}: unknown ts-init option (known: ${[...known].sort().join(', ')})`,
      );
    }
  }

  // The rich init whatever the name it runs under and whatever TS_INIT_RICH says.
  const flags: string[] = ['--rich'];
  for (const opt of LONG_OPTION_SPECS) {
    if (`${ANNOTATION_PREFIX}${opt.name}` === RICH_ANNOTATION) continue; // the request itself
    const key = `${ANNOTATION_PREFIX}${opt.name}`;
    const value = ann[key];
    if (value !== undefined) {
      if (opt.flag) {
        if (yesNo(`annotation ${key}`, value)) flags.push(`--${opt.name}`);
      } else {
        if (value === '') throw new RichRequestError(`annotation ${key}: needs a value`);
        if (/[\0]/.test(value)) throw new RichRequestError(`annotation ${key}: contains a NUL byte`);
        const problem = checkLongOption(opt.name, value);
        if (problem) throw new RichRequestError(`annotation ${key}: ${problem}`);
        if (opt.name === 'initscript' || opt.name === 'poststop') {
          if (!value.startsWith('/')) throw new RichRequestError(`annotation ${key}: must be an absolute path inside the container, not '${value}'`);
        }
        // units: one flag per directory, as ts-init reads TS_INIT_UNITS.
        if (opt.name === 'units') for (const dir of value.split(':').filter(Boolean)) flags.push(`--units=${dir}`);
        else flags.push(`--${opt.name}=${value}`);
      }
      continue;
    }
    const envValue = vars.get(opt.env);
    if (envValue !== undefined && envValue !== '' && !opt.flag) {
      const problem = checkLongOption(opt.name, envValue);
      if (problem) throw new RichRequestError(`environment variable ${opt.env}: ${problem}`);
    }
  }
  return { rich: true, flags };
}
