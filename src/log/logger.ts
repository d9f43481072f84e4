// ts-init's own log: pino, written synchronously to stderr (no worker-thread
// transports in PID 1). Quiet by default like tini: warnings and errors only.
import type pino from 'pino';
import type { LogFormat } from '../cli/options';
import { stderrLines, type StderrLines } from './stderr-lines';

type LogFn = {
  (obj: object, msg?: string): void;
  (msg: string): void;
};

/** The part of pino's logger ts-init uses. */
export interface Logger {
  fatal: LogFn;
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
  trace: LogFn;
  /**
   * Whether the console writes lines of that level: a caller that builds a line per unit for the
   * console alone (journal: false) skips the work when it would be dropped. Absent: assume it does.
   */
  writes?: (level: pino.Level) => boolean;
}

const LEVEL_VALUES: Record<pino.Level, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/** tini's verbosity scale: 0 errors, 1 warnings (default), 2 info, 3 debug, 4+ trace. */
export function levelForVerbosity(verbosity: number): pino.Level {
  const levels: pino.Level[] = ['error', 'warn', 'info', 'debug', 'trace'];
  return levels[Math.max(0, Math.min(verbosity, levels.length - 1))]!;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const HIDDEN = new Set(['level', 'time', 'msg', 'name']);

/** Renders pino's JSON record as one readable line: "[WARN  ts-init] message key=value". */
export function formatTextRecord(json: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const level = (LEVEL_NAMES[rec.level as number] ?? 'LOG').padEnd(5);
  const extras = Object.entries(rec)
    .filter(([k]) => !HIDDEN.has(k))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return `[${level} ts-init] ${String(rec.msg ?? '')}${extras.length ? ' ' + extras.join(' ') : ''}\n`;
}

/** The line that says how many of ts-init's own lines a slow stderr reader cost. */
function droppedRecord(text: boolean): (n: number) => string {
  const msg = (n: number): string => `${n} log lines dropped: stderr is not keeping up`;
  if (text) return (n) => `[WARN  ts-init] ${msg(n)}\n`;
  return (n) => `${JSON.stringify({ level: LEVEL_VALUES.warn, time: new Date().toISOString(), name: 'ts-init', msg: msg(n) })}\n`;
}

/** The text line of a record that has nothing but a level and a message. */
export function textLine(level: number, msg: string): string {
  return `[${(LEVEL_NAMES[level] ?? 'LOG').padEnd(5)} ts-init] ${msg}\n`;
}

class SyncFdStream {
  private readonly out: StderrLines;
  constructor(
    fd: number,
    private readonly text: boolean,
  ) {
    // A closed or full stderr must never take PID 1 down, nor lose lines silently.
    this.out = stderrLines(fd, droppedRecord(text));
  }
  write(chunk: string): boolean {
    this.out.write(this.text ? formatTextRecord(chunk) : chunk);
    return true;
  }
}

/**
 * pino is loaded on the first record that passes the level, not at start-up: a
 * quiet run (the default) never pays for loading it.
 */
export function createLogger(verbosity: number, format: LogFormat, fd = 2): Logger {
  const level = levelForVerbosity(verbosity);
  const threshold = LEVEL_VALUES[level];
  let real: pino.Logger | undefined;
  const make = (): pino.Logger => {
    const p = require('pino') as typeof pino;
    return p(
      {
        level,
        base: format === 'json' ? { name: 'ts-init' } : undefined,
        timestamp: format === 'json' ? p.stdTimeFunctions.isoTime : false,
      },
      new SyncFdStream(fd, format === 'text'),
    );
  };
  const text = format === 'text' ? new SyncFdStream(fd, false) : undefined;
  const method = (name: pino.Level): LogFn =>
    ((objOrMsg: object | string, msg?: string) => {
      if (LEVEL_VALUES[name] < threshold) return;
      // A bare message in text format is the line formatTextRecord makes of pino's record
      // ({"level":N,"msg":...}, nothing else): write it without loading pino, which would
      // cost a plain run (the "not PID 1" warning, say) several milliseconds.
      if (text && typeof objOrMsg === 'string') {
        text.write(textLine(LEVEL_VALUES[name], objOrMsg));
        return;
      }
      real ??= make();
      if (typeof objOrMsg === 'string') real[name](objOrMsg);
      else real[name](objOrMsg, msg);
    }) as LogFn;
  return {
    fatal: method('fatal'),
    error: method('error'),
    warn: method('warn'),
    info: method('info'),
    debug: method('debug'),
    trace: method('trace'),
    writes: (name) => LEVEL_VALUES[name] >= threshold,
  };
}
