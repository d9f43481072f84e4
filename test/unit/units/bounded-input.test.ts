// Unit files as hostile input: many continued lines parse in linear time, a file over
// the size bound (or a FIFO, or a device) is refused with an error naming it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadUnitFile, UNIT_FILE_MAX_BYTES } from '../../../src/units/load';
import { parseUnitText } from '../../../src/units/syntax';
import { tempDir } from '../../helpers/temp-dir';

const made: string[] = [];
const tmp = (): string => {
  const d = tempDir('bounded-units-');
  made.push(d);
  return d;
};
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

describe('unit file size and parse time', () => {
  it('200 KB of 50,000 continued lines parses in well under a second, as one assignment', () => {
    const text = `[Service]\nExecStart=/bin/echo \\\n${'ab \\\n'.repeat(50_000)}end\n`;
    expect(text.length).toBeGreaterThan(200_000);
    const t0 = performance.now();
    const parsed = parseUnitText(text, 'long.service');
    const ms = performance.now() - t0;
    expect(parsed.assignments).toHaveLength(1);
    expect(parsed.assignments[0]!.value.split(/\s+/).filter((w) => w === 'ab')).toHaveLength(50_000);
    expect(parsed.assignments[0]!.line).toBe(2);
    expect(ms).toBeLessThan(500);
  });

  it('parse time stays linear: 200,000 continued lines (quadratic parsing would take minutes) in under 2 s', () => {
    const text = `[Service]\nX=\\\n${'a \\\n'.repeat(200_000)}z\n`;
    const t0 = performance.now();
    const parsed = parseUnitText(text, 'x.service');
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(parsed.assignments).toHaveLength(1);
  });

  it('a unit file over the size bound is refused, naming the file and the bound', () => {
    const d = tmp();
    const file = path.join(d, 'huge.service');
    fs.writeFileSync(file, `[Service]\nExecStart=/bin/true\n${'# padding\n'.repeat(UNIT_FILE_MAX_BYTES / 10 + 1)}`);
    const r = loadUnitFile(file, 'huge.service', []);
    expect(r.loadable).toBe(false);
    expect(r.diagnostics[0]).toMatchObject({ file, severity: 'error', message: `cannot read unit file: larger than ${UNIT_FILE_MAX_BYTES} bytes` });
  });

  it('a FIFO or a character device as unit file or drop-in is refused without blocking', () => {
    const d = tmp();
    const fifo = path.join(d, 'fifo.service');
    require('node:child_process').execFileSync('mkfifo', [fifo]);
    const r = loadUnitFile(fifo, 'fifo.service', []);
    expect(r.loadable).toBe(false);
    expect(r.diagnostics[0]!.message).toBe('cannot read unit file: a FIFO, not a regular file');
    const ok = path.join(d, 'ok.service');
    fs.writeFileSync(ok, '[Service]\nExecStart=/bin/true\n');
    const z = loadUnitFile(ok, 'ok.service', ['/dev/zero']);
    expect(z.loadable).toBe(false);
    expect(z.diagnostics[0]).toMatchObject({ file: '/dev/zero', message: 'cannot read unit file: a character device, not a regular file' });
  });
});
