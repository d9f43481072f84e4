// The writer's side of /dev/log and the native socket: a datagram whose sender PID 1 has lately
// said the unit of goes on at once (a flood's sender costs PID 1 one question); one whose sender
// is new waits for the answer (asked once, its /proc read as it arrives), in arrival order, at
// most WAIT_MS; what waits is bounded (the sockets are not read while it is full) and a descriptor
// that is no sealed memfd is refused at once, never kept.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReceivedDatagram } from '../../../src/sockets/datagram-sockets';
import { MAX_WAITING, WriterDatagrams } from '../../../src/sinks/writer-datagrams';
import { WAIT_MS } from '../../../src/sinks/writer-streams';

const dgram = (text: string, pid: number): ReceivedDatagram => ({ data: Buffer.from(text), sender: { pid, uid: 0, gid: 0 }, descriptors: 0, fds: [] });

function harness() {
  const known = new Set<number>();
  const calls = { delivered: [] as string[], asked: [] as number[], early: [] as number[] };
  const text = (d: ReceivedDatagram) => (d.fds.length > 0 ? `fd:${d.fds[0]}` : d.data.toString());
  const intake = new WriterDatagrams({
    sinks: { syslogDatagram: (d) => calls.delivered.push(`syslog ${text(d)}`), nativeDatagram: (d) => calls.delivered.push(`native ${text(d)}`) },
    contexts: { readEarly: (pid) => calls.early.push(pid) },
    answered: (pid) => known.has(pid),
    ask: (pid) => calls.asked.push(pid),
  });
  const answer = (pid: number) => {
    known.add(pid);
    intake.pidAnswered();
  };
  return { intake, calls, known, answer };
}

afterEach(() => vi.useRealTimers());

describe("the writer's datagram sockets", () => {
  it("a sender PID 1 has answered about: each datagram goes on at once, nothing is asked", () => {
    const h = harness();
    h.known.add(7);
    h.intake.take('syslog', dgram('<13>one', 7));
    h.intake.take('native', dgram('MESSAGE=two\n', 7));
    expect(h.calls.delivered).toEqual(['syslog <13>one', 'native MESSAGE=two\n']);
    expect(h.calls.asked).toEqual([]);
  });

  it("a new sender's datagrams wait for PID 1's answer, asked once, its /proc read on arrival; those behind wait too, in order", () => {
    const h = harness();
    h.known.add(9);
    h.intake.take('syslog', dgram('a1', 7));
    h.intake.take('syslog', dgram('b1', 9)); // known, but behind a waiting one
    h.intake.take('syslog', dgram('a2', 7));
    expect(h.calls.delivered).toEqual([]);
    expect(h.calls.asked).toEqual([7]);
    expect(h.calls.early).toEqual([7, 7]);
    expect(h.intake.waitingCount).toBe(3);
    h.answer(7);
    expect(h.calls.delivered).toEqual(['syslog a1', 'syslog b1', 'syslog a2']);
    expect(h.intake.waitingCount).toBe(0);
  });

  it('an answer that never comes holds a datagram WAIT_MS at most, then it goes on without', () => {
    vi.useFakeTimers();
    const h = harness();
    h.intake.take('syslog', dgram('lonely', 7));
    vi.advanceTimersByTime(WAIT_MS - 1);
    expect(h.calls.delivered).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(h.calls.delivered).toEqual(['syslog lonely']);
  });

  it('bounded: at MAX_WAITING the sockets wait (full, onRoom once drained); what comes regardless goes on at once', () => {
    const h = harness();
    for (let i = 0; i < MAX_WAITING; i++) h.intake.take('syslog', dgram(`w${i}`, 1000 + i));
    expect(h.intake.full()).toBe(true);
    let room = false;
    h.intake.onRoom(() => (room = true));
    h.intake.take('syslog', dgram('overrun', 5));
    expect(h.calls.delivered).toEqual(['syslog overrun']);
    expect(h.intake.waitingCount).toBe(MAX_WAITING);
    h.answer(1000);
    expect(room).toBe(true);
    expect(h.calls.delivered.slice(1)).toEqual(['syslog w0']);
  });

  it('a descriptor that is no sealed memfd is refused at once (handed on with it), never kept past its close', () => {
    const h = harness();
    h.intake.take('native', { data: Buffer.alloc(0), sender: { pid: 7, uid: 0, gid: 0 }, descriptors: 1, fds: [0] });
    expect(h.calls.delivered).toEqual(['native fd:0']);
    expect(h.intake.waitingCount).toBe(0);
  });

  it('the writer ending: what waits goes on at once, in order', () => {
    const h = harness();
    h.intake.take('syslog', dgram('x1', 7));
    h.intake.take('native', dgram('MESSAGE=x2\n', 8));
    h.intake.release();
    expect(h.calls.delivered).toEqual(['syslog x1', 'native MESSAGE=x2\n']);
  });
});
