import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, formatTextRecord, textLine } from '../../../src/log/logger';
import { tempDir } from '../../helpers/temp-dir';

function capture(run: (fd: number) => void): string {
  const file = path.join(tempDir('ts-init-log-'), 'out');
  const fd = fs.openSync(file, 'w');
  try {
    run(fd);
  } finally {
    fs.closeSync(fd);
  }
  return fs.readFileSync(file, 'utf8');
}

describe('logger', () => {
  it('writes a bare text message exactly as the pino record would be rendered', () => {
    for (const msg of ['not running as PID 1 (pid 7)', 'quote " and \\ and \u00e9 and \u2028', '']) {
      for (const level of [10, 20, 30, 40, 50, 60]) {
        expect(textLine(level, msg)).toBe(formatTextRecord(JSON.stringify({ level, msg })));
      }
    }
  });

  it('renders bare messages and structured records in text format, honouring the level', () => {
    const out = capture((fd) => {
      const log = createLogger(1, 'text', fd);
      log.info('hidden');
      log.warn('plain warning');
      log.error({ unit: 'a.service' }, 'with fields');
    });
    expect(out).toBe('[WARN  ts-init] plain warning\n[ERROR ts-init] with fields unit="a.service"\n');
  });

  it('keeps JSON format on pino for every record', () => {
    const out = capture((fd) => createLogger(1, 'json', fd).warn('plain'));
    const rec = JSON.parse(out) as Record<string, unknown>;
    expect(rec).toMatchObject({ level: 40, msg: 'plain', name: 'ts-init' });
    expect(typeof rec.time).toBe('string');
  });
});
