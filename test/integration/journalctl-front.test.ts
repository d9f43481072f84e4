// ts-init's journalctl front (dist/ts-init run through a symlink named journalctl) against this
// host's systemd 252 journalctl on the same generated stores: every option and output format
// byte for byte (stdout, stderr, exit code), the json formats field for field (systemd prints a
// json object's fields in its hash table's order, which changes from run to run), -f across a
// rotation, and --vacuum-size on a copy.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/journal/entry';
import { filesIn, openSources } from '../../src/journal/journal-sources';
import { JournalStore } from '../../src/journal/journal-store';
import { defaultJournaldSettings } from '../../src/journal/journald-conf';
import { BASE_USEC, BOOT_A, BOOT_B, formatSampleEntries, MACHINE, sampleEntry } from '../helpers/journal';
import { tempDir } from '../helpers/temp-dir';
import { requireBinary, TS_INIT } from '../helpers/ts-init';

const HAS_JOURNALCTL = spawnSync('/usr/bin/journalctl', ['--version']).status === 0;
const ENV = { PATH: process.env.PATH, TZ: 'UTC', SYSTEMD_COLORS: '0', LANG: 'C' };

function run(bin: string, args: string[]): { stdout: Buffer; stderr: string; status: number | null } {
  const r = spawnSync(bin, ['--no-pager', ...args], { env: ENV, maxBuffer: 64 << 20 });
  return { stdout: r.stdout, stderr: r.stderr.toString(), status: r.status };
}

const stores = { one: '', rotated: '' };

beforeAll(() => {
  requireBinary();
  const bin = tempDir('jctl-bin-');
  fs.symlinkSync(TS_INIT, path.join(bin, 'journalctl'));
  ours = path.join(bin, 'journalctl');
  // One file; and a store rotated into several files (with a vacuumed head).
  for (const [key, maxFile] of [
    ['one', 8 << 20],
    ['rotated', 512 * 1024],
  ] as const) {
    const root = tempDir('jctl-store-');
    fs.mkdirSync(path.join(root, 'run'));
    fs.mkdirSync(path.join(root, 'var/log/journal'), { recursive: true });
    const settings = { ...defaultJournaldSettings(), systemMaxFileSize: maxFile, systemMaxUse: 64 << 20 };
    const s = JournalStore.open({ machineId: MACHINE, settings, root, nowMs: () => BASE_USEC / 1000 + 3600_000 })!;
    const list = key === 'one' ? formatSampleEntries(200) : withRareUnit(formatSampleEntries(3000));
    for (let i = 0; i < list.length; i += 50) expect(s.appendMany(list.slice(i, i + 50)).every((r) => r.ok)).toBe(true);
    s.close();
    stores[key] = s.dir;
  }
});
let ours = '';

/**
 * One entry in 37 of the first two thirds is rare.service's (rare-ident): its last 20 are
 * spread over several of the older rotated files, and the newest files hold none of it.
 */
function withRareUnit(list: JournalEntry[]): JournalEntry[] {
  const rename: Record<string, string> = { _SYSTEMD_UNIT: 'rare.service', SYSLOG_IDENTIFIER: 'rare-ident' };
  return list.map((e, i) => (i % 37 === 5 && i < (list.length * 2) / 3 ? { ...e, fields: e.fields.map(([k, v]) => [k, rename[k] ?? v] as const) } : e));
}

