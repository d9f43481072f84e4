// A reader following a file the writer is appending to (journalctl -f, ctl logs -f, status
// tails) reads the header while the writer rewrites it: pread and pwrite of the same bytes are
// not atomic against each other, so one read can mix the old and the new header. The reader
// must only ever see a header that the writer wrote.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JournalFileReader } from '../../../src/journal/journal-file-reader';
import { tempDir } from '../../helpers/temp-dir';
import { bundleFixture, NODE } from '../../helpers/bundle-fixture';

describe('a reader racing the writer', () => {
  it('every refresh sees a whole header: its last entry is the tail seqnum, the count agrees, nothing goes back', async () => {
    const file = path.join(tempDir('jrace-'), 'system.journal');
    const child = spawn(NODE, [bundleFixture('journal/appender.ts', 'journal-appender.js'), file, '4000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const done = new Promise<string>((resolve) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c));
      child.on('close', () => resolve(out));
    });
    let reader: JournalFileReader | undefined;
    const started = Date.now();
    while (!reader && Date.now() - started < 10_000) {
      try {
        reader = JournalFileReader.open(file);
      } catch {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    if (!reader) throw new Error('the appender made no file');
    const bad: string[] = [];
    let reads = 0;
    let lastSeqnum = 0;
    let running = true;
    child.on('exit', () => (running = false));
    while (running && bad.length < 5) {
      // A turn of the event loop now and then, so the child's exit is seen.
      if (++reads % 2000 === 0) await new Promise((r) => setImmediate(r));
      reader.refresh();
      const n = reader.nEntries;
      if (n === 0) continue;
      const tail = reader.tailSeqnum;
      const last = reader.lastEntryOffset();
      let seqnum = 0;
      try {
        if (last > 0) seqnum = reader.readEntry(last).seqnum;
      } catch (e) {
        bad.push(`read ${reads}: ${(e as Error).message}`);
        continue;
      }
      if (n !== tail || seqnum !== tail || tail < lastSeqnum) bad.push(`read ${reads}: n_entries ${n}, tail seqnum ${tail}, last entry's seqnum ${seqnum}, before ${lastSeqnum}`);
      lastSeqnum = tail;
    }
    const appended = Number(await done);
    reader.close();
    expect(bad).toEqual([]);
    expect(appended).toBeGreaterThan(1000);
    expect(reads).toBeGreaterThan(1000);
  }, 60_000);
});
