import { describe, expect, it } from 'vitest';
import { DEFAULT_SEARCH_PATH, searchPath } from '../../../src/sys/exec-path';
import { errnoName } from '../../../src/sys/libc';
import { EXEC_SEARCH_PATH, resolveExecPath } from '../../../src/units/exec-line';
import { resolveExecutable } from '../../../src/process/exec-helper';

describe('one PATH search', () => {
  it('a name with a slash is kept; a plain name is looked up in order, empty entries meaning the working directory', () => {
    const seen: string[] = [];
    expect(searchPath('./x', '/a', () => false)).toBe('./x');
    expect(searchPath('x', '/a::/b', (c) => (seen.push(c), c === '/b/x'))).toBe('/b/x');
    expect(seen).toEqual(['/a/x', 'x', '/b/x']);
    expect(searchPath('x', '/a', () => false)).toBeUndefined();
  });

  it('units and the exec helper share it; units use systemd fixed path', () => {
    expect(EXEC_SEARCH_PATH).toBe(DEFAULT_SEARCH_PATH);
    expect(resolveExecPath('sh', (c) => c === '/usr/bin/sh')).toBe('/usr/bin/sh');
    expect(resolveExecutable('sh', '/nonexistent:/bin')).toBe('/bin/sh');
    expect(resolveExecutable('definitely-not-here', '/bin')).toBeUndefined();
  });
});

describe('errno names', () => {
  it('come from the runtime table', () => {
    expect(errnoName(2)).toBe('ENOENT');
    expect(errnoName(13)).toBe('EACCES');
    expect(errnoName(8)).toBe('ENOEXEC');
    expect(errnoName(99999)).toBeUndefined();
  });
});
