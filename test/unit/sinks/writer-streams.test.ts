// The writer's side of the stream socket: PID 1's connections (by the peer's credentials) are a
// unit's output, named by their header's key and held until PID 1 says what the key stands
// for; a client's connection (systemd-cat) is held until PID 1 says which unit its pid is in,
// asked once; a client never gets a unit's standing by sending PID 1's eighth line. Over a real
// AF_UNIX socket in a temporary directory (the peer's credentials are the kernel's).
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { UnitLogSettings } from '../../../src/sinks/journal-sinks';
import { UnitStreams } from '../../../src/sinks/unit-streams';
import { type StreamControl, WriterStreams } from '../../../src/sinks/writer-streams';
import { tempDir } from '../../helpers/temp-dir';

const SETTINGS: UnitLogSettings = { identifier: 'talker', facility: 3, level: 6, levelPrefix: true, extraFields: [['TEAM', 'core']], mainPid: 42 };

function harness(pid1: number) {
  const calls = { unit: [] as Array<[string, string]>, stream: [] as Array<[string, number, string | undefined, number | undefined]>, echo: [] as string[], asked: [] as number[], answers: [] as unknown[] };
  const ws = new WriterStreams({
    sinks: {
      unitLine: (unit, line) => calls.unit.push([unit, line]),
      streamLine: (message, priority, identifier, sender) => calls.stream.push([message, priority, identifier, sender?.pid]),
    },
    echo: { line: (unit, identifier, stream, line) => calls.echo.push(`${identifier ?? unit} ${stream}: ${line}`), full: () => false, onRoom: (then) => then() },
    ask: (pid) => calls.asked.push(pid),
    answer: (a) => calls.answers.push(a),
    pid1,
  });
  const file = path.join(tempDir('ts-init-streams-'), 'stdout');
  const server = net.createServer((s) => ws.accept(s));
  servers.push(server);
  const listening = new Promise<void>((r) => server.listen(file, () => r()));
  return { ws, calls, file, listening };
}
const servers: net.Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
});

const until = async (f: () => boolean) => {
  for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 5));
};
const send = (file: string, text: string) =>
  new Promise<void>((resolve) => {
    const c = net.connect(file, () => c.end(text));
    c.on('close', () => resolve());
  });

describe("the writer's stream socket", () => {
  it("a unit's stream from PID 1: its lines wait for PID 1's word about the key, then are the unit's, shown as told", async () => {
    const h = harness(process.pid);
    await h.listening;
    // PID 1's side, as unit-launch.ts uses it: connect, header, then (the process started) the message.
    const told: StreamControl[] = [];
    const streams = new UnitStreams({ feed: { running: () => true, control: (m) => told.push(m) > 0 }, unitSettings: () => SETTINGS, path: h.file });
    const handle = streams.open('talker.service', 'stderr', true, 'talker')!;
    expect(handle).toBeDefined();
    const unit = new net.Socket({ fd: handle.fd, readable: false, writable: true });
    unit.end('one\n<3>two\n');
    await new Promise((r) => setTimeout(r, 50));
    expect(h.calls.unit).toEqual([]); // held: PID 1 has not said what the key is
    handle.started(4242);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ t: 'stream', unit: 'talker.service', stream: 'stderr', echo: true, tag: 'talker', settings: SETTINGS });
    h.ws.control(told[0]!);
    await until(() => h.calls.unit.length === 2);
    expect(h.calls.unit).toEqual([
      ['talker.service', 'one'],
      ['talker.service', '<3>two'],
    ]);
    expect(h.calls.echo).toEqual(['talker stderr: one', 'talker stderr: <3>two']);
    expect(h.ws.unitSettings('talker.service')).toEqual(SETTINGS);
    // Its last lines, for a failure report: answered once its streams have ended.
    h.ws.control({ t: 'recent', id: 7, unit: 'talker.service', since: 0, max: 5 });
    await until(() => h.calls.answers.length === 1);
    expect(h.calls.answers).toEqual([{ recent: 7, lines: ['one', '<3>two'] }]);
    h.ws.control({ t: 'recent', id: 8, unit: 'talker.service', since: Date.now() + 1000, max: 5 });
    expect(h.calls.answers[1]).toEqual({ recent: 8, lines: [] });
    // A change is told once; the same settings are not told again.
    let now: UnitLogSettings = SETTINGS;
    const unitStreams = new UnitStreams({ feed: { running: () => true, control: (m) => told.push(m) > 0 }, unitSettings: () => now, path: h.file });
    unitStreams.open('talker.service', 'stdout', false, undefined)!.started(7);
    told.length = 0;
    unitStreams.unitChanged('talker.service');
    now = { ...SETTINGS, mainPid: 43 };
    unitStreams.unitChanged('talker.service');
    unitStreams.unitChanged('talker.service');
    expect(told).toEqual([{ t: 'unit', unit: 'talker.service', settings: now }]);
  });

  it("a client's stream: PID 1 is asked once which unit its pid is in, and its eighth line is only a line", async () => {
    const h = harness(1); // this process is not PID 1 here
    await h.listening;
    const key = 'feedfacefeedfacefeedfacefeedface';
    h.ws.control({ t: 'stream', key, unit: 'forged.service', stream: 'stdout', echo: true, settings: SETTINGS });
    const sent = send(h.file, `catty\nforged.service\n4\n1\n0\n0\n0\n${key}\n<2>crit\n`);
    await until(() => h.calls.asked.length === 1);
    expect(h.calls.asked).toEqual([process.pid]);
    expect(h.calls.stream).toEqual([]); // held until the answer
    h.ws.control({ t: 'pid', pid: process.pid });
    await sent;
    await until(() => h.calls.stream.length === 2);
    expect(h.calls.stream).toEqual([
      [key, 4, 'catty', process.pid],
      ['crit', 2, 'catty', process.pid],
    ]);
    expect(h.calls.unit).toEqual([]);
    expect(h.ws.unitOf(process.pid)).toBeUndefined();
    // Answered lately: the next connection of the same pid is not held, nor asked about again.
    await send(h.file, 'x\n\n6\n1\n0\n0\n0\nagain\n');
    await until(() => h.calls.stream.length === 3);
    expect(h.calls.asked).toHaveLength(1);
  });

  it('without a writer, or with nobody listening, PID 1 makes no connection (the unit gets its pipe)', () => {
    const feed = { running: () => false, control: () => true };
    expect(new UnitStreams({ feed, unitSettings: () => SETTINGS, path: '/nonexistent/stdout' }).open('a.service', 'stdout', true, undefined)).toBeUndefined();
    expect(new UnitStreams({ feed: { ...feed, running: () => true }, unitSettings: () => SETTINGS, path: path.join(tempDir('ts-init-none-'), 'stdout') }).open('a.service', 'stdout', true, undefined)).toBeUndefined();
  });
});
