// OpenFile= (systemd 253): files the manager opens, as root, for the main process, passed
// after the socket-activation fds and named in LISTEN_FDNAMES. Opened O_NONBLOCK (a FIFO
// without a writer cannot hang PID 1), then made blocking again for the daemon.
import * as fs from 'node:fs';
import { clearNonBlocking } from '../sys/libc';
import type { OpenFileSpec } from '../units/service-files';
import type { PassFds } from './unit-launch';

const { O_RDONLY, O_RDWR, O_WRONLY, O_APPEND, O_TRUNC, O_NOCTTY, O_NONBLOCK } = fs.constants;

/** systemd's EXIT_FDS: the start failed while preparing the file descriptors to pass. */
export const EXIT_FDS = 202;

const FLAGS: Record<OpenFileSpec['mode'], number> = {
  'read-write': O_RDWR,
  'read-only': O_RDONLY,
  append: O_WRONLY | O_APPEND,
  truncate: O_WRONLY | O_TRUNC,
};

export interface OpenedFiles {
  /** The sockets' fds with the opened files after them (undefined: nothing to pass). */
  pass?: PassFds;
  /** Closes ts-init's copies once the child has its own. */
  close(): void;
  /** Why a file could not be opened (not "graceful"): the start fails. */
  error?: string;
}

/** Opens a unit's OpenFile= files and appends them to what the sockets pass. */
export function withOpenFiles(sockets: PassFds | undefined, specs: readonly OpenFileSpec[], skipped: (why: string) => void): OpenedFiles {
  const fds: number[] = [];
  const names: string[] = [];
  const close = (): void => {
    for (const fd of fds) fs.closeSync(fd);
    fds.length = 0;
  };
  for (const f of specs) {
    try {
      const fd = fs.openSync(f.path, FLAGS[f.mode] | O_NOCTTY | O_NONBLOCK);
      fds.push(fd);
      names.push(f.name);
      clearNonBlocking(fd);
    } catch (err) {
      const why = `OpenFile=${f.path}: ${(err as Error).message}`;
      if (f.graceful) {
        skipped(why);
        continue;
      }
      close();
      return { close, error: why };
    }
  }
  if (!fds.length) return { pass: sockets, close };
  const pass: PassFds = { ...sockets, fds: [...(sockets?.fds ?? []), ...fds], names: [...(sockets?.names ?? []), ...names] };
  return { pass, close };
}
