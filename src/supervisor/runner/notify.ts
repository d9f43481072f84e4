// The unit's notify socket (Type=notify, WatchdogSec=): opened for a run, closed at its
// end, and what the unit says on it (READY=1, STATUS=, MAINPID=, ...) turned into events.
import type { NotifyMessage } from '../../notify/notify-message';
import type { NotifyCredentials, NotifySockets } from '../../notify/notify-sockets';
import { notifiesReady } from '../../units/unit';
import { EFFECT_RETRY_MS } from '../lifecycle';
import { mainPidVerdict, notifyRefusal, refusalLevel } from '../notify-access';
import { NotifyRefusals } from '../notify-refusals';
import { errorText, isTransientError } from '../../process/resource-errors';
import type { UnitTimers } from './timers';
import type { UnitProcesses } from './unit-processes';
import type { UnitView } from './unit-view';

export class UnitNotify {
  /** The socket's path while it is open (NOTIFY_SOCKET for the unit's commands). */
  path?: string;
  /** The last STATUS= the unit sent. */
  statusText?: string;
  /** Messages that could not be judged for a passing shortage (EMFILE reading /proc), in order. */
  private readonly held: Array<{ m: NotifyMessage; sender: NotifyCredentials | undefined }> = [];
  /** Refused messages: said at debug level from outsiders, rate-limited from the unit's own. */
  private readonly refusals: NotifyRefusals;

  constructor(
    private readonly unit: UnitView,
    private readonly sockets: NotifySockets,
    private readonly processes: UnitProcesses,
    private readonly timers: UnitTimers,
  ) {
    this.refusals = new NotifyRefusals(unit.log, unit.name);
  }

  /** Whether the unit needs a socket this run (asked before its room is made: most units need none). */
  static wanted(unit: UnitView): boolean {
    return notifiesReady(unit.config.type) || unit.policy.watchdogMs > 0;
  }

  /** Opens the socket; throws when it cannot be made. */
  open(): void {
    this.path = this.sockets.open(this.unit.name, (m, sender) => this.receive(m, sender));
  }

  close(): void {
    if (this.path) this.sockets.close(this.unit.name);
    this.path = undefined;
    this.held.length = 0;
    this.timers.disarm('notify-retry');
  }

  /**
   * A message is never lost to a passing shortage (its sender is judged from /proc): it
   * is held, with those after it, and judged again shortly. A lost READY=1 would leave
   * the unit starting until its timeout.
   */
  private receive(m: NotifyMessage, sender: NotifyCredentials | undefined): void {
    if (this.held.length > 0) {
      this.held.push({ m, sender });
      return;
    }
    try {
      this.onNotify(m, sender);
    } catch (err) {
      if (!isTransientError(err)) throw err;
      this.unit.log.warn({ unit: this.unit.name }, `cannot judge a notify message now (${errorText(err)}); trying again`);
      this.held.push({ m, sender });
      this.timers.arm('notify-retry', EFFECT_RETRY_MS, () => this.replay());
    }
  }

  private replay(): void {
    const held = this.held.splice(0);
    for (const [i, h] of held.entries()) {
      try {
        this.onNotify(h.m, h.sender);
      } catch (err) {
        if (!isTransientError(err)) throw err;
        this.held.push(...held.slice(i));
        this.timers.arm('notify-retry', EFFECT_RETRY_MS, () => this.replay());
        return;
      }
    }
  }

  onNotify(m: NotifyMessage, sender: NotifyCredentials | undefined): void {
    const state = this.unit.state;
    const senderPid = sender?.pid;
    const who = {
      pid: senderPid,
      mainPid: state.mainPid,
      controlPid: state.controlPid,
      inUnit: senderPid !== undefined && this.processes.isOwnProcess(senderPid),
    };
    const refusal = notifyRefusal(this.unit.config.notifyAccess, who);
    if (refusal) {
      this.refusals.report(refusalLevel(who), refusal);
      return;
    }
    if (m.status !== undefined) this.statusText = m.status;
    if (m.mainPid !== undefined && m.mainPid !== state.mainPid) {
      // A process outside the unit only from root (systemd's rule), and it stays outside.
      const verdict = mainPidVerdict({
        senderUid: sender?.uid,
        problem: this.processes.mainPidProblem(m.mainPid, true),
        ownProcess: this.processes.mainPidProblem(m.mainPid, false) === undefined,
      });
      if (!verdict.accept) {
        this.refusals.report('warn', `new main PID ${m.mainPid} ${verdict.reason}; refusing it`);
      } else {
        if (verdict.adoptSession) this.processes.adopt(m.mainPid);
        this.unit.send({ type: 'main-pid', pid: m.mainPid });
      }
    }
    if (m.reloading) this.unit.send({ type: 'reloading', monotonicUsec: m.monotonicUsec });
    if (m.ready) this.unit.send({ type: 'ready' });
    if (m.stopping) this.unit.send({ type: 'stopping' });
    if (m.watchdog) this.unit.send({ type: 'watchdog-ping' });
    if (m.extendTimeoutUsec !== undefined) this.unit.send({ type: 'extend-timeout', ms: Math.ceil(m.extendTimeoutUsec / 1000) });
  }
}
