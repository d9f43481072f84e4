import { describe, expect, it } from 'vitest';
import { type AgeSpec, configuredEntry, globMatches, keptFile, liveSocketPaths, needsCleanup, parseAge, planClean } from '../../../src/boot/tmpfiles-clean-plan';
import { parseTmpfilesText } from '../../../src/boot/tmpfiles-parse';
import { TEST_SPEC } from '../../helpers/tmpfiles-spec';

const lines = (text: string) => parseTmpfilesText(text, 'test.conf', TEST_SPEC).lines;
const S = 1_000_000_000n;

describe('the Age column', () => {
  it('a time span (units summed, bare numbers are seconds), "~" for the first level, age-by letters before a colon', () => {
    expect(parseAge('10d')).toMatchObject({ ageMs: 864_000_000, keepFirstLevel: false });
    expect(parseAge('1h 30min')).toMatchObject({ ageMs: 5_400_000 });
    expect(parseAge('30')).toMatchObject({ ageMs: 30_000 });
    expect(parseAge('0')).toMatchObject({ ageMs: 0 });
    expect(parseAge('~1w')).toMatchObject({ ageMs: 604_800_000, keepFirstLevel: true });
    const by = parseAge('bmA:1h') as AgeSpec;
    expect(by).toMatchObject({ ageMs: 3_600_000 });
    expect([...by.byFile].sort()).toEqual(['b', 'm']);
    expect([...by.byDir]).toEqual(['a']);
    // By default: every stamp for files, all but ctime for directories.
    const d = parseAge('1d') as AgeSpec;
    expect([[...d.byFile].sort(), [...d.byDir].sort()]).toEqual([['a', 'b', 'c', 'm'], ['a', 'b', 'm']]);
    expect(parseAge('xyz:1d')).toEqual({ error: "invalid age-by 'xyz' in age 'xyz:1d'" });
    expect(parseAge('10 fortnights')).toEqual({ error: "invalid age '10 fortnights'" });
  });

  it('old enough when no stamp that counts is at or after the cutoff; an unknown birth time does not count', () => {
    const t = { atimeNs: 10n * S, mtimeNs: 20n * S, ctimeNs: 30n * S, btimeNs: 0n };
    expect(needsCleanup(t, 31n * S, new Set(['a', 'b', 'c', 'm']))).toBe(true);
    expect(needsCleanup(t, 30n * S, new Set(['a', 'b', 'c', 'm']))).toBe(false); // ctime is not older
    expect(needsCleanup(t, 25n * S, new Set(['a', 'm']))).toBe(true);
    expect(needsCleanup(t, 25n * S, new Set(['m', 'c']))).toBe(false);
    expect(needsCleanup(t, 99n * S, new Set(['b']))).toBe(false); // nothing counts: kept
  });
});

describe('which lines clean, and what they leave alone', () => {
  it('d D e v q Q C x X with an age clean; f, r, "-" and boot-only lines do not; a bad age is reported', () => {
    const plan = planClean(lines('d /a - - - 1d\nD /b - - - 2d\nq /c - - - 3d\nf /d - - - 1d\nd /e - - - -\nd! /f - - - 1d\nx /g/* - - - 1d\nX /h - - - 1d\nd /i - - - soon\n'));
    expect(plan.jobs.map((j) => j.line.path)).toEqual(['/a', '/b', '/c', '/g/*', '/h']);
    expect(plan.errors).toEqual(["test.conf:9: invalid age 'soon'"]);
  });

  it('an entry with a line of its own is skipped whole; an X glob keeps a directory but not what is in it; boot-only lines do not count', () => {
    const plan = planClean(lines('D /tmp - - - 10d\nd /tmp/keep\nx /tmp/systemd-private-*\nX /tmp/cache-*\nd! /tmp/bootonly\n'));
    expect(configuredEntry(plan, '/tmp/keep')).toBe('skip');
    expect(configuredEntry(plan, '/tmp/systemd-private-abc')).toBe('skip');
    expect(configuredEntry(plan, '/tmp/cache-1')).toBe('keep');
    expect(configuredEntry(plan, '/tmp/cache-1/file')).toBeUndefined();
    expect(configuredEntry(plan, '/tmp/bootonly')).toBeUndefined();
    expect(configuredEntry(plan, '/tmp/other')).toBeUndefined();
  });

  it('globs as FNM_PATHNAME|FNM_PERIOD: a wildcard stays in its component and does not match a leading dot', () => {
    expect(globMatches('/tmp/a*', '/tmp/abc')).toBe(true);
    expect(globMatches('/tmp/a*', '/tmp/abc/d')).toBe(false);
    expect(globMatches('/tmp/*', '/tmp/.X11-unix')).toBe(false);
    expect(globMatches('/tmp/.X*', '/tmp/.X11-unix')).toBe(true);
  });

  it("files kept whatever their age: the sticky bit, a live socket, a device, the first level under '~'", () => {
    const o = { firstLevel: false, keepFirstLevel: false, liveSocket: false };
    expect(keptFile('file', 0o1644, o)).toBe('sticky bit set');
    expect(keptFile('socket', 0o755, { ...o, liveSocket: true })).toBe('live socket');
    expect(keptFile('socket', 0o755, o)).toBeUndefined();
    expect(keptFile('device', 0o600, o)).toBe('a device');
    expect(keptFile('file', 0o644, { ...o, firstLevel: true, keepFirstLevel: true })).toBe('first level kept (~)');
    expect(keptFile('file', 0o644, o)).toBeUndefined();
  });

  it("/proc/net/unix's bound paths", () => {
    const text = 'Num       RefCount Protocol Flags    Type St Inode Path\n0000: 00000002 00000000 00010000 0001 01 123 /run/app.sock\n0000: 00000002 00000000 00000000 0002 01 124\n0000: 00000002 00000000 00010000 0001 01 125 @abstract\n';
    expect([...liveSocketPaths(text)]).toEqual(['/run/app.sock']);
  });
});
