// Hot reload: inotify (fs.watch) on each unit directory and on the directories in it
// two levels down (drop-in `NAME.d/`, `NAME.wants/`), no polling; a burst of changes
// becomes one daemon-reload after a short quiet period. The runtime's own watcher, not
// a library's: one handle per directory and nothing else loaded, in a PID 1 whose
// private memory is what every container pays.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../log/logger';

export const RELOAD_DEBOUNCE_MS = 300;
const MAX_DEPTH = 2;

export interface UnitWatcher {
  close(): void;
}

/** A change that can alter a unit definition: a unit or drop-in file, a `.wants` link directory, or anything removed. */
function relevant(file: string): boolean {
  return /\.(service|socket|target|conf)$/.test(file) || file.endsWith('.wants') || !fs.existsSync(file);
}

function isDirectory(p: string): boolean {
  try {
    return fs.lstatSync(p).isDirectory(); // lstat: symlinked directories are not followed
  } catch {
    return false;
  }
}

export function watchUnitDirectories(dirs: readonly string[], reload: () => Promise<unknown>, log: Logger): UnitWatcher | undefined {
  const existing = dirs.filter((d) => fs.existsSync(d));
  if (existing.length === 0) return undefined;
  const watchers = new Map<string, fs.FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let closed = false;

  const changed = (file: string, event: string): void => {
    if (!relevant(file)) return;
    log.debug({ event, file }, 'unit directory changed');
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      running = running.then(reload).catch((err: Error) => log.error({ err }, 'reload failed'));
    }, RELOAD_DEBOUNCE_MS);
  };

  const unwatch = (dir: string): void => {
    for (const [d, w] of watchers) {
      if (d === dir || d.startsWith(`${dir}/`)) {
        w.close();
        watchers.delete(d);
      }
    }
  };

  const watchDir = (dir: string, depth: number): void => {
    if (closed || watchers.has(dir) || !isDirectory(dir)) return;
    let w: fs.FSWatcher;
    try {
      w = fs.watch(dir, (event, name) => {
        if (name === null) return;
        const file = path.join(dir, name.toString());
        // A directory that appears is watched too (within the depth); one that went away is not any more.
        if (depth < MAX_DEPTH && isDirectory(file)) watchDir(file, depth + 1);
        else if (watchers.has(file) && !fs.existsSync(file)) unwatch(file);
        changed(file, event);
      });
    } catch (err) {
      log.warn({ err, dir }, 'unit directory watcher error');
      return;
    }
    w.on('error', (err) => {
      unwatch(dir);
      if (fs.existsSync(dir)) log.warn({ err, dir }, 'unit directory watcher error');
    });
    watchers.set(dir, w);
    if (depth >= MAX_DEPTH) return;
    let entries: fs.Dirent[] = [];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      // unreadable: only its own entries are watched
    }
    for (const e of entries) if (e.isDirectory()) watchDir(path.join(dir, e.name), depth + 1);
  };

  for (const d of existing) watchDir(path.resolve(d), 0);
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
