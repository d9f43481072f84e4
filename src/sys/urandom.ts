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
 * journal stream's key and _STREAM_ID): one open, read and close per POOL_BYTES, not per id,
 * and the block made hex once (a slice of a string is cheap in PID 1's interpreter, a
 * Buffer's toString is not). Every byte is handed out once.
 */
const POOL_BYTES = 1024;
let poolHex = '';
let poolAt = 0;

/** n random bytes as hex. */
export function urandomHex(n: number): string {
  const chars = 2 * n;
  if (poolAt + chars > poolHex.length) {
    poolHex = urandomBytes(Math.max(POOL_BYTES, n)).toString('hex');
    poolAt = 0;
  }
  const hex = poolHex.slice(poolAt, poolAt + chars);
  poolAt += chars;
  return hex;
}
