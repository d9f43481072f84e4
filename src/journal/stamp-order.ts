// The writer's entries in time order. A journal file holds its entries in the order of their
// realtime stamps, and an entry stamped before the file's last one ends the file (journald's
// "time jumped backwards": journal-store.ts rotates). The writer stamps what it receives as it
// receives it, as journald does, but PID 1 stamps its own entries when it makes them, so one of
// them can reach the writer after the writer has stamped a later line of its own; in a boot that
// happened every few dozen entries, each time a new file. Such an entry of PID 1's takes the
// stamps of the one stored before it instead. The writer's own stamps are never changed: a clock
// set back still ends the file, as under journald.
import type { JournalEntry } from './entry';

export class StampOrder {
  private realtimeUsec = 0;
  private monotonicUsec = 0;

  /** An entry the writer stamped on receipt: kept as it is, and the stamps to raise others to. */
  stamped(entry: JournalEntry): JournalEntry {
    this.realtimeUsec = entry.realtimeUsec;
    this.monotonicUsec = entry.monotonicUsec;
    return entry;
  }

  /** An entry stamped by its sender: its stamps raised to the previous entry's where earlier (in place). */
  raise(entry: JournalEntry): JournalEntry {
    if (entry.realtimeUsec < this.realtimeUsec) entry.realtimeUsec = this.realtimeUsec;
    else this.realtimeUsec = entry.realtimeUsec;
    if (entry.monotonicUsec < this.monotonicUsec) entry.monotonicUsec = this.monotonicUsec;
    else this.monotonicUsec = entry.monotonicUsec;
    return entry;
  }
}
