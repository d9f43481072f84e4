// Configuration directories with "override by file name" (tmpfiles.d, generators): of the
// files of one name the first directory's wins, a symlink to /dev/null (or an empty file
// for .conf files) masks the name, and the result is sorted by file name.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface DirEntry {
  name: string;
  /** A symlink to /dev/null (or an empty .conf file): masks the name. */
  masked: boolean;
}

export interface ChosenFile {
  name: string;
  path: string;
}

/** Pure: the files that count, from directories given in precedence order (highest first). */
export function chooseConfigFiles(listing: ReadonlyArray<{ dir: string; entries: readonly DirEntry[] }>, accept: (name: string) => boolean): ChosenFile[] {
  const chosen = new Map<string, ChosenFile | null>();
  for (const { dir, entries } of listing) {
    for (const e of entries) {
      if (!accept(e.name) || chosen.has(e.name)) continue;
      chosen.set(e.name, e.masked ? null : { name: e.name, path: path.join(dir, e.name) });
    }
  }
  return [...chosen.values()].filter((f): f is ChosenFile => f !== null).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Directories of the list that are the same directory as an earlier one (/lib on merged /usr) are dropped. */
export function distinctDirs(dirs: readonly string[], root = ''): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const d of dirs) {
    let real: string;
    try {
      real = fs.realpathSync(path.join(root, d));
    } catch {
      continue;
    }
    if (seen.has(real)) continue;
    seen.add(real);
    out.push(d);
  }
  return out;
}

/** The edge: lists the directories (below root) and chooses. Paths returned are inside root. */
export function listConfigFiles(dirs: readonly string[], accept: (name: string) => boolean, root = ''): ChosenFile[] {
  const listing = distinctDirs(dirs, root).map((dir) => {
    const real = path.join(root, dir);
    let names: string[] = [];
    try {
      names = fs.readdirSync(real);
    } catch {
      // a missing directory has nothing to say
    }
    const entries = names.map((name): DirEntry => {
      const p = path.join(real, name);
      let masked = false;
      try {
        const st = fs.lstatSync(p);
        if (st.isSymbolicLink()) masked = fs.readlinkSync(p) === '/dev/null';
        else if (st.isCharacterDevice()) masked = true;
        else if (name.endsWith('.conf') && st.isFile() && st.size === 0) masked = true;
      } catch {
        masked = true;
      }
      return { name, masked };
    });
    return { dir: real, entries };
  });
  return chooseConfigFiles(listing, accept);
}
