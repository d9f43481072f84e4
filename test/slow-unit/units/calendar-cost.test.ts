// What calendar events cost, printed for the record (the targets, under 1 ms an expression and
// 1,000 timers in under 100 ms, belong in bench/ once timers run; a test does not time): CPU
// time of this process after a warm-up (ICU's zone data, the JIT), in a zone with DST, where the
// search does the most. What is asserted is behaviour: every expression elapses, an impossible
// date ends its walk.
import { describe, expect, it } from 'vitest';
import { parseCalendar } from '../../../src/units/calendar';
import { nextElapse, nextElapseOrWhyNot } from '../../../src/units/calendar-next';
import { DEBIAN_TIMER_CALENDARS, generateExpression, seededRandom } from '../../helpers/calendar-expressions';

const AFTER = Date.parse('2026-12-07T12:00:00Z') * 1000;
const ZONE = 'Europe/Berlin';

/** CPU milliseconds `work` takes. */
function cpuMs(work: () => void): number {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function load(texts: readonly string[]): number {
  let elapsing = 0;
  for (const text of texts) {
    const r = parseCalendar(text);
    if (r.ok && nextElapse(r.spec, AFTER, ZONE) !== undefined) elapsing++;
  }
  return elapsing;
}

describe('calendar cost', () => {
  const debian = Array.from({ length: 1_000 }, (_, i) => DEBIAN_TIMER_CALENDARS[i % DEBIAN_TIMER_CALENDARS.length]!);
  const rnd = seededRandom(22);
  const generated = Array.from({ length: 1_000 }, () => generateExpression(rnd));

  it("1,000 timers of Debian's expressions load (parse and next elapse), every one elapsing", () => {
    load(debian.slice(0, 100));
    let elapsing = 0;
    const ms = cpuMs(() => (elapsing = load(debian)));
    console.log(`1,000 Debian timer expressions: ${ms.toFixed(1)} ms CPU`);
    expect(elapsing).toBe(1_000);
  });

  it('1,000 generated expressions load; the costliest is named', () => {
    expect(load(generated)).toBeGreaterThan(0);
    const ms = cpuMs(() => load(generated));
    let worst = 0;
    let worstText = '';
    for (const text of generated) {
      // the best of three: a garbage collection in the middle is not the expression's cost
      const each = Math.min(...[0, 1, 2].map(() => cpuMs(() => load([text]))));
      if (each > worst) [worst, worstText] = [each, text];
    }
    console.log(`1,000 generated expressions: ${ms.toFixed(1)} ms CPU; the costliest, ${JSON.stringify(worstText)}: ${worst.toFixed(3)} ms`);
    expect(worstText).not.toBe('');
  });

  it('an impossible date walks to 2199 and stops, never a loop', () => {
    const r = parseCalendar('*-02-30');
    if (!r.ok) throw new Error(r.error);
    expect(nextElapseOrWhyNot(r.spec, AFTER, ZONE)).toBe('never'); // learns the zone up to 2199
    const warm = Math.min(...[0, 1, 2].map(() => cpuMs(() => nextElapseOrWhyNot(r.spec, AFTER, ZONE))));
    console.log(`*-02-30 in ${ZONE}: ${warm.toFixed(3)} ms CPU to say it never elapses`);
  });
});
