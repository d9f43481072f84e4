import { describe, expect, it } from 'vitest';
import { parseRequest, type RequestError, validateRequest } from '../../../src/control/protocol';
import { parseSystemctlArgs } from '../../../src/control/systemctl';

function err(line: string): { code: string; message: string } {
  try {
    parseRequest(line);
  } catch (e) {
    return { code: (e as RequestError).code, message: (e as RequestError).message };
  }
  throw new Error('expected an error');
}

describe('control requests', () => {
  it('accepts well-formed requests', () => {
    expect(validateRequest({ v: 1, id: 7, verb: 'start', units: ['cron.service'] })).toEqual({ v: 1, id: 7, verb: 'start', units: ['cron.service'] });
    expect(validateRequest({ v: 1, id: 'x', verb: 'logs', units: ['a'], lines: 5, follow: true })).toMatchObject({ lines: 5, follow: true });
    expect(validateRequest({ v: 1, id: 1, verb: 'kill', units: ['a'], signal: 'HUP', who: 'main' })).toMatchObject({ signal: 'HUP', who: 'main' });
  });

  it.each([
    ['not json', 'bad-request', 'request is not valid JSON'],
    ['[1,2]', 'bad-request', 'request must be a JSON object'],
    ['{"v":1,"verb":"ping"}', 'bad-request', 'id must be a number or a string'],
    ['{"v":2,"id":1,"verb":"ping"}', 'unsupported-version', 'v must be 1, got 2'],
    ['{"v":1,"id":1,"verb":"explode"}', 'unknown-verb', "unknown verb 'explode'"],
    ['{"v":1,"id":1,"verb":7}', 'bad-request', 'verb must be a string'],
    ['{"v":1,"id":1,"verb":"start"}', 'bad-request', 'start needs units'],
    ['{"v":1,"id":1,"verb":"start","units":"cron"}', 'bad-request', 'units must be an array of strings'],
    ['{"v":1,"id":1,"verb":"start","units":["ok",3]}', 'bad-request', 'units[1] must be a unit name'],
    ['{"v":1,"id":1,"verb":"start","units":["../etc/passwd"]}', 'bad-request', 'units[0] must be a unit name'],
    ['{"v":1,"id":1,"verb":"logs","units":["a"],"lines":-1}', 'bad-request', 'lines must be a whole number'],
    ['{"v":1,"id":1,"verb":"logs","units":["a"],"follow":"yes"}', 'bad-request', 'follow must be true or false'],
    ['{"v":1,"id":1,"verb":"kill","units":["a"],"who":"everyone"}', 'bad-request', "who must be 'main' or 'all'"],
    ['{"v":1,"id":1,"verb":"kill","units":["a"],"signal":{}}', 'bad-request', 'signal must be a name or a number'],
  ])('%s', (line, code, message) => {
    expect(err(line)).toEqual({ code, message });
  });
});

describe('systemctl arguments', () => {
  it('flags anywhere, properties accumulate, values inline or apart', () => {
    const r = parseSystemctlArgs(['--no-pager', 'show', '-p', 'ActiveState,SubState', 'cron', '--property=MainPID', '--value', '-q']);
    expect(r.verb).toBe('show');
    expect(r.args).toEqual(['cron']);
    expect(r.flags).toMatchObject({ properties: ['ActiveState', 'SubState', 'MainPID'], value: true, quiet: true });
    expect(parseSystemctlArgs(['kill', '-s', 'HUP', '--kill-who=main', 'x']).flags).toMatchObject({ signal: 'HUP', killWho: 'main' });
    expect(parseSystemctlArgs(['--bogus']).error).toBe("unrecognized option '--bogus'");
  });

  it('-P NAME is --property=NAME --value, as in systemctl 246 and later', () => {
    const r = parseSystemctlArgs(['show', '-P', 'MainPID', 'cron']);
    expect(r.verb).toBe('show');
    expect(r.args).toEqual(['cron']);
    expect(r.flags).toMatchObject({ properties: ['MainPID'], value: true });
  });
});
