// sd_notify(3) messages: newline-separated VAR=VALUE assignments. Pure.

export interface NotifyMessage {
  ready?: boolean;
  reloading?: boolean;
  stopping?: boolean;
  status?: string;
  mainPid?: number;
  watchdog?: boolean;
  watchdogTrigger?: boolean;
  watchdogUsec?: number;
  extendTimeoutUsec?: number;
  /** MONOTONIC_USEC=: when (CLOCK_MONOTONIC) a RELOADING=1 began; ties it to the reload asked for. */
  monotonicUsec?: number;
  errno?: number;
  /** Assignments ts-init does not act on (FDSTORE=1, BARRIER=1, ...), kept for diagnostics. */
  other: string[];
}

export function parseNotifyMessage(text: string): NotifyMessage {
  const msg: NotifyMessage = { other: [] };
  for (const line of text.split('\n')) {
    if (!line) continue;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq);
    const value = eq < 0 ? '' : line.slice(eq + 1);
    const int = (): number | undefined => (/^\d+$/.test(value) ? Number(value) : undefined);
    switch (key) {
      case 'READY':
        if (value === '1') msg.ready = true;
        break;
      case 'RELOADING':
        if (value === '1') msg.reloading = true;
        break;
      case 'STOPPING':
        if (value === '1') msg.stopping = true;
        break;
      case 'STATUS':
        msg.status = value;
        break;
      case 'MAINPID': {
        const pid = int();
        if (pid !== undefined && pid > 0) msg.mainPid = pid;
        break;
      }
      case 'WATCHDOG':
        if (value === '1') msg.watchdog = true;
        else if (value === 'trigger') msg.watchdogTrigger = true;
        break;
      case 'WATCHDOG_USEC':
        msg.watchdogUsec = int();
        break;
      case 'EXTEND_TIMEOUT_USEC':
        msg.extendTimeoutUsec = int();
        break;
      case 'MONOTONIC_USEC':
        msg.monotonicUsec = int();
        break;
      case 'ERRNO':
        msg.errno = int();
        break;
      default:
        msg.other.push(line);
    }
  }
  return msg;
}
