// Hot reload: chokidar watches the unit directories (inotify, no polling) and a
// burst of changes becomes one daemon-reload after a short quiet period.
import * as fs from 'node:fs';
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from '../log/logger';

export const RELOAD_DEBOUNCE_MS = 300;

export function watchUnitDirectories(dirs: readonly string[], reload: () => Promise<unknown>, log: Logger): FSWatcher | undefined {
  const existing = dirs.filter((d) => fs.existsSync(d));
  if (existing.length === 0) return undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const w = watch(existing, { ignoreInitial: true, depth: 2, usePolling: false, followSymlinks: false });
  // chokidar reports every symlink its first scan finds as 'add' despite ignoreInitial (and
  // /etc/systemd/system is all symlinks): without this, each boot ended in a needless
  // daemon-reload of every unit while the units were still starting.
  let scanned = false;
  w.on('ready', () => (scanned = true));
  w.on('all', (event, file) => {
    if (!scanned) return;
    if (!/\.(service|socket|target|conf)$/.test(file) && !file.endsWith('.wants') && event !== 'unlink') return;
    log.debug({ event, file }, 'unit directory changed');
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      running = running.then(reload).catch((err: Error) => log.error({ err }, 'reload failed'));
    }, RELOAD_DEBOUNCE_MS);
  });
  w.on('error', (err) => log.warn({ err }, 'unit directory watcher error'));
  return w;
}
