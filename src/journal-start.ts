// The journal of the rich PID 1, put together: the writer process (journal/journal-writer-main.ts)
// fed through a bounded pipe (sinks/journal-feed.ts), the sinks that make entries
// (sinks/journal-sinks.ts) with their senders' context and unit (supervisor/process-units.ts),
// the sockets they listen on (sinks/journal-sockets.ts), and forwarding to a syslog daemon.
// Where a writer runs, it serves the stream socket and reads the datagram sockets (PID 1 makes
// them and hands them over) and takes every unit's output straight from the unit
// (sinks/unit-streams.ts, writer-streams.ts, writer-datagrams.ts): PID 1 answers its questions
// (which unit a pid is in) and tells it the units' log settings; it reads the sockets itself only
// where nothing is stored.
// Started by the wiring (services.ts) before any unit, only where the image's units run.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { readJournaldConf } from './journal/journald-conf-files';
import { JOURNAL_WRITER_ARG } from './journal/journal-writer-arg';
import type { Level } from './log/tee-logger';
import type { Logger } from './log/logger';
import type { ProcessTable } from './process/process-table';
import { readStat } from './process/proc';
import { type Fields, JournalFeed } from './sinks/journal-feed';
import { JournalSinks, type UnitLogSettings } from './sinks/journal-sinks';
import { datagramSocketsForWriter, JOURNAL_DIR, openJournalSockets, streamSocketForWriter, SYSLOG_SOCKET } from './sinks/journal-sockets';
import { UnitStreams } from './sinks/unit-streams';
import type { WriterOptions } from './journal/journal-writer-arg';
import { SenderContexts } from './sinks/sender-context';
import { SyslogForwarder } from './sinks/syslog-forward';
import { jobMessages } from './supervisor/job-messages';
import { unitOfProcess } from './supervisor/process-units';
import { activeState } from './supervisor/sub-states';
import type { Supervisor } from './supervisor/supervisor';
import type { ActiveState } from './control/manager';

/** How long shutdown waits for the writer to store the last entries and close the file. */
const CLOSE_MS = 2000;

const LEVELS: Record<Level, number> = { fatal: 2, error: 3, warn: 4, info: 6 };

export interface RunningJournal {
  sinks: JournalSinks;
  /** The writer's queue, which a unit's pipe waits for when it is full. */
  feed: JournalFeed;
  /** Units' stdout and stderr as connections to the writer; undefined where no writer runs (Storage=none). */
  unitStreams: UnitStreams | undefined;
  own(level: Level, message: string, unit?: string): void;
  close(): Promise<void>;
}

function bootIdHex(): string | undefined {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().replace(/-/g, '');
  } catch {
    return undefined;
  }
}

/** ExecStart='s program name, as journald names a unit's stdout stream without SyslogIdentifier=. */
function programName(path: string | undefined, unit: string): string {
  if (!path) return unit.replace(/\.service$/, '');
  return path.slice(path.lastIndexOf('/') + 1);
}

