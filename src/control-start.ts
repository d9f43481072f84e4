// Opens the control socket for the running supervisor. A control plane that
// cannot start (read-only /run, say) is logged; PID 1 carries on without it.
import type { InitOptions } from './cli/options';
import type { Manager } from './control/manager';
import { startControlServer } from './control/server';
import type { Logger } from './log/logger';

export async function startControl(manager: Manager, o: InitOptions, log: Logger): Promise<{ close(): Promise<void> | void } | undefined> {
  try {
    return await startControlServer(manager, o.controlSocket, log);
  } catch (err) {
    log.warn(`control socket ${o.controlSocket} unavailable: ${(err as Error).message}`);
    return undefined;
  }
}
