// The `service` front's command line, as Debian's /usr/sbin/service reads it.
import { describe, expect, it } from 'vitest';
import { parseServiceArgs, SERVICE_USAGE } from '../../../src/control/systemctl';

describe('service', () => {
  it('--help, -h and --h*: the usage line, exit 0 (on stderr, as the script prints it)', () => {
    for (const a of ['--help', '-h', '--hel']) expect(parseServiceArgs([a])).toEqual({ kind: 'say', text: `${SERVICE_USAGE}\n`, code: 0 });
  });

  it('--version and -V: the script version it answers as', () => {
    expect(parseServiceArgs(['--version'])).toMatchObject({ kind: 'say', code: 0, text: expect.stringMatching(/^service ver\. 1\.65\.2 \(ts-init \d+\.\d+\.\d+\)\n$/) });
  });

  it('NAME ACTION is systemctl ACTION NAME; --full-restart is restart; --status-all lists every unit', () => {
    expect(parseServiceArgs(['ssh', 'restart'])).toEqual({ kind: 'systemctl', argv: ['restart', 'ssh'] });
    expect(parseServiceArgs(['ssh', '--full-restart'])).toEqual({ kind: 'systemctl', argv: ['restart', 'ssh'] });
    expect(parseServiceArgs(['ssh', 'force-reload'])).toEqual({ kind: 'systemctl', argv: ['force-reload', 'ssh'] });
    expect(parseServiceArgs(['--status-all'])).toEqual({ kind: 'systemctl', argv: ['list-units', '--all'] });
  });

  it('a usage error names the problem, then the usage line, exit 1', () => {
    expect(parseServiceArgs([])).toEqual({ kind: 'say', text: `${SERVICE_USAGE}\n`, code: 1 });
    expect(parseServiceArgs(['ssh'])).toEqual({ kind: 'say', code: 1, text: `service: ssh: no command given (start, stop, restart, reload, status, ...)\n${SERVICE_USAGE}\n` });
    expect(parseServiceArgs(['--bogus', 'x'])).toEqual({ kind: 'say', code: 1, text: `service: unrecognized option '--bogus'\n${SERVICE_USAGE}\n` });
  });
});
