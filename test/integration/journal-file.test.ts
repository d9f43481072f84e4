// The journal file store read by the real journalctl of this host (systemd 252): what the
// writer stored comes back field by field (-o export, -o json), journalctl's filters find it
// (_SYSTEMD_UNIT=, -t, -p, --since, -n, -r, --list-boots), a rotated and vacuumed store reads
// as one (-D), a follower (-f) sees an entry as it is written, and a writer that dies half-way
// through an entry leaves a file that reads up to the last whole entry and is set aside
// (`~`) on the next start, as systemd does.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JournalFileReader } from '../../src/journal/journal-file-reader';
import { type FileIo, JournalFileWriter } from '../../src/journal/journal-file-writer';
import { JournalStore } from '../../src/journal/journal-store';
import { defaultJournaldSettings } from '../../src/journal/journald-conf';
import { BASE_USEC, BOOT_A, BOOT_B, countingIo, dyingIo, fieldSet, journalctl, MACHINE, parseExport, sampleEntry } from '../helpers/journal';
import { tempDir } from '../helpers/temp-dir';

const MACHINE_HEX = MACHINE.toString('hex');
/** The sample entries are stamped from 2026-01-01: the store's clock is set to that day too (MaxFileSec= counts from a file's first entry). */
const SAMPLE_DAY = () => BASE_USEC / 1000 + 3600_000;

function writeFile(file: string, n: number, opts: { unkeyed?: boolean; io?: FileIo } = {}) {
  const w = JournalFileWriter.create(file, { machineId: MACHINE, maxFileSize: 8 << 20, ...opts });
  const written = [];
  for (let i = 0; i < n; i++) {
    const e = sampleEntry(i, {
      boot: i < n / 2 ? BOOT_A : BOOT_B,
      extra: i === 3 ? [['BINARY', Uint8Array.from([0, 1, 2, 10, 255])], ['MULTI', 'line one\nline two'], ['TAG', 'a'], ['TAG', 'b']] : [],
    });
    const r = w.append(e);
    expect(r).toEqual({ ok: true, seqnum: i + 1 });
    written.push(e);
  }
  return { w, written };
}

