// What `systemctl --help` and `systemctl --version` print through the systemctl front: the
// verbs it carries out, in systemctl's layout and words. One table, so the help cannot list a
// verb the front does not know (test/unit/control/systemctl-help.test.ts runs each one).
import { VERSION } from '../version';

/**
 * The systemd release whose systemctl words and exit codes the front reproduces (the oracle its
 * compatibility tests compare with). Tools read the number from the first line of --version.
 */
export const SYSTEMD_COMPAT_VERSION = 252;

interface HelpRow {
  usage: string;
  what: string;
}

/** The front's verbs by section, as `systemctl --help` groups them. */
export const SYSTEMCTL_HELP: ReadonlyArray<{ section: string; rows: readonly HelpRow[] }> = [
  {
    section: 'Unit Commands',
    rows: [
      { usage: 'list-units [PATTERN...]', what: 'List units currently in memory' },
      { usage: 'list-sockets [PATTERN...]', what: 'List socket units currently in memory, ordered by address' },
      { usage: 'list-timers [PATTERN...]', what: 'List timer units currently in memory, ordered by next elapse' },
      { usage: 'is-system-running', what: 'Check whether system is fully running' },
      { usage: 'is-active PATTERN...', what: 'Check whether units are active' },
      { usage: 'is-failed PATTERN...', what: 'Check whether units are failed' },
      { usage: 'status [PATTERN...]', what: 'Show runtime status of one or more units' },
      { usage: 'show [PATTERN...]', what: 'Show properties of one or more units' },
      { usage: 'cat PATTERN...', what: 'Show files and drop-ins of specified units' },
      { usage: 'help PATTERN...', what: 'Show manual for one or more units' },
      { usage: 'list-dependencies [UNIT...]', what: 'Recursively show units which are required or wanted by the units or by which those units are required or wanted' },
      { usage: 'start UNIT...', what: 'Start (activate) one or more units' },
      { usage: 'stop UNIT...', what: 'Stop (deactivate) one or more units' },
      { usage: 'reload UNIT...', what: 'Reload one or more units' },
      { usage: 'restart UNIT...', what: 'Start or restart one or more units' },
      { usage: 'try-restart UNIT...', what: 'Restart one or more units if active' },
      { usage: 'reload-or-restart UNIT...', what: 'Reload one or more units if possible, otherwise start or restart' },
      { usage: 'condrestart UNIT...', what: 'Same as try-restart' },
      { usage: 'force-reload UNIT...', what: 'Same as reload-or-restart' },
      { usage: 'kill UNIT...', what: 'Send signal to processes of a unit' },
      { usage: 'reset-failed [PATTERN...]', what: 'Reset failed state for all, one, or more units' },
    ],
  },
  {
    section: 'Unit File Commands',
    rows: [
      { usage: 'list-unit-files [PATTERN...]', what: 'List installed unit files' },
      { usage: 'enable UNIT...', what: 'Enable one or more unit files' },
      { usage: 'disable UNIT...', what: 'Disable one or more unit files' },
      { usage: 'is-enabled UNIT...', what: 'Check whether unit files are enabled' },
      { usage: 'preset UNIT...', what: 'Enable/disable one or more unit files based on preset configuration' },
      { usage: 'mask UNIT...', what: 'Mask one or more units' },
      { usage: 'unmask UNIT...', what: 'Unmask one or more units' },
      { usage: 'revert UNIT...', what: 'Revert one or more unit files to vendor version' },
      { usage: 'edit UNIT...', what: 'Edit one or more unit files' },
      { usage: 'get-default', what: 'Get the name of the default target' },
      { usage: 'set-default TARGET', what: 'Set the default target' },
    ],
  },
  {
    section: 'Job Commands',
    rows: [{ usage: 'list-jobs [PATTERN...]', what: 'List jobs' }],
  },
  {
    section: 'Environment Commands',
    rows: [
      { usage: 'show-environment', what: 'Dump environment' },
      { usage: 'set-environment VARIABLE=VALUE...', what: 'Set one or more environment variables' },
      { usage: 'unset-environment VARIABLE...', what: 'Unset one or more environment variables' },
    ],
  },
  {
    section: 'Manager State Commands',
    rows: [
      { usage: 'daemon-reload', what: 'Reload systemd manager configuration' },
      { usage: 'daemon-reexec', what: 'Accepted; does nothing (ts-init is not re-executed)' },
    ],
  },
  {
    section: 'System Commands',
    rows: [
      { usage: 'halt', what: 'Shut down the container' },
      { usage: 'poweroff', what: 'Shut down the container' },
      { usage: 'reboot', what: 'Shut down the container (the engine decides about a restart)' },
    ],
  },
];

const OPTIONS: readonly HelpRow[] = [
  { usage: '-h --help', what: 'Show this help' },
  { usage: '--version', what: 'Show package version' },
  { usage: '-t --type=TYPE', what: 'List units of a particular type' },
  { usage: '--state=STATE', what: 'List units with particular LOAD or SUB or ACTIVE state' },
  { usage: '--failed', what: 'Shortcut for --state=failed' },
  { usage: '-p --property=NAME', what: 'Show only properties by this name' },
  { usage: '-P NAME', what: 'Equivalent to --value --property=NAME' },
  { usage: '-a --all', what: 'Show all properties/all units currently in memory, including dead/empty ones' },
  { usage: '--reverse', what: 'Show reverse dependencies with \'list-dependencies\'' },
  { usage: '--full', what: 'Edit the whole unit file (edit)' },
  { usage: '--drop-in=NAME', what: 'Edit unit files using the specified drop-in file name' },
  { usage: '--force', what: 'With edit: create a new unit file' },
  { usage: '--no-reload', what: 'Don\'t reload daemon after en-/dis-abling unit files' },
  { usage: '--value', what: 'When showing properties, only print the value' },
  { usage: '-s --signal=SIGNAL', what: 'Which signal to send' },
  { usage: '--kill-whom=WHOM', what: 'Whom to send signal to (main or all)' },
  { usage: '-n --lines=INTEGER', what: 'Number of journal entries to show' },
  { usage: '-q --quiet', what: 'Suppress output' },
  { usage: '--now', what: 'Start or stop unit after enabling or disabling it' },
  { usage: '--no-legend', what: 'Do not print a legend (column headers and hints)' },
  { usage: '--no-pager --no-block --no-ask-password --plain --system', what: 'Accepted' },
];

function rows(list: readonly HelpRow[]): string {
  return list.map((r) => `  ${r.usage.padEnd(36)}${r.what}\n`).join('');
}

export function systemctlHelp(): string {
  return (
    'systemctl [OPTIONS...] COMMAND ...\n\n' +
    `Query or send control commands to the system manager (ts-init ${VERSION}, answering as systemd ${SYSTEMD_COMPAT_VERSION}).\n` +
    SYSTEMCTL_HELP.map((s) => `\n${s.section}:\n${rows(s.rows)}`).join('') +
    `\nOptions:\n${rows(OPTIONS)}`
  );
}

/** The first line is systemd's form ("systemd NNN (...)"), the one tools parse for the version. */
export function systemctlVersion(): string {
  return `systemd ${SYSTEMD_COMPAT_VERSION} (ts-init ${VERSION})\nts-init's systemctl front: the verbs of 'systemctl --help', with systemd ${SYSTEMD_COMPAT_VERSION}'s words and exit codes\n`;
}

/** The verb of each help row (its first word). */
export function helpVerbs(): string[] {
  return SYSTEMCTL_HELP.flatMap((s) => s.rows.map((r) => r.usage.split(' ')[0]!));
}
