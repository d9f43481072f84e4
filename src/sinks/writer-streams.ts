// The journal's stream socket, /run/systemd/journal/stdout, served by the writer process
// (journal/journal-writer-main.ts), as journald serves it: PID 1 makes the listening socket
// and hands it over (so it is there before any unit, and across the writer's restarts), and
// every unit whose output goes to the journal writes into a connection of it (PID 1 connects
// and writes the header, sinks/unit-streams.ts; the unit gets the socket as its stdout and
// stderr), so that PID 1, which runs interpreted, never touches a unit's lines. A connection
// is one of two kinds:
//   - PID 1's (its peer is PID 1 and root, checked by SO_PEERCRED at accept): its header has
//     an eighth line, the stream's key, and its lines are held until PID 1's message about
//     the key comes (the unit, its log settings, whether its lines are shown on the console
//     and how tagged) on the writer's stdin, which only PID 1 writes; each line is then a
//     unit line (JournalSinks.unitLine: SyslogLevelPrefix=, LogLevelMax=, the rate limit per
//     unit, LogExtraFields=, the unit's main process's _PID/_COMM/...), and is echoed to the
//     container log (the writer's stdout is PID 1's) as PID 1 echoed it;
//   - a client's (systemd-cat, sd_journal_stream_fd): its lines are held until PID 1 has said
//     which unit its peer is in (asked once per pid, on fd 3), then are stream lines.
// Bounded: MAX_STREAMS connections, lines up to LINE_MAX_BYTES, what is held waits at most
// WAIT_MS, PID 1's messages kept for at most MAX_KEPT keys, units and pids. A connection
// whose lines are echoed is not read while the container log's queue is full.
import type * as net from 'node:net';
import { StreamConnection } from '../journal/stream-header';
import { LineSplitter } from '../output/line-splitter';
import { type JournalSinks, newStreamId, type UnitLogSettings } from './journal-sinks';
import { LINE_MAX_BYTES, streamPeer } from './journal-sockets';

/** What PID 1 tells the writer (control frames on its stdin, journal/entry-frames.ts). */
export type StreamControl =
  /** A unit's stream, by the key its header's eighth line holds. */
  | { t: 'stream'; key: string; unit: string; pid?: number; stream: 'stdout' | 'stderr'; echo: boolean; tag?: string; settings: UnitLogSettings }
  /** A unit's log settings changed (a new main pid, a new run, daemon-reload). */
  | { t: 'unit'; unit: string; settings: UnitLogSettings }
  /** The answer to "which unit is pid N in" (none: no unit). */
  | { t: 'pid'; pid: number; unit?: string; settings?: UnitLogSettings }
  /** A failed unit's last lines since a moment (ms), for its failure report: answered once its streams have ended (or after WAIT_MS). */
  | { t: 'recent'; id: number; unit: string; since: number; max: number };

/** The writer's answer to a 'recent' message (on fd 3, as one JSON line). */
export interface RecentAnswer {
  recent: number;
  lines: string[];
}

/** How long a connection's lines wait for what PID 1 has to say about it before they go on without it. */
export const WAIT_MS = 2000;
/** Keys, units and pids PID 1's messages are kept for (the oldest forgotten first). */
const MAX_KEPT = 4096;
/** How long an answer about a pid is kept (as long as sender-context.ts keeps a context). */
const PID_ANSWER_MS = 5000;
/** Per unit, the last lines kept for a failure report (runner/failure-report.ts quotes 5), each cut at RECENT_LINE_CHARS, for the RECENT_UNITS units that printed last. */
const RECENT_LINES = 5;
const RECENT_LINE_CHARS = 2048;
const RECENT_UNITS = 256;
/**
 * How long a 'recent' answer waits for the unit's streams to end (its last lines may still be in
 * them, or their connections not yet accepted: a busy machine can keep this process from them
 * for more than half a second). A stream that ends answers at once.
 */
const RECENT_WAIT_MS = 2000;

/** Runs `run` once: at the first call of the function returned, or after `ms` (then `late` first). */
function onceOrAfter(ms: number, run: () => void, late?: () => void): () => void {
  let done = false;
  const go = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    run();
  };
  const timer = setTimeout(() => {
    late?.();
    go();
  }, ms);
  return go;
}

interface UnitStream {
  unit: string;
  /** The process it was made for (its lines' _PID while the unit has no main pid). */
  pid?: number;
  stream: 'stdout' | 'stderr';
  echo: boolean;
  tag?: string;
}

export interface WriterStreamsDeps {
  sinks: Pick<JournalSinks, 'unitLine' | 'streamLine'>;
  /** The container log's line for a unit's line (output/service-output.ts's formatLine), and its queue. */
  echo: { line(unit: string, identifier: string | undefined, stream: 'stdout' | 'stderr', line: string): void; full(): boolean; onRoom(then: () => void): void };
  /** Asks PID 1 which unit a pid is in (the answer comes as a 'pid' message). */
  ask: (pid: number) => void;
  /** Answers one of PID 1's 'recent' messages. */
  answer?: (a: RecentAnswer) => void;
  /** PID 1's pid (the writer's parent). */
  pid1: number;
  now?: () => number;
}

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  if (map.size >= MAX_KEPT) map.delete(map.keys().next().value!);
  map.set(key, value);
}

