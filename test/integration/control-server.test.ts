// The control server under abuse: many clients at once, a flood of malformed
// requests, oversized lines, and clients that are not root.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callResult } from '../../src/control/client';
import type { JobResult, Manager, UnitStatus } from '../../src/control/manager';
import { MAX_CONNECTIONS, startControlServer, type ControlServer } from '../../src/control/server';
import { createLogger } from '../../src/log/logger';
import { tempDir } from '../helpers/temp-dir';
import { managerExtras } from '../helpers/manager-extras';

/** A manager with one unit, "a.service", that only records what it is asked. */
function fakeManager(): Manager & { calls: string[] } {
  const calls: string[] = [];
  const status = (name: string): UnitStatus => ({
    name, description: name, loadState: name === 'a.service' ? 'loaded' : 'not-found', activeState: 'active', subState: 'running',
    result: 'success', unitFileState: 'enabled', stateChangedAt: 0, restarts: 0, properties: {},
  });
  const job = (verb: string) => async (n: string): Promise<JobResult> => {
    calls.push(`${verb} ${n}`);
    await new Promise((r) => setTimeout(r, 5));
    return n === 'a.service' ? { result: 'done' } : { result: 'not-found' };
  };
  return {
    calls,
    listUnits: async () => [status('a.service')],
    status: async (names) => names.map(status),
    start: job('start'), stop: job('stop'), restart: job('restart'), reload: job('reload'), tryRestart: job('try-restart'), reloadOrRestart: job('reload-or-restart'),
    kill: (n, sig, who) => (calls.push(`kill ${n} ${sig} ${who}`), { result: 'done' }),
    enable: async (n) => ({ changes: [`enabled ${n}`] }),
    disable: async (n) => ({ changes: [`disabled ${n}`] }),
    listUnitFiles: () => [{ name: 'a.service', state: 'enabled' }],
    logs: (n) => (n === 'a.service' ? [{ time: 0, unit: n, stream: 'stdout', line: 'hello' }] : undefined),
    follow: () => () => undefined,
    daemonReload: async () => ({ added: [], removed: [], changed: [], errors: [] }),
    shutdown: () => void calls.push('shutdown'),
    ...managerExtras(),
  };
}

let dir: string;
let manager: ReturnType<typeof fakeManager>;
let server: ControlServer;
let open: ControlServer;
let everyone: ControlServer;
const sock = (): string => path.join(dir, 'ts-init.sock');
const openSock = (): string => path.join(dir, 'open.sock');
const everyoneSock = (): string => path.join(dir, 'ts-init.public.sock');

beforeAll(async () => {
  dir = tempDir('ctl-');
  fs.chmodSync(dir, 0o755);
  manager = fakeManager();
  const log = createLogger(0, 'text');
  server = await startControlServer(manager, sock(), log);
  // A socket anyone may connect to, to show that the server checks the peer itself.
  open = await startControlServer(manager, openSock(), log, { mode: 0o666 });
  everyone = await startControlServer(manager, everyoneSock(), log, { everyone: true });
});

afterAll(async () => {
  await server?.close();
  await open?.close();
  await everyone?.close();
});

/** Sends raw bytes, collects reply lines until `count` arrive or the server closes. */
function raw(data: string | Buffer, count: number, socket = sock()): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const c = net.createConnection(socket);
    const got: Array<Record<string, unknown>> = [];
    let buf = '';
    c.setEncoding('utf8');
    c.on('connect', () => c.write(data));
    c.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        got.push(JSON.parse(buf.slice(0, nl)));
        buf = buf.slice(nl + 1);
      }
      if (got.length >= count) c.end();
    });
    c.on('close', () => resolve(got));
    c.on('error', reject);
  });
}

