// The journal benchmarks' entries: a unit's syslog line as journald stores it (~12 fields, a
// 200-byte message), from four units in turns. Entry i is stepUs after the one before it.
const UNITS = ['ssh', 'cron', 'postfix', 'nginx'];

export function syslogEntry(i, baseUsec, stepUsec, bootId) {
  const u = UNITS[i % 4];
  return {
    realtimeUsec: baseUsec + i * stepUsec,
    monotonicUsec: 1_000_000 + i * stepUsec,
    bootId,
    fields: [
      ['MESSAGE', `${i} ${'x'.repeat(200)}`.slice(0, 200)],
      ['PRIORITY', String(i % 8)],
      ['SYSLOG_FACILITY', '3'],
      ['SYSLOG_IDENTIFIER', u],
      ['_PID', String(1000 + (i % 4))],
      ['_UID', '0'],
      ['_GID', '0'],
      ['_COMM', u],
      ['_EXE', `/usr/sbin/${u}`],
      ['_SYSTEMD_UNIT', `${u}.service`],
      ['_TRANSPORT', 'syslog'],
      ['_HOSTNAME', 'bench'],
    ],
  };
}
