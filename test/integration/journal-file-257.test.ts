// Slow tier: systemd 257's journalctl and python3-systemd's journal.Reader (Debian 13's, in a
// trixie tree cached under .cache/rootfs/trixie-journal by scripts/journal-257-env.sh, built
// once with debootstrap) read the files written here: the same store (rotated, two boots, binary fields, a file left
// ONLINE by a writer that died and set aside as `~`) gives 257 the same answers as 252, and
// both give back what was written.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JournalFileWriter } from '../../src/journal/journal-file-writer';
import { JournalStore } from '../../src/journal/journal-store';
import { defaultJournaldSettings } from '../../src/journal/journald-conf';
import { BASE_USEC, BOOT_A, BOOT_B, dyingIo, fieldSet, journalctl, MACHINE, parseExport, sampleEntry } from '../helpers/journal';

const ROOT = path.resolve(__dirname, '../..');
let tree = '';
let inTree = ''; // the store's directory as the chroot sees it
let hostDir = '';
const written: Array<ReturnType<typeof sampleEntry>> = [];

beforeAll(() => {
  tree = execFileSync('bash', [path.join(ROOT, 'scripts/journal-257-env.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const base = fs.mkdtempSync(path.join(tree, 'run/ts-init-journal-'));
  fs.mkdirSync(path.join(base, 'run'));
  const machineDir = path.join(base, 'run/log/journal', MACHINE.toString('hex'));
  fs.mkdirSync(machineDir, { recursive: true });
  // A writer that dies half-way through its 6th entry: left ONLINE, set aside on the next start.
  const dying = dyingIo();
  const first = JournalFileWriter.create(path.join(machineDir, 'system.journal'), { machineId: MACHINE, maxFileSize: 1 << 20, io: dying.io });
  for (let i = 0; i < 5; i++) {
    const e = sampleEntry(i, { boot: BOOT_A });
    first.append(e);
    written.push(e);
  }
  dying.dieAfter(4);
  first.append(sampleEntry(5, { boot: BOOT_A, message: 'lost with the writer' }));
  // The next start: the file is set aside, then enough entries for a few rotations.
  const settings = { ...defaultJournaldSettings(), runtimeMaxFileSize: 512 * 1024, runtimeMaxUse: 64 << 20 };
  const store = JournalStore.open({ machineId: MACHINE, settings, root: base, nowMs: () => BASE_USEC / 1000 + 3600_000 })!;
  for (let i = 5; i < 3000; i++) {
    const e = sampleEntry(i, {
      boot: BOOT_B,
      extra: i % 100 === 0 ? [['BINARY', Uint8Array.from([0, 1, 2, 10, 255])], ['MULTI', 'line one\nline two']] : [],
    });
    expect(store.append(e).ok).toBe(true);
    written.push(e);
  }
  store.close();
  hostDir = machineDir;
  inTree = `/${path.relative(tree, machineDir)}`;
}, 600_000);

afterAll(() => {
  if (hostDir) fs.rmSync(path.resolve(hostDir, '../../../..'), { recursive: true, force: true });
});

const j257 = (args: string[]) => journalctl(args, {}, 'journalctl', tree);
const j252 = (args: string[]) => journalctl(args.map((a) => (a === inTree ? hostDir : a)));
/** 257 prints __SEQNUM/__SEQNUM_ID and 252 does not; the cursor differs in the same way. */
const withoutNewMeta = (entries: Array<Array<[string, Buffer]>>) =>
  entries.map((f) => f.filter(([n]) => n !== '__SEQNUM' && n !== '__SEQNUM_ID' && n !== '__CURSOR'));

describe('systemd 257 reads the store', () => {
  it('is systemd 257', () => {
    expect(j257(['--version']).stdout.toString()).toMatch(/^systemd 257 /);
  });

  it('--verify passes on every file closed cleanly (archived and active)', () => {
    const files = fs.readdirSync(hostDir);
    expect(files.some((n) => n.endsWith('.journal~'))).toBe(true);
    expect(files.filter((n) => /^system@[0-9a-f]{32}-/.test(n)).length).toBeGreaterThan(1);
    // The file set aside was cut mid-entry (its hash chains may name an object its header does
    // not count yet): it reads (below), but it is not whole, as a crashed journald's is not.
    for (const name of files.filter((n) => !n.endsWith('~'))) {
      const r = j257(['--file', `${inTree}/${name}`, '--verify']);
      expect(r.stderr, name).toMatch(/^PASS/m);
      expect(r.status, r.stderr).toBe(0);
    }
  });

  it('-o export: every entry and field, the same as 252 reads', () => {
    const got = parseExport(j257(['-D', inTree, '-o', 'export']).stdout);
    expect(got.length).toBe(written.length);
    got.forEach((fields, i) => {
      expect(fieldSet(fields.filter(([n]) => !n.startsWith('__') && n !== '_BOOT_ID' && n !== '_MACHINE_ID'))).toEqual(fieldSet(written[i].fields));
    });
    expect(withoutNewMeta(got)).toEqual(withoutNewMeta(parseExport(j252(['-D', inTree, '-o', 'export']).stdout)));
  });

  it.each([
    [['_SYSTEMD_UNIT=cron.service', '-n', '20']],
    [['-t', 'sshd', '-n', '7']],
    [['-p', 'err', '-n', '9']],
    [['--since', '2026-01-01 00:40:00', '--until', '2026-01-01 00:40:05']],
    [['-r', '-n', '5']],
    [['-b', BOOT_A.toString('hex')]],
    [['-b', BOOT_B.toString('hex'), '-n', '4']],
    [['_SYSTEMD_UNIT=cron.service', '_SYSTEMD_UNIT=ssh.service', 'PRIORITY=2', '-n', '6']],
  ])('journalctl %j gives 257 the same entries as 252', (args) => {
    const a = withoutNewMeta(parseExport(j257(['-D', inTree, '-o', 'export', ...args]).stdout));
    const b = withoutNewMeta(parseExport(j252(['-D', inTree, '-o', 'export', ...args]).stdout));
    expect(a.length).toBeGreaterThan(0);
    expect(a).toEqual(b);
  });

  it('--list-boots: both boots', () => {
    const out = j257(['-D', inTree, '--list-boots']).stdout.toString();
    expect(out).toContain(BOOT_A.toString('hex'));
    expect(out).toContain(BOOT_B.toString('hex'));
  });

  it("python3-systemd's journal.Reader (libsystemd 257, fail2ban's backend) reads every entry and filters by unit", () => {
    const script = [
      'import sys',
      'from systemd import journal',
      'r = journal.Reader(path=sys.argv[1])',
      'n = sum(1 for _ in r)',
      'r = journal.Reader(path=sys.argv[1])',
      "r.add_match(_SYSTEMD_UNIT='cron.service')",
      "msgs = [e['MESSAGE'] for e in r]",
      "print(n, len(msgs), msgs[0], msgs[-1], sep='|')",
    ].join('\n');
    const out = execFileSync('chroot', [tree, 'python3', '-c', script, inTree], { encoding: 'utf8' }).trim();
    const cron = written.filter((e) => e.fields.some(([n, v]) => n === '_SYSTEMD_UNIT' && v === 'cron.service'));
    expect(out).toBe([written.length, cron.length, cron[0].fields[0][1], cron.at(-1)!.fields[0][1]].join('|'));
  });

  it('-o json: fields and binary values', () => {
    const all = j257(['-D', inTree, '-o', 'json', '--since', '2026-01-01 00:01:40', '--until', '2026-01-01 00:01:41']).stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
    const e100 = all.find((e) => e.MESSAGE === 'message number 100 from CRON');
    expect(e100.BINARY).toEqual([0, 1, 2, 10, 255]);
    expect(e100.MULTI).toBe('line one\nline two');
    expect(e100._SYSTEMD_UNIT).toBe('cron.service');
  });
});
