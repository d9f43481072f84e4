// Finding an executable given by plain name, the one way for everyone: execvp's
// search for the exec helper (the CMD's PATH), the fixed path systemd uses for a unit's
// command lines, the runtime the host's wrapper executes. Pure apart from the probe it
// is given; isExecutableFile is the usual probe.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** systemd's fixed search path, and the CMD's when it has no PATH of its own. */
export const DEFAULT_SEARCH_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * A name with a slash is taken as it is; a plain name is looked up in each directory of
 * searchPath in turn (an empty entry is the working directory), the first for which
 * accept() holds wins.
 */
export function searchPath(file: string, searchPath: string, accept: (candidate: string) => boolean): string | undefined {
  if (file.includes('/')) return file;
  for (const dir of searchPath.split(':')) {
    const candidate = path.join(dir || '.', file);
    if (accept(candidate)) return candidate;
  }
  return undefined;
}

/** A regular file this process may execute (execve's own test: X_OK, and not a directory). */
export function isExecutableFile(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
