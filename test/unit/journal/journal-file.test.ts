// The writer and the reader of this folder against each other: batches, matches, reopening,
// the limits that stop a batch, and the bound on what a reader of a half-written file sees.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type JournalEntry, SharedFields } from '../../../src/journal/entry';
import { JournalFileReader } from '../../../src/journal/journal-file-reader';
import { JournalFileWriter } from '../../../src/journal/journal-file-writer';
import { getU64, H, HEADER_SIZE } from '../../../src/journal/format';
import { BASE_USEC, BOOT_A, BOOT_B, countingIo, dyingIo, fieldSet, MACHINE, sampleEntry } from '../../helpers/journal';
import { tempDir } from '../../helpers/temp-dir';

const newFile = (maxFileSize = 8 << 20) => {
  const file = path.join(tempDir('jfu-'), 'system.journal');
  return { file, w: JournalFileWriter.create(file, { machineId: MACHINE, maxFileSize }) };
};

describe('JournalFileWriter + JournalFileReader', () => {
  it('a batch and single appends read back in order, fields and seqnums whole', () => {
    const { file, w } = newFile();
    const batch = [0, 1, 2, 3, 4].map((i) => sampleEntry(i));
    expect(w.appendMany(batch)).toEqual([1, 2, 3, 4, 5].map((seqnum) => ({ ok: true, seqnum })));
    expect(w.append(sampleEntry(5))).toEqual({ ok: true, seqnum: 6 });
    w.close();
    const r = JournalFileReader.open(file);
    const got = [...r.entries()];
    expect(got.map((e) => e.seqnum)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(got[2].realtimeUsec).toBe(BASE_USEC + 2_000_000);
    expect(got[2].bootId).toEqual(BOOT_A);
    expect(fieldSet(got[2].fields)).toEqual(fieldSet([...sampleEntry(2).fields, ['_BOOT_ID', BOOT_A.toString('hex')], ['_MACHINE_ID', MACHINE.toString('hex')]]));
    r.close();
  });

  it('the same payload twice in an entry is one item; a string and bytes of the same payload are one data object', () => {
    const { file, w } = newFile();
    const e = sampleEntry(0, { extra: [['TAG', 'x'], ['TAG', 'x'], ['TAG', Buffer.from('x')], ['BIN', Uint8Array.from([0xe9])], ['TXT', 'é']] });
    expect(w.append(e).ok).toBe(true);
    expect(w.append(sampleEntry(1, { extra: [['TAG', Buffer.from('x')]] })).ok).toBe(true);
    w.close();
    const r = JournalFileReader.open(file);
    const first = r.readEntry(r.entryOffsets()[0]);
    expect(first.fields.filter(([n]) => n === 'TAG').length).toBe(1);
    expect(first.fields.find(([n]) => n === 'BIN')![1]).toEqual(Buffer.from([0xe9]));
    expect(first.fields.find(([n]) => n === 'TXT')![1]).toEqual(Buffer.from('é'));
    expect(r.offsetsWith('TAG', 'x').length).toBe(2);
    r.close();
  });

  it('batches of new payloads all over the hash table (written in merged runs) and a reopen keep every hash chain whole', () => {
    const { file, w } = newFile();
    const n = 3000; // more payloads than the 2047 buckets: chains of two and three
    for (let b = 0; b < 6; b++) expect(w.appendMany([...Array(n / 6).keys()].map((k) => sampleEntry(b * (n / 6) + k))).every((r) => r.ok)).toBe(true);
    w.close();
    const again = JournalFileWriter.open(file, { machineId: MACHINE, maxFileSize: 8 << 20 });
    if (!again.ok) throw new Error(again.message);
    expect(again.writer.appendMany([sampleEntry(n), sampleEntry(n + 1, { message: 'message number 7 from CRON' })]).every((r) => r.ok)).toBe(true);
    again.writer.close();
    const r = JournalFileReader.open(file);
    for (let i = 0; i <= n; i++) expect(r.countWith('MESSAGE', `message number ${i} from ${['sshd', 'CRON', 'postfix/smtpd'][i % 3]}`)).toBe(i === 7 ? 2 : 1);
    r.close();
  });

  it('a payload of an earlier batch that no cache holds any more is found through its bucket, not made again (the bucket knowledge that spares reading chains)', () => {
    const { file, w } = newFile();
    const n = 3000; // more payloads than the 2047 buckets: chains of two and three
    const batches = (from: number) => {
      for (let b = 0; b < 6; b++) expect(w.appendMany([...Array(n / 6).keys()].map((k) => sampleEntry(from + b * (n / 6) + k, { message: `payload ${b * (n / 6) + k}` }))).every((r) => r.ok)).toBe(true);
    };
    batches(0);
    batches(n);
    w.close();
    // Every payload's one data object (the one a lookup finds) counts both of its entries.
    const r = JournalFileReader.open(file);
    for (let i = 0; i < n; i++) expect(r.countWith('MESSAGE', `payload ${i}`)).toBe(2);
    r.close();
    // n_data in the header: no second data object was made for any payload.
    const header = Buffer.alloc(HEADER_SIZE);
    const fd = fs.openSync(file, 'r');
    fs.readSync(fd, header, 0, HEADER_SIZE, 0);
    fs.closeSync(fd);
    const fixed = new Set([...Array(24).keys()].flatMap((i) => sampleEntry(i).fields.filter(([k]) => k !== 'MESSAGE').map(([k, v]) => `${k}=${v}`))).size;
    expect(getU64(header, H.nData)).toBe(n + fixed + 2); // with _BOOT_ID and _MACHINE_ID
  });

  it('an entry of many fields reads whole (its items beyond the first read too), one of few fields as well', () => {
    const { file, w } = newFile();
    const extra = Array.from({ length: 40 }, (_, k) => [`FIELD_${k}`, `value ${k}`] as [string, string]);
    expect(w.appendMany([sampleEntry(0, { extra }), sampleEntry(1), sampleEntry(2, { extra: extra.slice(0, 16) })]).every((r) => r.ok)).toBe(true);
    w.close();
    const r = JournalFileReader.open(file);
    const got = r.entryOffsets().map((o) => r.readEntry(o));
    const stored = (i: number, more: Array<[string, string]>) => fieldSet([...sampleEntry(i).fields, ...more, ['_BOOT_ID', BOOT_A.toString('hex')], ['_MACHINE_ID', MACHINE.toString('hex')]]);
    expect(got.map((e) => fieldSet(e.fields))).toEqual([stored(0, extra), stored(1, []), stored(2, extra.slice(0, 16))]);
    r.close();
  });

  it('a value looked up before it was written is found once it is (journalctl -f on a file being written)', () => {
    const { file, w } = newFile();
    w.append(sampleEntry(0));
    const r = JournalFileReader.open(file);
    expect(r.countWith('_SYSTEMD_UNIT', 'late.service')).toBe(0);
    expect(r.countWith('_SYSTEMD_UNIT', 'ssh.service')).toBe(1);
    w.appendMany([sampleEntry(3), sampleEntry(4, { extra: [['_SYSTEMD_UNIT', 'late.service']] })]);
    r.refresh();
    expect(r.countWith('_SYSTEMD_UNIT', 'late.service')).toBe(1);
    expect(r.tailOffsetsWith('_SYSTEMD_UNIT', 'ssh.service', 5).offsets.length).toBe(2);
    w.close();
    r.close();
  });

  it('entries read through the blocks: across block ends, a message larger than a block, many in a row', () => {
    const { file, w } = newFile();
    const big = `big ${'y'.repeat(40_000)}`;
    const n = 600; // some 200 KB: entries and data objects across several 32 KiB blocks
    const list = [...Array(n).keys()].map((i) => (i === 300 ? sampleEntry(i, { message: big }) : sampleEntry(i)));
    expect(w.appendMany(list).every((r) => r.ok)).toBe(true);
    w.close();
    const r = JournalFileReader.open(file);
    const got = r.entryOffsets().map((o) => r.readEntry(o));
    expect(got.map((e) => e.fields.find(([k]) => k === 'MESSAGE')![1].toString())).toEqual(list.map((e) => String(e.fields[0]![1])));
    expect(got.map((e) => e.seqnum)).toEqual([...Array(n).keys()].map((i) => i + 1));
    r.close();
  });

  it('a refresh forgets the blocks read before it: a file grown ahead of its writes (as journald allocates) shows what was written since', () => {
    const { file, w } = newFile();
    w.appendMany([0, 1, 2].map((i) => sampleEntry(i)));
    fs.truncateSync(file, fs.statSync(file).size + 64 * 1024); // zeros where the next entries go
    const r = JournalFileReader.open(file);
    expect(r.readEntry(r.entryOffsets()[2]).seqnum).toBe(3); // the block holding the file's end, and zeros after it
    w.appendMany([3, 4].map((i) => sampleEntry(i)));
    r.refresh();
    const message = (o: number) => r.readEntry(o).fields.find(([k]) => k === 'MESSAGE')![1].toString();
    expect(r.entryOffsets().map(message)).toEqual([0, 1, 2, 3, 4].map((i) => String(sampleEntry(i).fields[0]![1])));
    w.close();
    r.close();
  });

  it('matches: the same field ORs, different fields AND, unknown values find nothing', () => {
    const { file, w } = newFile();
    w.appendMany([...Array(30).keys()].map((i) => sampleEntry(i)));
    w.close();
    const r = JournalFileReader.open(file);
    const seq = (m: string[]) => [...r.entries(m)].map((e) => e.seqnum - 1);
    const all = [...Array(30).keys()];
    expect(seq(['_SYSTEMD_UNIT=ssh.service'])).toEqual(all.filter((i) => i % 3 === 0));
    expect(seq(['_SYSTEMD_UNIT=ssh.service', '_SYSTEMD_UNIT=cron.service'])).toEqual(all.filter((i) => i % 3 !== 2));
    expect(seq(['_SYSTEMD_UNIT=ssh.service', 'PRIORITY=0'])).toEqual(all.filter((i) => i % 3 === 0 && i % 8 === 0));
    expect(seq(['_SYSTEMD_UNIT=none.service'])).toEqual([]);
    expect(() => seq(['nonsense'])).toThrow(/invalid match/);
    r.close();
  });

  it('reopens an OFFLINE file and appends after its last entry; refuses an ONLINE one', () => {
    const { file, w } = newFile();
    w.appendMany([0, 1, 2].map((i) => sampleEntry(i)));
    const busy = JournalFileWriter.open(file, { machineId: MACHINE, maxFileSize: 8 << 20 });
    expect(busy).toMatchObject({ ok: false, reason: 'online' });
    w.close();
    const other = JournalFileWriter.open(file, { machineId: Buffer.alloc(16, 1), maxFileSize: 8 << 20 });
    expect(other).toMatchObject({ ok: false, reason: 'foreign' });
    const again = JournalFileWriter.open(file, { machineId: MACHINE, maxFileSize: 8 << 20 });
    if (!again.ok) throw new Error(again.message);
    expect(again.writer.appendMany([3, 4].map((i) => sampleEntry(i)))).toEqual([
      { ok: true, seqnum: 4 },
      { ok: true, seqnum: 5 },
    ]);
    again.writer.close();
    const r = JournalFileReader.open(file);
    expect([...r.entries(['_SYSTEMD_UNIT=ssh.service'])].map((e) => e.seqnum)).toEqual([1, 4]);
    r.close();
  });

  it('stops a batch at the entry that does not fit or goes back in time, skips invalid ones', () => {
    const { w } = newFile(512 * 1024);
    const big = (i: number) => sampleEntry(i, { message: `${i} ${'m'.repeat(4000)}` });
    const results = w.appendMany([...Array(200).keys()].map(big));
    const full = results.findIndex((r) => !r.ok);
    expect(full).toBeGreaterThan(10);
    expect(results.slice(0, full).every((r) => r.ok)).toBe(true);
    expect(results.slice(full).every((r) => !r.ok && r.error.kind === 'file-full')).toBe(true);
    expect(w.size).toBeLessThanOrEqual(512 * 1024);
    const { w: w2 } = newFile();
    const mixed = w2.appendMany([sampleEntry(5), { ...sampleEntry(6), fields: [['lower', 'x']] }, sampleEntry(7), sampleEntry(1), sampleEntry(8)]);
    expect(mixed.map((r) => (r.ok ? 'ok' : r.error.kind))).toEqual(['ok', 'invalid', 'ok', 'clock-went-back', 'clock-went-back']);
    expect(w2.append({ ...sampleEntry(9), bootId: Buffer.alloc(16) })).toMatchObject({ ok: false, error: { kind: 'invalid' } });
    w.close();
    w2.close();
  });

  it('a batch that does not fit stops at the first entry that does not fit, not before it', () => {
    const { w } = newFile(512 * 1024);
    const big = (i: number) => sampleEntry(i, { message: `${i} ${'m'.repeat(4000)}` });
    const results = w.appendMany([...Array(200).keys()].map(big));
    const full = results.findIndex((r) => !r.ok);
    expect(w.append(big(full))).toMatchObject({ ok: false, error: { kind: 'file-full' } });
    w.close();
  });

  it('refuses an entry no file could hold, and goes on with the rest of the batch in the next file', () => {
    const { w } = newFile(512 * 1024);
    const huge = sampleEntry(0, { message: 'h'.repeat(600 * 1024) });
    const r = w.appendMany([huge, sampleEntry(1)]);
    expect(r[0]).toMatchObject({ ok: false, error: { kind: 'invalid', message: expect.stringMatching(/larger than a journal file/) } });
    expect(r[1]).toMatchObject({ ok: false, error: { kind: 'file-full' } });
    expect(w.nEntries).toBe(0);
    expect(w.append(sampleEntry(1))).toEqual({ ok: true, seqnum: 1 });
    w.close();
  });

  it('rotation is suggested once the data hash table is three quarters full', () => {
    const { w } = newFile(512 * 1024); // 2047 buckets
    let i = 0;
    const small = (k: number) => ({ ...sampleEntry(k), fields: [['M', String(k)] as const] });
    while (!w.rotateSuggested && i < 3000) expect(w.append(small(i++)).ok).toBe(true);
    expect(i).toBeGreaterThan(1400);
    expect(i).toBeLessThan(1600);
    w.close();
  });

  it('shared fields (the fixed fields of a unit line) store as the same fields given with each entry; their plan is dropped with a plan that is undone, made again in the next file', () => {
    const shared = new SharedFields(sampleEntry(0).fields.filter(([n]) => n !== 'MESSAGE' && n !== 'PRIORITY'));
    const asShared = (i: number, message = `line ${i}`): JournalEntry => ({ ...sampleEntry(i), fields: [['PRIORITY', '6'], ['MESSAGE', message]], shared });
    const whole = (message: string) => fieldSet([['PRIORITY', '6'], ['MESSAGE', message], ...shared.fields, ['_BOOT_ID', BOOT_A.toString('hex')], ['_MACHINE_ID', MACHINE.toString('hex')]]);
    const { file, w } = newFile(512 * 1024);
    // The first batch does not fit whole: its plan (which found the shared fields) is undone and made again for fewer.
    const big = (i: number) => `${i} ${'m'.repeat(4000)}`;
    const results = w.appendMany([...Array(200).keys()].map((i) => asShared(i, big(i))));
    const full = results.findIndex((r) => !r.ok);
    expect(full).toBeGreaterThan(10);
    expect(results.slice(full).every((r) => !r.ok && r.error.kind === 'file-full')).toBe(true);
    w.close();
    const { file: file2, w: w2 } = newFile();
    expect(w2.appendMany([asShared(0), asShared(1), { ...sampleEntry(2), fields: [['MESSAGE', 'own']] }]).every((r) => r.ok)).toBe(true);
    expect(w2.append(asShared(3)).ok).toBe(true);
    expect(w2.append({ ...asShared(4), shared: new SharedFields([['lower', 'x']]) })).toMatchObject({ ok: false, error: { kind: 'invalid' } });
    w2.close();
    const r = JournalFileReader.open(file);
    const got = [...r.entries()];
    expect(got.length).toBe(full);
    expect(fieldSet(got[full - 1].fields)).toEqual(whole(big(full - 1)));
    expect(r.countWith('_SYSTEMD_UNIT', 'ssh.service')).toBe(full);
    r.close();
    const r2 = JournalFileReader.open(file2);
    const got2 = [...r2.entries()];
    expect(got2.map((e) => fieldSet(e.fields))).toEqual([whole('line 0'), whole('line 1'), fieldSet([['MESSAGE', 'own'], ['_BOOT_ID', BOOT_A.toString('hex')], ['_MACHINE_ID', MACHINE.toString('hex')]]), whole('line 3')]);
    expect(r2.countWith('_SYSTEMD_UNIT', 'ssh.service')).toBe(3);
    r2.close();
  });

  it('a batch is gathered: an entry of known values costs far fewer writes than two per field', () => {
    const counting = countingIo();
    const file = path.join(tempDir('jfu-'), 'system.journal');
    const w = JournalFileWriter.create(file, { machineId: MACHINE, maxFileSize: 8 << 20, io: counting.io });
    for (let b = 0; b < 10; b++) w.appendMany([...Array(30).keys()].map((i) => sampleEntry(b * 30 + i, { message: 'the same message' })));
    counting.count = 0;
    expect(w.append(sampleEntry(300, { message: 'the same message' })).ok).toBe(true);
    const items = sampleEntry(300).fields.length + 2; // with _BOOT_ID and _MACHINE_ID
    // A slot in each list (the file's and each item's) and the entry itself; the items' counters,
    // made next to each other by the file's first entries, in one or two writes (were one each).
    expect(counting.count).toBeLessThan(items + 6);
    w.close();
    const r = JournalFileReader.open(file);
    expect(r.countWith('_SYSTEMD_UNIT', 'ssh.service')).toBe(101);
    expect(r.countWith('MESSAGE', 'the same message')).toBe(301);
    r.close();
  });

  it('a batch cut short after any of its writes leaves the entries before it, and what a match finds of it is whole', () => {
    // New payloads, a new field, binary values, repeated values and entries of a second boot.
    const batch = [...Array(40).keys()].map((i) =>
      sampleEntry(10 + i, { boot: i % 2 ? BOOT_B : BOOT_A, message: i % 3 ? `cut ${i}` : 'the same message', extra: [['NEW_FIELD', `v${i % 5}`], ['BIN', Uint8Array.from([0, i, 10])]] }),
    );
    const first = (io?: ReturnType<typeof dyingIo>['io']) => {
      const file = path.join(tempDir('jfu-'), 'system.journal');
      const w = JournalFileWriter.create(file, { machineId: MACHINE, maxFileSize: 8 << 20, io });
      for (const b of [0, 5]) expect(w.appendMany([0, 1, 2, 3, 4].map((i) => sampleEntry(b + i, { message: i % 2 ? 'the same message' : undefined }))).every((r) => r.ok)).toBe(true);
      return { file, w };
    };
    const counting = countingIo();
    const probe = first(counting.io);
    counting.count = 0;
    expect(probe.w.appendMany(batch).every((r) => r.ok)).toBe(true);
    const writes = counting.count;
    probe.w.close();
    expect(writes).toBeGreaterThan(4);
    const tenMessages = [...Array(10).keys()].map((i) => (i % 5) % 2 ? 'the same message' : `message number ${i} from ${['sshd', 'CRON', 'postfix/smtpd'][i % 3]}`);
    for (let k = 0; k < writes + 2; k++) {
      const dying = dyingIo();
      const { file, w } = first(dying.io);
      dying.dieAfter(k);
      const results = w.appendMany(batch);
      // Another file id hashes the payloads into other buckets: the batch may need fewer writes.
      const whole = results.every((r) => r.ok);
      if (!whole) expect(results.every((r) => !r.ok), `write ${k}`).toBe(true);
      const r = JournalFileReader.open(file);
      const messages = [...r.entries()].map((e) => e.fields.find(([n]) => n === 'MESSAGE')![1].toString());
      expect(messages, `stopped after write ${k}`).toEqual(whole ? [...tenMessages, ...batch.map((e) => String(e.fields[0][1]))] : tenMessages);
      // A match may see the batch's entries through the data objects' counters before the
      // header counts them; each one it sees is whole.
      for (const o of r.offsetsWith('_SYSTEMD_UNIT', 'cron.service')) {
        const e = r.readEntry(o);
        expect(e.fields.find(([n]) => n === '_SYSTEMD_UNIT')![1].toString()).toBe('cron.service');
        expect(e.fields.length).toBeGreaterThanOrEqual(14);
      }
      r.close();
    }
  });
});
