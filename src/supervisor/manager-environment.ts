// The manager environment's rules, as systemd keeps it: names of letters, digits and "_"
// (not starting with a digit), values without control characters other than tab and
// newline, listed sorted. Pure.

/** systemd's env_name_is_valid(). */
export function invalidName(name: string): boolean {
  return !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

/** Not "NAME=VALUE" with a valid name and value (systemd's env_assignment_is_valid()). */
export function invalidAssignment(a: string): boolean {
  const eq = a.indexOf('=');
  return eq < 0 || invalidName(a.slice(0, eq)) || /[\x00-\x08\x0b-\x1f\x7f]/.test(a.slice(eq + 1));
}

/** NAME=VALUE for each variable, sorted as systemd sorts its environment. */
export function environmentList(env: Record<string, string | undefined>): string[] {
  return Object.entries(env)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
