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
