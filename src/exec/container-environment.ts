// Which part of the container's environment a unit's process starts with. The CMD's
// environment is the application's, secrets included; systemd gives a unit only its
// manager's few system variables plus what its Environment=/EnvironmentFile=/
// PassEnvironment= say. A rich container's own root daemons commonly read the container
// environment, so root's processes get it all by default; a daemon that runs as another
// user (User=nobody, www-data) gets systemd's share unless the container says otherwise.
// Pure.

/** --unit-environment: who gets the whole container environment. */
export type UnitEnvironmentPolicy = 'root' | 'all' | 'none';

export const UNIT_ENVIRONMENT_POLICIES: readonly UnitEnvironmentPolicy[] = ['root', 'all', 'none'];

/** What systemd's manager passes every unit: the search path, the locale, the time zone. */
const SYSTEM_VARIABLE = /^(PATH|LANG|LANGUAGE|LC_[A-Z_]+|TZ)$/;

/**
 * The container variables a process of the unit starts with, before its own settings:
 * all of them under 'all', or under 'root' for a process running as root (uid undefined:
 * no User=, or a '+' command); else only the system variables and the names the unit
 * lists in PassEnvironment=.
 */
export function containerEnvironmentFor(
  containerEnv: NodeJS.ProcessEnv,
  policy: UnitEnvironmentPolicy,
  uid: number | undefined,
  passEnvironment: readonly string[],
): NodeJS.ProcessEnv {
  if (policy === 'all' || (policy === 'root' && (uid === undefined || uid === 0))) return containerEnv;
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(containerEnv)) if (SYSTEM_VARIABLE.test(k) || passEnvironment.includes(k)) out[k] = v;
  return out;
}
