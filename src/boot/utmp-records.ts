// The records systemd-update-utmp writes, as bytes: the boot record (`who -b`, `last -x
// reboot`), the runlevel record (`who -r`, `runlevel`) and the shutdown record (`last -x
// shutdown`), in glibc's struct utmp of x86_64 (384 bytes; 32-bit ut_session and ut_tv, as
// __WORDSIZE_TIME64_COMPAT32 makes them). Which slot of utmp a record takes is also decided
// here: utmp holds one record of each of these types (glibc's pututxline finds the first of
// the same ut_type and writes over it), wtmp appends. Pure.

export const UTMP_RECORD_SIZE = 384;
export const RUN_LVL = 1;
export const BOOT_TIME = 2;

/** Field offsets of glibc's struct utmp on x86_64. */
const AT = { type: 0, pid: 4, line: 8, id: 40, user: 44, host: 76, session: 336, tvSec: 340, tvUsec: 344 } as const;
const SIZE = { line: 32, id: 4, user: 32, host: 256 } as const;

export interface UtmpRecord {
  type: number;
  pid: number;
  line: string;
  id: string;
  user: string;
  host: string;
  /** Microseconds since the epoch. */
  timeUs: bigint;
}

function putString(buf: Buffer, at: number, size: number, text: string): void {
  // strncpy: truncated to the field, NUL-padded, no NUL when it fills the field.
  buf.write(text, at, Math.min(size, Buffer.byteLength(text)), 'utf8');
}

export function encodeRecord(r: UtmpRecord): Buffer {
  const buf = Buffer.alloc(UTMP_RECORD_SIZE);
  buf.writeInt16LE(r.type, AT.type);
  buf.writeInt32LE(r.pid, AT.pid);
  putString(buf, AT.line, SIZE.line, r.line);
  putString(buf, AT.id, SIZE.id, r.id);
  putString(buf, AT.user, SIZE.user, r.user);
  putString(buf, AT.host, SIZE.host, r.host);
  // ut_tv's seconds are 32 bits wide in this layout (signed: until 2038).
  buf.writeInt32LE(Number(r.timeUs / 1_000_000n) | 0, AT.tvSec);
  buf.writeInt32LE(Number(r.timeUs % 1_000_000n), AT.tvUsec);
  return buf;
}

function getString(buf: Buffer, at: number, size: number): string {
  const end = buf.indexOf(0, at);
  return buf.toString('utf8', at, end < 0 || end > at + size ? at + size : end);
}

export function decodeRecord(buf: Buffer, at = 0): UtmpRecord {
  return {
    type: buf.readInt16LE(at + AT.type),
    pid: buf.readInt32LE(at + AT.pid),
    line: getString(buf, at + AT.line, SIZE.line),
    id: getString(buf, at + AT.id, SIZE.id),
    user: getString(buf, at + AT.user, SIZE.user),
    host: getString(buf, at + AT.host, SIZE.host),
    timeUs: BigInt(buf.readInt32LE(at + AT.tvSec)) * 1_000_000n + BigInt(buf.readInt32LE(at + AT.tvUsec)),
  };
}

/** systemd's init_entry(): the kernel release as the host, "~" as the line, "~~" as the id. */
function entry(type: number, user: string, timeUs: bigint, release: string, pid = 0): UtmpRecord {
  return { type, pid, line: '~', id: '~~', user, host: release, timeUs };
}

/** The boot: BOOT_TIME, user "reboot", at the time the init started. */
export function bootRecord(timeUs: bigint, release: string): UtmpRecord {
  return entry(BOOT_TIME, 'reboot', timeUs, release);
}

/**
 * The runlevel reached (a character, '3' for multi-user.target, '5' for graphical.target),
 * with the previous one in the second byte of ut_pid; undefined when it has not changed.
 */
export function runlevelRecord(timeUs: bigint, release: string, runlevel: number, previous: number): UtmpRecord | undefined {
  if (runlevel === previous) return undefined;
  return entry(RUN_LVL, 'runlevel', timeUs, release, (runlevel & 0xff) | ((previous & 0xff) << 8));
}

/** The shutdown: RUN_LVL, user "shutdown". */
export function shutdownRecord(timeUs: bigint, release: string): UtmpRecord {
  return entry(RUN_LVL, 'shutdown', timeUs, release);
}

/** Where in utmp's bytes a record of this type goes: over the first of its type, else after the last whole record. */
export function utmpSlot(file: Buffer, type: number): number {
  const whole = file.length - (file.length % UTMP_RECORD_SIZE);
  for (let at = 0; at < whole; at += UTMP_RECORD_SIZE) {
    if (file.readInt16LE(at + AT.type) === type) return at;
  }
  return whole;
}

/** The runlevel utmp's RUN_LVL record holds (ut_pid's low byte), 0 when there is none. */
export function currentRunlevel(file: Buffer): number {
  const at = utmpSlot(file, RUN_LVL);
  return at + UTMP_RECORD_SIZE <= file.length ? file.readInt32LE(at + AT.pid) & 0xff : 0;
}

/** The runlevel character of the target the boot reached (systemd-update-utmp's table). */
export function runlevelOfTarget(target: string): number | undefined {
  const table: Record<string, string> = { 'graphical.target': '5', 'multi-user.target': '3', 'rescue.target': '1' };
  return table[target]?.charCodeAt(0);
}
