// What `systemctl --help` and `systemctl --version` print through the systemctl front: the
// verbs it carries out, in systemctl's layout and words. One table, so the help cannot list a
// verb the front does not know (test/unit/control/systemctl-help.test.ts runs each one). A verb
// that is also a control verb takes its line from the verb table (verbs.ts), the one place
// its words are kept, so `ts-init ctl --help` says the same.
import { VERSION } from '../version';
import { verbRow, type Verb } from './verbs';

/**
 * The systemd release whose systemctl words and exit codes the front reproduces (the oracle its
 * compatibility tests compare with). Tools read the number from the first line of --version.
 */
export const SYSTEMD_COMPAT_VERSION = 252;

interface HelpRow {
  usage: string;
  what: string;
}

/** The row of a systemctl verb that is the control verb `as` (its own name by default), with systemctl's argument words. */
function fromVerbTable(name: string, args: string, as: Verb = name as Verb): HelpRow {
  return { usage: `${name} ${args}`.trimEnd(), what: verbRow(as).summary };
}

/** The front's verbs by section, as `systemctl --help` groups them. */
export const SYSTEMCTL_HELP: ReadonlyArray<{ section: string; rows: readonly HelpRow[] }> = [
  {
    section: 'Unit Commands',
    rows: [
      fromVerbTable('list-units', '[PATTERN...]'),
      { usage: 'list-sockets [PATTERN...]', what: 'List socket units currently in memory, ordered by address' },
      { usage: 'list-timers [PATTERN...]', what: 'List timer units currently in memory, ordered by next elapse' },
      fromVerbTable('is-system-running', '', 'system-state'),
      { usage: 'is-active PATTERN...', what: 'Check whether units are active' },
      { usage: 'is-failed PATTERN...', what: 'Check whether units are failed' },
      fromVerbTable('status', '[PATTERN...]'),
      { usage: 'show [PATTERN...]', what: 'Show properties of one or more units' },
      { usage: 'cat PATTERN...', what: 'Show files and drop-ins of specified units' },
      { usage: 'help PATTERN...', what: 'Show manual for one or more units' },
      { usage: 'list-dependencies [UNIT...]', what: 'Recursively show units which are required or wanted by the units or by which those units are required or wanted' },
      fromVerbTable('start', 'UNIT...'),
      fromVerbTable('stop', 'UNIT...'),
      fromVerbTable('reload', 'UNIT...'),
      fromVerbTable('restart', 'UNIT...'),
      fromVerbTable('try-restart', 'UNIT...'),
      fromVerbTable('reload-or-restart', 'UNIT...'),
      { usage: 'condrestart UNIT...', what: 'Same as try-restart' },
      { usage: 'force-reload UNIT...', what: 'Same as reload-or-restart' },
      fromVerbTable('kill', 'UNIT...'),
      fromVerbTable('reset-failed', '[PATTERN...]'),
    ],
  },
  {
    section: 'Unit File Commands',
    rows: [
      fromVerbTable('list-unit-files', '[PATTERN...]'),
      fromVerbTable('enable', 'UNIT...'),
      fromVerbTable('disable', 'UNIT...'),
      { usage: 'is-enabled UNIT...', what: 'Check whether unit files are enabled' },
      fromVerbTable('preset', 'UNIT...'),
      fromVerbTable('mask', 'UNIT...'),
      fromVerbTable('unmask', 'UNIT...'),
      fromVerbTable('revert', 'UNIT...'),
      { usage: 'edit UNIT...', what: 'Edit one or more unit files' },
      fromVerbTable('get-default', ''),
      fromVerbTable('set-default', 'TARGET'),
    ],
  },
  {
    section: 'Job Commands',
    rows: [fromVerbTable('list-jobs', '[PATTERN...]')],
  },
  {
    section: 'Environment Commands',
    rows: [
      fromVerbTable('show-environment', '', 'environment'),
      fromVerbTable('set-environment', 'VARIABLE=VALUE...'),
      fromVerbTable('unset-environment', 'VARIABLE...'),
    ],
  },
  {
    section: 'Manager State Commands',
    rows: [
      fromVerbTable('daemon-reload', ''),
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
  { usage: '-o --output=STRING', what: 'Change journal output mode (short, short-iso, short-precise, cat, json, verbose, ...)' },
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
