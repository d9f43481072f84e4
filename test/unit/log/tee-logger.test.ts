import { describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../../src/log/logger';
import { teeLogger } from '../../../src/log/tee-logger';

function recording(): { log: Logger; lines: unknown[][] } {
  const lines: unknown[][] = [];
  const at = (level: string) => (...args: unknown[]) => lines.push([level, ...args]);
  const log = { fatal: at('fatal'), error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), trace: at('trace') } as unknown as Logger;
  return { log, lines };
}

describe('teeLogger', () => {
  it("hands info and above to the journal with the record's unit, and the console gets the line as it was", () => {
    const { log, lines } = recording();
    const journal: unknown[][] = [];
    const tee = teeLogger(log, (...a) => journal.push(a));
    tee.warn({ unit: 'cron.service' }, 'cron.service failed');
    tee.info('plain');
    tee.debug('not for the journal');
    expect(journal).toEqual([
      ['warn', 'cron.service failed', 'cron.service'],
      ['info', 'plain', undefined],
    ]);
    expect(lines).toEqual([
      ['warn', { unit: 'cron.service' }, 'cron.service failed'],
      ['info', 'plain'],
      ['debug', 'not for the journal'],
    ]);
  });

  it('journal: false keeps a line out of the journal, and the console line does not show the flag', () => {
    const { log, lines } = recording();
    const journal: unknown[][] = [];
    const tee = teeLogger(log, (...a) => journal.push(a));
    tee.info({ unit: 'ssh.service', journal: false }, 'inactive (dead) -> activating (start)');
    expect(journal).toEqual([]);
    expect(lines).toEqual([['info', { unit: 'ssh.service' }, 'inactive (dead) -> activating (start)']]);
  });

  it("says whether its console writes a level, as the console says", () => {
    expect(teeLogger(createLogger(0, 'text', -1), () => undefined).writes?.('info')).toBe(false);
    expect(teeLogger(createLogger(2, 'text', -1), () => undefined).writes?.('info')).toBe(true);
    expect(teeLogger(createLogger(2, 'text', -1), () => undefined).writes?.('debug')).toBe(false);
  });
});