describe.each([
  ['keyed hash (the default)', false],
  ['Jenkins hash', true],
])('a file written here, read by journalctl 252: %s', (_name, unkeyed) => {
  const dir = tempDir('jf-');
  const file = path.join(dir, 'system.journal');
  const { w, written } = writeFile(file, 40, { unkeyed });
  w.close();

  it('passes journalctl --verify', () => {
    const r = journalctl(['--file', file, '--verify']);
    expect(r.stderr).toContain('PASS');
    expect(r.status).toBe(0);
  });

  it('-o export gives back every field of every entry, binary and multi-line values included', () => {
    const got = parseExport(journalctl(['--file', file, '-o', 'export']).stdout);
    expect(got.length).toBe(written.length);
    got.forEach((fields, i) => {
      const meta = new Map(fields.filter(([n]) => n.startsWith('__') || n === '_BOOT_ID').map(([n, v]) => [n, v.toString()]));
      expect(meta.get('__REALTIME_TIMESTAMP')).toBe(String(written[i].realtimeUsec));
      expect(meta.get('__MONOTONIC_TIMESTAMP')).toBe(String(written[i].monotonicUsec));
      expect(meta.get('_BOOT_ID')).toBe(Buffer.from(written[i].bootId).toString('hex'));
      // The writer adds _BOOT_ID and _MACHINE_ID, as journald does to every entry.
      expect(fields.filter(([n]) => n === '_BOOT_ID').every(([, v]) => v.toString() === Buffer.from(written[i].bootId).toString('hex'))).toBe(true);
      expect(fieldSet(fields.filter(([n]) => !n.startsWith('__') && n !== '_BOOT_ID'))).toEqual(fieldSet([...written[i].fields, ['_MACHINE_ID', MACHINE_HEX]]));
    });
  });

  it('-o json: field names and values, repeated fields as arrays, binary as bytes', () => {
    const lines = journalctl(['--file', file, '-o', 'json']).stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBe(40);
    expect(lines[0].MESSAGE).toBe('message number 0 from sshd');
    expect(lines[0]._SYSTEMD_UNIT).toBe('ssh.service');
    expect(lines[3].TAG).toEqual(['a', 'b']);
    expect(lines[3].BINARY).toEqual([0, 1, 2, 10, 255]);
    expect(lines[3].MULTI).toBe('line one\nline two');
    expect(Number(lines[39].__SEQNUM ?? 40)).toBe(40);
  });

  it('finds entries by field (_SYSTEMD_UNIT=, -t), priority (-p), time (--since), and counts (-n, -r)', () => {
    const cat = (...args: string[]) => journalctl(['--file', file, '-o', 'cat', ...args]).stdout.toString().trim().split('\n').filter(Boolean);
    const expectMessages = (idx: number[]) => idx.map((i) => written[i].fields[0][1]);
    const all = [...written.keys()];
    expect(cat('_SYSTEMD_UNIT=cron.service')).toEqual(expectMessages(all.filter((i) => i % 3 === 1)));
    expect(cat('_SYSTEMD_UNIT=cron.service', '_SYSTEMD_UNIT=ssh.service')).toEqual(expectMessages(all.filter((i) => i % 3 !== 2)));
    expect(cat('_SYSTEMD_UNIT=cron.service', 'PRIORITY=4')).toEqual(expectMessages(all.filter((i) => i % 3 === 1 && i % 8 === 4)));
    expect(cat('-t', 'postfix/smtpd')).toEqual(expectMessages(all.filter((i) => i % 3 === 2)));
    expect(cat('-p', 'err')).toEqual(expectMessages(all.filter((i) => i % 8 <= 3)));
    expect(cat('--since', '2026-01-01 00:00:30')).toEqual(expectMessages(all.filter((i) => i >= 30)));
    expect(cat('--since', '2026-01-01 00:00:10', '--until', '2026-01-01 00:00:12')).toEqual(expectMessages([10, 11, 12]));
    expect(cat('-n', '5')).toEqual(expectMessages([35, 36, 37, 38, 39]));
    expect(cat('-r', '-n', '3')).toEqual(expectMessages([39, 38, 37]));
    expect(cat('_SYSTEMD_UNIT=nothing.service')).toEqual([]);
  });

  it('--list-boots sees both boots with their first and last entries', () => {
    const out = journalctl(['--file', file, '--list-boots']).stdout.toString();
    expect(out).toContain(BOOT_A.toString('hex'));
    expect(out).toContain(BOOT_B.toString('hex'));
    expect(out.trim().split('\n').filter((l) => /[0-9a-f]{32}/.test(l)).length).toBe(2);
  });

  it('our own reader reads the same entries and matches', () => {
    const r = JournalFileReader.open(file);
    const got = [...r.entries()];
    expect(got.map((e) => fieldSet(e.fields))).toEqual(
      written.map((e) => fieldSet([...e.fields, ['_BOOT_ID', Buffer.from(e.bootId).toString('hex')], ['_MACHINE_ID', MACHINE_HEX]])),
    );
    expect(got.map((e) => e.seqnum)).toEqual(written.map((_, i) => i + 1));
    expect([...r.entries(['_SYSTEMD_UNIT=cron.service', 'PRIORITY=4'])].map((e) => e.seqnum)).toEqual(
      [...written.keys()].filter((i) => i % 3 === 1 && i % 8 === 4).map((i) => i + 1),
    );
    r.close();
  });
});

