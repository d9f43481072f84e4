import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StatusJournal } from '../../../src/control/status-tail';
import type { JournalEntry } from '../../../src/journal/entry';
import { defaultJournaldSettings } from '../../../src/journal/journald-conf';
import { currentBootId, openSources } from '../../../src/journal/journal-sources';
import { JournalStore } from '../../../src/journal/journal-store';
import { ROTATED_NOTICE, unitTail } from '../../../src/journal/unit-tail';
import { BASE_USEC, MACHINE } from '../../helpers/journal';
import { tempDir } from '../../helpers/temp-dir';

const BOOT = Buffer.from(currentBootId() ?? '0123456789abcdef0123456789abcdef', 'hex');
const OTHER_BOOT = Buffer.alloc(16, 7);

let n = 0;
/** An entry a second after the last, at monotonic 10 s + its number. */
function entry(fields: Array<[string, string | Uint8Array]>, boot = BOOT): JournalEntry {
  n++;
  return { realtimeUsec: BASE_USEC + n * 1_000_000, monotonicUsec: 10_000_000 + n * 1_000_000, bootId: boot, fields: [...fields, ['_HOSTNAME', 'box']] };
}
const unitLine = (unit: string, message: string | Uint8Array, pid = '42'): JournalEntry =>
  entry([['MESSAGE', message], ['SYSLOG_IDENTIFIER', 'app'], ['_PID', pid], ['_UID', '0'], ['_SYSTEMD_UNIT', unit]]);

function store(entries: JournalEntry[], maxFile = 8 << 20): string {
  const root = tempDir('unit-tail-');
  fs.mkdirSync(path.join(root, 'run'));
  const settings = { ...defaultJournaldSettings(), runtimeMaxFileSize: maxFile, runtimeMaxUse: 64 << 20 };
  const s = JournalStore.open({ machineId: MACHINE, settings, root, nowMs: () => BASE_USEC / 1000 })!;
  for (let i = 0; i < entries.length; i += 100) expect(s.appendMany(entries.slice(i, i + 100)).every((r) => r.ok)).toBe(true);
  s.close();
  return s.dir;
}

const text = (b: Buffer[]) => Buffer.concat(b).toString();
const SHORT = { mode: 'short', all: false, utc: true } as const;

