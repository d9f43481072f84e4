import { describe, expect, it } from 'vitest';
import type { JournalFileReader } from '../../../src/journal/journal-file-reader';
import { pagerCommand } from '../../../src/journal/journalctl-args';
import { intersectSorted, mayHoldWithin, positionsToShow, selectOffsets, selectTail, unionSorted } from '../../../src/journal/journal-query';

/** A file of entries at offsets 1..n with fields; counts and offsets as the reader gives them. */
function fakeReader(entries: Array<Record<string, string>>): JournalFileReader & { listed: string[]; counted: string[] } {
  const listed: string[] = [];
  const counted: string[] = [];
  const offsetsWith = (name: string, value: string) => entries.flatMap((e, i) => (e[name] === value ? [i + 1] : []));
  return {
    listed,
    counted,
    entryOffsets: () => entries.map((_, i) => i + 1),
    tailEntryOffsets: (k: number) => ({ offsets: entries.map((_, i) => i + 1).slice(-k), complete: k >= entries.length }),
    tailOffsetsWith: (name: string, value: string, k: number) => {
      listed.push(`tail ${k} ${name}=${value}`);
      const all = offsetsWith(name, value);
      return { offsets: all.slice(-k), complete: k >= all.length };
    },
    countWith: (name: string, value: string) => {
      counted.push(`${name}=${value}`);
      return offsetsWith(name, value).length;
    },
    offsetsWith: (name: string, value: string) => {
      listed.push(`${name}=${value}`);
      return offsetsWith(name, value);
    },
  } as unknown as JournalFileReader & { listed: string[]; counted: string[] };
}

describe('selecting entries by match expression', () => {
  it('sorted set operations', () => {
    expect(unionSorted([1, 3, 5], [2, 3, 6])).toEqual([1, 2, 3, 5, 6]);
    expect(intersectSorted([1, 3, 5, 7], [3, 4, 7])).toEqual([3, 7]);
    expect(unionSorted([], [4])).toEqual([4]);
  });

  it('groups ANDed, terms ORed, fields of a term ANDed, values of a field ORed', () => {
    const r = fakeReader([
      { U: 'a', P: '1' },
      { U: 'b', P: '1' },
      { U: 'a', P: '2' },
      { U: 'c', P: '3' },
    ]);
    expect(selectOffsets(r, [])).toEqual([1, 2, 3, 4]);
    expect(selectOffsets(r, [[['U=a']]])).toEqual([1, 3]);
    expect(selectOffsets(r, [[['U=a', 'U=b']]])).toEqual([1, 2, 3]);
    expect(selectOffsets(r, [[['U=a', 'P=1']]])).toEqual([1]);
    expect(selectOffsets(r, [[['U=a', 'P=1'], ['U=c']]])).toEqual([1, 4]);
    expect(selectOffsets(r, [[['U=a'], ['U=c']], [['P=3', 'P=2']]])).toEqual([3, 4]);
  });

  it("a term's rarest field first, and none listed once one matches nothing (no list of every root entry for -u)", () => {
    const many = Array.from({ length: 50 }, (_, i) => ({ _UID: '0', _SYSTEMD_UNIT: i === 7 ? 'x.service' : 'y.service' }));
    const r = fakeReader(many);
    expect(selectOffsets(r, [[['_UID=0', 'OBJECT_SYSTEMD_UNIT=x.service'], ['_SYSTEMD_UNIT=x.service']]])).toEqual([8]);
    expect(r.listed).toEqual(['_SYSTEMD_UNIT=x.service']);
  });

  it("a term's counts stop at the first field that matches nothing (-u's core dump term: no count of root's entries)", () => {
    const r = fakeReader(Array.from({ length: 50 }, () => ({ _UID: '0', _SYSTEMD_UNIT: 'y.service' })));
    expect(selectOffsets(r, [[['MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1', '_UID=0', 'COREDUMP_UNIT=x.service']]])).toEqual([]);
    expect(r.counted).toEqual(['MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1']);
    expect(r.listed).toEqual([]);
  });
});

