// NotifyAccess=: whose sd_notify messages a unit accepts, decided from the sender's
// pid as systemd does (main: the main process; exec: main or control process;
// all: any process of the unit). Pure: the caller says who the sender is.
import type { NotifyAccess } from '../units/unit';

export interface NotifySender {
  /** From SCM_CREDENTIALS; undefined when the datagram carried none. */
  pid: number | undefined;
  mainPid: number | undefined;
  controlPid: number | undefined;
  /** The sender is a live process of the unit. */
  inUnit: boolean;
}

/** Why a message is refused, in systemd's words, or undefined when it is accepted. */
export function notifyRefusal(access: NotifyAccess, s: NotifySender): string | undefined {
  if (s.pid === undefined) return 'received notify message without credentials; ignoring';
  const pid = s.pid;
  switch (access) {
    case 'none':
      return `got notification message from PID ${pid}, but reception is disabled`;
    case 'main':
      return pid === s.mainPid ? undefined : `got notification message from PID ${pid}, but reception only permitted for main PID ${s.mainPid ?? 'n/a'}`;
    case 'exec':
      return pid === s.mainPid || pid === s.controlPid
        ? undefined
        : `got notification message from PID ${pid}, but reception only permitted for main PID and control PID which are currently ${s.mainPid ?? 'n/a'} and ${s.controlPid ?? 'n/a'}`;
    case 'all':
      return pid === s.mainPid || pid === s.controlPid || s.inUnit
        ? undefined
        : `cannot find unit for notify message of PID ${pid}; ignoring`;
  }
}
