import { describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/log/logger';
import { NOTIFY_WARN_BURST, NOTIFY_WARN_INTERVAL_MS, NotifyRefusals } from '../../../src/supervisor/notify-refusals';

function recorder(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = Object.fromEntries(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace'].map((level) => [level, (_o: unknown, msg: string) => lines.push(`${level} ${msg}`)]),
  ) as unknown as Logger;
  return { log, lines };
}

describe('notify refusals', () => {
  it('from outside the unit: debug lines only; from the unit: a burst of warnings, then one count per interval', () => {
    let t = 0;
    const { log, lines } = recorder();
    const r = new NotifyRefusals(log, 'web.service', () => t);
    for (let i = 0; i < 10_000; i++) r.report('debug', 'cannot find unit');
    expect(lines.filter((l) => l.startsWith('warn'))).toEqual([]);
    lines.length = 0;
    for (let i = 0; i < 10_000; i++) r.report('warn', `refused ${i}`);
    expect(lines).toEqual(Array.from({ length: NOTIFY_WARN_BURST }, (_, i) => `warn refused ${i}`));
    t += NOTIFY_WARN_INTERVAL_MS;
    r.report('warn', 'later');
    expect(lines.slice(NOTIFY_WARN_BURST)).toEqual([`warn suppressed ${10_000 - NOTIFY_WARN_BURST} more refused notify messages`, 'warn later']);
  });
});
