// PID 1's side of the writer process: entries batched per turn, a bounded queue that drops and
// counts while the writer is behind (never grows), the count told once it has room again, and a
// writer that ends started again.
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { FrameDecoder } from '../../../src/journal/entry-frames';
import { JournalFeed, MAX_QUEUED_BYTES } from '../../../src/sinks/journal-feed';

function fakeWriter() {
  const written: Buffer[] = [];
  const held: Array<() => void> = [];
  let stalled = false;
  const stdin = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _enc, cb) {
      written.push(chunk);
      if (stalled) held.push(cb);
      else cb();
    },
  });
  const child = Object.assign(new EventEmitter(), { stdin }) as unknown as ChildProcess;
  return {
    child,
    written,
    stall: () => (stalled = true),
    resume: () => {
      stalled = false;
      for (const cb of held.splice(0)) cb();
    },
  };
}

const messages = (chunks: Buffer[]) => new FrameDecoder(Buffer.alloc(16, 1)).push(Buffer.concat(chunks)).map((e) => Buffer.from(e.fields.find(([n]) => n === 'MESSAGE')![1] as Uint8Array).toString());
const turn = () => new Promise((r) => setImmediate(r));

describe('the feed to the journal writer', () => {
  it("one write per turn; while the writer is behind, entries are dropped and counted, then said", async () => {
    const w = fakeWriter();
    const feed = new JournalFeed({ spawnWriter: () => w.child, say: () => {} });
    feed.start();
    feed.submit([['MESSAGE', 'a']]);
    feed.submit([['MESSAGE', 'b']]);
    await turn();
    expect(w.written).toHaveLength(1);
    w.stall();
    const big = 'x'.repeat(4096);
    let accepted = 0;
    for (let i = 0; i < 2000; i++) if (feed.submit([['MESSAGE', big]])) accepted++;
    await turn();
    expect(feed.queuedBytes).toBeLessThanOrEqual(MAX_QUEUED_BYTES);
    expect(accepted).toBeLessThan(1100);
    expect(feed.counts.dropped).toBe(2000 - accepted);
    w.resume();
    await turn();
    feed.submit([['MESSAGE', 'after']]);
    await turn();
    const got = messages(w.written);
    expect(got.slice(0, 2)).toEqual(['a', 'b']);
    expect(got.at(-2)).toBe(`Suppressed ${2000 - accepted} messages: the journal's writer was behind (dropped, not stored)`);
    expect(got.at(-1)).toBe('after');
  });

  it('a writer that ends is started again (at most once a second); meanwhile entries are counted as dropped', async () => {
    vi.useFakeTimers();
    try {
      const writers = [fakeWriter(), fakeWriter()];
      let n = 0;
      const said: string[] = [];
      const feed = new JournalFeed({ spawnWriter: () => writers[n++].child, say: (l) => said.push(l) });
      feed.start();
      writers[0].child.emit('exit', null, 'SIGKILL');
      expect(feed.submit([['MESSAGE', 'lost']])).toBe(false);
      expect(said[0]).toMatch(/the writer ended \(SIGKILL\)/);
      vi.advanceTimersByTime(1000);
      expect(n).toBe(2);
      expect(feed.submit([['MESSAGE', 'kept']])).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it("the writer's questions on its fd 3: a pid, or a pid with the parent and session it read; anything else ignored", () => {
    const w = fakeWriter();
    const questions = new EventEmitter();
    Object.assign(w.child, { stdio: [null, null, null, questions] });
    const asked: unknown[] = [];
    const feed = new JournalFeed({ spawnWriter: () => w.child, say: () => {}, onQuestion: (pid, stat) => asked.push([pid, stat]) });
    feed.start();
    questions.emit('data', Buffer.from('42\n43 1 43\n44 x y\n0\n'));
    expect(asked).toEqual([
      [42, undefined],
      [43, { ppid: 1, session: 43 }],
    ]);
  });
});