describe('the store as journald keeps it', () => {
  it('Storage=auto: volatile under /run/log/journal/MACHINE_ID without /var/log/journal, persistent with it', () => {
    const root = tempDir('jroot-');
    fs.mkdirSync(path.join(root, 'run'));
    fs.mkdirSync(path.join(root, 'var/log'), { recursive: true });
    const s1 = JournalStore.open({ machineId: MACHINE, settings: defaultJournaldSettings(), root , nowMs: SAMPLE_DAY })!;
    expect(s1.activePath).toBe(path.join(root, 'run/log/journal', MACHINE_HEX, 'system.journal'));
    expect(s1.append(sampleEntry(0)).ok).toBe(true);
    s1.close();
    fs.mkdirSync(path.join(root, 'var/log/journal'));
    const s2 = JournalStore.open({ machineId: MACHINE, settings: defaultJournaldSettings(), root , nowMs: SAMPLE_DAY })!;
    expect(s2.activePath).toBe(path.join(root, 'var/log/journal', MACHINE_HEX, 'system.journal'));
    expect(s2.persistent).toBe(true);
    s2.close();
  });

  it.each([
    ['a symlink', (p: string, root: string) => fs.symlinkSync(path.join(root, 'elsewhere'), p)],
    ['owned by nobody', (p: string) => (fs.mkdirSync(p), fs.chownSync(p, 65534, 65534))],
    ['world-writable', (p: string) => (fs.mkdirSync(p), fs.chmodSync(p, 0o777))],
  ])('refuses a /var/log/journal that is %s, with a line, and stays volatile', (_what, make) => {
    const root = tempDir('jroot-');
    fs.mkdirSync(path.join(root, 'run'));
    fs.mkdirSync(path.join(root, 'var/log'), { recursive: true });
    fs.mkdirSync(path.join(root, 'elsewhere'));
    make(path.join(root, 'var/log/journal'), root);
    const lines: string[] = [];
    const s = JournalStore.open({ machineId: MACHINE, settings: defaultJournaldSettings(), root, warn: (l) => lines.push(l) , nowMs: SAMPLE_DAY })!;
    expect(s.persistent).toBe(false);
    expect(lines.join('\n')).toMatch(/\/var\/log\/journal .*volatile/);
    expect(fs.readdirSync(path.join(root, 'elsewhere'))).toEqual([]);
    s.close();
  });

  it('reopens its OFFLINE file and continues the sequence in it', () => {
    const root = tempDir('jroot-');
    fs.mkdirSync(path.join(root, 'run'));
    const open = () => JournalStore.open({ machineId: MACHINE, settings: defaultJournaldSettings(), root , nowMs: SAMPLE_DAY })!;
    const s1 = open();
    for (let i = 0; i < 5; i++) s1.append(sampleEntry(i));
    s1.close();
    const s2 = open();
    for (let i = 5; i < 8; i++) expect(s2.append(sampleEntry(i))).toEqual({ ok: true, seqnum: i + 1 });
    s2.close();
    expect(fs.readdirSync(s2.dir)).toEqual(['system.journal']);
    const cat = journalctl(['-D', s2.dir, '-o', 'cat']).stdout.toString().trim().split('\n');
    expect(cat).toEqual([...Array(8).keys()].map((i) => `message number ${i} from ${['sshd', 'CRON', 'postfix/smtpd'][i % 3]}`));
  });

  it("archives a file in a variant it does not append to (journald's compact one) and continues its sequence", () => {
    const root = tempDir('jroot-');
    fs.mkdirSync(path.join(root, 'run'));
    const dir = path.join(root, 'run/log/journal', MACHINE_HEX);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'system.journal');
    const { w } = writeFile(file, 4);
    w.close();
    // Mark it compact, as journald 252+ writes by default: a flag this writer does not write.
    const fd = fs.openSync(file, 'r+');
    const flags = Buffer.alloc(4);
    fs.readSync(fd, flags, 0, 4, 12);
    flags.writeUInt32LE(flags.readUInt32LE(0) | 16);
    fs.writeSync(fd, flags, 0, 4, 12);
    fs.closeSync(fd);
    const seqnumId = JournalFileReader.sequenceOf(file)!.seqnumId.toString('hex');
    const lines: string[] = [];
    const s = JournalStore.open({ machineId: MACHINE, settings: defaultJournaldSettings(), root, warn: (l) => lines.push(l), nowMs: SAMPLE_DAY })!;
    expect(s.append(sampleEntry(4))).toEqual({ ok: true, seqnum: 5 });
    s.close();
    expect(lines.join('\n')).toMatch(/variant not appended to here; archived as system@/);
    expect(fs.readdirSync(dir).sort()).toEqual(['system.journal', `system@${seqnumId}-0000000000000001-${BASE_USEC.toString(16).padStart(16, '0')}.journal`]);
  });

  it('rotates by size into journald-named archives and deletes the oldest beyond SystemMaxUse=; journalctl -D reads the rest as one', () => {
    const root = tempDir('jroot-');
    fs.mkdirSync(path.join(root, 'run'));
    fs.mkdirSync(path.join(root, 'var/log/journal'), { recursive: true });
    const settings = { ...defaultJournaldSettings(), systemMaxFileSize: 512 * 1024, systemMaxUse: 2 * 1024 * 1024 };
    const s = JournalStore.open({ machineId: MACHINE, settings, root , nowMs: SAMPLE_DAY })!;
    const N = 12_000;
    for (let i = 0; i < N; i++) expect(s.append(sampleEntry(i, { message: `entry ${i} ${'x'.repeat(100)}` })).ok).toBe(true);
    s.close();
    const names = fs.readdirSync(s.dir).sort();
    const archived = names.filter((n) => n !== 'system.journal');
    expect(names).toContain('system.journal');
    expect(archived.length).toBeGreaterThan(1);
    for (const n of archived) expect(n).toMatch(/^system@[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{16}\.journal$/);
    const used = names.reduce((sum, n) => sum + fs.statSync(path.join(s.dir, n)).blocks * 512, 0);
    expect(used).toBeLessThanOrEqual(2 * 1024 * 1024);
    // What is left is one contiguous run ending at the last entry, in one sequence.
    const got = parseExport(journalctl(['-D', s.dir, '-o', 'export']).stdout);
    const seqnums = got.map((f) => Number(new Map(f.map(([n, v]) => [n, v.toString()])).get('MESSAGE')!.split(' ')[1]));
    expect(seqnums.length).toBeLessThan(N);
    expect(seqnums.at(-1)).toBe(N - 1);
    expect(seqnums).toEqual([...Array(seqnums.length).keys()].map((k) => N - seqnums.length + k));
    expect(journalctl(['-D', s.dir, '--list-boots']).stdout.toString()).toContain(BOOT_A.toString('hex'));
    expect(journalctl(['-D', s.dir, '--verify']).status).toBe(0);
  });

  it('MaxFileSec= rotates a file whose first entry is older than that', () => {
    const root = tempDir('jroot-');
    fs.mkdirSync(path.join(root, 'run'));
    const settings = { ...defaultJournaldSettings(), maxFileMs: 3600_000 };
    let now = BASE_USEC / 1000;
    const s = JournalStore.open({ machineId: MACHINE, settings, root, nowMs: () => now })!;
    s.append(sampleEntry(0));
    now += 1800_000;
    s.append(sampleEntry(1));
    expect(fs.readdirSync(s.dir)).toEqual(['system.journal']);
    now += 1900_000;
    s.append(sampleEntry(2));
    s.close();
    expect(fs.readdirSync(s.dir).length).toBe(2);
    expect(journalctl(['-D', s.dir, '-o', 'cat']).stdout.toString().trim().split('\n').length).toBe(3);
  });

  it('MaxRetentionSec= deletes archives that started before the retention', () => {
    const root = tempDir('jroot-');
    fs.mkdirSync(path.join(root, 'run'));
    let now = BASE_USEC / 1000;
    const settings = { ...defaultJournaldSettings(), runtimeMaxFileSize: 512 * 1024, maxRetentionMs: 3600_000 };
    const s = JournalStore.open({ machineId: MACHINE, settings, root, nowMs: () => now })!;
    for (let i = 0; i < 3000; i++) s.append(sampleEntry(i, { message: `entry ${i} ${'x'.repeat(100)}` }));
    const before = fs.readdirSync(s.dir).length;
    expect(before).toBeGreaterThan(1);
    now += 2 * 3600_000;
    s.rotate();
    s.close();
    expect(fs.readdirSync(s.dir).filter((n) => n !== 'system.journal').length).toBeLessThanOrEqual(1);
  });
});

