// The journal's writer: a process of its own (a face of the same executable, started by the
// rich PID 1), so that a slow, hung or full disk stalls this process and never PID 1's
// reaping, signals or control socket (ARCHITECTURE.md, "The journal store", has the
// measurements). It reads entry frames (entry-frames.ts) on stdin, serves the stream
// socket PID 1 hands it (its fd 4): every unit's stdout and stderr, and systemd-cat's
// (sinks/writer-streams.ts), and reads the datagram sockets PID 1 hands it (/dev/log's and the
// native one, sinks/writer-datagrams.ts), whose lines and messages it makes entries of and shows
// on its stdout, the container log, as PID 1 would have. What a turn brings is stored as one batch
// (JournalStore.appendMany), a small turn's with the turns of the next few ms (COALESCE_MS); while it writes, PID 1's side of the pipe fills and PID 1 drops
// and counts, and the units' streams wait. It ends, closing the store cleanly, when stdin ends
// (its streams' last lines read first, for a short while); SIGTERM and SIGINT are ignored, so
// a shutdown's last lines still get in.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import { consoleLineFor } from '../output/console-policy';
import { formatLine } from '../output/service-output';
import { StdoutWriter } from '../output/stdout-writer';
import { readProcContext, SenderContexts } from '../sinks/sender-context';
import { type Fields, stampsNow } from '../sinks/journal-feed';
import { JournalSinks } from '../sinks/journal-sinks';
import { DEV_LOG_READ, MAX_STREAMS, NATIVE_READ, SYSLOG_SOCKET } from '../sinks/journal-sockets';
import { SyslogForwarder } from '../sinks/syslog-forward';
import { type DatagramKind, WriterDatagrams } from '../sinks/writer-datagrams';
import { type StreamControl, WriterStreams } from '../sinks/writer-streams';
import { DatagramSockets } from '../sockets/datagram-sockets';
import { readStat } from '../process/proc';
import { readRegularFile } from '../process/bounded-file';
import { exitImmediately } from '../sys/libc';
import { type JournalEntry, parseId128, type SharedFields } from './entry';
import { FrameDecoder, textFrameOf } from './entry-frames';
import { JournalStore } from './journal-store';
import { StampOrder } from './stamp-order';
import { readJournaldConf } from './journald-conf-files';
import type { WriterOptions } from './journal-writer-arg';

/** How long the streams' last lines are waited for once PID 1 ends the writer's input. */
const STREAMS_END_MS = 1000;
/** Once this long has passed without a new connection, the backlog is taken to be empty. */
const ACCEPT_QUIET_MS = 50;
/** Text frames decoded into entries at this size at the latest (else at the end of the turn). */
const TEXT_BATCH_CHARS = 1 << 20;
/** Lines for the container log written at this size at the latest (else at the end of the turn). */
const ECHO_BATCH_CHARS = 1 << 18;
/**
 * A turn that brings fewer entries than this is stored (and its container log lines written)
 * up to COALESCE_MS later, with the turns after it: a syslog flood comes a few datagrams a turn
 * (the kernel queues 10 per socket), and each batch costs the store its writes (the entries'
 * links, the header) and the container log its write, whatever its size.
 */
const COALESCE_ENTRIES = 256;
const COALESCE_MS = 5;

/** Lines on stderr (the container log) without making process.stderr, which would set the shared pipe non-blocking. */
function say(line: string): void {
  try {
    fs.writeSync(2, `ts-init journal: ${line}\n`);
  } catch {
    // stderr full or gone: the line is lost, the journal goes on
  }
}

/** The machine id the files are named for: /etc/machine-id, else the boot id (as a last resort). */
function machineId(root: string, bootId: Buffer): Buffer {
  for (const f of ['/etc/machine-id', '/run/machine-id']) {
    const r = readRegularFile(root + f, 4096);
    const id = r.ok ? parseId128(r.text) : undefined;
    if (id && !id.every((b) => b === 0)) return id;
  }
  return bootId;
}

