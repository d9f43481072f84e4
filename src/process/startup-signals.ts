// Which of SIGINT and SIGTERM hit the Node.js runtime's own start-up handlers before
// any of our code ran. The runtime catches both from its start with a one-shot handler
// (it restores the terminal, then re-raises, which PID 1 does not get); one that fired
// no longer shows in SigCgt of /proc/self/status.
import * as fs from 'node:fs';

/** Carries the shutdown signals PID 1 held across ts-init's re-exec of itself (runtime-env.ts). */
export const HELD_SIGNALS_VAR = 'TS_INIT_HELD_SIGNALS';

const NODE_CAUGHT: readonly number[] = [15, 2];

export function firedStartupSignals(): number[] {
  let mask: bigint;
  try {
    const m = /^SigCgt:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (!m) return [];
    mask = BigInt(`0x${m[1]}`);
  } catch {
    return [];
  }
  const fired = NODE_CAUGHT.filter((signum) => (mask & (1n << BigInt(signum - 1))) === 0n);
  // Both gone says nothing (a runtime that does not set them): only one missing is a signal.
  return fired.length === 1 ? fired : [];
}
