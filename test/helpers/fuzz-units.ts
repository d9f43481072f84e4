// Generators of unit files and control requests for the fuzz tests (fast-check).
// `hostile` draws from every directive with any value; `runnable` only from what is
// safe to run on a test machine (harmless commands, files under one directory).
import fc from 'fast-check';

export const DIRECTIVES = [
  'Description', 'After', 'Before', 'Requires', 'Wants', 'BindsTo', 'PartOf', 'Conflicts', 'StartLimitIntervalSec',
  'StartLimitBurst', 'ConditionPathExists', 'ConditionPathIsDirectory', 'ConditionFileNotEmpty', 'AssertPathExists',
  'FailureAction', 'SuccessAction', 'FailureActionExitStatus', 'SuccessActionExitStatus', 'Type', 'ExecStartPre',
  'ExecStart', 'ExecStartPost', 'ExecReload', 'ExecStop', 'ExecStopPost', 'RemainAfterExit', 'SendSIGKILL', 'SendSIGHUP',
  'PIDFile', 'Restart', 'RestartSec', 'RestartMaxDelaySec', 'RestartSteps', 'RestartForceExitStatus', 'RestartKillSignal',
  'SyslogIdentifier', 'SyslogFacility', 'SyslogLevel', 'SyslogLevelPrefix', 'LogLevelMax', 'LogExtraFields', 'TimeoutStartSec', 'TimeoutStopSec', 'TimeoutSec',
  'WatchdogSec', 'SuccessExitStatus', 'RestartPreventExitStatus', 'KillMode', 'KillSignal', 'FinalKillSignal',
  'Environment', 'EnvironmentFile', 'PassEnvironment', 'UnsetEnvironment', 'WorkingDirectory', 'User', 'Group',
  'SupplementaryGroups', 'UMask', 'RuntimeDirectory', 'RuntimeDirectoryMode', 'StandardOutput', 'StandardError',
  'Nice', 'LimitNOFILE', 'WantedBy', 'RequiredBy', 'Alias', 'NotifyAccess', 'ProtectSystem', 'NoSuchKey',
  'ReloadSignal', 'RestartMode', 'OpenFile', 'SetCredential', 'LoadCredential', 'ImportCredential', 'SetCredentialEncrypted',
  'OnCalendar', 'OnActiveSec', 'OnBootSec', 'OnStartupSec', 'OnUnitActiveSec', 'OnUnitInactiveSec', 'Persistent', 'AccuracySec',
  'RandomizedDelaySec', 'FixedRandomDelay', 'RemainAfterElapse', 'Unit', 'OnClockChange', 'OnTimezoneChange', 'WakeSystem',
];

const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\\', '\\\\', '"', "'", '%', '%n%i%Z', '$', '${', '$$', '\0', '\\x00', '\\u12', '-', '@', '+!', ';', '#',
    'infinity', '0', '-1', '99999999999999999999', '1.5e308', '30d', '1min 30s', '1y 2w', 'yes', 'no', 'always', 'on-failure',
    'notify', 'notify-reload', 'forking', 'oneshot', 'exit', 'exit-force', 'SIGKILL', 'SIGRTMIN+3', 'control-group', 'file:', 'append:',
    'inherit', 'journal', ' ', '\t', '=', '[', ']', 'daily', '*:0/15', 'Feb 30', '*-02-30', '*-*-* *:*:0/0', 'Mon..Sun 25:00',
    '*-*~01/2', '2199-12-31 23:59:59', '1970-01-01 UTC', '*:*:0/1 Europe/Nowhere', 'x.timer', 'ghost.service'),
  fc.string({ maxLength: 3 }).map((s) => s.repeat(200)),
);

const hostileLine = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...DIRECTIVES), fc.array(nasty, { maxLength: 4 })).map(([k, v]) => `${k}=${v.join(' ')}`) },
  { weight: 2, arbitrary: fc.constantFrom('[Unit]', '[Service]', '[Timer]', '[Install]', '[Service', '[]', '[X-Other]', '') },
  { weight: 1, arbitrary: nasty },
  { weight: 1, arbitrary: nasty.map((v) => `ExecStart=${v}\\`) },
  { weight: 1, arbitrary: fc.constantFrom('# comment', '; comment', '  ', '\r', '\\') },
);

/** Any text made of unit-file-like lines (and garbage), LF or CRLF. */
export const hostileUnitText = fc
  .tuple(fc.array(hostileLine, { maxLength: 40 }), fc.boolean())
  .map(([lines, crlf]) => `[Service]\n${lines.join(crlf ? '\r\n' : '\n')}\n`);

