import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readStat, readStatOrThrow } from '../../../src/process/proc';

describe('readStat', () => {
  it("reads a live process's state, parent, group, session and start time, as the whole stat line says", () => {
    const line = fs.readFileSync('/proc/self/stat', 'latin1');
    const fields = line.slice(line.lastIndexOf(')') + 2).split(' ');
    const got = readStat(process.pid);
    expect(got).toEqual({
      state: expect.any(String),
      ppid: Number(fields[1]),
      pgrp: Number(fields[2]),
      session: Number(fields[3]),
      startTicks: Number(fields[19]),
    });
    // Twice in a row (the buffer is shared): the same answer.
    expect(readStat(process.pid)).toEqual(got);
  });

  it('a process that is gone is undefined, not an error', () => {
    const child = spawnSync('/bin/true');
    expect(child.status).toBe(0);
    expect(readStatOrThrow(child.pid!)).toBeUndefined();
    expect(readStat(child.pid!)).toBeUndefined();
  });
});
