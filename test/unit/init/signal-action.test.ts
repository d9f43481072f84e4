import { describe, expect, it } from 'vitest';
import { HALT_SIGNAL, signalAction } from '../../../src/init/signal-action';
import { SIGRTMIN, SIGTERM, SIGNALS } from '../../../src/sys/signals';

describe("PID 1's own signal decision", () => {
  it('with the CMD running every caught signal is passed on, halt aside', () => {
    for (const s of [SIGNALS.SIGHUP!, SIGNALS.SIGINT!, SIGTERM, SIGNALS.SIGUSR1!, SIGNALS.SIGWINCH!, SIGRTMIN]) {
      expect(signalAction(s, true)).toEqual({ kind: 'forward' });
    }
  });

  it('halt (SIGRTMIN+3, podman stop on systemd images) stops the CMD instead of reaching it', () => {
    expect(HALT_SIGNAL).toBe(37);
    expect(signalAction(HALT_SIGNAL, true)).toEqual({ kind: 'stop-command' });
  });

  it('without a CMD, HUP, INT, QUIT and TERM shut down as that signal, halt as SIGTERM', () => {
    expect(signalAction(SIGNALS.SIGHUP!, false)).toEqual({ kind: 'shut-down', as: 1 });
    expect(signalAction(SIGNALS.SIGINT!, false)).toEqual({ kind: 'shut-down', as: 2 });
    expect(signalAction(SIGNALS.SIGQUIT!, false)).toEqual({ kind: 'shut-down', as: 3 });
    expect(signalAction(SIGTERM, false)).toEqual({ kind: 'shut-down', as: 15 });
    expect(signalAction(HALT_SIGNAL, false)).toEqual({ kind: 'shut-down', as: 15 });
  });

  it('without a CMD anything else is ignored', () => {
    for (const s of [SIGNALS.SIGUSR1!, SIGNALS.SIGUSR2!, SIGNALS.SIGWINCH!, SIGRTMIN]) expect(signalAction(s, false)).toEqual({ kind: 'ignore' });
  });
});
