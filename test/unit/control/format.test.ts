import { describe, expect, it } from 'vitest';
import { activeWords, renderStatus } from '../../../src/control/format';
import type { UnitStatus } from '../../../src/control/manager';

function unit(over: Partial<UnitStatus>): UnitStatus {
  return {
    name: 'x.service', description: 'X', loadState: 'loaded', activeState: 'active', subState: 'running', result: 'success',
    unitFileState: 'enabled', sourcePath: '/etc/systemd/system/x.service', stateChangedAt: 0, activeSince: 0, restarts: 0, properties: {},
    ...over,
  };
}

describe('the Active: words of status', () => {
  it.each([
    ['active', 'running', 'active (running)'],
    ['inactive', 'dead', 'inactive (dead)'],
    ['active', 'exited', 'active (exited)'],
    ['failed', 'failed', 'failed'],
    ['activating', '', 'activating'],
  ] as const)('%s/%s -> %s', (activeState, subState, words) => {
    expect(activeWords({ activeState, subState })).toBe(words);
  });

  it('a failed unit reads "failed (Result: exit-code)", as in systemctl status', () => {
    const tz = process.env.TZ;
    process.env.TZ = 'UTC';
    const text = renderStatus(unit({ activeState: 'failed', subState: 'failed', result: 'exit-code', stateChangedAt: 1000 }), [], 61_000);
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
    expect(text).toMatch(/^ {5}Active: failed \(Result: exit-code\) since Thu 1970-01-01 00:00:01 UTC; 1min 0s ago$/m);
  });

  it("the log lines under status carry the unit's SyslogIdentifier=, else its name", () => {
    const logs = [
      { time: 0, unit: 'x.service', identifier: 'xd', stream: 'stdout' as const, line: 'tagged' },
      { time: 0, unit: 'x.service', stream: 'stdout' as const, line: 'plain' },
    ];
    const text = renderStatus(unit({}), logs);
    expect(text).toContain('1970-01-01T00:00:00.000Z xd: tagged\n');
    expect(text).toContain('1970-01-01T00:00:00.000Z x.service: plain\n');
  });

  it('a unit that is not loaded keeps the sub-state when it differs', () => {
    const text = renderStatus(unit({ loadState: 'masked', activeState: 'inactive', subState: 'dead' }));
    expect(text).toContain('     Loaded: masked\n     Active: inactive (dead)\n');
  });

  it("shows a unit's output lines and STATUS= text with their control characters escaped", () => {
    const line = '\x1b]52;c;ZWNobw==\x07\x1b[2K\r[ERROR ts-init] forged';
    const text = renderStatus(unit({ statusText: 'ok\x1b[31m' }), [{ time: 0, unit: 'x.service', stream: 'stdout', line }]);
    expect(text).not.toMatch(/[\x1b\r\x07]/);
    expect(text).toContain('     Status: "ok\\x1b[31m"');
    expect(text).toContain('x.service: \\x1b]52;c;ZWNobw==\\x07\\x1b[2K\\x0d[ERROR ts-init] forged\n');
  });
});
