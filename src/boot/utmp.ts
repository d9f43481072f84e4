// systemd-update-utmp's work under ts-init: the boot record once tmpfiles.d has made /run/utmp,
// the runlevel record once the boot's targets are reached, the shutdown record once the units
// have stopped. As systemd does, a file that is absent is left absent (utmp and wtmp are
// "disabled" then) and nothing is fatal. Files are opened without following a symlink and must
// be regular files; the layout is x86_64 glibc's, so on other machines nothing is written.
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { Logger } from '../log/logger';
import {
  bootRecord,
  currentRunlevel,
  encodeRecord,
  runlevelOfTarget,
  runlevelRecord,
  shutdownRecord,
  UTMP_RECORD_SIZE,
  utmpSlot,
  type UtmpRecord,
} from './utmp-records';

const { O_RDWR, O_WRONLY, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY } = fs.constants;
/** utmp never holds more than a few hundred records; a larger file is not read whole. */
const MAX_UTMP_BYTES = 1 << 20;

export interface UtmpFiles {
  utmp: string;
  wtmp: string;
}

export const UTMP_FILES: UtmpFiles = { utmp: '/run/utmp', wtmp: '/var/log/wtmp' };

/** Whether this machine's struct utmp is the one utmp-records.ts writes. */
export function utmpLayoutKnown(arch = process.arch): boolean {
  return arch === 'x64';
}

function openRecordFile(file: string, flags: number): number | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, flags | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (!fs.fstatSync(fd).isFile()) {
    fs.closeSync(fd);
    throw new Error(`${file} is not a regular file`);
  }
  return fd;
}

function readWhole(fd: number): Buffer {
  const size = Math.min(fs.fstatSync(fd).size, MAX_UTMP_BYTES);
  const buf = Buffer.alloc(size);
  let got = 0;
  while (got < size) {
    const n = fs.readSync(fd, buf, got, size - got, got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/** pututxline: over the first record of the same type, or after the last whole one. */
function putUtmp(file: string, r: UtmpRecord): void {
  const fd = openRecordFile(file, O_RDWR);
  if (fd === undefined) return;
  try {
    const at = utmpSlot(readWhole(fd), r.type);
    fs.writeSync(fd, encodeRecord(r), 0, UTMP_RECORD_SIZE, at);
  } finally {
    fs.closeSync(fd);
  }
}

/** updwtmpx: appended, after the last whole record (a torn tail is cut off first). */
function appendWtmp(file: string, r: UtmpRecord): void {
  const fd = openRecordFile(file, O_WRONLY);
  if (fd === undefined) return;
  try {
    const size = fs.fstatSync(fd).size;
    const at = size - (size % UTMP_RECORD_SIZE);
    if (at !== size) fs.ftruncateSync(fd, at);
    fs.writeSync(fd, encodeRecord(r), 0, UTMP_RECORD_SIZE, at);
  } finally {
    fs.closeSync(fd);
  }
}

function writeBoth(log: Logger, what: string, r: UtmpRecord, files: UtmpFiles): void {
  if (!utmpLayoutKnown()) return;
  for (const [file, put] of [[files.utmp, putUtmp], [files.wtmp, appendWtmp]] as const) {
    try {
      put(file, r);
    } catch (err) {
      log.warn(`cannot write the ${what} record to ${file}: ${(err as Error).message}`);
    }
  }
}

const usOf = (ms: number): bigint => BigInt(Math.round(ms * 1000));

/** `systemd-update-utmp reboot`: the boot, at the time PID 1 started. */
export function writeBootRecord(log: Logger, startedAtMs: number, files = UTMP_FILES): void {
  writeBoth(log, 'boot', bootRecord(usOf(startedAtMs), os.release()), files);
}

/** `systemd-update-utmp runlevel`: the first of graphical, multi-user and rescue.target that is active. */
export function writeRunlevelRecord(log: Logger, activeTargets: ReadonlySet<string>, files = UTMP_FILES, nowMs = Date.now()): void {
  const target = ['graphical.target', 'multi-user.target', 'rescue.target'].find((t) => activeTargets.has(t));
  const runlevel = target && runlevelOfTarget(target);
  if (!runlevel || !utmpLayoutKnown()) return;
  let previous = 0;
  try {
    const fd = openRecordFile(files.utmp, fs.constants.O_RDONLY);
    if (fd !== undefined) {
      try {
        previous = currentRunlevel(readWhole(fd));
      } finally {
        fs.closeSync(fd);
      }
    }
  } catch (err) {
    log.warn(`cannot read the runlevel from ${files.utmp}: ${(err as Error).message}`);
    return;
  }
  const r = runlevelRecord(usOf(nowMs), os.release(), runlevel, previous);
  if (r) writeBoth(log, 'runlevel', r, files);
}

/** `systemd-update-utmp shutdown`. */
export function writeShutdownRecord(log: Logger, files = UTMP_FILES, nowMs = Date.now()): void {
  writeBoth(log, 'shutdown', shutdownRecord(usOf(nowMs), os.release()), files);
}