describe('control server', () => {
  it('the socket is 0600', () => {
    expect(fs.statSync(sock()).mode & 0o777).toBe(0o600);
  });

  it('answers every verb', async () => {
    const o = { socket: sock() };
    expect(await callResult('ping', {}, o)).toMatchObject({ pong: true, protocol: 1 });
    expect(await callResult('status', { units: ['a.service', 'b.service'] }, o)).toMatchObject([{ loadState: 'loaded' }, { loadState: 'not-found' }]);
    expect(await callResult('list-units', {}, o)).toHaveLength(1);
    for (const verb of ['start', 'stop', 'restart', 'reload', 'try-restart', 'reload-or-restart'] as const) {
      expect(await callResult(verb, { units: ['a.service'] }, o)).toEqual([{ result: 'done' }]);
    }
    expect(await callResult('kill', { units: ['a.service'], signal: 'HUP', who: 'main' }, o)).toEqual([{ result: 'done' }]);
    expect(manager.calls).toContain('kill a.service 1 main');
    expect(await callResult('enable', { units: ['a.service'] }, o)).toEqual([{ changes: ['enabled a.service'] }]);
    expect(await callResult('disable', { units: ['a.service'] }, o)).toEqual([{ changes: ['disabled a.service'] }]);
    expect(await callResult('list-unit-files', {}, o)).toEqual([{ name: 'a.service', state: 'enabled' }]);
    expect(await callResult('logs', { units: ['a.service'], lines: 5 }, o)).toMatchObject([{ line: 'hello' }]);
    await expect(callResult('logs', { units: ['zz.service'] }, o)).rejects.toThrow('Unit zz.service not found.');
    expect(await callResult('daemon-reload', {}, o)).toEqual({ added: [], removed: [], changed: [], errors: [] });
    await expect(callResult('kill', { units: ['a.service'], signal: 'SIGNOPE' }, o)).rejects.toThrow("signal 'SIGNOPE' is not a signal");
    expect(await callResult('shutdown', {}, o)).toEqual({ shuttingDown: true });
    await new Promise((r) => setImmediate(r));
    expect(manager.calls).toContain('shutdown');
  });

  it('serves 20 clients at once, each getting its own answers in order', async () => {
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        raw([1, 2, 3].map((k) => JSON.stringify({ v: 1, id: `${i}-${k}`, verb: k === 2 ? 'start' : 'ping', units: k === 2 ? ['a.service'] : [] })).join('\n') + '\n', 3),
      ),
    );
    replies.forEach((r, i) => expect(r.map((x) => x.id)).toEqual([`${i}-1`, `${i}-2`, `${i}-3`]));
  });

  it('a flood of malformed requests gets error replies while a good client is served', async () => {
    const garbage = [
      'not json', '{', '[]', '"string"', '{"v":1}', '{"v":9,"id":1,"verb":"ping"}', '{"v":1,"id":2,"verb":"nuke"}',
      '{"v":1,"id":3,"verb":"start","units":[1]}', '{"v":1,"id":4,"verb":"logs","units":["a"],"lines":"many"}', '\u0000\u0001\u0002',
    ];
    const flood = Array.from({ length: 50 }, (_, i) => garbage[i % garbage.length]).join('\n') + '\n';
    const [bad, good] = await Promise.all([raw(flood, 50), callResult('status', { units: ['a.service'] }, { socket: sock() })]);
    expect(bad).toHaveLength(50);
    expect(bad.every((r) => r.ok === false)).toBe(true);
    expect(new Set(bad.map((r) => (r.error as { code: string }).code))).toEqual(new Set(['bad-request', 'unsupported-version', 'unknown-verb']));
    expect(good).toMatchObject([{ name: 'a.service', loadState: 'loaded' }]);
    // And the server is still fine afterwards.
    expect(await callResult('ping', {}, { socket: sock() })).toMatchObject({ pong: true });
  });

  it('an oversized request line is refused and the connection closed', async () => {
    const r = await raw('x'.repeat(200 * 1024), 1);
    expect(r[0]).toMatchObject({ ok: false, error: { code: 'too-large' } });
  });

  it('a non-root client is refused: by the socket mode, and by the peer check', async () => {
    const asNobody = (socketPath: string): Promise<{ code: number | null; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        const script = `const c=require("net").createConnection(${JSON.stringify(socketPath)});c.on("connect",()=>c.write(JSON.stringify({v:1,id:1,verb:"ping"})+"\\n"));c.on("data",d=>{process.stdout.write(d);});c.on("error",e=>{process.stdout.write("ERR "+e.code);});`;
        execFile('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script], (err, stdout, stderr) =>
          resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr }),
        );
      });
    expect((await asNobody(sock())).stdout).toBe('ERR EACCES');
    const r = await asNobody(openSock());
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'permission-denied' } });
  });

  it("everyone's socket (0666): another user gets the read-only verbs and \"Access denied\" for the rest, each request checked", async () => {
    expect(fs.statSync(everyoneSock()).mode & 0o777).toBe(0o666);
    const requests = [
      { verb: 'ping' },
      { verb: 'status', units: ['a.service'] },
      { verb: 'list-units' },
      { verb: 'start', units: ['a.service'] },
      { verb: 'stop', units: ['a.service'] },
      { verb: 'logs', units: ['a.service'] },
      { verb: 'environment' },
      { verb: 'set-environment', args: ['A=1'] },
      { verb: 'shutdown' },
      { verb: 'is-not-a-verb' },
    ].map((r, i) => JSON.stringify({ v: 1, id: i, ...r }));
    const before = manager.calls.length;
    const script =
      `const c=require("net").createConnection(${JSON.stringify(everyoneSock())});let n=0,b="";` +
      `c.on("connect",()=>c.write(${JSON.stringify(requests.join('\n') + '\n')}));` +
      `c.on("data",d=>{b+=d;const l=b.split("\\n");b=l.pop();for(const x of l){const m=JSON.parse(x);process.stdout.write((m.ok?"ok":m.error.code+" "+m.error.message)+"\\n");if(++n===${requests.length})c.end();}});`;
    const out = await new Promise<string>((resolve) =>
      execFile('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script], (_err, stdout) => resolve(stdout)),
    );
    expect(out.split('\n').filter(Boolean)).toEqual([
      'ok',
      'ok',
      'ok',
      'access-denied Access denied',
      'access-denied Access denied',
      'access-denied Access denied',
      'access-denied Access denied',
      'access-denied Access denied',
      'access-denied Access denied',
      "unknown-verb unknown verb 'is-not-a-verb'",
    ]);
    // Nothing was carried out for the refused requests.
    expect(manager.calls.slice(before)).toEqual([]);
    // Root may ask for anything there too.
    expect(await callResult('start', { units: ['a.service'] }, { socket: everyoneSock() })).toEqual([{ result: 'done' }]);
  });

  it("other users filling everyone's socket's connection slots leave root's socket answering", async () => {
    const script =
      `const s=[];for(let i=0;i<${MAX_CONNECTIONS + 8};i++){const c=require("net").createConnection(${JSON.stringify(everyoneSock())});c.on("error",()=>{});c.on("connect",()=>c.write('{"v":1,"id":1,'));s.push(c);}` +
      'setTimeout(()=>process.exit(0),3000);';
    const hog = execFile('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script]);
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    expect(await callResult('ping', {}, { socket: sock() })).toMatchObject({ pong: true });
    expect(Date.now() - t0).toBeLessThan(1000);
    await new Promise((r) => hog.once('exit', r));
  });
});