describe('a full disk', () => {
  it('is an error value (never a throw), what was stored stays readable, and the store goes on once there is space', () => {
    const root = tempDir('jfull-');
    fs.mkdirSync(path.join(root, 'run'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', path.join(root, 'run')]);
    try {
      fs.writeFileSync(path.join(root, 'run/filler'), Buffer.alloc(2 * 1024 * 1024));
      let now = SAMPLE_DAY();
      const lines: string[] = [];
      const settings = { ...defaultJournaldSettings(), runtimeMaxFileSize: 32 << 20, runtimeMaxUse: 64 << 20, runtimeKeepFree: 0 };
      const s = JournalStore.open({ machineId: MACHINE, settings, root, warn: (l) => lines.push(l), nowMs: () => now })!;
      let stored = 0;
      let last: ReturnType<JournalStore['append']> | undefined;
      for (let i = 0; i < 20_000; i++) {
        last = s.append(sampleEntry(i, { message: `entry ${i} ${'x'.repeat(150)}` }));
        if (!last.ok) break;
        stored++;
      }
      expect(last).toMatchObject({ ok: false, error: { kind: 'disk-full' } });
      expect(stored).toBeGreaterThan(100);
      // While the disk stays full, appends fail at once and the line is said once.
      for (let i = 0; i < 1000; i++) expect(s.append(sampleEntry(stored + 1 + i)).ok).toBe(false);
      expect(lines.filter((l) => /no space|ENOSPC/i.test(l)).length).toBe(1);
      const dir = s.dir;
      const cat = () => journalctl(['-D', dir, '-o', 'cat']).stdout.toString().trim().split('\n').filter(Boolean);
      expect(cat().length).toBe(stored);
      fs.rmSync(path.join(root, 'run/filler'));
      now += 2000;
      expect(s.append(sampleEntry(30_000, { message: 'after the disk had room again' })).ok).toBe(true);
      s.close();
      const after = cat();
      expect(after.length).toBe(stored + 1);
      expect(after.at(-1)).toBe('after the disk had room again');
    } finally {
      execFileSync('umount', [path.join(root, 'run')]);
    }
  });
});

describe('following and crashing', () => {
  it('a journalctl -f that is already running shows an entry as it is written', async () => {
    const dir = tempDir('jf-');
    const file = path.join(dir, 'system.journal');
    const { w } = writeFile(file, 3);
    const child = spawn('journalctl', ['--no-pager', '--file', file, '-f', '-n', '1', '-o', 'cat'], { env: { ...process.env, TZ: 'UTC' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const waitFor = async (text: string) => {
      for (let t = 0; t < 100 && !out.includes(text); t++) await new Promise((r) => setTimeout(r, 50));
      return out.includes(text);
    };
    try {
      expect(await waitFor('message number 2')).toBe(true);
      w.append(sampleEntry(3, { boot: BOOT_B, message: 'written while followed' }));
      expect(await waitFor('written while followed')).toBe(true);
      w.append(sampleEntry(4, { boot: BOOT_B, message: 'and one more' }));
      expect(await waitFor('and one more'), out).toBe(true);
    } finally {
      child.kill();
      w.close();
    }
  });

  it('a journalctl -f over the directory goes on into the next file when the store rotates', async () => {
    const root = tempDir('jroot-');
    fs.mkdirSync(path.join(root, 'run'));
    const s = JournalStore.open({ machineId: MACHINE, settings: { ...defaultJournaldSettings(), runtimeMaxFileSize: 512 * 1024 }, root, nowMs: SAMPLE_DAY })!;
    s.append(sampleEntry(0, { message: 'first' }));
    const child = spawn('journalctl', ['--no-pager', '-D', s.dir, '-f', '-n', '1', '-o', 'cat'], { env: { ...process.env, TZ: 'UTC' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const waitFor = async (text: string) => {
      for (let t = 0; t < 200 && !out.includes(text); t++) await new Promise((r) => setTimeout(r, 50));
      return out.includes(text);
    };
    try {
      expect(await waitFor('first')).toBe(true);
      const before = fs.readdirSync(s.dir).length;
      let i = 1;
      while (fs.readdirSync(s.dir).length === before) expect(s.append(sampleEntry(i++, { message: `filler ${i} ${'x'.repeat(200)}` })).ok).toBe(true);
      expect(s.append(sampleEntry(i, { message: 'in the next file' })).ok).toBe(true);
      expect(await waitFor('in the next file'), out.slice(-300)).toBe(true);
    } finally {
      child.kill();
      s.close();
    }
  });

  it('a writer that dies after any of the writes of an entry leaves the entries before it readable, and the next start sets the file aside', () => {
    // Count the writes one append makes, then stop after each of them in turn.
    const counting = countingIo();
    const probe = writeFile(path.join(tempDir('jf-'), 'p.journal'), 10, { io: counting.io });
    counting.count = 0;
    probe.w.append(sampleEntry(10, { message: 'new message' }));
    const writesPerAppend = counting.count;
    probe.w.close();
    expect(writesPerAppend).toBeGreaterThan(3);

    const cat = (args: string[]) => journalctl([...args, '-o', 'cat']).stdout.toString().trim().split('\n').filter(Boolean);
    const ten = [...Array(10).keys()].map((i) => sampleEntry(i).fields[0][1]);
    for (let k = 0; k <= writesPerAppend; k++) {
      const root = tempDir('jcrash-');
      fs.mkdirSync(path.join(root, 'run'));
      const dir = path.join(root, 'run/log/journal', MACHINE_HEX);
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, 'system.journal');
      const dying = dyingIo();
      const { w } = writeFile(file, 10, { io: dying.io });
      const sizeBefore = fs.statSync(file).size;
      dying.dieAfter(k === writesPerAppend ? 1 : k);
      expect(w.append(sampleEntry(10, { message: 'new message' })).ok).toBe(false);
      if (k === writesPerAppend) {
        // Only the new objects' write happened, and only half of it reached the disk.
        const half = Math.floor((fs.statSync(file).size - sizeBefore) / 2);
        expect(half).toBeGreaterThan(100);
        fs.truncateSync(file, sizeBefore + half);
      }
      // The process is gone (the writer is never closed): the file stays ONLINE.
      expect(JournalFileReader.open(file).state).toBe(1);
      expect(cat(['--file', file]), `stopped after write ${k}`).toEqual(ten);
      expect(cat(['--file', file, '_SYSTEMD_UNIT=cron.service']).filter((m) => m !== 'new message')).toEqual(ten.filter((_, i) => i % 3 === 1));
      // systemd's rule on the next start: an ONLINE file is renamed system@...journal~ and a new one started.
      const lines: string[] = [];
      const s = JournalStore.open({ machineId: MACHINE, settings: defaultJournaldSettings(), root, warn: (l) => lines.push(l) , nowMs: SAMPLE_DAY })!;
      expect(lines.join('\n')).toMatch(/not closed cleanly.*journal~/);
      expect(s.append(sampleEntry(11, { message: 'after the restart' })).ok).toBe(true);
      s.close();
      const names = fs.readdirSync(dir).sort();
      expect(names.length).toBe(2);
      expect(names[0]).toBe('system.journal');
      expect(names[1]).toMatch(/^system@[0-9a-f]{16}-[0-9a-f]{16}\.journal~$/);
      expect(cat(['-D', dir])).toEqual([...ten, 'after the restart']);
    }
  });

  it('a writer that dies during a batch leaves every entry before the batch and none of it', () => {
    const batch = [10, 11, 12, 13, 14].map((i) => sampleEntry(i, { message: `batch ${i}` }));
    const counting = countingIo();
    const probe = writeFile(path.join(tempDir('jf-'), 'p.journal'), 10, { io: counting.io });
    counting.count = 0;
    expect(probe.w.appendMany(batch).every((r) => r.ok)).toBe(true);
    const writesPerBatch = counting.count;
    probe.w.close();
    const ten = [...Array(10).keys()].map((i) => sampleEntry(i).fields[0][1]);
    for (let k = 0; k < writesPerBatch; k++) {
      const file = path.join(tempDir('jcrash-'), 'system.journal');
      const dying = dyingIo();
      const { w } = writeFile(file, 10, { io: dying.io });
      dying.dieAfter(k);
      const results = w.appendMany(batch);
      const lines = journalctl(['--file', file, '-o', 'cat']).stdout.toString().trim().split('\n');
      // The hash tables are keyed by the file's random id, so a batch may need a write or two
      // fewer in this file than in the probe's: then it was whole before the writer died.
      if (k > 0 && results.every((r) => r.ok)) {
        expect(lines, `whole after write ${k} of about ${writesPerBatch}`).toEqual([...ten, ...batch.map((e) => e.fields[0][1])]);
        continue;
      }
      expect(results.every((r) => !r.ok), `write ${k}: all of the batch failed`).toBe(true);
      expect(lines, `stopped after write ${k} of ${writesPerBatch}`).toEqual(ten);
    }
  });
});
