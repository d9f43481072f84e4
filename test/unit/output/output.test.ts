import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../../src/output/line-splitter';
import { LogRing, RING_MAX_BYTES, textBytes } from '../../../src/output/log-ring';
import { formatLine, ServiceOutput } from '../../../src/output/service-output';
import { StdoutWriter, unwritten } from '../../../src/output/stdout-writer';
import { slowPipe } from '../../helpers/slow-pipe';
import { tempDir } from '../../helpers/temp-dir';

const tick = (ms = 20): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('line splitting', () => {
  it('emits whole lines only, across chunks, and the last partial line at the end', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    s.push(Buffer.from('hel'));
    s.push(Buffer.from('lo\nwor'));
    expect(lines).toEqual(['hello']);
    s.push(Buffer.from('ld\r\n\nlast'));
    expect(lines).toEqual(['hello', 'world', '']);
    s.end();
    expect(lines).toEqual(['hello', 'world', '', 'last']);
  });

  it('cuts a line that never ends into bounded pieces', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l), 4);
    s.push(Buffer.from('abcdefghij'));
    expect(lines).toEqual(['abcd', 'efgh']);
    s.push(Buffer.from('\n'));
    expect(lines).toEqual(['abcd', 'efgh', 'ij']);
  });

  it('counts bytes, not characters, and never cuts a character in two', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l), 5);
    // é is 2 bytes, € 3: pieces of at most 5 bytes, each valid UTF-8.
    s.push(Buffer.from('ééé€€'));
    s.push(Buffer.from('\né'));
    expect(lines).toEqual(['éé', 'é€', '€']);
    for (const l of lines) expect(Buffer.byteLength(l)).toBeLessThanOrEqual(5);
    // A character split across two reads of the pipe is joined again.
    const euro = Buffer.from('€\n');
    s.push(euro.subarray(0, 1));
    s.push(euro.subarray(1));
    expect(lines.slice(3)).toEqual(['é€']);
  });

  it('keeps a CR inside a line (it is escaped when shown), drops the one before the newline', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    s.push(Buffer.from('a\rb\r\n\r\n'));
    expect(lines).toEqual(['a\rb', '']);
  });
});

