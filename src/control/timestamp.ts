// Timestamps as systemctl shows them: "Tue 2026-12-01 19:40:00 UTC" in local time with
// the zone's abbreviation, and the *Monotonic properties in µs of CLOCK_MONOTONIC. Pure.

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const two = (n: number): string => String(n).padStart(2, '0');

/** The zone abbreviation for a moment ("UTC", "CET", "EDT"); the numeric offset when there is none. */
function zoneName(d: Date): string {
  const offset = -d.getTimezoneOffset();
  if (offset === 0 && (process.env.TZ === undefined || /^(:?UTC|:?Etc\/UTC|:?UTC0|)$/.test(process.env.TZ))) return 'UTC';
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName');
    if (part && !/^GMT[+-]/.test(part.value)) return part.value === 'GMT' && offset === 0 ? 'UTC' : part.value;
  } catch {
    // no time zone data: the offset says it
  }
  const a = Math.abs(offset);
  return `${offset < 0 ? '-' : '+'}${two(Math.floor(a / 60))}${two(a % 60)}`;
}

/** systemd's format_timestamp(): empty for "never" (undefined or 0). */
export function formatTimestamp(ms: number | undefined): string {
  if (!ms) return '';
  const d = new Date(ms);
  return (
    `${DAYS[d.getDay()]} ${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${zoneName(d)}`
  );
}

/**
 * A wall-clock moment (ms) on CLOCK_MONOTONIC in µs, given both clocks read now;
 * "0" for never, as systemd prints it.
 */
export function monotonicUs(ms: number | undefined, nowWallMs: number, nowMonoUs: bigint): string {
  if (!ms) return '0';
  const us = nowMonoUs - BigInt(Math.round((nowWallMs - ms) * 1000));
  return String(us > 0n ? us : 0n);
}
