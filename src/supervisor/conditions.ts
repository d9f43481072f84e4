// ConditionPathExists=, ConditionPathIsDirectory=, ConditionFileNotEmpty= (and the
// Assert* forms), with "!" negation and "|" triggering conditions, as in systemd.unit(5).
import * as fs from 'node:fs';
import type { Condition } from '../units/unit';

function holds(c: Condition): boolean {
  let ok: boolean;
  try {
    const st = fs.statSync(c.path);
    ok = c.kind === 'PathExists' || (c.kind === 'PathIsDirectory' ? st.isDirectory() : st.isFile() && st.size > 0);
  } catch {
    ok = false;
  }
  return c.negate ? !ok : ok;
}

export type ConditionVerdict = { ok: true } | { ok: false; assert: boolean; failed: string };

function describe(c: Condition): string {
  return `${c.assert ? 'Assert' : 'Condition'}${c.kind}=${c.trigger ? '|' : ''}${c.negate ? '!' : ''}${c.path}`;
}

/** All non-triggering conditions must hold; of the triggering ones, at least one. Asserts first. */
export function checkConditions(conditions: readonly Condition[]): ConditionVerdict {
  for (const assert of [true, false]) {
    const group = conditions.filter((c) => c.assert === assert);
    const plain = group.filter((c) => !c.trigger);
    const triggers = group.filter((c) => c.trigger);
    const failedPlain = plain.find((c) => !holds(c));
    if (failedPlain) return { ok: false, assert, failed: describe(failedPlain) };
    if (triggers.length && !triggers.some(holds)) return { ok: false, assert, failed: triggers.map(describe).join(' | ') };
  }
  return { ok: true };
}