describe('log ring', () => {
  const add = (r: LogRing, line: string): void => r.add({ time: 0, unit: 'u', stream: 'stdout', line });

  it('is bounded in bytes: whole lines, the oldest go first', () => {
    const r = new LogRing(1000, 10_000, 2_000);
    for (let i = 0; i < 500; i++) add(r, `${i}:${'é'.repeat(450)}`);
    expect(r.size()).toBeLessThanOrEqual(10_000);
    const kept = r.tail();
    // 450 é are 900 bytes; with the number and the record, 11 lines would be over 10,000.
    expect(kept.map((l) => l.line.split(':')[0])).toEqual(Array.from({ length: 10 }, (_, i) => String(490 + i)));
    for (const l of kept) expect(l.line).toBe(`${l.line.split(':')[0]}:${'é'.repeat(450)}`);
  });

  it('keeps a line over its line bound cut, saying how much is missing', () => {
    const r = new LogRing(1000, 10_000, 100);
    add(r, `${'x'.repeat(99)}€€`);
    expect(r.tail()[0]!.line).toBe(`${'x'.repeat(99)} [line cut: 6 more bytes]`);
    // Replacement characters (3 bytes each) from undecodable output count as what they are.
    add(r, '\ufffd'.repeat(50));
    expect(r.tail()[1]!.line).toBe(`${'\ufffd'.repeat(33)} [line cut: 51 more bytes]`);
  });

  it('the default bound: a unit printing 16 KiB lines of é for ever keeps at most 1 MiB', () => {
    const r = new LogRing();
    const line = 'é'.repeat(8192);
    for (let i = 0; i < 3000; i++) add(r, line);
    expect(r.size()).toBeLessThanOrEqual(RING_MAX_BYTES);
    expect(r.tail().length).toBe(Math.floor(RING_MAX_BYTES / (16 * 1024 + 64)));
    expect(r.tail().every((l) => l.line === line)).toBe(true);
  });

  it('counts a line as at least what the runtime holds for it', () => {
    // Latin-1 text is one byte a character in the runtime, fewer than its UTF-8 bytes.
    expect(textBytes('é'.repeat(100))).toBe(200);
    // One character past U+00FF makes the runtime keep 2 bytes for every character.
    expect(textBytes(`€${'x'.repeat(99)}`)).toBe(200);
    expect(textBytes('x'.repeat(100))).toBe(100);
    const r = new LogRing(1000, 10_000, 20_000);
    for (let i = 0; i < 100; i++) add(r, `€${'x'.repeat(999)}`);
    expect(r.tail().length).toBe(Math.floor(10_000 / (2000 + 64)));
  });

  it('keeps the last N lines and feeds followers', () => {
    const r = new LogRing(3);
    const followed: string[] = [];
    const stop = r.follow((l) => followed.push(l.line));
    for (const line of ['a', 'b', 'c', 'd']) r.add({ time: 0, unit: 'u', stream: 'stdout', line });
    expect(r.tail().map((l) => l.line)).toEqual(['b', 'c', 'd']);
    expect(r.tail(1).map((l) => l.line)).toEqual(['d']);
    stop();
    r.add({ time: 0, unit: 'u', stream: 'stdout', line: 'e' });
    expect(followed).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('service output', () => {
  it('tags lines with the unit, as text or JSON', () => {
    const l = { time: 0, unit: 'cron.service', stream: 'stderr' as const, line: 'hi "there"' };
    expect(formatLine(l, 'text')).toBe('cron.service: hi "there"\n');
    expect(JSON.parse(formatLine(l, 'json'))).toEqual({ time: '1970-01-01T00:00:00.000Z', unit: 'cron.service', stream: 'stderr', line: 'hi "there"' });
  });

  it('SyslogIdentifier= tags the lines in its place; the ring keeps both', async () => {
    const l = { time: 0, unit: 'web.service', identifier: 'nginx', stream: 'stdout' as const, line: 'up' };
    expect(formatLine(l, 'text')).toBe('nginx: up\n');
    expect(JSON.parse(formatLine(l, 'json'))).toMatchObject({ unit: 'web.service', identifier: 'nginx', line: 'up' });
    const file = path.join(tempDir('out-'), 'out');
    const fd = fs.openSync(file, 'w');
    const out = new ServiceOutput('text', new StdoutWriter(fd));
    const pipe = new PassThrough();
    out.attach('web.service', 'stdout', pipe, { identifier: 'nginx' });
    pipe.end('started\n');
    await out.drained(1000);
    await out.flushed();
    fs.closeSync(fd);
    expect(fs.readFileSync(file, 'utf8')).toBe('nginx: started\n');
    expect(out.recent('web.service', 1)).toMatchObject([{ unit: 'web.service', identifier: 'nginx', line: 'started' }]);
  });

  it('escapes control characters in text lines; JSON carries the line as it was', () => {
    const l = { time: 0, unit: 'web.service', stream: 'stdout' as const, line: '\x1b[2K\r[ERROR ts-init] forged\x07' };
    expect(formatLine(l, 'text')).toBe('web.service: \\x1b[2K\\x0d[ERROR ts-init] forged\\x07\n');
    const json = formatLine(l, 'json');
    expect(json).not.toMatch(/[\x1b\r\x07]/);
    expect(JSON.parse(json).line).toBe(l.line);
  });

  it('never interleaves half-lines from two units', async () => {
    const file = path.join(tempDir('out-'), 'out');
    const fd = fs.openSync(file, 'w');
    const out = new ServiceOutput('text', new StdoutWriter(fd));
    const a = new PassThrough();
    const b = new PassThrough();
    out.attach('a', 'stdout', a);
    out.attach('b', 'stdout', b);
    for (let i = 0; i < 200; i++) {
      a.write(`line-a-${i}-`);
      b.write(`line-b-${i}-`);
      a.write('end\n');
      b.write('end\n');
    }
    a.end();
    b.end();
    await new Promise((r) => setTimeout(r, 50));
    await out.flushed();
    fs.closeSync(fd);
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(400);
    for (const line of lines) expect(line).toMatch(/^(a: line-a-\d+-end|b: line-b-\d+-end)$/);
    expect(out.ring('a').tail().length).toBe(200);
  });

  it('drops (and says so) rather than queueing without bound', async () => {
    const file = path.join(tempDir('out-'), 'out');
    const fd = fs.openSync(file, 'w');
    const w = new StdoutWriter(fd, 100);
    for (let i = 0; i < 50; i++) w.write(`0123456789\n`);
    await w.flushed();
    await new Promise((r) => setTimeout(r, 20));
    await w.flushed();
    fs.closeSync(fd);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(/\[ts-init\] \d+ output lines dropped: stdout is not keeping up/);
    expect(text.split('\n').filter((l) => l === '0123456789').length).toBeLessThan(50);
  });

  it('drained() waits for the last lines still in a pipe, or gives up after its timeout', async () => {
    const out = new ServiceOutput('text', new StdoutWriter(fs.openSync('/dev/null', 'w')));
    const done = new PassThrough();
    const held = new PassThrough();
    out.attach('done', 'stdout', done);
    out.attach('held', 'stdout', held);
    let drained = false;
    const wait = out.drained(300).then(() => (drained = true));
    // A process that ended: its last, unterminated line arrives after the wait began.
    setTimeout(() => done.end('post-ran'), 20);
    await new Promise((r) => setTimeout(r, 100));
    expect(out.ring('done').tail().map((l) => l.line)).toEqual(['post-ran']);
    expect(drained, 'a pipe still open (held) keeps drained() waiting').toBe(false);
    const started = Date.now();
    await wait;
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    held.end();
    await new Promise((r) => setTimeout(r, 10));
    const t = Date.now();
    await out.drained(5_000);
    expect(Date.now() - t, 'every pipe at its end: resolves at once').toBeLessThan(50);
  });

  it('writes what a partial write left, from the byte it stopped at', () => {
    const bufs = [Buffer.from('abc'), Buffer.from('de'), Buffer.from('fgh')];
    expect(unwritten(bufs, 0).map(String)).toEqual(['abc', 'de', 'fgh']);
    expect(unwritten(bufs, 4).map(String)).toEqual(['e', 'fgh']);
    expect(unwritten(bufs, 5).map(String)).toEqual(['fgh']);
    expect(unwritten(bufs, 8)).toEqual([]);
  });

  it('queues lines of every size whole and in order while stdout is slow', async () => {
    const p = slowPipe();
    const w = new StdoutWriter(p.fd, 64 * 1024 * 1024);
    const sent: string[] = [];
    // Lines short and long (some longer than a queue block), most queued behind a full pipe.
    for (let i = 0; i < 300; i++) {
      const line = `${i} ${'é€x'.repeat((i * 7919) % 15_000)}\n`;
      sent.push(line);
      w.write(line);
    }
    const all = Buffer.from(sent.join(''));
    const got: Buffer[] = [];
    for (let i = 0, n = 0; i < 2000 && n < all.length; i++) {
      got.push(p.readBytes());
      n += got.at(-1)!.length;
      await tick(2);
    }
    p.close();
    expect(Buffer.concat(got).equals(all)).toBe(true);
  });
});

describe('a stdout that is not keeping up makes units wait', () => {
  /** A service output on a slow pipe whose queue says "full" from waitBytes on. */
  function slowOutput(waitBytes: number, maxBytes = 4 * waitBytes): { out: ServiceOutput; pipe: ReturnType<typeof slowPipe>; writer: StdoutWriter } {
    const pipe = slowPipe();
    const writer = new StdoutWriter(pipe.fd, maxBytes, waitBytes);
    return { out: new ServiceOutput('text', writer), pipe, writer };
  }
  const line = (i: number): string => `${i} ${'y'.repeat(1000)}\n`;

  it('a unit whose lines go to stdout is not read while the queue is full, and loses no line', async () => {
    const { out, pipe, writer } = slowOutput(64 * 1024);
    const unit = new PassThrough();
    out.attach('chatty', 'stdout', unit);
    // The pipe takes 64 KiB, the queue another 64 KiB: 300 lines of 1 KB do not fit.
    for (let i = 0; i < 300; i++) unit.write(line(i));
    await tick();
    expect(writer.full()).toBe(true);
    expect(unit.isPaused()).toBe(true);
    const kept = out.recent('chatty', 1000).length;
    expect(kept).toBeLessThan(300);
    await tick(50);
    expect(out.recent('chatty', 1000).length, 'nothing is read while it waits').toBe(kept);
    // stdout is read again: the unit goes on, every line arrives, in order, none dropped.
    let got = '';
    for (let i = 0; i < 500 && !got.includes(`chatty: ${line(299)}`); i++) {
      got += pipe.read();
      await tick(5);
    }
    pipe.close();
    expect(got).toBe(Array.from({ length: 300 }, (_, i) => `chatty: ${line(i)}`).join(''));
    expect(out.recent('chatty', 1000).length).toBe(300);
    expect(unit.isPaused()).toBe(false);
  });

  it('a unit whose lines only go to the ring is never made to wait', async () => {
    const { out, pipe } = slowOutput(16 * 1024);
    const loud = new PassThrough();
    const quiet = new PassThrough();
    out.attach('loud', 'stdout', loud);
    out.attach('ringonly', 'stdout', quiet, { echo: false });
    for (let i = 0; i < 300; i++) loud.write(line(i));
    for (let i = 0; i < 300; i++) quiet.write(line(i));
    await tick();
    expect(loud.isPaused()).toBe(true);
    expect(quiet.isPaused()).toBe(false);
    expect(out.recent('ringonly', 1000).length).toBe(300);
    pipe.close();
  });

  it("a unit's exit reads its pipe to the end while stdout is full (its last lines reach the ring); the rest is dropped and counted", async () => {
    const { out, pipe, writer } = slowOutput(16 * 1024, 32 * 1024);
    const unit = new PassThrough();
    out.attach('chatty', 'stdout', unit);
    for (let i = 0; i < 300; i++) unit.write(line(i));
    unit.end('last words\n');
    await tick();
    expect(unit.isPaused()).toBe(true);
    await out.unitDrained('chatty', 1000);
    expect(out.recent('chatty', 1).map((l) => l.line)).toEqual(['last words']);
    expect(await writer.flushed(50)).toBeGreaterThan(0);
    pipe.close();
  });
});