export function journalWriterMain(argv: readonly string[]): void {
  process.title = 'ts-init-journal';
  for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGPIPE'] as const) process.on(s, () => {});
  const bootId = parseId128(argv[0] ?? '');
  const root = argv[1] ?? '';
  if (!bootId) {
    say('no boot id given; not writing');
    process.exit(2);
  }
  const conf = readJournaldConf(root);
  for (const w of conf.warnings) say(w);
  const store = JournalStore.open({ machineId: machineId(root, bootId), settings: conf.settings, root, warn: say });
  let options: Partial<WriterOptions> = {};
  try {
    options = JSON.parse(argv[2] ?? '{}') as Partial<WriterOptions>;
  } catch {
    // none: nothing is shown, no socket served
  }
  // What a turn brings (PID 1's frames, the streams' lines) is stored as one batch.
  let batch: JournalEntry[] = [];
  // In time order whatever the order they arrive in (PID 1's entries are stamped before they are sent).
  const order = new StampOrder();
  let flushQueued = false;
  let flushTimer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    flushQueued = false;
    clearTimeout(flushTimer);
    flushTimer = undefined;
    textToBatch();
    const entries = batch;
    batch = [];
    if (store && entries.length > 0) store.appendMany(entries);
  };
  // At the end of the turn: stored then if the batch is large, else within COALESCE_MS.
  const endOfTurn = (): void => {
    flushQueued = false;
    if (batch.length + (text.length > 0 ? 1 : 0) >= COALESCE_ENTRIES || text.length >= TEXT_BATCH_CHARS / 4) flush();
    else if (flushTimer === undefined) flushTimer = setTimeout(flush, COALESCE_MS);
  };
  const queue = (): void => {
    if (flushQueued) return;
    flushQueued = true;
    setImmediate(endOfTurn);
  };
  // Entries made as text (JournalSinks's submitText, where submitShared is not taken) are
  // framed and decoded a batch at a time, as PID 1's.
  let text = '';
  const textDecoder = new FrameDecoder(bootId);
  const textToBatch = (): void => {
    if (text.length === 0) return;
    for (const e of textDecoder.push(Buffer.from(text, 'utf8'))) batch.push(order.stamped(e));
    text = '';
  };
  // An entry's fields, and for a unit's line or a sender's message its shared ones, stored as they are.
  const addShared = (fields: Fields, shared?: SharedFields): void => {
    textToBatch();
    const { realtimeUsec, monotonicUsec } = stampsNow();
    batch.push(order.stamped(shared ? { fields, shared, realtimeUsec, monotonicUsec, bootId: bootId! } : { fields, realtimeUsec, monotonicUsec, bootId: bootId! }));
    queue();
  };
  const add = (fields: Fields): void => addShared(fields);
  const addText = (fieldsText: string): void => {
    const s = stampsNow();
    text += textFrameOf(fieldsText, s.realtimeUsec, s.monotonicUsec);
    if (text.length >= TEXT_BATCH_CHARS) textToBatch();
    queue();
  };
  const streams = serveSockets(options, add, addText, addShared);
  const decoder = new FrameDecoder(bootId, (m) => streams?.control(m as StreamControl));
  const input = fs.createReadStream('', { fd: 0, highWaterMark: 1 << 20 });
  input.on('data', (chunk) => {
    let entries: ReturnType<FrameDecoder['push']>;
    try {
      entries = decoder.push(chunk as Buffer);
    } catch (e) {
      say(`${(e as Error).message}: the stream is not PID 1's; stopping`);
      flush();
      store?.close();
      exitImmediately(3);
    }
    if (entries.length > 0) textToBatch();
    for (const e of entries) batch.push(order.raise(e));
    if (entries.length > 0) queue();
  });
  let ending = false;
  const end = (): void => {
    if (ending) return;
    ending = true;
    const done = async (): Promise<void> => {
      flush();
      store?.close();
      await streams?.echo.flushed(STREAMS_END_MS);
      // _exit: the runtime's exit would join its thread pool, where the datagram sockets' poll(2) waits for ever.
      exitImmediately(0);
    };
    if (!streams) return void done();
    streams.close(STREAMS_END_MS).then(done, done);
  };
  input.on('end', end);
  input.on('error', end);
}

/**
 * The sockets handed over: the stream socket on options.listenFd, served (sinks/writer-streams.ts),
 * and the datagram sockets (/dev/log's, the native one's) read (sinks/writer-datagrams.ts), with
 * what their entries need: the sinks (entries, the rate limit, forwarding to a syslog daemon),
 * the container log (this process's stdout) and PID 1's answers (on fd 3).
 */
