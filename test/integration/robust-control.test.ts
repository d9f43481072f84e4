// The control server against floods and slow clients: replies to a client that does
// not read are bounded (its requests wait), a follower that does not read is dropped,
// slow-loris connections cannot lock others out, and a request naming thousands of
// units does not stall other connections.
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobResult, Manager, UnitStatus } from '../../src/control/manager';
import type { LogLine } from '../../src/output/log-ring';
import { MAX_CONNECTIONS, MAX_QUEUED_OUTPUT_BYTES, startControlServer, type ControlServer } from '../../src/control/server';
import { createLogger } from '../../src/log/logger';
import { tempDir } from '../helpers/temp-dir';
import { managerExtras } from '../helpers/manager-extras';

const PAD = 'x'.repeat(10_000);

function costlyManager() {
  const calls = { status: 0, units: 0, followStopped: 0 };
  const listeners: Array<(l: LogLine) => void> = [];
  const status = (name: string): UnitStatus => ({
    name, description: PAD, loadState: 'loaded', activeState: 'active', subState: 'running',
    result: 'success', unitFileState: 'enabled', stateChangedAt: 0, restarts: 0, properties: {},
  });
  const burn = (ms: number): void => {
    const end = performance.now() + ms;
    while (performance.now() < end) { /* a costly lookup */ }
  };
  const job = async (): Promise<JobResult> => ({ result: 'done' });
  const m: Manager = {
    listUnits: async () => [status('a.service')],
    status: async (names) => {
      calls.status++;
      calls.units += names.length;
      burn(names.length * 0.2);
      return names.map(status).map((s) => (names.length > 1 ? { ...s, description: '' } : s));
    },
    start: job, stop: job, restart: job, reload: job, tryRestart: job, reloadOrRestart: job,
    kill: () => ({ result: 'done' }),
    enable: async () => ({ changes: [] }),
    disable: async () => ({ changes: [] }),
    listUnitFiles: () => [],
    logs: () => [],
    follow: (_n, l) => {
      listeners.push(l);
      return () => void calls.followStopped++;
    },
    daemonReload: async () => ({ added: [], removed: [], changed: [], errors: [] }),
    shutdown: () => undefined,
    ...managerExtras(),
  };
  return { m, calls, listeners };
}

let dir: string;
let server: ControlServer;
let fake: ReturnType<typeof costlyManager>;
const sock = (): string => path.join(dir, 'c.sock');
const req = (o: Record<string, unknown>): string => `${JSON.stringify({ v: 1, ...o })}\n`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  dir = tempDir('ctl-flood-');
  fake = costlyManager();
  server = await startControlServer(fake.m, sock(), createLogger(0, 'text'));
});
afterAll(async () => server?.close());

function connect(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const c = net.createConnection(sock());
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

/** One request on a fresh connection; resolves with the reply and the time it took. */
async function ask(o: Record<string, unknown>): Promise<{ reply: Record<string, unknown>; ms: number }> {
  const t0 = Date.now();
  const c = await connect();
  return new Promise((resolve, reject) => {
    let buf = '';
    c.setEncoding('utf8');
    c.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      c.destroy();
      resolve({ reply: JSON.parse(buf.slice(0, nl)), ms: Date.now() - t0 });
    });
    c.on('error', reject);
    c.write(req(o));
  });
}

describe('control floods', () => {
  it('a client pipelining status without reading gets only a bounded amount answered', async () => {
    const before = fake.calls.status;
    const c = await connect();
    c.pause();
    c.on('error', () => undefined);
    c.write(req({ id: 1, verb: 'status', units: ['a'] }).repeat(5000));
    await sleep(1500);
    const answered = fake.calls.status - before;
    // Each reply is ~10 KB: what fits the output bound plus the socket buffers, not 5000.
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThan(200);
    // Reading resumes the rest.
    let got = 0;
    c.setEncoding('utf8');
    c.on('data', (d: string) => (got += d.split('\n').length - 1));
    c.resume();
    for (let t = 0; t < 100 && got < 5000; t++) await sleep(100);
    expect(got).toBe(5000);
    c.destroy();
  });

  it('a logs -f follower that never reads is dropped once its output bound is reached', async () => {
    const c = await connect();
    c.pause();
    c.on('error', () => undefined);
    c.write(req({ id: 1, verb: 'logs', units: ['a'], follow: true }));
    for (let t = 0; t < 50 && fake.listeners.length === 0; t++) await sleep(20);
    const push = fake.listeners.at(-1)!;
    const line: LogLine = { time: 0, unit: 'a.service', stream: 'stdout', line: 'y'.repeat(1000) };
    const stoppedBefore = fake.calls.followStopped;
    for (let i = 0; i < (MAX_QUEUED_OUTPUT_BYTES / 1000) * 8 && fake.calls.followStopped === stoppedBefore; i++) {
      push(line);
      if (i % 100 === 0) await sleep(1);
    }
    await sleep(100);
    expect(fake.calls.followStopped).toBe(stoppedBefore + 1);
    c.destroy();
  });

  it('slow-loris connections filling every slot do not lock out a real client', async () => {
    const loris: net.Socket[] = [];
    for (let i = 0; i < MAX_CONNECTIONS + 8; i++) {
      const c = net.createConnection(sock());
      c.on('error', () => undefined);
      loris.push(c);
    }
    await sleep(300);
    const drip = setInterval(() => {
      for (const c of loris) if (!c.destroyed) c.write(' ');
    }, 300);
    await sleep(1500);
    const { reply, ms } = await ask({ id: 9, verb: 'ping' });
    clearInterval(drip);
    for (const c of loris) c.destroy();
    expect(reply).toMatchObject({ id: 9, ok: true });
    expect(ms).toBeLessThan(1000);
  });

  it('8 pipelined requests naming 6000 units each do not stall another connection', async () => {
    const units = Array.from({ length: 6000 }, (_, i) => `u${i}`);
    const c = await connect();
    c.on('error', () => undefined);
    c.on('data', () => undefined);
    c.write(req({ id: 1, verb: 'status', units }).repeat(8));
    await sleep(100);
    const lat: number[] = [];
    for (let i = 0; i < 5; i++) lat.push((await ask({ id: 2, verb: 'ping' })).ms);
    c.destroy();
    expect(Math.max(...lat)).toBeLessThan(300);
  });
});
