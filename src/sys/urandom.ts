// Random bytes from /dev/urandom: node:crypto costs start-up time and memory PID 1 need not pay.
import * as fs from 'node:fs';

export function urandomBytes(n: number): Buffer {
  const b = Buffer.alloc(n);
  const fd = fs.openSync('/dev/urandom', 'r');
  try {
    let got = 0;
    while (got < n) got += fs.readSync(fd, b, got, n - got, null);
  } finally {
    fs.closeSync(fd);
  }
  return b;
}

/**
 * Bytes taken from /dev/urandom a block at a time for the ids made per command started (a
 * journal stream's key and _STREAM_ID): one open, read and close per POOL_BYTES, not per id.
 * Every byte is handed out once.
 */
const POOL_BYTES = 1024;
let pool: Buffer | undefined;
let poolAt = 0;

/** n random bytes as hex. */
export function urandomHex(n: number): string {
  if (!pool || poolAt + n > pool.length) {
    pool = urandomBytes(Math.max(POOL_BYTES, n));
    poolAt = 0;
  }
  const hex = pool.toString('hex', poolAt, poolAt + n);
  pool.fill(0, poolAt, poolAt + n);
  poolAt += n;
  return hex;
}
