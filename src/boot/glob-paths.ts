// glob(3) as systemd-tmpfiles calls it for a line's path: the existing paths a pattern of `*`,
// `?` and `[...]` matches, a component at a time (readdir and fnmatch), a leading dot matched only
// by a dot, sorted. Node's fs.globSync did the same through its own glob and minimatch modules,
// which PID 1 compiled from source at every boot (some ms of its CPU) for a handful of lines.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fnmatch, hasWildcard } from '../sys/fnmatch';
import { entryExists } from './entry-exists';

/** The paths under `root` ('' for /) that the absolute `pattern` matches, as paths under root too (sorted). */
export function globPaths(pattern: string, root = ''): string[] {
  // Brace expansion (GLOB_BRACE) is left to Node's glob, which has it.
  if (pattern.includes('{')) return nodeGlob(pattern, root);
  let found = [''];
  const parts = pattern.split('/').filter((p) => p !== '');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const next: string[] = [];
    for (const at of found) {
      if (!hasWildcard(part)) {
        next.push(`${at}/${part}`);
        continue;
      }
      let names: string[];
      try {
        names = fs.readdirSync(root + (at || '/'));
      } catch {
        continue;
      }
      for (const name of names) if ((name[0] !== '.' || part[0] === '.') && fnmatch(part, name)) next.push(`${at}/${name}`);
    }
    found = next;
  }
  // What was named without a wildcard must exist as well.
  return found.filter((p) => p !== '' && entryExists(root + p)).sort();
}

function nodeGlob(pattern: string, root: string): string[] {
  try {
    const found = fs.globSync(root === '' ? pattern : path.join(root, pattern)).sort();
    return root === '' ? found : found.map((p) => `/${path.relative(root, p)}`);
  } catch {
    return [];
  }
}
