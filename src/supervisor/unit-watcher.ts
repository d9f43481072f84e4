// Hot reload: chokidar watches the unit directories (inotify, no polling) and a
// burst of changes becomes one daemon-reload after a short quiet period. A reload
// never waits for the one before it: a reload queues its jobs and returns, and
// should one ever hang, the next change must still be read.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from '../log/logger';

export const RELOAD_DEBOUNCE_MS = 300;
/** File times come from the kernel's coarse clock, up to a tick (1 to 10 ms) behind Date.now(). */
const FILE_CLOCK_LAG_MS = 20;

export interface WatchOptions {
  /**
   * When the units were read (ms since the epoch): a unit file, link or directory that the
   * first scan finds changed since then is a change too, for a watcher started after the load.
   */
  changedSince?: number;
}

export function watchUnitDirectories(
  dirs: readonly string[],
  reload: () => Promise<unknown>,
  log: Logger,
  options: WatchOptions = {},
): FSWatcher | undefined {
  const existing = dirs.filter((d) => fs.existsSync(d));
  if (existing.length === 0) return undefined;
  let timer: NodeJS.Timeout | undefined;
  // Only directories are watched (the unit directories, their .wants and .d): the kernel
  // reports a file added, removed, renamed or written in a watched directory to that
  // directory's watch, which chokidar passes on as a 'raw' event. Left to itself chokidar
  // would also give every file a watch of its own (an inotify watch, a handle and its
  // bookkeeping, about 3 KB of PID 1's memory per unit file).
  const since = options.changedSince;
  let changedBeforeWatch: string | undefined;
  const w = watch(existing, {
    ignoreInitial: true,
    depth: 2,
    usePolling: false,
    followSymlinks: false,
    ignored: (file, stats) => {
      if (stats === undefined) return false;
      const recent = since !== undefined && Math.max(stats.mtimeMs, stats.ctimeMs) >= since - FILE_CLOCK_LAG_MS;
      if (recent && (stats.isDirectory() || isUnitPath(file))) changedBeforeWatch ??= file;
      return !stats.isDirectory();
    },
  });
  // chokidar reports every directory its first scan finds as added despite ignoreInitial:
  // nothing counts as a change until that scan is over.
  let scanned = false;
  w.on('ready', () => {
    scanned = true;
    // A file changed in place, or a directory whose entries changed (one removed shows only there).
    if (changedBeforeWatch !== undefined) changed('changed before the watch', changedBeforeWatch, true);
  });
  const changed = (event: string, file: string, anyName = false): void => {
    if (!scanned) return;
    if (!anyName && !isUnitPath(file)) return;
    log.debug({ event, file }, 'unit directory changed');
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      Promise.resolve()
        .then(reload)
        .catch((err: Error) => log.error({ err }, 'reload failed'));
    }, RELOAD_DEBOUNCE_MS);
  };
  // A file's event, from its directory's watch: the name is relative to that directory.
  w.on('raw', (event, name, details) => {
    const dir = (details as { watchedPath?: string }).watchedPath;
    if (dir !== undefined && name) changed(event, path.join(dir, name));
  });
  // A .wants or .d directory made or removed (chokidar then watches it, or stops).
  w.on('all', (event, file) => {
    if (event === 'addDir' || event === 'unlinkDir') changed(event, file);
  });
  w.on('error', (err) => log.warn({ err }, 'unit directory watcher error'));
  return w;
}

function isUnitPath(file: string): boolean {
  return /\.(service|socket|target|timer|conf)$/.test(file) || /\.(wants|d)$/.test(file);
}