const CASES: string[][] = [
  [],
  ['-a'],
  ['-o', 'short-iso'],
  ['-o', 'short-iso-precise'],
  ['-o', 'short-precise'],
  ['-o', 'short-monotonic'],
  ['-o', 'short-full'],
  ['-o', 'short-unix'],
  ['-o', 'cat'],
  ['-o', 'cat', '-a'],
  ['-o', 'export'],
  ['-o', 'verbose'],
  ['-o', 'verbose', '-a'],
  ['--utc', '-n', '5'],
  ['-n', '5'],
  ['-n'],
  ['-n', '+5'],
  ['-n', '0'],
  ['-n', 'all'],
  ['-r'],
  ['-r', '-n', '7'],
  ['-e'],
  ['-e', '-n', '3'],
  ['-x', '-n', '3'],
  ['-q', '-u', 'nothing'],
  ['-u', 'nothing'],
  ['-u', 'nothing', '-o', 'json'],
  ['-u', 'ssh'],
  ['-u', 'ssh.service', '-n', '20'],
  ['-u', 'cron'],
  ['-u', 'ssh', '-u', 'cron', '-n', '9'],
  ['-u', 'post*'],
  ['-u', 'c*', '-u', 's*.service', '-n', '12'],
  ['-t', 'CRON'],
  ['-t', 'CRON', '-t', 'sshd', '-n', '8'],
  ['-p', 'err'],
  ['-p', '3'],
  ['-p', 'err..warning'],
  ['-p', 'warning..err'],
  ['-p', 'info..'],
  ['-p', 'err..bogus'],
  ['-p', 'bogus'],
  ['-k'],
  ['-b'],
  ['-b', '-1'],
  ['-b', '1', '-n', '3'],
  ['-b', '-5'],
  ['-b', `${BOOT_B.toString('hex')}-1`, '-n', '2'],
  ['-b', BOOT_A.toString('hex'), '-n', '2'],
  ['--list-boots'],
  ['--since', '2026-01-01 00:00:05', '--until', '2026-01-01 00:00:07'],
  ['--since', '2026-01-01 00:01', '-n', '3'],
  ['-r', '--since', '2026-01-01 00:01', '-n', '3'],
  ['--until', '2026-01-01 00:01', '-n', '2'],
  ['-r', '--until', '2026-01-01 00:01', '-n', '2'],
  ['-e', '-b', '-1'],
  ['-S', '@1767225610', '-U', '@1767225612.5'],
  ['--since', 'today'],
  ['--since', 'yesterday'],
  ['--since', '-1h'],
  ['--until', 'now', '-n', '2'],
  ['--since', 'tomorrow'],
  ['--since', 'garbage'],
  ['--since', '2026-01-01 00:00:09', '--until', '2026-01-01 00:00:01'],
  ['_PID=1000'],
  ['_PID=1000', '_PID=1001', '-n', '4'],
  ['_PID=1000', '+', 'SYSLOG_IDENTIFIER=CRON', '-n', '6'],
  ['SYSLOG_IDENTIFIER=sshd', 'PRIORITY=3'],
  ['-u', 'ssh', 'PRIORITY=6'],
  // rare matches at the end: the lists' ends are read further back until N are found
  ['-u', 'ssh', 'PRIORITY=6', '-n', '5'],
  ['-u', 'cron', '-n', '3'],
  ['-t', 'sshd', '-p', 'err', '-n', '30'],
  ['-u', 'ssh', '_TRANSPORT=kernel', '-n', '2'],
  ['_PID=1', '-n', '300'],
  ['-r', '-u', 'ssh', 'PRIORITY=6', '-n', '4'],
  // the newest files hold none of the unit: its last 20 come from older files, newest first
  ['-u', 'rare', '-n', '20'],
  ['-u', 'rare', '-n', '20', '-o', 'short-precise'],
  ['-r', '-u', 'rare', '-n', '20'],
  ['-t', 'rare-ident', '-n', '20'],
  ['-u', 'rare', '-p', 'err', '-n', '20'],
  ['-u', 'rare', '-n', '200'],
  ['-u', 'rare', 'PRIORITY=5', '-n', '3'],
  // --since/--until in the middle of a rotated store: the files wholly outside are not read
  ['--since', '2026-01-01 00:30', '-n', '5'],
  ['--since', '2026-01-01 00:30', '--until', '2026-01-01 00:31'],
  ['-u', 'rare', '--since', '2026-01-01 00:20', '--until', '2026-01-01 00:33'],
  ['-r', '--until', '2026-01-01 00:30', '-n', '5'],
  ['-t', 'rare-ident', '--until', '2026-01-01 00:10'],
  ['bad'],
  ['-F', '_PID'],
  ['-F', 'MESSAGE'],
  ['-F', 'NOSUCHFIELD'],
  ['--disk-usage'],
  ['-o', 'nonsense'],
  ['-n', 'x'],
  ['--frobnicate'],
];

