// When the image runs a system bus, ts-init joins it as org.freedesktop.systemd1 (bus/).
// The bus code is loaded only once the bus socket exists. A bus comes and goes with its
// units (dbus.service, dbus-broker.service) or by itself: every unit change and every change
// in the socket's directory (or, before it exists, in its parent) looks again, and a lost connection is retried with a backoff
// while the socket is there. A socket still held by dbus.socket for a daemon not yet
// started is left alone: connecting would start the daemon, which systemd does not do.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BusFront } from './bus/bus-front';
import type { Manager } from './control/manager';
import type { Logger } from './log/logger';
import { releaseMemorySoon } from './sys/memory';

export const SYSTEM_BUS_SOCKET = '/run/dbus/system_bus_socket';
const RETRY_MS = [500, 1000, 2000, 5000, 10_000, 30_000];

export function startBus(manager: Manager, log: Logger, socketPath = SYSTEM_BUS_SOCKET): { close(): void } {
  let front: BusFront | undefined;
  let connecting = false;
  let stopped = false;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;
  let pending: NodeJS.Immediate | undefined;
  let watcher: fs.FSWatcher | undefined;
  let watchingParent = false;

  // The socket's directory is watched (and, until it exists, its parent, for it to appear).
  const watch = (dir: string, wanted: string | undefined, then: () => void): fs.FSWatcher | undefined => {
    try {
      const w = fs.watch(dir, { persistent: false }, (_e, file) => {
        if (wanted === undefined || file === null || file === wanted) then();
      });
      w.on('error', () => {
        w.close();
        if (watcher === w) watcher = undefined;
      });
      return w;
    } catch {
      return undefined;
    }
  };
  const watchDirectory = (): void => {
    if (stopped || (watcher && !watchingParent)) return;
    const dir = path.dirname(socketPath);
    // Any change there: the socket, or the directory itself going away (then the parent is watched again).
    const inDir = watch(dir, undefined, () => {
      if (!fs.existsSync(dir)) {
        watcher?.close();
        watcher = undefined;
      }
      look();
    });
    if (inDir) {
      watcher?.close();
      watcher = inDir;
      watchingParent = false;
      return;
    }
    if (watcher) return;
    watcher = watch(path.dirname(dir), path.basename(dir), () => look());
    watchingParent = true;
  };

  // After a failure, unit changes do not bring the next attempt forward: the backoff holds.
  let notBefore = 0;
  const attempt = async (): Promise<void> => {
    if (front || connecting || stopped || Date.now() < notBefore) return;
    watchDirectory();
    if (!fs.existsSync(socketPath)) return;
    // Shutting down: a connection now would only start (through dbus.socket) a bus daemon that
    // the final SIGTERM then kills.
    if (manager.systemStatus().state === 'stopping') return;
    const [socketUnit] = await manager.status(['dbus.socket']);
    if (socketUnit?.loadState === 'loaded' && socketUnit.subState === 'listening') return;
    connecting = true;
    try {
      const { connectSystemd1 } = require('./bus/bus-front') as typeof import('./bus/bus-front');
      front = await connectSystemd1(socketPath, manager, log);
      failures = 0;
      // Loading and compiling the bus code left garbage behind: hand it back.
      releaseMemorySoon();
      void front.closed.then(() => {
        front = undefined;
        if (!stopped) log.info('system bus connection closed');
        look();
      });
    } catch (err) {
      failures++;
      if (failures === 1) log.warn(`system bus ${socketPath}: ${(err as Error).message}`);
      const wait = RETRY_MS[Math.min(failures - 1, RETRY_MS.length - 1)]!;
      notBefore = Date.now() + wait;
      clearTimeout(retry);
      retry = setTimeout(look, wait).unref();
    } finally {
      connecting = false;
    }
  };

  // Many looks in one turn (a boot's unit changes) are one.
  const look = (): void => {
    if (stopped || front || pending) return;
    pending = setImmediate(() => {
      pending = undefined;
      void attempt().catch((err: Error) => log.error({ err }, 'system bus connection failed'));
    });
  };

  const offChange = manager.onUnitChange?.(() => look());
  look();
  return {
    close() {
      stopped = true;
      offChange?.();
      clearTimeout(retry);
      if (pending) clearImmediate(pending);
      watcher?.close();
      front?.close();
    },
  };
}

/** /run/systemd/private (bus/private-socket.ts), loaded only where ts-init says it is systemd. */
export function startPrivateBus(manager: Manager, log: Logger): { close(): void } {
  const { startPrivateSocket } = require('./bus/private-socket') as typeof import('./bus/private-socket');
  return startPrivateSocket(manager, log);
}