function serveSockets(options: Partial<WriterOptions>, add: (fields: Fields) => void, addText: (fieldsText: string) => void, addShared: (own: Fields, shared: SharedFields) => void): { control(m: StreamControl): void; close(ms: number): Promise<void>; echo: { flushed(ms: number): Promise<number> } } | undefined {
  if (options.listenFd === undefined && options.devLogFd === undefined && options.nativeFd === undefined) return undefined;
  const { settings } = readJournaldConf();
  const policy = { mode: options.consoleMode ?? 'cmd', maxLevel: options.consoleMaxLevel ?? 6 };
  const format = options.logFormat ?? 'text';
  const stdout = new StdoutWriter(1);
  // A turn's lines for the container log go out as one write (made COALESCE_MS after the first,
  // with the turns' after it, or at ECHO_BATCH_CHARS): one call into the queue per batch, not per line.
  let echoText = '';
  let echoLines = 0;
  let echoQueued = false;
  const echoOut = (): void => {
    echoQueued = false;
    if (echoText.length === 0) return;
    const t = echoText;
    const n = echoLines;
    echoText = '';
    echoLines = 0;
    stdout.write(t, n);
  };
  const echoLine = (line: string): void => {
    echoText += line;
    echoLines++;
    if (echoText.length >= ECHO_BATCH_CHARS) echoOut();
    else if (!echoQueued) {
      echoQueued = true;
      setTimeout(echoOut, COALESCE_MS);
    }
  };
  const echo = { full: () => stdout.full(), onRoom: (then: () => void) => stdout.onRoom(then), flushed: (ms: number) => (echoOut(), stdout.flushed(ms)) };
  const questions = new net.Socket({ fd: 3, readable: false, writable: true });
  questions.on('error', () => {});
  // With the sender's parent and session, read now: PID 1 finds its unit from them even once it is gone.
  const ask = (pid: number): void => {
    const st = readStat(pid);
    questions.write(st ? `${pid} ${st.ppid} ${st.session}\n` : `${pid}\n`);
  };
  let writerStreams: WriterStreams | undefined;
  const contexts = new SenderContexts((pid) => writerStreams?.unitOf(pid), readProcContext);
  const forwarder = settings.forwardToSyslog ? new SyslogForwarder(SYSLOG_SOCKET) : undefined;
  const sinks = new JournalSinks({
    submit: add,
    submitText: addText,
    submitShared: addShared,
    contexts,
    unitSettings: (unit) => writerStreams?.unitSettings(unit),
    hostname: os.hostname(),
    rateLimit: { intervalMs: settings.rateLimitIntervalMs, burst: settings.rateLimitBurst },
    ...(forwarder && { forward: forwarder }),
    console: (fields) => {
      const line = consoleLineFor(fields, policy, format);
      if (line !== undefined) echoLine(line);
    },
    ownPid: process.ppid,
  });
  const ws = new WriterStreams({
    sinks,
    echo: {
      line: (unit, identifier, stream, line) => echoLine(formatLine({ time: Date.now(), unit, ...(identifier !== undefined && { identifier }), stream, line }, format)),
      full: echo.full,
      onRoom: echo.onRoom,
    },
    ask,
    answer: (a) => questions.write(`${JSON.stringify(a)}\n`),
    pid1: process.ppid,
  });
  writerStreams = ws;
  const datagrams = readDatagrams(options, sinks, contexts, ws, ask, echo);
  const sockets = new Set<net.Socket>();
  let lastAcceptMs = 0;
  const server = net.createServer((socket) => {
    lastAcceptMs = Date.now();
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    ws.accept(socket);
  });
  server.maxConnections = MAX_STREAMS;
  server.on('error', (e) => say(`/run/systemd/journal/stdout: ${e.message}`));
  if (options.listenFd !== undefined) server.listen({ fd: options.listenFd });
  else lastAcceptMs = -Infinity;
  return {
    control: (m) => {
      ws.control(m);
      if (m?.t === 'pid') datagrams?.pidAnswered();
    },
    echo,
    // The streams' last lines: connections still in the backlog (a unit that printed and ended
    // before this writer ran) are taken first, then each open one is read to its end.
    close(ms) {
      const deadline = Date.now() + ms;
      return new Promise((resolve) => {
        const check = (): void => {
          const quiet = Date.now() - lastAcceptMs >= ACCEPT_QUIET_MS;
          if ((quiet && sockets.size === 0) || Date.now() >= deadline) {
            server.close();
            datagrams?.release();
            resolve();
          } else setTimeout(check, 10);
        };
        setTimeout(check, ACCEPT_QUIET_MS);
      });
    },
  };
}

/**
 * The datagram sockets handed over (options.devLogFd, options.nativeFd), read as PID 1 read
 * them before: /dev/log DEV_LOG_BATCH datagrams per recvmmsg(2); neither while datagrams wait
 * for PID 1's answers beyond their bound or the container log is behind (their senders wait in
 * the kernel).
 */
function readDatagrams(
  options: Partial<WriterOptions>,
  sinks: JournalSinks,
  contexts: SenderContexts,
  streams: WriterStreams,
  ask: (pid: number) => void,
  echo: { full(): boolean; onRoom(then: () => void): void },
): WriterDatagrams | undefined {
  if (options.devLogFd === undefined && options.nativeFd === undefined) return undefined;
  const datagrams = new WriterDatagrams({ sinks, contexts, answered: (pid) => streams.answered(pid), ask });
  const waitFor = {
    full: () => datagrams.full() || echo.full(),
    onRoom: (then: () => void) => datagrams.onRoom(() => echo.onRoom(then)),
  };
  const sockets = new DatagramSockets();
  const adopt = (fd: number | undefined, read: { maxBytes: number; batch?: number }, kind: DatagramKind): void => {
    if (fd === undefined) return;
    try {
      sockets.adopt(fd, { ...read, waitFor }, (d) => datagrams.take(kind, d));
    } catch (e) {
      say(`cannot read the datagram socket on fd ${fd}: ${(e as Error).message}`);
    }
  };
  adopt(options.devLogFd, DEV_LOG_READ, 'syslog');
  adopt(options.nativeFd, NATIVE_READ, 'native');
  return datagrams;
}