describe("systemctl status's journal tail", () => {
  it("selects as add_matches_for_unit: the unit's own lines, PID 1's and root's daemons' about it, its core dumps; this boot only", () => {
    n = 0;
    const dir = store([
      unitLine('web.service', 'own line'),
      unitLine('other.service', 'not ours'),
      entry([['MESSAGE', 'Started web.service.'], ['SYSLOG_IDENTIFIER', 'systemd'], ['_PID', '1'], ['_UID', '0'], ['UNIT', 'web.service']]),
      entry([['MESSAGE', 'UNIT= from another pid'], ['SYSLOG_IDENTIFIER', 'x'], ['_PID', '9'], ['_UID', '0'], ['UNIT', 'web.service']]),
      entry([['MESSAGE', 'about web'], ['SYSLOG_IDENTIFIER', 'daemon'], ['_PID', '7'], ['_UID', '0'], ['OBJECT_SYSTEMD_UNIT', 'web.service']]),
      entry([['MESSAGE', 'OBJECT_ from a user'], ['SYSLOG_IDENTIFIER', 'u'], ['_PID', '8'], ['_UID', '1000'], ['OBJECT_SYSTEMD_UNIT', 'web.service']]),
      entry([['MESSAGE', 'dumped'], ['SYSLOG_IDENTIFIER', 'systemd-coredump'], ['_PID', '6'], ['_UID', '0'], ['MESSAGE_ID', 'fc2e22bc6ee647b6b90729ab34a250b1'], ['COREDUMP_UNIT', 'web.service']]),
      entry([['MESSAGE', 'last boot'], ['SYSLOG_IDENTIFIER', 'app'], ['_PID', '42'], ['_SYSTEMD_UNIT', 'web.service']], OTHER_BOOT),
    ]);
    const sources = openSources(fs.readdirSync(dir).map((f) => path.join(dir, f)));
    const got = text(unitTail(sources, 'web.service', { ...SHORT, lines: 10, bootId: BOOT.toString('hex') }));
    expect(got).toBe(
      [
        'Jan 01 00:00:01 box app[42]: own line',
        'Jan 01 00:00:03 box systemd[1]: Started web.service.',
        'Jan 01 00:00:05 box daemon[7]: about web',
        'Jan 01 00:00:07 box systemd-coredump[6]: dumped',
        '',
      ].join('\n'),
    );
    expect(unitTail(sources, 'nothing.service', { ...SHORT, lines: 10 })).toEqual([]);
    expect(unitTail(sources, 'web.service', { ...SHORT, lines: 0 })).toEqual([]);
  });

  it('the last N across rotated files, less what came before the unit left inactive; blobs and controls as journalctl shows them', () => {
    n = 0;
    const entries: JournalEntry[] = [];
    for (let i = 0; i < 3000; i++) entries.push(i % 3 === 0 ? unitLine('web.service', `line ${i}`) : unitLine('busy.service', `x${i}`.repeat(20)));
    entries.push(unitLine('web.service', 'erase\x1b[2K and \r'), unitLine('web.service', Uint8Array.from([0x41, 0xff, 0x42])), unitLine('web.service', 'colour \x1b[31mred\x1b[0m'));
    const dir = store(entries, 512 * 1024);
    const files = fs.readdirSync(dir);
    expect(files.length).toBeGreaterThan(1);
    const sources = openSources(files.map((f) => path.join(dir, f)));
    const all = text(unitTail(sources, 'web.service', { ...SHORT, lines: 5 })).split('\n');
    expect(all.map((l) => l.replace(/^.*app\[42\]: /, ''))).toEqual(['line 2994', 'line 2997', '[15B blob data]', '[3B blob data]', 'colour red', '']);
    // not_before: the unit's InactiveExitTimestampMonotonic, here that of entry 3001 (monotonic 10 s + 3001 s).
    const since = text(unitTail(sources, 'web.service', { ...SHORT, lines: 5, notBeforeMonotonicUsec: 10_000_000 + 3001 * 1_000_000 })).split('\n');
    expect(since).toHaveLength(4);
    expect(text(unitTail(sources, 'web.service', { ...SHORT, mode: 'cat', lines: 1 }))).toBe('colour \x1b[31mred\x1b[0m\n');
  });

  it("systemd's notice when this boot's first entries were deleted after the unit started, not for a journal that began after it", () => {
    n = 0;
    const entries: JournalEntry[] = [];
    for (let i = 0; i < 3000; i++) entries.push(unitLine('busy.service', `x${i}`.repeat(20)));
    entries.push(unitLine('web.service', 'late line'));
    const dir = store(entries, 512 * 1024);
    const files = () => fs.readdirSync(dir).map((f) => path.join(dir, f));
    const ask = { ...SHORT, lines: 10, bootId: BOOT.toString('hex'), notBeforeMonotonicUsec: 10_500_000, warnCutoff: true };
    // Nothing deleted: the journal simply begins after the unit started.
    expect(text(unitTail(openSources(files()), 'web.service', ask))).toMatch(/late line\n$/);
    const archived = files().filter((f) => f.includes('@')).sort();
    fs.unlinkSync(archived[0]!);
    const sources = openSources(files());
    expect(text(unitTail(sources, 'web.service', ask))).toMatch(new RegExp(`late line\\n${ROTATED_NOTICE.replace('.', '\\.')}$`));
    expect(text(unitTail(sources, 'web.service', { ...ask, warnCutoff: false }))).toMatch(/late line\n$/);
    // The unit started after the first entry still there, or showed its N lines: no notice.
    expect(text(unitTail(sources, 'web.service', { ...ask, notBeforeMonotonicUsec: 10_000_000 + 2999 * 1_000_000 }))).toMatch(/late line\n$/);
    expect(text(unitTail(sources, 'web.service', { ...ask, lines: 1 }))).toMatch(/late line\n$/);
  });

  it('status finds the files (none: no journal, the caller falls back) and reads them only when asked', () => {
    n = 0;
    const dir = store([unitLine('web.service', 'hello')]);
    expect(StatusJournal.find([tempDir('no-journal-')])).toBeUndefined();
    const j = StatusJournal.find([dir])!;
    expect(j.tail('web.service', { lines: 10, mode: 'short-iso', all: false, notBeforeMonotonicUsec: 0 })).toMatch(/^2026-01-01T00:00:01[+-]\d{4} box app\[42\]: hello\n$/);
    expect(j.tail('nothing.service', { lines: 10, mode: 'short', all: false, notBeforeMonotonicUsec: 0 })).toBe('');
    j.close();
  });
});
