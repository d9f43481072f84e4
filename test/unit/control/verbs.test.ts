import { describe, expect, it } from 'vitest';
import type { Manager } from '../../../src/control/manager';
import { RequestError, validateRequest } from '../../../src/control/protocol';
import { VERB_TABLE, VERBS, VerbError, verbRow, type VerbStream } from '../../../src/control/verbs';
import { ctl } from '../../../src/control/ctl-cli';

const stream = (events: unknown[] = []): VerbStream => ({ send: (e) => void events.push(e), onClose: () => undefined, keepOpen: () => undefined, closed: () => false, protocolVersion: 1 });

describe('the verb table', () => {
  it('is what the protocol accepts, and units are required where the row says so', () => {
    for (const verb of VERBS) {
      const bare = (): unknown => validateRequest({ v: 1, id: 1, verb });
      if (verbRow(verb).units === 'required') expect(bare).toThrow(RequestError);
      else expect(validateRequest({ v: 1, id: 1, verb }).verb).toBe(verb);
    }
    expect(() => validateRequest({ v: 1, id: 1, verb: 'frobnicate' })).toThrow(/unknown verb/);
  });

  it('every verb has its line in ctl --help', async () => {
    let out = '';
    await ctl(['--help'], (s) => (out += s), () => undefined);
    for (const verb of Object.keys(VERB_TABLE)) expect(out).toMatch(new RegExp(`^  ${verb}\\b`, 'm'));
  });

  it('rows translate requests into Manager calls', async () => {
    const calls: string[] = [];
    const m = {
      start: async (u: string) => (calls.push(`start ${u}`), { result: 'done' }),
      kill: (u: string, s: number, who: string) => (calls.push(`kill ${u} ${s} ${who}`), { result: 'done' }),
      logs: (u: string, n: number) => (u === 'a.service' ? [{ line: `last ${n}` }] : undefined),
      follow: (_u: string, l: (x: unknown) => void) => (l({ line: 'more' }), () => undefined),
    } as unknown as Manager;
    expect(await verbRow('start').run(m, { units: ['a.service', 'b.service'] }, stream())).toEqual([{ result: 'done' }, { result: 'done' }]);
    await verbRow('kill').run(m, { units: ['a.service'], signal: 'HUP', who: 'main' }, stream());
    expect(calls).toEqual(['start a.service', 'start b.service', 'kill a.service 1 main']);
    expect(() => verbRow('kill').run(m, { units: ['a.service'], signal: 'NOPE' }, stream())).toThrow(VerbError);
    expect(() => verbRow('logs').run(m, { units: ['x.service'] }, stream())).toThrow(/not found/);
    const events: unknown[] = [];
    expect(verbRow('logs').run(m, { units: ['a.service'], lines: 3, follow: true }, stream(events))).toEqual([{ line: 'last 3' }]);
    expect(events).toEqual([{ event: 'log', line: { line: 'more' } }]);
  });
});
