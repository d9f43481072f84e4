// docs/differences-from-systemd.md stays complete: every directive of the unit-file tables and
// every verb of the systemctl and ctl fronts is either documented as honoured (docs/units.md's
// directive sections, docs/boot.md, docs/timers.md; docs/operating.md for verbs) or listed as a difference.
// The lists come from the code at test time, so a new directive or verb fails here until it
// is documented.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SYSTEMCTL_HELP } from '../../../src/control/systemctl-help';
import { VERBS } from '../../../src/control/verbs';
import { SECTIONS } from '../../../src/units/directive-handlers';
import { SILENT, UNSUPPORTED_NAMES, UNSUPPORTED_SERVICE_PREFIXES } from '../../../src/units/directives';
import { prose, readPage, REPO } from '../../helpers/markdown';

const DIFFERENCES = 'docs/differences-from-systemd.md';

/** The text of a page's `## heading` sections whose heading matches. */
function sections(page: string, heading: RegExp): string {
  return prose(readPage(page))
    .split(/^(?=## )/m)
    .filter((s) => heading.test(s.split('\n')[0]!))
    .join('\n');
}

/** A name as a word of the text (not a piece of a longer name), or covered by a family (`Limit*=`). */
function mentions(text: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (new RegExp(`(^|[^\\w-])${escaped}([^\\w-]|$)`, 'm').test(text)) return true;
  return [...text.matchAll(/`(\w+)\*=`/g)].some((m) => name.startsWith(m[1]!));
}

/** Pages that document a unit type's directives whole (boot.md: `[Socket]`, timers.md: `[Timer]`). */
const UNIT_TYPE_PAGES = ['docs/boot.md', 'docs/timers.md'];

const honouredDirectives = [sections('docs/units.md', /Directives honoured|Settings of systemd/), ...UNIT_TYPE_PAGES.map((p) => prose(readPage(p)))].join('\n');
const differences = prose(readPage(DIFFERENCES));

/** The verbs a front's switch statements answer (case 'verb':), read from the source. */
function caseLabels(file: string): string[] {
  const text = fs.readFileSync(path.join(REPO, 'src/control', file), 'utf8');
  return [...text.matchAll(/case '([a-z][a-z-]*)':/g)].map((m) => m[1]!);
}

/**
 * Words of the fronts' switches that are not verbs one types: `system-status` is how the front
 * routes `status` without units to its own function.
 */
const NOT_VERBS = new Set(['system-status']);

describe('differences from systemd: complete against the code', () => {
  it('every directive ts-init handles is documented as honoured, or listed as a difference', () => {
    const undocumented: string[] = [];
    for (const [section, handlers] of Object.entries(SECTIONS)) {
      for (const name of Object.keys(handlers)) {
        const kind = /^(?:Condition|Assert)(.+)$/.exec(name)?.[1];
        const documented = kind ? mentions(honouredDirectives, kind) : mentions(honouredDirectives, name) || mentions(differences, name);
        if (!documented) undocumented.push(`[${section}] ${name}=`);
      }
    }
    expect(undocumented).toEqual([]);
  });

  it('every directive accepted and not applied, or accepted silently, is listed as a difference', () => {
    const names = [
      ...Object.entries(UNSUPPORTED_NAMES).flatMap(([section, list]) => list.map((n) => `${section}/${n}`)),
      ...SILENT,
    ];
    expect(names.length).toBeGreaterThan(150);
    expect(names.filter((n) => !mentions(differences, n.split('/')[1]!))).toEqual([]);
    expect(UNSUPPORTED_SERVICE_PREFIXES.filter((p) => !differences.includes(`\`${p}*=\``))).toEqual([]);
  });

  it('every verb of systemctl and ts-init ctl is documented in operating.md, or listed as a difference', () => {
    const operating = prose(readPage('docs/operating.md'));
    const verbs = new Set([
      ...VERBS,
      ...SYSTEMCTL_HELP.flatMap((s) => s.rows.map((r) => r.usage.split(' ')[0]!)),
      ...caseLabels('systemctl.ts'),
      ...caseLabels('systemctl-verbs.ts'),
    ]);
    for (const v of NOT_VERBS) verbs.delete(v);
    expect(verbs.size).toBeGreaterThan(40);
    expect([...verbs].filter((v) => !mentions(operating, v) && !mentions(differences, v))).toEqual([]);
  });

  it('the test sees a new name: an undocumented directive or verb is reported', () => {
    expect(mentions(honouredDirectives, 'FrobnicateSec') || mentions(differences, 'FrobnicateSec')).toBe(false);
    expect(mentions(differences, 'LimitFROB')).toBe(true); // the `Limit*=` family
    expect(mentions(differences, 'frobnicate-units')).toBe(false);
  });
});