describe('the last N selected, from the lists\' ends', () => {
  // 2000 entries: unit a on the even ones, priority 3 on every 100th
  const entries = Array.from({ length: 2000 }, (_, i) => ({ U: i % 2 ? 'b' : 'a', P: i % 100 === 0 ? '3' : '6' }));
  it('gives what the whole selection ends with, reading further back only as needed', () => {
    for (const [groups, n] of [
      [[], 5],
      [[[['U=a']]], 20],
      [[[['U=a', 'P=3']]], 7],
      [[[['U=a'], ['P=3']]], 30],
      [[[['U=b', 'P=3']]], 3],
      [[[['U=a']], [['P=3', 'P=6']]], 1000],
    ] as Array<[string[][][], number]>) {
      const r = fakeReader(entries);
      expect(selectTail(r, groups, n)).toEqual(selectOffsets(fakeReader(entries), groups).slice(-n));
    }
    const r = fakeReader(entries);
    selectTail(r, [[['U=a']]], 20);
    expect(r.listed).toEqual(['tail 64 U=a']);
  });
});

describe('which selected entries journalctl 252 shows', () => {
  // ten entries at times 10, 20, ..., 100
  const sel = { length: 10, firstAtOrAfter: (usec: number) => Math.min(10, Math.max(0, Math.ceil(usec / 10) - 1)) };
  it('all, the last N, reversed', () => {
    expect(positionsToShow(sel, { reverse: false }, {})).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(positionsToShow(sel, { lines: 3, reverse: false }, {})).toEqual([7, 8, 9]);
    expect(positionsToShow(sel, { lines: 3, reverse: true }, {})).toEqual([9, 8, 7]);
    expect(positionsToShow(sel, { lines: 0, reverse: false }, {})).toEqual([]);
  });
  it('--since with -n counts from --since; --until with -n cuts the last N (none when they are all later)', () => {
    expect(positionsToShow(sel, { lines: 2, reverse: false }, { since: 30 })).toEqual([2, 3]);
    expect(positionsToShow(sel, { reverse: false }, { since: 30, until: 50 })).toEqual([2, 3, 4]);
    expect(positionsToShow(sel, { lines: 2, reverse: false }, { until: 50 })).toEqual([]);
    expect(positionsToShow(sel, { lines: 2, reverse: true }, { until: 50 })).toEqual([4, 3]);
    expect(positionsToShow(sel, { reverse: true }, { since: 80 })).toEqual([9, 8, 7]);
  });
});

describe('which files --since/--until read', () => {
  // a file with entries from time 100 to 200
  const file = { nEntries: 5, headRealtime: 100, tailRealtime: 200 };
  it('none wholly before --since or after --until, nor an empty one; every other', () => {
    expect(mayHoldWithin(file, {})).toBe(true);
    expect(mayHoldWithin(file, { since: 200 })).toBe(true);
    expect(mayHoldWithin(file, { since: 201 })).toBe(false);
    expect(mayHoldWithin(file, { until: 100 })).toBe(true);
    expect(mayHoldWithin(file, { until: 99 })).toBe(false);
    expect(mayHoldWithin(file, { since: 50, until: 150 })).toBe(true);
    expect(mayHoldWithin(file, { since: 150, until: 300 })).toBe(true);
    expect(mayHoldWithin({ nEntries: 0, headRealtime: 0, tailRealtime: 0 }, {})).toBe(false);
  });
});

describe('the pager', () => {
  it('SYSTEMD_PAGER, then PAGER, else less; empty or cat is none', () => {
    expect(pagerCommand({})).toBe('less');
    expect(pagerCommand({ PAGER: 'most' })).toBe('most');
    expect(pagerCommand({ SYSTEMD_PAGER: 'less -S', PAGER: 'most' })).toBe('less -S');
    expect(pagerCommand({ SYSTEMD_PAGER: '' })).toBeUndefined();
    expect(pagerCommand({ PAGER: 'cat' })).toBeUndefined();
  });
});
