// Opens the control sockets for the running supervisor: root's, and everyone's (read-only
// answers for other users, control/server.ts). A control plane that cannot start
// (read-only /run, say) is logged; PID 1 carries on without it.
import type { InitOptions } from './cli/options';
import { publicSocketPath } from './control/client';
import type { Manager } from './control/manager';
import { startControlServer } from './control/server';
import type { Logger } from './log/logger';

export async function startControl(manager: Manager, o: InitOptions, log: Logger): Promise<{ close(): Promise<void> | void } | undefined> {
  let root: Awaited<ReturnType<typeof startControlServer>>;
  try {
    root = await startControlServer(manager, o.controlSocket, log);
  } catch (err) {
    log.warn(`control socket ${o.controlSocket} unavailable: ${(err as Error).message}`);
    return undefined;
  }
  const everyonePath = publicSocketPath(o.controlSocket);
  const everyone = await startControlServer(manager, everyonePath, log, { everyone: true }).catch((err: Error) => {
    log.warn(`control socket ${everyonePath} unavailable: ${err.message}`);
    return undefined;
  });
  return { close: () => Promise.all([root.close(), everyone?.close()]).then(() => undefined) };
}
