// journald.conf's keys that decide where the journal is kept and how much of it:
// /etc/systemd/journald.conf, then its drop-ins (journald.conf.d/*.conf of /etc, /run and
// /usr/lib, a name in an earlier directory hiding the same name in a later one, applied in name
// order); a later assignment wins, and an empty value puts the key back to its default. Pure:
// the caller reads the files (journald-conf-files.ts) and gets the settings and one line per value
// it could not use.
import type { ParsedFile } from '../units/syntax';
import { parseSize } from '../units/conditions';
import { parseTimespan } from '../units/timespan';
import { parseBoolean } from '../units/values';

export type StorageMode = 'auto' | 'volatile' | 'persistent' | 'none';

/** Limits as journald.conf gives them; undefined is "journald's default" (journal-limits.ts). */
export interface JournaldSettings {
  storage: StorageMode;
  systemMaxUse?: number;
  systemKeepFree?: number;
  systemMaxFileSize?: number;
  systemMaxFiles?: number;
  runtimeMaxUse?: number;
  runtimeKeepFree?: number;
  runtimeMaxFileSize?: number;
  runtimeMaxFiles?: number;
  /** Milliseconds; 0 is off (journald's default). */
  maxRetentionMs: number;
  /** Milliseconds; journald's default is a month. */
  maxFileMs: number;
  /** RateLimitIntervalSec=, in milliseconds (0: no limit); journald's default 30 s. */
  rateLimitIntervalMs: number;
  /** RateLimitBurst= (0: no limit); journald's default 10,000. */
  rateLimitBurst: number;
  /** ForwardToSyslog=: yes on Debian (its systemd package re-enables it), where rsyslog listens. */
  forwardToSyslog: boolean;
}

export const JOURNALD_CONF = '/etc/systemd/journald.conf';
/** Drop-in directories, highest precedence first. */
export const JOURNALD_CONF_DROPIN_DIRS = ['/etc/systemd/journald.conf.d', '/run/systemd/journald.conf.d', '/usr/local/lib/systemd/journald.conf.d', '/usr/lib/systemd/journald.conf.d'];

const MONTH_MS = 2_629_800_000;

export function defaultJournaldSettings(): JournaldSettings {
  return { storage: 'auto', maxRetentionMs: 0, maxFileMs: MONTH_MS, rateLimitIntervalMs: 30_000, rateLimitBurst: 10_000, forwardToSyslog: true };
}

type SizeKey = 'systemMaxUse' | 'systemKeepFree' | 'systemMaxFileSize' | 'runtimeMaxUse' | 'runtimeKeepFree' | 'runtimeMaxFileSize';
const SIZE_KEYS: Record<string, SizeKey> = {
  SystemMaxUse: 'systemMaxUse',
  SystemKeepFree: 'systemKeepFree',
  SystemMaxFileSize: 'systemMaxFileSize',
  RuntimeMaxUse: 'runtimeMaxUse',
  RuntimeKeepFree: 'runtimeKeepFree',
  RuntimeMaxFileSize: 'runtimeMaxFileSize',
};
const COUNT_KEYS: Record<string, 'systemMaxFiles' | 'runtimeMaxFiles'> = { SystemMaxFiles: 'systemMaxFiles', RuntimeMaxFiles: 'runtimeMaxFiles' };

/** The settings of the [Journal] sections of `files` (main file first, then the drop-ins in order). */
export function journaldSettings(files: readonly ParsedFile[]): { settings: JournaldSettings; warnings: string[] } {
  const s = defaultJournaldSettings();
  const warnings: string[] = [];
  for (const f of files) {
    for (const a of f.assignments) {
      if (a.section !== 'Journal') continue;
      const where = `${a.file}:${a.line}`;
      const bad = () => warnings.push(`${where}: invalid ${a.key}=${a.value}, ignored`);
      const v = a.value.trim();
      if (a.key === 'Storage') {
        if (v === '') s.storage = 'auto';
        else if (v === 'auto' || v === 'volatile' || v === 'persistent' || v === 'none') s.storage = v;
        else bad();
      } else if (a.key in SIZE_KEYS) {
        const key = SIZE_KEYS[a.key];
        if (v === '') delete s[key];
        else {
          const n = parseSize(v);
          if (n === undefined || !Number.isFinite(n)) bad();
          else s[key] = Math.floor(n);
        }
      } else if (a.key in COUNT_KEYS) {
        const key = COUNT_KEYS[a.key];
        if (v === '') delete s[key];
        else if (/^\d+$/.test(v)) s[key] = Number(v);
        else bad();
      } else if (a.key === 'MaxRetentionSec' || a.key === 'MaxFileSec') {
        const field = a.key === 'MaxRetentionSec' ? 'maxRetentionMs' : 'maxFileMs';
        if (v === '') s[field] = defaultJournaldSettings()[field];
        else {
          const ms = parseTimespan(v);
          if (ms === undefined) bad();
          else s[field] = ms === Infinity ? 0 : ms;
        }
      } else if (a.key === 'RateLimitIntervalSec') {
        const ms = v === '' ? 30_000 : parseTimespan(v);
        if (ms === undefined) bad();
        else s.rateLimitIntervalMs = ms === Infinity ? 0 : ms;
      } else if (a.key === 'RateLimitBurst') {
        if (v === '') s.rateLimitBurst = 10_000;
        else if (/^\d+$/.test(v)) s.rateLimitBurst = Number(v);
        else bad();
      } else if (a.key === 'ForwardToSyslog') {
        const b = v === '' ? true : parseBoolean(v);
        if (b === undefined) bad();
        else s.forwardToSyslog = b;
      }
      // Other keys (Compress=, Seal=, ForwardToKMsg=, ...) are not used.
    }
  }
  return { settings: s, warnings };
}
