// Limit*= as systemd applies it (setrlimit_closest): when the wanted limit is above
// the hard limit the process may not raise (no CAP_SYS_RESOURCE, as in most
// containers), the limit is clamped to that hard limit instead of failing the unit.
import { EPERM, getrlimit, prlimit, SysError } from '../sys/libc';

export interface Limit {
  soft: number;
  hard: number;
}

/** What to ask for once the wanted limit was refused; undefined: nothing would change. Pure. */
export function closestLimit(wanted: Limit, current: Limit): Limit | undefined {
  const hard = Math.min(wanted.hard, current.hard);
  const soft = Math.min(wanted.soft, hard);
  return soft === current.soft && hard === current.hard ? undefined : { soft, hard };
}

export function setLimitClosest(resource: number, wanted: Limit): void {
  try {
    prlimit(0, resource, wanted.soft, wanted.hard);
    return;
  } catch (err) {
    if (!(err instanceof SysError) || err.errno !== EPERM) throw err;
  }
  const current = getrlimit(resource);
  // An unlimited hard limit refused us for another reason: that EPERM stands.
  if (current.hard === Infinity) throw new SysError('setrlimit', EPERM);
  const fixed = closestLimit(wanted, current);
  if (fixed) prlimit(0, resource, fixed.soft, fixed.hard);
}