describe.skipIf(!HAS_JOURNALCTL)('journalctl front against systemd 252 journalctl', () => {
  for (const store of ['one', 'rotated'] as const) {
    it.each(CASES.map((c) => [c.join(' ') || '(no options)', c]))(`${store}: %s`, (_name, args) => {
      const want = run('/usr/bin/journalctl', ['-D', stores[store], ...(args as string[])]);
      const got = run(ours, ['-D', stores[store], ...(args as string[])]);
      // getopt's complaints name the program as it was called
      expect(got.stderr.replaceAll(ours, '/usr/bin/journalctl')).toBe(want.stderr);
      expect(got.status).toBe(want.status);
      if (args[0] === '-F' && store === 'rotated') {
        // systemd lists a field's values file by file in its hash table's order of the files
        const lines = (b: Buffer) => b.toString('latin1').split('\n').sort();
        expect(lines(got.stdout)).toEqual(lines(want.stdout));
        return;
      }
      expect(got.stdout.equals(want.stdout), `${got.stdout.toString().slice(0, 2000)}\n---- systemd's:\n${want.stdout.toString().slice(0, 2000)}`).toBe(true);
    });
  }

  it.each([['json'], ['json-pretty']])('-o %s: the same objects, field for field', (mode) => {
    for (const extra of [[], ['-a'], ['-u', 'ssh', '-n', '5']]) {
      const parse = (b: Buffer) => {
        const text = b.toString();
        if (mode === 'json') return text.trim().split('\n').map((l) => JSON.parse(l));
        return JSON.parse(`[${text.trim().replace(/\n}\n{/g, '\n},\n{')}]`);
      };
      const want = run('/usr/bin/journalctl', ['-D', stores.one, '-o', mode, ...extra]);
      const got = run(ours, ['-D', stores.one, '-o', mode, ...extra]);
      expect(got.status).toBe(want.status);
      expect(parse(got.stdout)).toEqual(parse(want.stdout));
      if (mode === 'json-pretty') {
        // the layout: tab indent, " : ", one field a line (the last of an object without its comma)
        const sorted = (b: Buffer) => b.toString().split('\n').map((l) => l.replace(/,$/, '')).sort();
        expect(sorted(got.stdout)).toEqual(sorted(want.stdout));
      }
    }
  });

  it("the rotated store is what the rare unit's cases need: its last 20 in several older files, none in the newest", () => {
    const sources = openSources(filesIn(stores.rotated));
    const perFile = sources.map((s) => s.reader.countWith('_SYSTEMD_UNIT', 'rare.service'));
    for (const s of sources) s.reader.close();
    expect(perFile[perFile.length - 1]).toBe(0);
    let filesForLast20 = 0;
    for (let i = perFile.length - 1, left = 20; i >= 0 && left > 0; i--) {
      if (perFile[i]! > 0) filesForLast20++;
      left -= perFile[i]!;
    }
    expect(filesForLast20).toBeGreaterThan(1);
  });

  it('--file reads one file; a missing file or directory is an error as systemd words it', () => {
    const file = path.join(stores.one, 'system.journal');
    const empty = tempDir('jctl-empty-');
    for (const args of [['--file', file, '-n', '3'], ['--file', '/nonexistent.journal'], ['-D', '/nonexistent-dir'], ['-D', empty], ['-D', empty, '--list-boots'], ['-D', empty, '--disk-usage'], ['-D', empty, '-F', '_PID']]) {
      const want = run('/usr/bin/journalctl', args);
      const got = run(ours, args);
      expect([got.status, got.stderr, got.stdout.toString()]).toEqual([want.status, want.stderr, want.stdout.toString()]);
    }
  });

  it('-f prints the last lines, then what is appended, also across a rotation into the next file', async () => {
    const root = tempDir('jctl-follow-');
    fs.mkdirSync(path.join(root, 'run'));
    const s = JournalStore.open({ machineId: MACHINE, settings: defaultJournaldSettings(), root, nowMs: () => BASE_USEC / 1000 + 3600_000 })!;
    for (let i = 0; i < 5; i++) s.append(sampleEntry(i));
    const child = spawn(ours, ['-D', s.dir, '-f', '-n', '2', '-o', 'cat'], { env: ENV });
    let text = '';
    child.stdout.on('data', (d) => {
      text += d.toString();
    });
    const waitFor = async (what: string) => {
      for (let t = 0; t < 100 && !text.includes(what); t++) await new Promise((r) => setTimeout(r, 50));
      expect(text).toContain(what);
    };
    try {
      await waitFor('message number 4');
      s.append(sampleEntry(5));
      await waitFor('message number 5');
      s.rotate();
      s.append(sampleEntry(6));
      await waitFor('message number 6');
      s.append(sampleEntry(7, { boot: BOOT_B }));
      await waitFor('message number 7');
      expect(text.trim().split('\n')).toEqual([3, 4, 5, 6, 7].map((i) => sampleEntry(i).fields[0]![1]));
    } finally {
      child.kill();
      s.close();
    }
  });

  it.skipIf(spawnSync('script', ['--version']).status !== 0)('a pager on a terminal (SYSTEMD_PAGER), none with --no-pager or when not a terminal', () => {
    const onTty = (cmd: string) =>
      spawnSync('script', ['-qec', cmd, '/dev/null'], { env: { ...ENV, TERM: 'dumb', SYSTEMD_PAGER: 'sed s/^/PAGED:/' }, stdio: ['ignore', 'pipe', 'pipe'] }).stdout.toString();
    const paged = onTty(`${ours} -D ${stores.one} -n 2 -o cat`);
    expect(paged).toMatch(/PAGED:message number 198 from sshd\r?\nPAGED:/);
    expect(onTty(`${ours} --no-pager -D ${stores.one} -n 2 -o cat`)).not.toContain('PAGED:');
    const piped = spawnSync(ours, ['-D', stores.one, '-n', '2', '-o', 'cat'], { env: { ...ENV, SYSTEMD_PAGER: 'sed s/^/PAGED:/' } });
    expect(piped.stdout.toString()).toBe('message number 198 from sshd\nümlaut ünïcödé ✓\n');
  });

  it('--vacuum-size deletes the oldest archived files and says so as systemd does', () => {
    const copy = (label: string) => {
      const d = tempDir(`jctl-vac-${label}-`);
      for (const n of fs.readdirSync(stores.rotated)) fs.copyFileSync(path.join(stores.rotated, n), path.join(d, n));
      return d;
    };
    const a = copy('a');
    const b = copy('b');
    const want = run('/usr/bin/journalctl', ['-D', a, '--vacuum-size=1M']);
    const got = run(ours, ['-D', b, '--vacuum-size=1M']);
    expect(got.status).toBe(want.status);
    expect(got.stderr.replaceAll(b, 'DIR')).toBe(want.stderr.replaceAll(a, 'DIR'));
    expect(fs.readdirSync(b).sort()).toEqual(fs.readdirSync(a).sort());
  });
});
