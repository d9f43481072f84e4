// PID 1's side of a unit's output going straight to the journal's writer, as systemd hands a
// service a connection of journald's stdout socket: PID 1 connects to the socket (never
// waiting: a writer that does not accept leaves the unit on PID 1's pipe, as without a
// journal), writes the stream protocol's header (the unit's identifier, the unit's name as
// its unit id, its level and level prefix) with an eighth line, the stream's key, shuts its
// own reading side, and hands the socket to the unit as stdout or stderr; once the process
// runs, it tells the writer what the key stands for (sinks/writer-streams.ts). PID 1 reads
// none of the unit's lines. A unit's log settings that change while it runs (its main pid, a
// daemon-reload) are told again.
import * as fs from 'node:fs';
import { clearNonBlocking, closeFd, connectStreamSocketNow, shutdownReceive } from '../sys/libc';
import { LOG_INFO } from '../journal/syslog-message';
import { newStreamId, type UnitLogSettings } from './journal-sinks';
import { STDOUT_SOCKET } from './journal-sockets';
import type { RecentAnswer, StreamControl } from './writer-streams';

/** A connection made for one of a unit's processes: its fd (PID 1 closes its copy once the process has it). */
export interface UnitStreamHandle {
  fd: number;
  /** The process was started (its pid), or not (undefined: nobody will write to it). */
  started(pid: number | undefined): void;
}

/** How long a failure report waits for the writer's answer (longer than the writer's own wait for the unit's streams). */
const RECENT_ANSWER_MS = 3000;

export interface UnitStreamsDeps {
  /** Whether the writer runs, and its control channel (journal-feed.ts). */
  feed: { running(): boolean; control(message: StreamControl): boolean };
  unitSettings: (unit: string) => UnitLogSettings | undefined;
  /** The socket's path (tests give their own). */
  path?: string;
}

/** A header line may hold no newline (the writer would read the rest as the next line); the common case costs no regular expression. */
const oneLine = (s: string): string => (s.includes('\n') ? s.replace(/\n/g, ' ') : s);

export class UnitStreams {
  /** The settings last told, per unit with a stream (so a change is told once). */
  private readonly told = new Map<string, UnitLogSettings>();
  /** PID 1's questions about units' last lines, waiting for the writer's answers. */
  private readonly asked = new Map<number, (lines: string[]) => void>();
  private lastAsk = 0;

  constructor(private readonly deps: UnitStreamsDeps) {}

  /** A connection for the unit's stdout or stderr, or undefined (no writer, or it does not accept: use a pipe). */
  open(unit: string, stream: 'stdout' | 'stderr', echo: boolean, tag: string | undefined): UnitStreamHandle | undefined {
    if (!this.deps.feed.running()) return undefined;
    let fd: number | undefined;
    try {
      fd = connectStreamSocketNow(this.deps.path ?? STDOUT_SOCKET);
    } catch {
      return undefined; // EMFILE and the like: the pipe's turn
    }
    if (fd === undefined) return undefined;
    const settings = this.deps.unitSettings(unit);
    const key = newStreamId();
    const header = `${oneLine(settings?.identifier ?? unit)}\n${oneLine(unit)}\n${settings?.level ?? LOG_INFO}\n${settings?.levelPrefix === false ? 0 : 1}\n0\n0\n0\n${key}\n`;
    try {
      // A new connection's buffer takes the header whole; a unit's writes then wait when the
      // writer is behind, as they wait for journald (its stdout is a blocking socket).
      if (fs.writeSync(fd, header) !== Buffer.byteLength(header)) throw new Error('short write');
      clearNonBlocking(fd);
      shutdownReceive(fd);
    } catch {
      closeFd(fd);
      return undefined;
    }
    return {
      fd,
      started: (pid) => {
        if (pid === undefined || !settings) return; // closed unwritten: the writer sees its end
        this.told.set(unit, settings);
        this.deps.feed.control({ t: 'stream', key, unit, pid, stream, echo, ...(tag !== undefined && { tag }), settings });
      },
    };
  }

  /** The unit's last lines since a moment, as the writer kept them; [] when it does not answer in RECENT_ANSWER_MS. */
  recent(unit: string, sinceMs: number, max: number): Promise<string[]> {
    const id = ++this.lastAsk;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done([]), RECENT_ANSWER_MS);
      const done = (lines: string[]): void => {
        clearTimeout(timer);
        this.asked.delete(id);
        resolve(lines);
      };
      this.asked.set(id, done);
      if (!this.deps.feed.control({ t: 'recent', id, unit, since: sinceMs, max })) done([]);
    });
  }

  /** The writer's answer (journal-feed.ts's onAnswer): anything but an answer to a question asked is ignored. */
  answered(a: unknown): void {
    const r = a as Partial<RecentAnswer> | null;
    if (typeof r?.recent !== 'number' || !Array.isArray(r.lines)) return;
    this.asked.get(r.recent)?.(r.lines.filter((l): l is string => typeof l === 'string'));
  }

  /** The unit changed (state, main pid, definition): its settings are told again if they differ. */
  unitChanged(unit: string): void {
    const before = this.told.get(unit);
    if (!before) return;
    const now = this.deps.unitSettings(unit);
    if (now === before) return;
    if (!now) {
      this.told.delete(unit);
      return;
    }
    this.told.set(unit, now);
    this.deps.feed.control({ t: 'unit', unit, settings: now });
  }
}
