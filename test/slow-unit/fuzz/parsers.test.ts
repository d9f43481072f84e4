// Fuzzing the pure parsers (seeded, a few thousand cases each): nothing in a unit file,
// an EnvironmentFile=, a notify datagram or a control request can make them throw.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRequest, RequestError } from '../../../src/control/protocol';
import { parseEnvironmentFile } from '../../../src/exec/environment-file';
import { parseNotifyMessage } from '../../../src/notify/notify-message';
import { buildUnit } from '../../../src/units/build-unit';
import { parseUnitText } from '../../../src/units/syntax';
import { controlLine, hostileUnitText } from '../../helpers/fuzz-units';

const SEED = 20261201;

describe('fuzz', () => {
  it('unit files: parsing and building never throw; diagnostics name a real line', () => {
    fc.assert(
      fc.property(hostileUnitText, fc.option(hostileUnitText), (text, dropIn) => {
        const main = parseUnitText(text, '/u/fuzz.service');
        const extra = dropIn === null ? [] : [parseUnitText(dropIn, '/u/fuzz.service.d/x.conf')];
        const r = buildUnit('fuzz.service', main, extra, { hostname: 'h' });
        const lines = text.split('\n').length;
        for (const d of r.diagnostics) {
          expect(typeof d.message).toBe('string');
          if (d.file === '/u/fuzz.service' && d.line !== undefined) expect(d.line).toBeLessThanOrEqual(lines);
        }
        expect(typeof r.loadable).toBe('boolean');
        // The same lines read as a timer: its [Timer] settings never throw either.
        expect(typeof buildUnit('fuzz.timer', parseUnitText(text, '/u/fuzz.timer'), [], { hostname: 'h' }).loadable).toBe('boolean');
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('control requests: only a RequestError with a code, never anything else', () => {
    fc.assert(
      fc.property(controlLine(['a.service']), (line) => {
        try {
          parseRequest(line);
        } catch (err) {
          expect(err).toBeInstanceOf(RequestError);
          expect((err as RequestError).code).toMatch(/^[a-z-]+$/);
        }
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('EnvironmentFile= contents and notify messages never throw', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        parseEnvironmentFile(text);
        parseNotifyMessage(text);
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });
});