export function startJournal(deps: {
  supervisor: Supervisor;
  table: ProcessTable;
  log: Logger;
  linkDevLog: boolean;
  console?: (fields: Fields) => void;
  /** What the writer shows of units' lines on the container log (its stdout is PID 1's). */
  writerConsole: Omit<WriterOptions, 'listenFd'>;
}): RunningJournal | undefined {
  const boot = bootIdHex();
  if (!boot) {
    deps.log.warn('journal: no boot id (/proc/sys/kernel/random/boot_id); not keeping a journal');
    return undefined;
  }
  const { settings } = readJournaldConf();
  const say = (line: string): void => deps.log.warn(line);
  const storing = settings.storage !== 'none';
  // The writer serves the stream socket and reads the datagram sockets, made here before any unit
  // and handed over as its fds 4 on (its fd 3 is its questions to PID 1): the same ones at every
  // restart, so no path is ever without its socket.
  const handed: number[] = [];
  const hand = (fd: number | undefined): number | undefined => (fd === undefined ? undefined : 4 + handed.push(fd) - 1);
  const listenFd = storing ? hand(streamSocketForWriter(say)) : undefined;
  const dgram = storing ? datagramSocketsForWriter(say, deps.linkDevLog) : undefined;
  const devLogFd = hand(dgram?.devLog);
  const nativeFd = hand(dgram?.native);
  const options: WriterOptions = {
    ...deps.writerConsole,
    ...(listenFd !== undefined && { listenFd }),
    ...(devLogFd !== undefined && { devLogFd }),
    ...(nativeFd !== undefined && { nativeFd }),
  };
  const runners = deps.supervisor.runners;
  // The writer keeps the answer a while (per pid); `stat` is the sender's as the writer read it on receipt.
  const answer = (pid: number, stat?: { ppid: number; session: number }): void => {
    const unit = unitOfProcess(runners, pid, (p) => (p === pid && stat ? stat : readStat(p)));
    const s = unit !== undefined ? unitSettings(unit) : undefined;
    feed.control({ t: 'pid', pid, ...(unit !== undefined && { unit }), ...(s && { settings: s }) });
  };
  const feed = new JournalFeed({
    spawnWriter: () =>
      deps.table.spawn(process.execPath, [JOURNAL_WRITER_ARG, boot, '', JSON.stringify(options)], {
        stdio: ['pipe', 'inherit', 'inherit', 'pipe', ...handed],
      }),
    say,
    onQuestion: answer,
    onAnswer: (a) => unitStreams?.answered(a),
  });
  // Storage=none: nothing is stored (no writer), but the sockets listen and forward, as journald's do.
  if (storing) feed.start();
  // The sender's stat is read first; its unit is then looked for from it (the sender may be gone by then).
  const contexts = new SenderContexts<NonNullable<ReturnType<typeof readStat>>>(
    (pid, first) => unitOfProcess(runners, pid, (p) => (p === pid && first ? first : readStat(p))),
    undefined,
    undefined,
    readStat,
  );
  // One object per unit run, made again only when its config, main pid or run change: the sinks
  // keep a unit's lines' fixed fields for as long as they get the same object.
  const settingsCache = new Map<string, { config: unknown; mainPid: number | undefined; invocation: string; settings: UnitLogSettings }>();
  const unitSettings = (unit: string): UnitLogSettings | undefined => {
    const r = runners.get(unit);
    if (!r) {
      settingsCache.delete(unit);
      return undefined;
    }
    const c = r.config;
    const mainPid = r.state.mainPid;
    const invocation = r.invocationId;
    const hit = settingsCache.get(unit);
    if (hit && hit.config === c && hit.mainPid === mainPid && hit.invocation === invocation) return hit.settings;
    const settings: UnitLogSettings = {
      identifier: c.syslogIdentifier ?? programName(c.execStart[0]?.path, unit),
      facility: c.syslogFacility ?? 3,
      level: c.syslogLevel ?? 6,
      levelPrefix: c.syslogLevelPrefix ?? true,
      ...(c.logLevelMax !== undefined && { levelMax: c.logLevelMax }),
      extraFields: c.logExtraFields ?? [],
      ...(mainPid !== undefined && { mainPid }),
      ...(invocation !== '' && { invocation }),
    };
    settingsCache.set(unit, { config: c, mainPid, invocation, settings });
    return settings;
  };
  const forwarder = settings.forwardToSyslog ? new SyslogForwarder(SYSLOG_SOCKET) : undefined;
  const sinks = new JournalSinks({
    submit: (fields) => feed.submit(fields),
    submitText: (text) => feed.submitText(text),
    contexts,
    unitSettings,
    hostname: os.hostname(),
    rateLimit: { intervalMs: settings.rateLimitIntervalMs, burst: settings.rateLimitBurst },
    ...(forwarder && { forward: forwarder }),
    ...(deps.console && { console: deps.console }),
  });
  const unitStreams = listenFd !== undefined ? new UnitStreams({ feed, unitSettings }) : undefined;
  if (unitStreams) deps.supervisor.onChange((r) => unitStreams.unitChanged(r.name));
  let sockets: { close(): void } = { close() {} };
  // Storage=none: no writer, so PID 1 reads the sockets itself (they listen and forward, as journald's do).
  if (!storing)
    try {
      sockets = openJournalSockets(sinks, feed, say, deps.linkDevLog);
    } catch (e) {
      // /run/systemd not PID 1's own (sys/safe-create.ts): unit lines still reach the journal.
      say(`journal: not listening on ${JOURNAL_DIR}: ${(e as Error).message}`);
    }
  journalJobLines(deps.supervisor, sinks);
  return {
    sinks,
    feed,
    unitStreams,
    own: (level, message, unit) => sinks.own(LEVELS[level], message, unit),
    async close() {
      sockets.close();
      await feed.close(CLOSE_MS);
    },
  };
}

/** systemd's lines about a service's jobs, from PID 1 with UNIT=, as its state changes. */
function journalJobLines(supervisor: Supervisor, sinks: JournalSinks): void {
  const last = new Map<string, ActiveState>();
  supervisor.onChange((r) => {
    const after = activeState(r.state);
    const before = last.get(r.name) ?? 'inactive';
    last.set(r.name, after);
    if (!r.name.endsWith('.service')) return;
    const c = r.config;
    const lines = jobMessages({ unit: r.name, description: c.description, oneshot: c.type === 'oneshot', before, after, result: r.state.result, stopRequested: r.state.stopRequested });
    for (const m of lines) {
      const extra: Array<[string, string]> = [['MESSAGE_ID', m.messageId]];
      if (m.jobType) extra.push(['JOB_TYPE', m.jobType]);
      if (m.jobResult) extra.push(['JOB_RESULT', m.jobResult]);
      if (r.invocationId !== '') extra.push(['INVOCATION_ID', r.invocationId]);
      sinks.own(m.priority, m.message, r.name, extra);
    }
  });
}
