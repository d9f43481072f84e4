// A pipe (a FIFO) with a non-blocking write end and a reader that reads only when told:
// a stdout or stderr whose reader is slow, or gone for a while.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './temp-dir';

export interface SlowPipe {
  /** The write end (O_NONBLOCK: a full pipe says EAGAIN). */
  fd: number;
  /** Everything the pipe holds now. */
  read: () => string;
  /** The same as bytes (a character may be split between two reads). */
  readBytes: () => Buffer;
  close: () => void;
}

export function slowPipe(): SlowPipe {
  const fifo = path.join(tempDir('ts-init-pipe-'), 'fifo');
  execFileSync('mkfifo', [fifo]);
  const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const fd = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  const readBytes = (): Buffer => {
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(65536);
    for (;;) {
      try {
        const n = fs.readSync(reader, buf);
        if (n === 0) break;
        chunks.push(Buffer.from(buf.subarray(0, n)));
      } catch {
        break; // EAGAIN: the pipe is empty
      }
    }
    return Buffer.concat(chunks);
  };
  return { fd, read: () => readBytes().toString(), readBytes, close: () => (fs.closeSync(fd), fs.closeSync(reader)) };
}
