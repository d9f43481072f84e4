// Restart delays: RestartSec= for the first restart, doubling with each further
// consecutive failure, capped (RestartMaxDelaySec= if set, else 30 s or RestartSec=
// when that is larger), so a crashing service neither spins nor waits forever. Pure.

export const DEFAULT_MAX_RESTART_DELAY_MS = 30_000;

export function nextRestartDelay(restartSecMs: number, failures: number, maxDelayMs?: number): number {
  const cap = maxDelayMs ?? Math.max(DEFAULT_MAX_RESTART_DELAY_MS, restartSecMs);
  const exp = Math.min(Math.max(failures - 1, 0), 30);
  return Math.min(cap, restartSecMs * 2 ** exp);
}
