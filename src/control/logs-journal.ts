// `ts-init ctl logs [-f] UNIT` where the machine keeps a journal: a unit's output lines go
// straight to the journal's writer (sinks/writer-streams.ts), not through PID 1's ring, so the
// client reads them from this machine's journal files, as `systemctl status` reads its tail
// (status-tail.ts): this boot's entries of the unit that came on its output (_TRANSPORT=stdout),
// the last N, and with -f those appended since (polled, as journalctl -f). PID 1 never reads
// the journal for a reader.
import type { LogLine } from '../output/log-ring';
import { tailAcross } from '../journal/unit-tail';
import { currentBootId, followAppended, localJournalFiles, openSources, type Source } from '../journal/journal-sources';

function logLine(unit: string, s: Source, offset: number): LogLine | undefined {
  const e = s.reader.readEntry(offset);
  let message: Buffer | undefined;
  let identifier: string | undefined;
  for (const [name, value] of e.fields) {
    if (name === 'MESSAGE') message = value;
    else if (name === 'SYSLOG_IDENTIFIER') identifier = value.toString('utf8');
  }
  if (message === undefined) return undefined;
  return { time: Math.floor(e.realtimeUsec / 1000), unit, ...(identifier !== undefined && { identifier }), stream: 'stdout', line: message.toString('utf8') };
}

export class JournalLogs {
  private readonly sources: Source[];
  private readonly seen = new Set<string>();
  private readonly bootId = currentBootId();

  private constructor(private readonly dirs: readonly string[] | undefined) {
    this.sources = openSources(localJournalFiles(dirs), this.seen);
  }

  /** undefined when this machine has no journal file this user may read. */
  static find(dirs?: readonly string[]): JournalLogs | undefined {
    const j = new JournalLogs(dirs);
    return j.sources.length > 0 ? j : undefined;
  }

  private groups(unit: string): string[][][] {
    return [...(this.bootId ? [[[`_BOOT_ID=${this.bootId}`]]] : []), [[`_SYSTEMD_UNIT=${unit}`]], [['_TRANSPORT=stdout']]];
  }

  /** The unit's last n output lines of this boot, oldest first. */
  last(unit: string, n: number): LogLine[] {
    return tailAcross(this.sources, this.groups(unit), n).map(([s, x]) => logLine(unit, s, x)).filter((l): l is LogLine => l !== undefined);
  }

  /** Calls listener with each line the unit's output adds from now on; returns the stop. */
  follow(unit: string, listener: (l: LogLine) => void): () => void {
    const lastSeen = new Map<string, number>(this.sources.map((s) => [s.key, s.reader.lastEntryOffset()]));
    return followAppended(() => localJournalFiles(this.dirs), this.sources, this.seen, this.groups(unit), lastSeen, (s, x) => {
      const l = logLine(unit, s, x);
      if (l) listener(l);
    });
  }

  close(): void {
    for (const s of this.sources) s.reader.close();
  }
}
