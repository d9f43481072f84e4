// Limit*= values: which setrlimit(2) resource each names and how systemd reads its
// value (bytes, seconds, microseconds, counts, nice levels). Pure.
import { parseTimespan } from './timespan';

function parseUnsigned(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The Limit*= settings and the setrlimit(2) resource each one sets (Linux numbering). */
export const RLIMITS = {
  CPU: 0, FSIZE: 1, DATA: 2, STACK: 3, CORE: 4, RSS: 5, NPROC: 6, NOFILE: 7, MEMLOCK: 8, AS: 9,
  LOCKS: 10, SIGPENDING: 11, MSGQUEUE: 12, NICE: 13, RTPRIO: 14, RTTIME: 15,
} as const;
export type RlimitName = keyof typeof RLIMITS;

/** How systemd reads one value of each limit: bytes with K/M/G... suffixes, seconds, µs, counts, nice levels. */
const BYTE_LIMITS = new Set<RlimitName>(['FSIZE', 'DATA', 'STACK', 'CORE', 'RSS', 'AS', 'MEMLOCK', 'MSGQUEUE']);
const BYTE_SUFFIX: Readonly<Record<string, number>> = { B: 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50, E: 2 ** 60 };

function parseLimitValue(name: RlimitName, text: string): number | undefined {
  const t = text.trim();
  if (t === 'infinity') return Infinity;
  if (BYTE_LIMITS.has(name)) {
    const m = /^(\d+(?:\.\d+)?)\s*([BKMGTPE]?)$/.exec(t);
    if (!m) return undefined;
    const n = Math.floor(Number(m[1]) * BYTE_SUFFIX[m[2] || 'B']!);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  if (name === 'CPU' || name === 'RTTIME') {
    // CPU= counts seconds (rounded up), RTTIME= microseconds; both accept time spans.
    const ms = parseTimespan(t, name === 'CPU' ? 's' : 'us');
    if (ms === undefined || !Number.isFinite(ms)) return ms;
    return name === 'CPU' ? Math.ceil(ms / 1000) : Math.round(ms * 1000);
  }
  if (name === 'NICE' && /^[+-]\d+$/.test(t)) {
    // A signed value is a nice level; the kernel's limit is 20 - nice.
    const nice = Number(t);
    return nice >= -20 && nice <= 19 ? 20 - nice : undefined;
  }
  const n = parseUnsigned(t);
  if (name === 'NICE' && n !== undefined && n > 40) return undefined;
  return n;
}

/** "N", "SOFT:HARD" and "infinity" as Limit*= takes them; a single value sets both. */
export function parseLimit(text: string, name: RlimitName = 'NOFILE'): { soft: number; hard: number } | undefined {
  const parts = text.trim().split(':');
  if (parts.length > 2) return undefined;
  const soft = parseLimitValue(name, parts[0]!);
  const hard = parts.length === 2 ? parseLimitValue(name, parts[1]!) : soft;
  if (soft === undefined || hard === undefined || soft > hard) return undefined;
  return { soft, hard };
}
