// ts-init's own lines on a non-blocking pipe whose reader is slow: queued and written
// later in order, dropped only past the bound, and then counted and said.
import { describe, expect, it } from 'vitest';
import { StderrLines } from '../../../src/log/stderr-lines';
import { slowPipe } from '../../helpers/slow-pipe';

/** Reads until no line is pending and the pipe is empty, letting the retry timer run. */
async function drain(w: StderrLines, read: () => string): Promise<string> {
  let out = '';
  for (let i = 0; i < 500; i++) {
    out += read();
    if (w.pending === 0) {
      await new Promise((r) => setTimeout(r, 30));
      const more = read();
      out += more;
      if (w.pending === 0 && more === '') return out;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return out;
}

const line = (i: number): string => `line ${i} ${'x'.repeat(90)}\n`;

describe('own lines on a slow stderr', () => {
  it('a full pipe (EAGAIN) queues lines and writes them later, all of them, in order', async () => {
    const p = slowPipe();
    const w = new StderrLines(p.fd);
    // 2,000 lines of 100 bytes: three times what a pipe holds.
    for (let i = 0; i < 2000; i++) w.write(line(i));
    expect(w.pending).toBeGreaterThan(0);
    const out = await drain(w, p.read);
    p.close();
    expect(out).toBe(Array.from({ length: 2000 }, (_, i) => line(i)).join(''));
  });

  it('past the bound lines are dropped, counted, and the count is said once the queue drains', async () => {
    const p = slowPipe();
    const w = new StderrLines(p.fd, 10_000, (n) => `[WARN] ${n} dropped\n`);
    for (let i = 0; i < 2000; i++) w.write(line(i));
    const out = await drain(w, p.read);
    p.close();
    const kept = out.split('\n').filter((l) => l.startsWith('line ')).length;
    const said = /^\[WARN\] (\d+) dropped$/m.exec(out);
    expect(said, out.slice(-300)).not.toBeNull();
    expect(kept + Number(said![1])).toBe(2000);
    expect(kept).toBeGreaterThan(0);
    expect(out.endsWith(`[WARN] ${said![1]} dropped\n`)).toBe(true);
  });

  it('what is queued at exit is written then (blocking, bounded)', () => {
    const p = slowPipe();
    const w = new StderrLines(p.fd);
    for (let i = 0; i < 1000; i++) w.write(line(i));
    expect(w.pending).toBeGreaterThan(0);
    let out = p.read();
    const t0 = Date.now();
    // The pipe holds 64 KiB and this reader shares the thread, so flush in bounded steps
    // with reads between them, as a reader in another process would read meanwhile.
    while (w.pending > 0 && Date.now() - t0 < 5000) {
      w.flushBlocking(20);
      out += p.read();
    }
    out += p.read();
    p.close();
    expect(w.pending).toBe(0);
    expect(out).toBe(Array.from({ length: 1000 }, (_, i) => line(i)).join(''));
  });

  it('a closed stderr neither throws nor queues', () => {
    const w = new StderrLines(987_654); // no such descriptor: EBADF
    expect(() => w.write('lost\n')).not.toThrow();
    expect(w.pending).toBe(0);
  });
});