export class WriterStreams {
  /** Each unit's log settings, as PID 1 last said them (JournalSinks reads them through unitSettings). */
  private readonly units = new Map<string, UnitLogSettings>();
  /** PID 1's messages about keys whose connections have not asked yet, and connections waiting for theirs. */
  private readonly streams = new Map<string, UnitStream>();
  private readonly keyWaiters = new Map<string, () => void>();
  /** PID 1's answers: a pid's unit (undefined: none), and when it came. */
  private readonly pids = new Map<number, { unit: string | undefined; at: number }>();
  private readonly pidWaiters = new Map<number, Array<() => void>>();
  /** Each unit's last lines (for its failure report), its open streams, and who waits for them to end. */
  private readonly recent = new Map<string, { at: number[]; lines: string[]; next: number }>();
  private readonly openStreams = new Map<string, number>();
  private readonly endWaiters = new Map<string, Array<() => void>>();
  private readonly now: () => number;

  constructor(private readonly deps: WriterStreamsDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** JournalSinks's unitSettings. */
  unitSettings(unit: string): UnitLogSettings | undefined {
    return this.units.get(unit);
  }

  /** JournalSinks's contexts' unitOf: PID 1's answer about the pid. */
  unitOf(pid: number): string | undefined {
    return this.pids.get(pid)?.unit;
  }

  /** One of PID 1's messages (anything else on the control channel is ignored). */
  control(m: StreamControl): void {
    if (typeof m !== 'object' || m === null) return;
    if (m.t === 'stream' && typeof m.key === 'string' && typeof m.unit === 'string') {
      remember(this.units, m.unit, m.settings);
      if (this.streams.has(m.key)) return;
      // Open from now on for a failure report (its connection may not be taken yet), until it ends or is forgotten.
      if (this.streams.size >= MAX_KEPT) {
        const [oldest, s] = this.streams.entries().next().value!;
        this.streams.delete(oldest);
        this.streamOf(s.unit, -1);
      }
      this.streams.set(m.key, {
        unit: m.unit,
        ...(Number.isInteger(m.pid) && { pid: m.pid }),
        stream: m.stream === 'stderr' ? 'stderr' : 'stdout',
        echo: m.echo === true,
        ...(typeof m.tag === 'string' && { tag: m.tag }),
      });
      this.streamOf(m.unit, 1);
      this.keyWaiters.get(m.key)?.();
    } else if (m.t === 'unit' && typeof m.unit === 'string') {
      remember(this.units, m.unit, m.settings);
    } else if (m.t === 'pid' && Number.isInteger(m.pid)) {
      if (typeof m.unit === 'string' && m.settings) remember(this.units, m.unit, m.settings);
      remember(this.pids, m.pid, { unit: typeof m.unit === 'string' ? m.unit : undefined, at: this.now() });
      for (const w of this.pidWaiters.get(m.pid)?.splice(0) ?? []) w();
      this.pidWaiters.delete(m.pid);
    } else if (m.t === 'recent' && typeof m.unit === 'string' && Number.isInteger(m.id)) {
      const answer = (): void => {
        const lines = this.recentLines(m.unit, m.since);
        this.deps.answer?.({ recent: m.id, lines: lines.slice(-Math.max(0, Math.min(RECENT_LINES, m.max))) });
      };
      if (!this.openStreams.get(m.unit)) return answer();
      let list = this.endWaiters.get(m.unit);
      if (!list) this.endWaiters.set(m.unit, (list = []));
      list.push(onceOrAfter(RECENT_WAIT_MS, answer));
    }
  }

  /** A unit's line, kept for its failure report (in a ring: nothing made per line). */
  private keep(unit: string, line: string): void {
    let r = this.recent.get(unit);
    if (!r) {
      if (this.recent.size >= RECENT_UNITS) this.recent.delete(this.recent.keys().next().value!);
      this.recent.set(unit, (r = { at: [], lines: [], next: 0 }));
    }
    r.at[r.next] = this.now();
    r.lines[r.next] = line.length > RECENT_LINE_CHARS ? line.slice(0, RECENT_LINE_CHARS) : line;
    r.next = (r.next + 1) % RECENT_LINES;
  }

  /** A unit's kept lines since a moment (ms), oldest first. */
  private recentLines(unit: string, since: number): string[] {
    const r = this.recent.get(unit);
    if (!r) return [];
    const out: string[] = [];
    for (let i = 0; i < r.lines.length; i++) {
      const k = (r.next + i) % r.lines.length;
      if (r.at[k] >= since) out.push(r.lines[k]);
    }
    return out;
  }

  /** A unit's stream began (+1) or ended (-1); at none open, who waits for its last lines is answered. */
  private streamOf(unit: string, delta: number): void {
    const n = (this.openStreams.get(unit) ?? 0) + delta;
    if (n > 0) return void this.openStreams.set(unit, n);
    this.openStreams.delete(unit);
    for (const w of this.endWaiters.get(unit)?.splice(0) ?? []) w();
    this.endWaiters.delete(unit);
  }

  /** A new connection of the stream socket. */
  accept(socket: net.Socket): void {
    socket.on('error', () => socket.destroy());
    const sender = streamPeer(socket);
    const fromPid1 = sender !== undefined && sender.pid === this.deps.pid1 && sender.uid === 0;
    const conn = new StreamConnection(fromPid1);
    const streamId = newStreamId();
    let identifier: string | undefined;
    let unitStream: UnitStream | undefined;
    /** Lines that wait for PID 1's word (undefined: none wait). */
    let held: string[] | undefined;
    let ended = false;
    const deliver = (line: string): void => {
      // PID 1's word did not come in time: its header's unit (trusted: PID 1 wrote it).
      if (!unitStream && fromPid1 && conn.header?.unitId !== undefined) unitStream = { unit: conn.header.unitId, stream: 'stdout', echo: false };
      if (unitStream) {
        if (unitStream.echo) this.deps.echo.line(unitStream.unit, unitStream.tag, unitStream.stream, line);
        this.deps.sinks.unitLine(unitStream.unit, line, unitStream.pid);
        this.keep(unitStream.unit, line);
        return;
      }
      const r = conn.line(line);
      if (r.kind === 'message') this.deps.sinks.streamLine(r.message, r.priority, identifier, sender, streamId);
    };
    const release = (): void => {
      const lines = held;
      if (!lines) return;
      held = undefined;
      for (const l of lines) deliver(l);
      if (ended) finish();
      else if (!socket.destroyed) socket.resume();
    };
    const finish = (): void => {
      splitter.end();
      socket.end();
    };
    /** Holds the lines until then() is called (or WAIT_MS has passed: then `forget` is called first). */
    const hold = (until: (then: () => void) => void, forget: () => void): void => {
      held = [];
      socket.pause();
      until(onceOrAfter(WAIT_MS, release, forget));
    };
    let refused = false;
    const splitter = new LineSplitter((line) => {
      if (refused) return;
      if (held) {
        held.push(line);
        return;
      }
      if (conn.header) return deliver(line);
      const r = conn.line(line);
      if (r.kind === 'bad-header') {
        refused = true;
        socket.destroy();
      } else if (r.kind === 'header-done') {
        identifier = r.header.identifier;
        const key = r.header.key;
        if (fromPid1 && key !== undefined) {
          const take = (): boolean => {
            const s = this.streams.get(key);
            if (!s) return false;
            this.streams.delete(key);
            this.keyWaiters.delete(key);
            unitStream = s;
            // Its end (after its last line) is what a failure report waits for.
            if (socket.closed) setImmediate(() => this.streamOf(s.unit, -1));
            else socket.once('close', () => this.streamOf(s.unit, -1));
            return true;
          };
          // The unit may have printed and ended already: its lines wait all the same.
          if (!take())
            hold(
              (then) => this.keyWaiters.set(key, () => take() && then()),
              () => this.keyWaiters.delete(key),
            );
        } else if (sender && sender.pid > 0 && !this.answered(sender.pid)) {
          const pid = sender.pid;
          let waiter: (() => void) | undefined;
          hold(
            (then) => {
              let list = this.pidWaiters.get(pid);
              if (!list) {
                this.pidWaiters.set(pid, (list = []));
                this.deps.ask(pid);
              }
              list.push((waiter = then));
            },
            () => {
              const list = this.pidWaiters.get(pid)?.filter((w) => w !== waiter);
              if (list?.length) this.pidWaiters.set(pid, list);
              else this.pidWaiters.delete(pid);
            },
          );
        }
      }
    }, LINE_MAX_BYTES);
    socket.on('data', (chunk: Buffer) => {
      splitter.push(chunk);
      // A unit whose lines are shown waits while the container log is behind, as it waited for PID 1's.
      if (unitStream?.echo && this.deps.echo.full() && !held) {
        socket.pause();
        this.deps.echo.onRoom(() => {
          if (!held && !socket.destroyed) socket.resume();
        });
      }
    });
    socket.on('end', () => {
      ended = true;
      if (!held) finish();
    });
  }

  /** Whether PID 1 answered about pid lately (a datagram's sender waits for it too: writer-datagrams.ts). */
  answered(pid: number): boolean {
    const a = this.pids.get(pid);
    return a !== undefined && this.now() - a.at < PID_ANSWER_MS;
  }
}
