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

/** A MAINPID= that passed NotifyAccess=, as the unit's edge sees it. */
export interface MainPidClaim {
  /** The sender's uid (SCM_CREDENTIALS); undefined when the kernel did not say. */
  senderUid: number | undefined;
  /** Why the pid can never be a main process (dead, PID 1, the control process), if so. */
  problem: string | undefined;
  /** The pid is one of the unit's processes (or already its main process). */
  ownProcess: boolean;
}

export type MainPidVerdict =
  | { accept: true; /** Only a process of the unit brings its session into the unit. */ adoptSession: boolean }
  | { accept: false; reason: string };

/**
 * systemd's service_notify_message(): a new main PID that does not belong to the unit is
 * accepted only from root ("New main PID does not belong to service, refusing."). An
 * unprivileged main process, whatever code it runs, cannot point the unit's stop (root's
 * SIGTERM and SIGKILL) at someone else's process; and a foreign process accepted from root
 * stays foreign: its session never joins the unit's.
 */
export function mainPidVerdict(c: MainPidClaim): MainPidVerdict {
  if (c.problem) return { accept: false, reason: c.problem };
  if (c.ownProcess) return { accept: true, adoptSession: true };
  if (c.senderUid === 0) return { accept: true, adoptSession: false };
  return { accept: false, reason: 'does not belong to the unit, and only root may name a process outside it' };
}

/**
 * How loudly a refused message is logged: a process outside the unit (any user can reach
 * the world-writable socket) only at debug level, as systemd does for a datagram it cannot
 * attribute to a unit; one of the unit's own processes as a warning, rate-limited per unit.
 */
export function refusalLevel(s: NotifySender): 'debug' | 'warn' {
  return s.pid !== undefined && (s.pid === s.mainPid || s.pid === s.controlPid || s.inUnit) ? 'warn' : 'debug';
}
