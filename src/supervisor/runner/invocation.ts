// INVOCATION_ID: 128 random bits in hex, like systemd's (node:crypto costs start-up time).
// The bits come from /dev/urandom 64 ids at a time: a boot that starts a thousand units
// (timers) opened, read and closed it a thousand times.
import * as fs from 'node:fs';

const ID_BYTES = 16;
const POOL_IDS = 64;
let pool = Buffer.alloc(0);
let next = 0;

export function invocationId(): string {
  if (next >= pool.length) {
    const fresh = Buffer.alloc(ID_BYTES * POOL_IDS);
    const fd = fs.openSync('/dev/urandom', 'r');
    try {
      let got = 0;
      while (got < fresh.length) {
        const n = fs.readSync(fd, fresh, got, fresh.length - got, null);
        if (n === 0) throw new Error('/dev/urandom ended');
        got += n;
      }
    } finally {
      fs.closeSync(fd);
    }
    pool = fresh;
    next = 0;
  }
  const id = pool.toString('hex', next, next + ID_BYTES);
  next += ID_BYTES;
  return id;
}
