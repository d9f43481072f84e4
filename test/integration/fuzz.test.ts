// Fuzzing PID 1 itself (seeded): a directory of generated unit files (harmless commands,
// hostile settings) and a stream of generated control requests over many connections.
// PID 1 stays up, keeps answering, and exits with the CMD's status.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sleep, startAsPid1 } from '../helpers/ts-init';
import { controlLine, hostileUnitText, runnableUnitText } from '../helpers/fuzz-units';
import { tempDir } from '../helpers/temp-dir';

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);

/** Sends lines on one connection, reads replies until every line is answered or the server closes. */
function session(socket: string, lines: string[]): Promise<number> {
  return new Promise((resolve) => {
    const c = net.createConnection(socket);
    let answered = 0;
    let buf = '';
    const timer = setTimeout(() => (c.destroy(), resolve(answered)), 6_000);
    c.setEncoding('utf8');
    c.on('error', () => undefined);
    c.on('connect', () => c.write(`${lines.join('\n')}\n`));
    c.on('data', (d: string) => {
      buf += d;
      const parts = buf.split('\n');
      buf = parts.pop()!;
      answered += parts.length;
      if (answered >= lines.length) c.end();
    });
    c.on('close', () => (clearTimeout(timer), resolve(answered)));
  });
}

function ping(socket: string): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve) => {
    const c = net.createConnection(socket);
    let buf = '';
    const timer = setTimeout(() => (c.destroy(), resolve(undefined)), 5000);
    c.setEncoding('utf8');
    c.on('error', () => resolve(undefined));
    c.on('connect', () => c.write(`${JSON.stringify({ v: 1, id: 'p', verb: 'ping' })}\n`));
    c.on('data', (d: string) => {
      buf += d;
      if (!buf.includes('\n')) return;
      clearTimeout(timer);
      c.destroy();
      resolve(JSON.parse(buf.slice(0, buf.indexOf('\n'))));
    });
  });
}

describe('fuzzing PID 1', () => {
  it(`seed ${SEED}: 120 generated unit files and 600 generated control requests; PID 1 stays up and answers`, async () => {
    const tmp = tempDir('fuzz-pid1-');
    const socket = path.join(tmp, 'ctl.sock');
    const stopFile = path.join(tmp, 'stop');
    const names = Array.from({ length: 100 }, (_, i) => `f${i}.service`);
    const texts = fc.sample(runnableUnitText(tmp, names), { seed: SEED, numRuns: names.length });
    const units: Record<string, string> = Object.fromEntries(names.map((n, i) => [n, texts[i]!]));
    // Syntactic garbage too, with a harmless command: the unit loads or fails to, nothing more.
    fc.sample(hostileUnitText, { seed: SEED + 1, numRuns: 20 }).forEach((t, i) => {
      units[`h${i}.service`] = `${t.replace(/^Exec\w*=.*$/gm, '')}\n[Service]\nExecStart=/bin/sleep 100\n`;
    });
    const dir = tempDir('fuzz-units-');
    for (const [n, t] of Object.entries(units)) fs.writeFileSync(path.join(dir, n), t);
    const cmd = `while [ ! -e ${stopFile} ]; do sleep 0.1; done; exit 3`;
    const run = startAsPid1(['--no-wait', '--grace', '2', '--control-socket', socket, '--units', dir, '--', '/bin/sh', '-c', cmd], {}, `mkfifo ${tmp}/fifo`);
    for (let t = 0; t < 200 && !fs.existsSync(socket); t++) await sleep(50);
    expect(await ping(socket)).toMatchObject({ ok: true });

    const requests = fc.sample(controlLine(names), { seed: SEED + 2, numRuns: 600 }).filter((l) => !l.includes('"shutdown"'));
    let answered = 0;
    const pingMs: number[] = [];
    // Batches of 100 requests over 25 connections at once, with a ping beside each batch.
    for (let i = 0; i < requests.length; i += 100) {
      const batch = requests.slice(i, i + 100);
      const sessions = Array.from({ length: 25 }, (_, k) => session(socket, batch.filter((_l, j) => j % 25 === k)));
      await sleep(50);
      const t0 = Date.now();
      const p = await ping(socket);
      pingMs.push(Date.now() - t0);
      expect(p, `ping during batch ${i / 100}`).toMatchObject({ ok: true });
      answered += (await Promise.all(sessions)).reduce((a, b) => a + b, 0);
    }
    // Requests are answered in order per connection; a job may outlast the session (6 s).
    expect(answered).toBeGreaterThan(requests.length * 0.7);
    const status = await session(socket, [JSON.stringify({ v: 1, id: 1, verb: 'status' })]);
    expect(status).toBe(1);
    fs.writeFileSync(stopFile, '');
    const r = await run.result;
    console.log(`fuzz: ${JSON.stringify({ seed: SEED, units: Object.keys(units).length, requests: requests.length, answered, maxPingMs: Math.max(...pingMs), exitCode: r.code, ms: r.ms })}`);
    expect(Math.max(...pingMs)).toBeLessThan(3000);
    expect(r.stderr).not.toMatch(/internal error|init failed/);
    expect(r.code).toBe(3);
  }, 180_000);
});
