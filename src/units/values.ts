// Parsers for the value types of unit settings: booleans, modes, exit statuses (limits: rlimits.ts).

import { parseSignal } from '../sys/signals';
import type { NotifyAccess, RestartPolicy, ServiceType, UnitConfig } from './unit';

/** systemd booleans: 1/yes/y/true/t/on and 0/no/n/false/f/off, case-insensitive. */
export function parseBoolean(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (['1', 'yes', 'y', 'true', 't', 'on'].includes(t)) return true;
  if (['0', 'no', 'n', 'false', 'f', 'off'].includes(t)) return false;
  return undefined;
}

/** An octal mode such as "0755" or "022" (at most 07777). */
export function parseMode(text: string): number | undefined {
  const t = text.trim();
  if (!/^[0-7]{1,5}$/.test(t)) return undefined;
  const n = parseInt(t, 8);
  return n <= 0o7777 ? n : undefined;
}

export function parseUnsigned(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Symbolic exit status names systemd accepts in *ExitStatus= lists. */
const EXIT_STATUS_NAMES: Readonly<Record<string, number>> = {
  SUCCESS: 0, FAILURE: 1, INVALIDARGUMENT: 2, NOTIMPLEMENTED: 3, NOPERMISSION: 4, NOTINSTALLED: 5,
  NOTCONFIGURED: 6, NOTRUNNING: 7, USAGE: 64, DATAERR: 65, NOINPUT: 66, NOUSER: 67, NOHOST: 68,
  UNAVAILABLE: 69, SOFTWARE: 70, OSERR: 71, OSFILE: 72, CANTCREAT: 73, IOERR: 74, TEMPFAIL: 75,
  PROTOCOL: 76, NOPERM: 77, CONFIG: 78,
};

/**
 * One word of SuccessExitStatus= and friends: an exit code 0..255, an exit status name
 * ("TEMPFAIL") or a signal name ("SIGKILL", "KILL").
 */
export function parseExitStatusWord(word: string): { code: number } | { signal: number } | undefined {
  if (/^\d+$/.test(word)) {
    const n = Number(word);
    return n <= 255 ? { code: n } : undefined;
  }
  const named = EXIT_STATUS_NAMES[word.toUpperCase()];
  if (named !== undefined) return { code: named };
  if (!/^[A-Za-z]/.test(word)) return undefined;
  const signal = parseSignal(word);
  return signal === undefined ? undefined : { signal };
}

export const SERVICE_TYPES: readonly ServiceType[] = ['simple', 'exec', 'forking', 'oneshot', 'notify', 'notify-reload', 'idle'];
export const RESTART_POLICIES: readonly RestartPolicy[] = [
  'no', 'on-success', 'on-failure', 'on-abnormal', 'on-abort', 'on-watchdog', 'always',
];
export const KILL_MODES: readonly UnitConfig['killMode'][] = ['control-group', 'process', 'mixed', 'none'];
export const NOTIFY_ACCESS: readonly NotifyAccess[] = ['none', 'main', 'exec', 'all'];
export const JOURNAL_LIKE = new Set(['journal', 'syslog', 'kmsg', 'journal+console', 'syslog+console', 'kmsg+console']);

/** syslog's levels by name (systemd also takes the number). */
const LOG_LEVELS = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
/** syslog's facilities by name, as systemd's SyslogFacility= takes them. */
const LOG_FACILITIES: Readonly<Record<string, number>> = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9, authpriv: 10, ftp: 11,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
};

/** SyslogLevel=, LogLevelMax=: a level name or 0..7. */
export function parseLogLevel(text: string): number | undefined {
  const t = text.trim();
  if (/^[0-7]$/.test(t)) return Number(t);
  const i = LOG_LEVELS.indexOf(t);
  return i < 0 ? undefined : i;
}

/** SyslogFacility=: a facility name (the number, not shifted). */
export function parseLogFacility(text: string): number | undefined {
  return LOG_FACILITIES[text.trim()];
}

/** LogExtraFields='s FIELD=VALUE: a field name a client may set (no "_" prefix). */
export function parseExtraField(text: string): [string, string] | undefined {
  const eq = text.indexOf('=');
  if (eq <= 0) return undefined;
  const name = text.slice(0, eq);
  return /^[A-Z][A-Z0-9_]{0,63}$/.test(name) ? [name, text.slice(eq + 1)] : undefined;
}
