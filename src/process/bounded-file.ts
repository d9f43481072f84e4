// Opening and reading files that a unit or an operator names (unit files,
// EnvironmentFile=, PIDFile=, StandardOutput=file:) without ever blocking PID 1 or
// reading without a bound: opened O_NONBLOCK (a FIFO without a writer or reader
// cannot hang the open), checked with fstat on the open fd (no check-then-open race),
// and read only up to a limit (/dev/zero cannot grow PID 1).
import * as fs from 'node:fs';
import { clearNonBlocking } from '../sys/libc';

const { O_RDONLY, O_WRONLY, O_CREAT, O_APPEND, O_TRUNC, O_NONBLOCK, O_NOCTTY } = fs.constants;

/** owner: the file's uid (systemd trusts a root-owned PID file more). */
export type BoundedRead = { ok: true; text: string; owner: number } | { ok: false; code?: string; message: string };

function kindOf(st: fs.Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  return 'not a regular file';
}

/**
 * Where text is read before it is decoded (the decoded string is a copy): a boot reads
 * thousands of unit files, and a buffer of its own for each (a new ArrayBuffer: too large for
 * the runtime's pool) cost a third of their reading. Never handed out.
 */
let scratch: Buffer | undefined;
const SCRATCH_BYTES = 16 * 1024 + 1;

type Refusal = { ok: false; code?: string; message: string };

/** Reads a regular file of at most maxBytes as UTF-8; anything else is refused with a reason. */
export function readRegularFile(file: string, maxBytes: number): BoundedRead {
  const fd = openForReading(file);
  if (typeof fd !== 'number') return fd;
  try {
    return readRegularFd(fd, maxBytes);
  } finally {
    fs.closeSync(fd);
  }
}

/** readRegularFile on an fd the caller opened (O_NONBLOCK) and closes: the file that fd is. */
export function readRegularFd(fd: number, maxBytes: number): BoundedRead {
  const r = fill(fd, maxBytes, true);
  return r.ok ? { ok: true, text: r.buf.toString('utf8', 0, r.got), owner: r.owner } : r;
}

/** readRegularFile's bytes as they are (a credential may be binary). */
export function readRegularFileBytes(file: string, maxBytes: number): BoundedBytes {
  const fd = openForReading(file);
  if (typeof fd !== 'number') return fd;
  try {
    const r = fill(fd, maxBytes, false);
    return r.ok ? { ok: true, data: r.buf.subarray(0, r.got), owner: r.owner } : r;
  } finally {
    fs.closeSync(fd);
  }
}

export type BoundedBytes = { ok: true; data: Buffer; owner: number } | Refusal;

function openForReading(file: string): number | Refusal {
  try {
    return fs.openSync(file, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { ok: false, code: e.code, message: e.code === 'ENOENT' ? 'no such file' : e.message };
  }
}

/** The file's bytes, the first `got` of `buf`; `text`: read into the scratch buffer, to be decoded before anything else reads. */
function fill(fd: number, maxBytes: number, text: boolean): { ok: true; buf: Buffer; got: number; owner: number } | Refusal {
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { ok: false, code: 'EINVAL', message: `${kindOf(st)}, not a regular file` };
    if (st.size > maxBytes) return { ok: false, code: 'EFBIG', message: `larger than ${maxBytes} bytes` };
    // The size may change under us: read at most one byte more than allowed to tell.
    const size = Math.min(maxBytes, Math.max(st.size, 4096)) + 1;
    const buf = text && size <= SCRATCH_BYTES ? (scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES)) : Buffer.allocUnsafe(size);
    let got = 0;
    for (;;) {
      const want = size - got;
      const n = fs.readSync(fd, buf, got, want, got);
      if (n === 0) break;
      got += n;
      if (got > maxBytes) return { ok: false, code: 'EFBIG', message: `larger than ${maxBytes} bytes` };
      if (got === size) break;
      // A short read that brought all fstat counted is the end of the file: no read more to
      // hear it (a boot reads thousands of unit files; a read is some microseconds). Files
      // whose size says nothing (/proc's are 0) are read until a read brings nothing.
      if (st.size > 0 && n < want && got >= st.size) break;
    }
    return { ok: true, buf, got, owner: st.uid };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { ok: false, code: e.code, message: e.message };
  }
}

export type OutputMode = 'file' | 'append' | 'truncate';

/**
 * Opens a StandardOutput=/StandardError= file for a child to write: a regular file
 * (created if missing) or a character device (/dev/null, /dev/console). A FIFO, socket
 * or directory is refused: a FIFO without a reader would block the open, one with a
 * reader the unit's output. Throws an Error whose message says why.
 */
export function openOutputFile(file: string, mode: OutputMode): number {
  const flags = O_WRONLY | O_CREAT | O_NONBLOCK | O_NOCTTY | (mode === 'append' ? O_APPEND : mode === 'truncate' ? O_TRUNC : 0);
  let fd: number;
  try {
    fd = fs.openSync(file, flags, 0o644);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(e.code === 'ENXIO' ? `${file} is a FIFO with no reader` : e.message);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() && !st.isCharacterDevice()) throw new Error(`${file} is ${kindOf(st)}, not a regular file or device`);
    clearNonBlocking(fd); // the child gets an ordinary, blocking fd
    return fd;
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}