/** Unit files whose processes are harmless: commands, files and users from fixed safe sets. */
export function runnableUnitText(tmp: string, names: readonly string[]): fc.Arbitrary<string> {
  const exec = fc.constantFrom('/bin/true', '/bin/false', '/bin/sleep 1', '/bin/sleep 100', '/bin/echo hi $HOME %n', '-/bin/false',
    '@/bin/sleep sleepy 2', '/nonexistent/x', 'true', 'sleep 0.3', '/bin/sh -c "exit 3"', '/bin/sh -c "sleep 0.2 & exit 0"',
    `/bin/echo ${'a'.repeat(140_000)}`, '/bin/echo "unterminated', '/bin/echo a\\x00b');
  const file = fc.constantFrom(`${tmp}/missing`, `${tmp}/fifo`, '/dev/zero', `${tmp}/out.log`, '/dev/null', `${tmp}`);
  const safe: Array<fc.Arbitrary<string>> = [
    exec.map((v) => `ExecStart=${v}`), exec.map((v) => `ExecStartPre=${v}`), exec.map((v) => `ExecStop=${v}`),
    exec.map((v) => `ExecStopPost=${v}`), exec.map((v) => `ExecReload=${v}`),
    fc.constantFrom('simple', 'exec', 'forking', 'oneshot', 'notify', 'idle', 'bogus').map((v) => `Type=${v}`),
    fc.constantFrom('no', 'always', 'on-failure', 'weird').map((v) => `Restart=${v}`),
    fc.constantFrom('100ms', '0', 'infinity', '30d', 'x', '-5').map((v) => `RestartSec=${v}`),
    fc.constantFrom('1', '30d', 'infinity', 'bad').map((v) => `TimeoutStartSec=${v}`),
    fc.constantFrom('1', '2', 'bad').map((v) => `TimeoutStopSec=${v}`),
    fc.constantFrom('30d', '1', 'bad').map((v) => `WatchdogSec=${v}`),
    file.map((v) => `EnvironmentFile=-${v}`), file.map((v) => `PIDFile=${v}`),
    file.map((v) => `StandardOutput=append:${v}`), fc.constantFrom('inherit', 'null', 'journal', 'bogus').map((v) => `StandardError=${v}`),
    fc.constantFrom('root', 'nobody', 'no-such-user', '65534').map((v) => `User=${v}`),
    fc.constantFrom(tmp, `${tmp}/missing`, '-/nonexistent', '~').map((v) => `WorkingDirectory=${v}`),
    fc.constantFrom(...names, 'ghost.service', 'network.target').map((v) => `After=${v}`),
    fc.constantFrom(...names, 'ghost.service').map((v) => `Requires=${v}`),
    fc.constantFrom(...names).map((v) => `Conflicts=${v}`),
    nasty.map((v) => `Environment="A=${v.replace(/"/g, '')}"`), nasty.map((v) => `Description=${v}`),
    nasty.map((v) => `NoSuchKey=${v}`), fc.constantFrom('KillMode=process', 'KillMode=none', 'KillSignal=SIGKILL', 'SendSIGKILL=no'),
    fc.constantFrom('StartLimitBurst=2', 'StartLimitIntervalSec=1', 'RemainAfterExit=yes', 'Nice=5', 'UMask=0077', 'LimitNOFILE=64'),
  ];
  // Short timeouts last (they win), so that a job on any of these units ends within seconds.
  return fc
    .array(fc.oneof(...safe), { minLength: 1, maxLength: 10 })
    .map((lines) => `[Unit]\n[Service]\n${lines.join('\n')}\nTimeoutStartSec=2\nTimeoutStopSec=1\n`);
}

/** Control request lines: valid verbs with odd fields, wrong types, garbage, huge arrays. */
export function controlLine(names: readonly string[]): fc.Arbitrary<string> {
  const verb = fc.constantFrom('ping', 'status', 'list-units', 'start', 'stop', 'restart', 'reload', 'try-restart',
    'reload-or-restart', 'kill', 'list-unit-files', 'logs', 'daemon-reload', 'bogus', '');
  const units = fc.oneof(fc.array(fc.constantFrom(...names, 'nope', '', '../x', 'a'.repeat(300)), { maxLength: 5 }),
    fc.constant(Array.from({ length: 3000 }, (_, i) => `u${i}`)), fc.anything());
  const object = fc.record(
    { v: fc.oneof(fc.constant(1), fc.anything()), id: fc.oneof(fc.integer(), fc.string(), fc.anything()), verb, units,
      signal: fc.oneof(fc.constantFrom('SIGHUP', 'SIGUSR1', 'SIGRTMIN+2', 'SIGKILL', 'BOGUS', 0, 64, -1), fc.anything()),
      who: fc.constantFrom('main', 'all', 'x'), lines: fc.oneof(fc.integer(), fc.anything()), follow: fc.constant(false) },
    { requiredKeys: ['v', 'id', 'verb'] },
  );
  return fc.oneof(
    { weight: 6, arbitrary: object.map((o) => JSON.stringify(o) ?? 'null') },
    { weight: 1, arbitrary: fc.json() },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((s) => s.replace(/\n/g, ' ')) },
  );
}
