// The journal's writer: a process of its own (a face of the same executable, started by the
// rich PID 1), so that a slow, hung or full disk stalls this process and never PID 1's
// reaping, signals or control socket (ARCHITECTURE.md, "The journal store", has the
// measurements). It reads entry frames (entry-frames.ts) on stdin and stores what each read
// brings as one batch (JournalStore.appendMany); while it writes, PID 1's side of the pipe
// fills and PID 1 drops and counts, it never waits. It ends, closing the store cleanly, when
// stdin ends; SIGTERM and SIGINT are ignored, so a shutdown's last lines still get in.
import * as fs from 'node:fs';
import { readRegularFile } from '../process/bounded-file';
import { parseId128 } from './entry';
import { FrameDecoder } from './entry-frames';
import { JournalStore, readJournaldConf } from './journal-store';

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
  const decoder = new FrameDecoder(bootId);
  const input = fs.createReadStream('', { fd: 0, highWaterMark: 1 << 20 });
  input.on('data', (chunk) => {
    let entries: ReturnType<FrameDecoder['push']>;
    try {
      entries = decoder.push(chunk as Buffer);
    } catch (e) {
      say(`${(e as Error).message}: the stream is not PID 1's; stopping`);
      store?.close();
      process.exit(3);
    }
    if (store && entries.length > 0) store.appendMany(entries);
  });
  const end = (): void => {
    store?.close();
    process.exit(0);
  };
  input.on('end', end);
  input.on('error', end);
}
