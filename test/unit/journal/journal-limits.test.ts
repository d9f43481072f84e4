// Where the journal goes and how much of it journald keeps: pure decisions.
import { describe, expect, it } from 'vitest';
import { archivedName, chooseStorage, disposedName, journalFilesOldestFirst, journalLimits, vacuumPlan } from '../../../src/journal/journal-limits';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('journalLimits (journald defaults)', () => {
  it('takes 10% of the file system (capped at 4 GiB), files of an eighth of that up to 128 MiB, 15% kept free', () => {
    expect(journalLimits({}, 20 * GiB)).toEqual({ maxUse: 2 * GiB, keepFree: 3 * GiB, maxFileSize: 128 * MiB, maxFiles: 100 });
    expect(journalLimits({}, 400 * GiB)).toEqual({ maxUse: 4 * GiB, keepFree: 4 * GiB, maxFileSize: 128 * MiB, maxFiles: 100 });
    expect(journalLimits({}, 100 * MiB)).toEqual({ maxUse: 10 * MiB, keepFree: 15 * MiB, maxFileSize: 1.25 * MiB, maxFiles: 100 });
  });
  it('keeps files at 512 KiB at least and room for two of them', () => {
    expect(journalLimits({}, 4 * MiB)).toMatchObject({ maxUse: 1 * MiB, maxFileSize: 512 * 1024 });
    expect(journalLimits({ maxUse: 100 * 1024, maxFileSize: 1000 }, 0)).toMatchObject({ maxUse: 1 * MiB, maxFileSize: 512 * 1024, keepFree: 1 * MiB });
    expect(journalLimits({ maxUse: 10 * MiB, maxFileSize: 8 * MiB }, 0)).toMatchObject({ maxUse: 16 * MiB, maxFileSize: 8 * MiB });
  });
  it('takes what journald.conf set', () => {
    expect(journalLimits({ maxUse: 50 * MiB, keepFree: 7, maxFileSize: 2 * MiB, maxFiles: 5 }, 20 * GiB)).toEqual({ maxUse: 50 * MiB, keepFree: 7, maxFileSize: 2 * MiB, maxFiles: 5 });
  });
});

describe('chooseStorage', () => {
  it('Storage=auto: persistent only when /var/log/journal is a trustworthy directory', () => {
    expect(chooseStorage('auto', 'missing')).toEqual({ where: 'volatile' });
    expect(chooseStorage('auto', 'directory')).toEqual({ where: 'persistent' });
    expect(chooseStorage('persistent', 'missing')).toEqual({ where: 'persistent' });
    expect(chooseStorage('volatile', 'directory')).toEqual({ where: 'volatile' });
    expect(chooseStorage('none', 'directory')).toEqual({ where: 'none' });
  });
  it.each(['symlink', 'not-a-directory', 'not-root-owned', 'writable-by-others'] as const)('refuses a /var/log/journal that is %s, with a line', (fact) => {
    for (const mode of ['auto', 'persistent'] as const) {
      const c = chooseStorage(mode, fact);
      expect(c.where).toBe('volatile');
      expect(c.warning).toMatch(/^\/var\/log\/journal .*: keeping the journal in \/run\/log\/journal \(volatile\)$/);
    }
  });
});

describe('file names', () => {
  it('archives as journald names them, and sets aside unclean files with ~', () => {
    const id = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    expect(archivedName(id, 1, 0x64748466c8b40)).toBe('system@00112233445566778899aabbccddeeff-0000000000000001-00064748466c8b40.journal');
    expect(disposedName(0x66209ee41fe50, 0x71dc91905e67a37fn)).toBe('system@00066209ee41fe50-71dc91905e67a37f.journal~');
  });
});

describe('vacuumPlan', () => {
  const seq = 'aa'.repeat(16);
  const arch = (seqnum: number, t: number) => `system@${seq}-${seqnum.toString(16).padStart(16, '0')}-${t.toString(16).padStart(16, '0')}.journal`;
  const files = [
    { name: arch(300, 3000), size: 4 * MiB },
    { name: arch(1, 1000), size: 4 * MiB },
    { name: 'system.journal', size: 1 * MiB },
    { name: arch(150, 2000), size: 4 * MiB },
    { name: 'system@0000000000000bb8-0123456789abcdef.journal~', size: 4 * MiB }, // set aside at 3000
    { name: 'user-1000.journal', size: 100 * MiB },
    { name: 'notes.txt', size: 1 },
  ];
  const limits = { maxUse: 100 * MiB, keepFree: 0, maxFileSize: 8 * MiB, maxFiles: 100 };

  it('orders by sequence, then by time; the active file last; other files are not ours', () => {
    expect(journalFilesOldestFirst(files).map((f) => f.name)).toEqual([arch(1, 1000), arch(150, 2000), arch(300, 3000), 'system@0000000000000bb8-0123456789abcdef.journal~', 'system.journal']);
  });
  it('deletes the oldest until the directory, its active file counted at full size, fits', () => {
    // 16 MiB archived + 8 MiB for the active file = 24 MiB: 20 MiB leaves two out.
    expect(vacuumPlan(files, { ...limits, maxUse: 20 * MiB }, 1 * GiB, 0, 0)).toEqual([arch(1, 1000)]);
    expect(vacuumPlan(files, { ...limits, maxUse: 16 * MiB }, 1 * GiB, 0, 0)).toEqual([arch(1, 1000), arch(150, 2000)]);
    expect(vacuumPlan(files, limits, 1 * GiB, 0, 0)).toEqual([]);
  });
  it('deletes for free space, for the file count, and by retention; never the active file', () => {
    expect(vacuumPlan(files, { ...limits, keepFree: 100 * MiB }, 95 * MiB, 0, 0)).toEqual([arch(1, 1000), arch(150, 2000)]);
    expect(vacuumPlan(files, { ...limits, maxFiles: 3 }, 1 * GiB, 0, 0)).toEqual([arch(1, 1000), arch(150, 2000)]);
    expect(vacuumPlan(files, limits, 1 * GiB, 2500, 1000)).toEqual([arch(1, 1000)]);
    expect(vacuumPlan(files, { ...limits, maxUse: 1 }, 1 * GiB, 0, 0)).not.toContain('system.journal');
  });
});
