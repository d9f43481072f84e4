// How a unit's last run ended, in systemd's words (the Result= property). Its own file so
// that the lifecycle and the restart policy both use it without importing each other.
export type Result =
  | 'success' | 'exit-code' | 'signal' | 'core-dump' | 'timeout' | 'watchdog'
  | 'start-limit-hit' | 'resources' | 'protocol' | 'dependency'
  /** A socket unit's: its service kept failing to start (systemd's SOCKET_FAILURE_SERVICE_START_LIMIT_HIT). */
  | 'service-start-limit-hit';
