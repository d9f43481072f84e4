// OpenFile=: the files opened for the main process, after the sockets, with their names.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withOpenFiles } from '../../../src/exec/open-files';
import { tempDir } from '../../helpers/temp-dir';

describe('withOpenFiles', () => {
  it('appends the files to the sockets with their names; graceful ones that cannot be opened are left out and said', () => {
    const dir = tempDir('ts-init-openfile-');
    fs.writeFileSync(path.join(dir, 'a'), 'hello');
    const skipped: string[] = [];
    const r = withOpenFiles(
      { fds: [100], names: ['sock'] },
      [
        { path: path.join(dir, 'a'), name: 'a', mode: 'read-only', graceful: false },
        { path: path.join(dir, 'missing'), name: 'm', mode: 'read-write', graceful: true },
      ],
      (why) => skipped.push(why),
    );
    expect(r.error).toBeUndefined();
    expect(r.pass!.names).toEqual(['sock', 'a']);
    expect(r.pass!.fds[0]).toBe(100);
    const buf = Buffer.alloc(5);
    fs.readSync(r.pass!.fds[1]!, buf, 0, 5, 0);
    expect(buf.toString()).toBe('hello');
    expect(skipped).toEqual([expect.stringMatching(/^OpenFile=.*missing: ENOENT/)]);
    r.close();
    expect(() => fs.fstatSync(r.pass!.fds[1]!)).toThrow();
  });

  it('a FIFO without a writer does not block; one that cannot be opened (not graceful) is the error, and nothing stays open', () => {
    const dir = tempDir('ts-init-openfile-');
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const ok = withOpenFiles(undefined, [{ path: fifo, name: 'f', mode: 'read-only', graceful: false }], () => undefined);
    expect(ok.pass!.names).toEqual(['f']);
    ok.close();
    const bad = withOpenFiles(undefined, [
      { path: fifo, name: 'f', mode: 'read-only', graceful: false },
      { path: path.join(dir, 'nope'), name: 'n', mode: 'append', graceful: false },
    ], () => undefined);
    expect(bad.error).toMatch(/^OpenFile=.*nope: ENOENT/);
    expect(bad.pass).toBeUndefined();
  });

  it('nothing to open: what the sockets pass, unchanged', () => {
    const sockets = { fds: [7], names: ['s'] };
    expect(withOpenFiles(sockets, [], () => undefined).pass).toBe(sockets);
    expect(withOpenFiles(undefined, [], () => undefined).pass).toBeUndefined();
  });
});
