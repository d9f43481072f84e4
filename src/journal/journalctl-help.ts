// What `journalctl --help` prints through the journalctl front: the options it reads.
export function journalctlHelp(): string {
  return `journalctl [OPTIONS...] [MATCHES...]

Query the journal.

Source Options:
  -D --directory=PATH        Show journal files from directory
     --file=PATH             Show journal file

Filtering Options:
  -S --since=DATE            Show entries not older than the specified date
  -U --until=DATE            Show entries not newer than the specified date
  -b --boot[=ID]             Show current boot or the specified boot
  -u --unit=UNIT             Show logs from the specified unit
  -t --identifier=STRING     Show entries with the specified syslog identifier
  -p --priority=RANGE        Show entries with the specified priority
  -k --dmesg                 Show kernel message log from the current boot

Output Control Options:
  -o --output=STRING         Change journal output mode (short, short-precise,
                               short-iso, short-iso-precise, short-full,
                               short-monotonic, short-unix, verbose, export,
                               json, json-pretty, cat)
  -n --lines[=INTEGER]       Number of journal entries to show
  -r --reverse               Show the newest entries first
  -e --pager-end             Immediately jump to the end in the pager
  -f --follow                Follow the journal
  -x --catalog               Add message explanations where available (accepted)
  -a --all                   Show all fields, including long and unprintable
  -q --quiet                 Do not show info messages and privilege warning
     --no-pager              Do not pipe output into a pager
     --utc                   Express time in Coordinated Universal Time

Commands:
  -h --help                  Show this help text
     --version               Show package version
  -F --field=FIELD           List all values that a specified field takes
     --list-boots            Show terse information about recorded boots
     --disk-usage            Show total disk usage of all journal files
     --vacuum-size=BYTES     Reduce disk usage below specified size
     --vacuum-time=TIME      Remove journal files older than specified time
`;
}
