import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnosticReport, type Diagnostic } from '../../../src/units/diagnostic';

const harmless = (file: string, line: number, directive: string, unit = path.basename(file)): Diagnostic => ({
  file,
  unit,
  line,
  severity: 'warning',
  message: `${directive} is not supported by ts-init; ignored`,
  harmless: { directive },
});

describe('diagnosticReport', () => {
  it('one warning line for all units together; each unit at info (-v), file:line details at debug', () => {
    const unit = '/lib/systemd/system/e2scrub_reap.service';
    const dropIn = '/etc/systemd/system/e2scrub_reap.service.d/x.conf';
    const lines = diagnosticReport([
      harmless(unit, 10, 'ProtectSystem'),
      harmless(unit, 11, 'PrivateTmp'),
      harmless(dropIn, 2, 'PrivateTmp', 'e2scrub_reap.service'),
      harmless('/lib/systemd/system/ssh.service', 7, 'RuntimeDirectoryMode'),
    ]);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.text)).toEqual([
      '2 units carry settings a container cannot apply (sandboxing, resource control, scheduling); they are ignored (-v lists them)',
    ]);
    expect(lines.filter((l) => l.level === 'info').map((l) => l.text)).toEqual([
      'e2scrub_reap.service: 2 settings not applied in a container, ignored: ProtectSystem, PrivateTmp',
      'ssh.service: 1 setting not applied in a container, ignored: RuntimeDirectoryMode',
    ]);
    expect(lines.filter((l) => l.level === 'debug').map((l) => l.text)).toEqual([
      `${unit}:10: warning: ProtectSystem is not supported by ts-init; ignored`,
      `${unit}:11: warning: PrivateTmp is not supported by ts-init; ignored`,
      `${dropIn}:2: warning: PrivateTmp is not supported by ts-init; ignored`,
      '/lib/systemd/system/ssh.service:7: warning: RuntimeDirectoryMode is not supported by ts-init; ignored',
    ]);
  });

  it('long lists are cut after six names', () => {
    const names = ['A1', 'A2', 'A3', 'A4', 'A5', 'A6', 'A7', 'A8'];
    const lines = diagnosticReport(names.map((n, i) => harmless('/x/a.service', i + 1, n)));
    expect(lines[0]!.text).toMatch(/^1 unit carries settings a container cannot apply/);
    expect(lines[1]!.text).toBe('a.service: 8 settings not applied in a container, ignored: A1, A2, A3, A4, A5, A6, ... (2 more)');
  });

  it('real problems stay one line each, at their own level', () => {
    const lines = diagnosticReport([
      { file: '/x/a.service', line: 3, severity: 'error', message: 'RestartSec: bad time span' },
      { file: '/x/a.service', line: 4, severity: 'warning', message: 'unknown directive Frob in section [Service]' },
    ]);
    expect(lines).toEqual([
      { level: 'error', text: '/x/a.service:3: error: RestartSec: bad time span' },
      { level: 'warn', text: '/x/a.service:4: warning: unknown directive Frob in section [Service]' },
    ]);
  });
});
