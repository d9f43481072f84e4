import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { batchResults, batchScript } from '../../helpers/command-batch';

describe('several commands in one shell', () => {
  it("gives each command's exit status, stdout and stderr byte for byte, in order", () => {
    const commands = [
      ['printf', '%s', "it's \"quoted\" $HOME `x` \\ é\n\n"],
      ['sh', '-c', 'echo out; echo err >&2; exit 3'],
      ['true'],
      ['/nonexistent/command'],
    ];
    const run = spawnSync('/bin/sh', ['-c', batchScript(commands)], { encoding: 'utf8' });
    const results = batchResults(run.stdout);
    expect(results).toHaveLength(4);
    expect(results[0]).toEqual({ code: 0, stdout: "it's \"quoted\" $HOME `x` \\ é\n\n", stderr: '' });
    expect(results[1]).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
    expect(results[2]).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(results[3]!.code).toBe(127);
    expect(results[3]!.stderr).toMatch(/not found/);
  });
});
