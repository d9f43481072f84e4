// A logger that also hands each line at or above info to `also` (the journal takes ts-init's
// own lines, whatever the console's verbosity), with the unit it is about when the record
// names one (as systemd's own lines carry UNIT=), unless the record says `journal: false` (a
// line the journal has in systemd's words instead). Pure wrapper.
import type { Logger } from './logger';

export type Level = 'fatal' | 'error' | 'warn' | 'info';

export function teeLogger(log: Logger, also: (level: Level, message: string, unit?: string) => void): Logger {
  const tee =
    (level: Level): Logger[Level] =>
    ((objOrMsg: object | string, msg?: string) => {
      const text = typeof objOrMsg === 'string' ? objOrMsg : msg;
      const rec = typeof objOrMsg === 'object' && objOrMsg !== null ? (objOrMsg as { unit?: unknown; journal?: unknown }) : undefined;
      const unit = rec?.unit;
      if (text !== undefined && rec?.journal !== false) also(level, text, typeof unit === 'string' ? unit : undefined);
      if (typeof objOrMsg === 'string') log[level](objOrMsg);
      else if (rec?.journal !== undefined) {
        // `journal` is for this wrapper only: the console's line does not show it.
        const { journal: _journal, ...fields } = rec;
        log[level](fields, msg);
      } else log[level](objOrMsg, msg);
    }) as Logger[Level];
  // writes: the console's (what the journal takes does not depend on it).
  return { fatal: tee('fatal'), error: tee('error'), warn: tee('warn'), info: tee('info'), debug: log.debug, trace: log.trace, writes: log.writes };
}
