// From the parsed lines of every tmpfiles.d file to what is done at boot, in order:
// the removal phase (r, R, the contents of D) and then the creation phase, each item
// after the items for its parent paths, as systemd-tmpfiles --create --remove --boot
// does. Pure.
import { hasWildcard } from '../sys/fnmatch';
import { takesGlob, type TmpfilesLine, type TmpfilesType } from './tmpfiles-parse';

export interface TmpfilesPlan {
  remove: TmpfilesLine[];
  create: TmpfilesLine[];
  /** Lines left out, each with why (file:line: ...). */
  skipped: string[];
  warnings: string[];
}

/** Line types ts-init applies; the others (device nodes, FIFOs, attributes, ACLs) are reported and skipped. */
export const APPLIED_TYPES: ReadonlySet<TmpfilesType> = new Set(['f', 'F', 'w', 'd', 'D', 'e', 'v', 'q', 'Q', 'L', 'C', 'r', 'R', 'z', 'Z', 'x', 'X']);

/**
 * systemd's own runtime state: never created by tmpfiles.d under ts-init (/run/systemd/system,
 * which says "systemd is PID 1", is ts-init's own to make: boot/systemd-identity.ts). /run/nologin too: systemd-user-sessions.service, which is systemd's
 * and does not run here, removes it once boot is over; left in place it would lock out
 * every user but root.
 */
export function isSystemdInternalPath(p: string): boolean {
  return p === '/run/systemd' || p.startsWith('/run/systemd/') || p === '/run/nologin';
}

/** Types that own their path: of those, the first line for a path wins (adjusting types add to it). */
const OWNING: ReadonlySet<TmpfilesType> = new Set(['f', 'F', 'w', 'd', 'D', 'v', 'q', 'Q', 'p', 'L', 'c', 'b', 'C', 'r', 'R']);

function sameItem(a: TmpfilesLine, b: TmpfilesLine): boolean {
  return a.type === b.type && a.argument === b.argument && a.user === b.user && a.group === b.group && a.mode === b.mode;
}

type Phase = 'create' | 'remove' | 'adjust';

function phases(t: TmpfilesType): Phase[] {
  if (t === 'r' || t === 'R') return ['remove'];
  if (t === 'D') return ['remove', 'create'];
  if (t === 'z' || t === 'Z') return ['adjust'];
  return ['create'];
}

function isAncestor(a: string, b: string): boolean {
  return a === '/' ? b !== '/' : b.startsWith(`${a}/`);
}

export function planTmpfiles(lines: readonly TmpfilesLine[]): TmpfilesPlan {
  const plan: TmpfilesPlan = { remove: [], create: [], skipped: [], warnings: [] };
  const kept: TmpfilesLine[] = [];
  const owners = new Map<string, TmpfilesLine>();
  for (const l of lines) {
    const where = `${l.file}:${l.line}`;
    if (isSystemdInternalPath(l.path)) {
      plan.skipped.push(`${where}: ${l.path} belongs to systemd itself`);
      continue;
    }
    if (l.type === 'x' || l.type === 'X') continue; // only about age-based cleaning, which --boot does not do
    if (!APPLIED_TYPES.has(l.type)) {
      plan.skipped.push(`${where}: line type '${l.type}' is not applied by ts-init`);
      continue;
    }
    if (l.credential) {
      plan.skipped.push(`${where}: credentials are not available under ts-init`);
      continue;
    }
    if (OWNING.has(l.type)) {
      const same = owners.get(l.path);
      if (same) {
        if (!sameItem(same, l)) plan.warnings.push(`${where}: duplicate line for path "${l.path}", ignoring`);
        continue;
      }
      owners.set(l.path, l);
    }
    kept.push(l);
  }
  plan.remove = kept.filter((l) => phases(l.type).includes('remove'));
  const create = kept.filter((l) => !phases(l.type).every((p) => p === 'remove'));
  const emitted = new Set<TmpfilesLine>();
  const emit = (l: TmpfilesLine): void => {
    if (emitted.has(l)) return;
    emitted.add(l);
    if (!takesGlob(l.type) || !hasWildcard(l.path)) {
      const parents = create.filter((p) => !emitted.has(p) && isAncestor(p.path, l.path)).sort((a, b) => a.path.length - b.path.length);
      for (const p of parents) emit(p);
    }
    plan.create.push(l);
  };
  // Parents first, otherwise in file order.
  for (const l of create) emit(l);
  return plan;
}
