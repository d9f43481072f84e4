// Restart delays. With RestartSteps= and RestartMaxDelaySec= (systemd 254), systemd's own:
// the delay grows from RestartSec= to RestartMaxDelaySec= over RestartSteps= restarts, each
// step the same factor, and stays there. Without them, ts-init's: RestartSec= for the first
// restart, doubling with each further consecutive failure, capped (RestartMaxDelaySec= if
// set, else 30 s or RestartSec= when that is larger), so a crashing service neither spins
// nor waits forever. Pure.

export const DEFAULT_MAX_RESTART_DELAY_MS = 30_000;

/** failures: this restart's number among consecutive failures (1 for the first). */
export function nextRestartDelay(restartSecMs: number, failures: number, maxDelayMs?: number, steps?: number): number {
  if (steps !== undefined && steps > 0 && maxDelayMs !== undefined && Number.isFinite(maxDelayMs)) {
    // As systemd's service_restart_usec_next: no growth from 0, nor when the maximum is not above it.
    if (failures <= 1 || restartSecMs === 0 || restartSecMs >= maxDelayMs) return restartSecMs;
    if (failures > steps) return maxDelayMs;
    return Math.round(restartSecMs * (maxDelayMs / restartSecMs) ** ((failures - 1) / steps));
  }
  const cap = maxDelayMs ?? Math.max(DEFAULT_MAX_RESTART_DELAY_MS, restartSecMs);
  const exp = Math.min(Math.max(failures - 1, 0), 30);
  return Math.min(cap, restartSecMs * 2 ** exp);
}
