// The argument that makes the executable the journal's writer (journal-writer-main.ts): its
// own file, so main.ts can dispatch on it without loading the writer.
export const JOURNAL_WRITER_ARG = '--ts-init-journal-writer';

/** What PID 1 tells the writer when it starts it (its third argument, JSON). */
export interface WriterOptions {
  /** --log-console and --log-console-max-level, for the units' lines and messages the writer shows on its stdout (the container log). */
  consoleMode: 'all' | 'units' | 'cmd';
  consoleMaxLevel: number;
  logFormat: 'text' | 'json';
  /** The stream socket (/run/systemd/journal/stdout), listening, which the writer serves. */
  listenFd?: number;
  /** /dev/log's socket (/run/systemd/journal/dev-log) and the native one (/run/systemd/journal/socket), bound, which the writer reads. */
  devLogFd?: number;
  nativeFd?: number;
}
