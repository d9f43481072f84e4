import { describe, expect, it } from 'vitest';
import { matchesAny } from '../../../src/control/systemctl';
import { fnmatch } from '../../../src/sys/fnmatch';
import { checkConditions } from '../../../src/units/conditions';
import { hostFacts } from '../../../src/boot/host-facts';

describe('fnmatch, the one shell-pattern matcher', () => {
  it('*, ?, [...] and [!...]; everything else literal', () => {
    expect(fnmatch('ssh*.service', 'sshd.service')).toBe(true);
    expect(fnmatch('a?c', 'abc')).toBe(true);
    expect(fnmatch('a[0-9]', 'a7')).toBe(true);
    expect(fnmatch('a[!0-9]', 'a7')).toBe(false);
    expect(fnmatch('a.b', 'axb')).toBe(false);
    expect(fnmatch('a+(b)', 'a+(b)')).toBe(true);
    expect(fnmatch('[unclosed', '[unclosed')).toBe(true);
  });

  it('a backslash escapes, unless FNM_NOESCAPE', () => {
    expect(fnmatch('a\\*', 'a*')).toBe(true);
    expect(fnmatch('a\\*', 'ab')).toBe(false);
    expect(fnmatch('a\\*', 'a\\b', { noEscape: true })).toBe(true);
    expect(fnmatch('a\\*', 'a*', { noEscape: true })).toBe(false);
  });

  it('is what systemctl patterns and conditions match with', () => {
    expect(matchesAny(['web*', 'x\\y'], 'web.service')).toBe(true);
    expect(matchesAny(['x\\*'], 'x\\anything')).toBe(true);
    const facts = { ...hostFacts(), hostname: () => 'box-7' };
    const host = (value: string) => checkConditions([{ kind: 'Host', value, negate: false, trigger: false, assert: false }], facts);
    expect(host('box-?').ok).toBe(true);
    expect(host('BOX-[0-9]').ok).toBe(true);
    expect(host('other').ok).toBe(false);
  });
});
