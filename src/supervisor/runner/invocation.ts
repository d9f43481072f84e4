// INVOCATION_ID: 128 random bits in hex, like systemd's (node:crypto costs start-up time).
import * as fs from 'node:fs';

export function invocationId(): string {
  const b = Buffer.alloc(16);
  const fd = fs.openSync('/dev/urandom', 'r');
  try {
    fs.readSync(fd, b, 0, 16, null);
  } finally {
    fs.closeSync(fd);
  }
  return b.toString('hex');
}
