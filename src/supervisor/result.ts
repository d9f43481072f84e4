// How a unit's last run ended, in systemd's words (the Result= property). Its own file so
// that the lifecycle and the restart policy both use it without importing each other.
export type Result =
  | 'success' | 'exit-code' | 'signal' | 'core-dump' | 'timeout' | 'watchdog'
  | 'start-limit-hit' | 'resources' | 'protocol' | 'dependency'
  /** A socket unit's: its service kept failing to start (systemd's SOCKET_FAILURE_SERVICE_START_LIMIT_HIT). */
  | 'service-start-limit-hit';

/**
 * What came of a trigger's start (a socket's traffic, a timer's elapse): started, not loaded,
 * refused by the start limit, or not made because everything is stopping (systemd's shutdown
 * transaction refuses such a start job).
 */
export type TriggeredStart = 'started' | 'not-loaded' | 'refused' | 'shutting-down';
