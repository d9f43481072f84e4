import * as fs from 'node:fs';

/** fs.writeSync can write less than asked on a pipe; loop until everything is out. */
export function writeAll(fd: number, text: string | Uint8Array): void {
  let buf = typeof text === 'string' ? Buffer.from(text) : text;
  while (buf.length > 0) {
    const n = fs.writeSync(fd, buf);
    buf = buf.subarray(n);
  }
}
