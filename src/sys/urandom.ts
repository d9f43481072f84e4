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
